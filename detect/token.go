package detect

import (
	"bytes"
	"hash/crc32"
)

// Vendor tokens: each starts with a documented literal, found by the
// Aho–Corasick pass, followed by a documented charset and length.

func isBase62(b byte) bool    { return isAlnum(b) }
func isTokenByte(b byte) bool { return isAlnum(b) || b == '_' || b == '-' }

// tokenExtent bounds a token that starts with a literal at start: the
// literal must begin a word, and the token runs over ok bytes up to max.
func tokenExtent(line []byte, start, end, max int, ok func(byte) bool) (int, int, bool) {
	if start > 0 && isTokenByte(line[start-1]) {
		return 0, 0, false
	}
	e := span(line, end, max, ok)
	if e < len(line) && ok(line[e]) {
		return 0, 0, false // longer than any such token
	}
	return start, e, true
}

// awsKeyDetector finds AWS access key IDs: AKIA (long-term) or ASIA
// (temporary) and 16 characters of the base32 alphabet A–Z, 2–7.
type awsKeyDetector struct{}

func (awsKeyDetector) Name() string           { return "aws-key" }
func (awsKeyDetector) Confidence() Confidence { return High }
func (awsKeyDetector) literals() []string     { return []string{"AKIA", "ASIA"} }
func (awsKeyDetector) priority() int          { return 3 }

func (awsKeyDetector) extent(line []byte, start, end int) (int, int, bool) {
	return tokenExtent(line, start, end, 16, isAlnum)
}

func (awsKeyDetector) Validate(v []byte) bool {
	if len(v) != 20 || !(bytes.HasPrefix(v, []byte("AKIA")) || bytes.HasPrefix(v, []byte("ASIA"))) {
		return false
	}
	for _, b := range v[4:] {
		if !isUpper(b) && !('2' <= b && b <= '7') {
			return false
		}
	}
	return !placeholder(v[4:])
}

// githubDetector finds GitHub tokens: the 2021 format ghp_, gho_, ghu_, ghs_
// or ghr_ followed by 30 base62 characters and a 6-character base62 CRC32 of
// those 30, and fine-grained personal access tokens github_pat_ followed by
// 22 base62 characters, '_' and 59 base62 characters.
type githubDetector struct{}

func (githubDetector) Name() string           { return "github-token" }
func (githubDetector) Confidence() Confidence { return High }
func (githubDetector) literals() []string {
	return []string{"ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_"}
}
func (githubDetector) priority() int { return 3 }

func (githubDetector) extent(line []byte, start, end int) (int, int, bool) {
	if end-start == len("github_pat_") {
		return tokenExtent(line, start, end, 82, isTokenByte)
	}
	return tokenExtent(line, start, end, 36, isBase62)
}

const base62Digits = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

func (githubDetector) Validate(v []byte) bool {
	if bytes.HasPrefix(v, []byte("github_pat_")) {
		rest := v[len("github_pat_"):]
		if len(rest) != 82 || rest[22] != '_' {
			return false
		}
		for i, b := range rest {
			if i != 22 && !isBase62(b) {
				return false
			}
		}
		return !placeholder(rest)
	}
	if len(v) != 40 || v[0] != 'g' || v[1] != 'h' || v[3] != '_' || bytes.IndexByte([]byte("pousr"), v[2]) < 0 {
		return false
	}
	body, sum := v[4:34], v[34:]
	for _, b := range v[4:] {
		if !isBase62(b) {
			return false
		}
	}
	return bytes.Equal(sum, githubChecksum(body))
}

// githubChecksum is the 6-character, zero-padded base62 encoding of the
// IEEE CRC32 of a token's random part.
func githubChecksum(body []byte) []byte {
	c := crc32.ChecksumIEEE(body)
	var out [6]byte
	for i := 5; i >= 0; i-- {
		out[i] = base62Digits[c%62]
		c /= 62
	}
	return out[:]
}

// gitlabDetector finds GitLab personal access tokens: glpat- and at least
// 20 characters of [0-9A-Za-z_-] (newer tokens are longer and dotted).
type gitlabDetector struct{}

func (gitlabDetector) Name() string           { return "gitlab-token" }
func (gitlabDetector) Confidence() Confidence { return High }
func (gitlabDetector) literals() []string     { return []string{"glpat-"} }
func (gitlabDetector) priority() int          { return 3 }

func isGitlabByte(b byte) bool { return isTokenByte(b) || b == '.' }

func (gitlabDetector) extent(line []byte, start, end int) (int, int, bool) {
	s, e, ok := tokenExtent(line, start, end, 200, isGitlabByte)
	for ok && e > end && line[e-1] == '.' {
		e--
	}
	return s, e, ok
}

func (gitlabDetector) Validate(v []byte) bool {
	rest, ok := bytes.CutPrefix(v, []byte("glpat-"))
	if !ok || len(rest) < 20 || len(rest) > 200 || rest[len(rest)-1] == '.' {
		return false
	}
	for _, b := range rest {
		if !isGitlabByte(b) {
			return false
		}
	}
	return !placeholder(rest)
}

// slackTokenDetector finds Slack tokens: xoxb- (bot), xoxp- (user), xoxa-,
// xoxr-, xoxs-, xoxe- and app-level xapp-, then hyphen-separated parts of
// [0-9A-Za-z], the first numeric.
type slackTokenDetector struct{}

func (slackTokenDetector) Name() string           { return "slack-token" }
func (slackTokenDetector) Confidence() Confidence { return High }
func (slackTokenDetector) literals() []string {
	return []string{"xoxb-", "xoxp-", "xoxa-", "xoxr-", "xoxs-", "xoxe-", "xapp-"}
}
func (slackTokenDetector) priority() int { return 3 }

func isSlackByte(b byte) bool { return isAlnum(b) || b == '-' }

func (slackTokenDetector) extent(line []byte, start, end int) (int, int, bool) {
	return tokenExtent(line, start, end, 250, isSlackByte)
}

func (slackTokenDetector) Validate(v []byte) bool {
	if len(v) < 5+20 || len(v) > 255 || v[0] != 'x' || v[4] != '-' {
		return false
	}
	parts := bytes.Split(v[5:], []byte("-"))
	if len(parts) < 2 || placeholder(parts[len(parts)-1]) {
		return false
	}
	for i, p := range parts {
		if len(p) == 0 {
			return false
		}
		for _, b := range p {
			if !isAlnum(b) || (i == 0 && !isDigit(b) && string(v[:4]) != "xapp") {
				return false
			}
		}
	}
	return true
}

// slackWebhookDetector finds Slack incoming-webhook URLs:
// https://hooks.slack.com/services/T…/B…/secret.
type slackWebhookDetector struct{}

func (slackWebhookDetector) Name() string           { return "slack-webhook" }
func (slackWebhookDetector) Confidence() Confidence { return High }
func (slackWebhookDetector) literals() []string     { return []string{"hooks.slack.com/services/"} }
func (slackWebhookDetector) priority() int          { return 3 }

func isWebhookByte(b byte) bool { return isAlnum(b) || b == '/' }

func (slackWebhookDetector) extent(line []byte, start, end int) (int, int, bool) {
	s := start
	if p := []byte("https://"); s >= len(p) && bytes.Equal(line[s-len(p):s], p) {
		s -= len(p)
	}
	e := span(line, end, 120, isWebhookByte)
	return s, e, true
}

func (slackWebhookDetector) Validate(v []byte) bool {
	v = bytes.TrimPrefix(v, []byte("https://"))
	rest, ok := bytes.CutPrefix(v, []byte("hooks.slack.com/services/"))
	if !ok {
		return false
	}
	parts := bytes.Split(rest, []byte("/"))
	if len(parts) != 3 || len(parts[0]) < 9 || parts[0][0] != 'T' || len(parts[1]) < 9 || parts[1][0] != 'B' || len(parts[2]) < 20 {
		return false
	}
	for _, p := range parts[:2] {
		for _, b := range p {
			if !isUpper(b) && !isDigit(b) {
				return false
			}
		}
	}
	for _, b := range parts[2] {
		if !isAlnum(b) {
			return false
		}
	}
	return !placeholder(parts[2])
}

// stripeDetector finds Stripe live secret and restricted keys: sk_live_ or
// rk_live_ and at least 24 base62 characters.
type stripeDetector struct{}

func (stripeDetector) Name() string           { return "stripe-key" }
func (stripeDetector) Confidence() Confidence { return High }
func (stripeDetector) literals() []string     { return []string{"sk_live_", "rk_live_"} }
func (stripeDetector) priority() int          { return 3 }

func (stripeDetector) extent(line []byte, start, end int) (int, int, bool) {
	return tokenExtent(line, start, end, 247, isBase62)
}

func (stripeDetector) Validate(v []byte) bool {
	if len(v) < 8+24 || len(v) > 255 || !(bytes.HasPrefix(v, []byte("sk_live_")) || bytes.HasPrefix(v, []byte("rk_live_"))) {
		return false
	}
	for _, b := range v[8:] {
		if !isBase62(b) {
			return false
		}
	}
	return !placeholder(v[8:])
}

// googleKeyDetector finds Google API keys: AIza and 35 characters of
// [0-9A-Za-z_-].
type googleKeyDetector struct{}

func (googleKeyDetector) Name() string           { return "google-api-key" }
func (googleKeyDetector) Confidence() Confidence { return High }
func (googleKeyDetector) literals() []string     { return []string{"AIza"} }
func (googleKeyDetector) priority() int          { return 3 }

func (googleKeyDetector) extent(line []byte, start, end int) (int, int, bool) {
	return tokenExtent(line, start, end, 35, isTokenByte)
}

func (googleKeyDetector) Validate(v []byte) bool {
	if len(v) != 39 || !bytes.HasPrefix(v, []byte("AIza")) {
		return false
	}
	for _, b := range v[4:] {
		if !isTokenByte(b) {
			return false
		}
	}
	return !placeholder(v[4:])
}
