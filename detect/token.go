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

// awsKeyDetector finds AWS access key IDs and the other unique IDs of IAM:
// a four-letter prefix naming the kind (AKIA long-term and ASIA temporary
// access keys, ABIA STS service bearer tokens, ACCA context-specific
// credentials, AGPA groups, AIDA users, AROA roles, AIPA instance
// profiles, ANPA/ANVA managed policies, APKA public keys, and the older
// A3T + one character) and 16 characters of the base32 alphabet A–Z, 2–7.
type awsKeyDetector struct{}

var awsKeyPrefixes = []string{"AKIA", "ASIA", "ABIA", "ACCA", "AGPA", "AIDA", "AROA", "AIPA", "ANPA", "ANVA", "APKA", "A3T"}

func (awsKeyDetector) extent(line []byte, start, end int) (int, int, bool) {
	return tokenExtent(line, start, start+4, 16, isAlnum)
}

func (awsKeyDetector) Validate(v []byte) bool {
	if len(v) != 20 {
		return false
	}
	known := false
	for _, p := range awsKeyPrefixes {
		known = known || bytes.HasPrefix(v, []byte(p))
	}
	if !known || !isUpper(v[3]) && !isDigit(v[3]) {
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
	want := githubChecksum(body)
	return bytes.Equal(sum, want[:])
}

// githubChecksum is the 6-character, zero-padded base62 encoding of the
// IEEE CRC32 of a token's random part.
//
// It returns an array, not a slice of one, which would escape: a slice cost
// an allocation for every token-shaped string the tripwire looked at.
func githubChecksum(body []byte) [6]byte {
	c := crc32.ChecksumIEEE(body)
	var out [6]byte
	for i := 5; i >= 0; i-- {
		out[i] = base62Digits[c%62]
		c /= 62
	}
	return out
}

// gitlabDetector finds GitLab tokens: a prefix naming the kind (glpat-
// personal, gldt- deploy, glrt- runner, glptt- pipeline trigger, glft-
// feed, glimt- incoming mail, glagent- agent, gloas- OAuth application
// secret, glcbt- CI job, glsoat- SCIM, glffct- feature flags, GR1348941
// runner registration), then the length of that kind: at least 20
// characters of [0-9A-Za-z_-] for most and 50 for glagent-; exactly 25 for
// glimt-, 40 for glptt- and 64 for gloas-, and 20 to 50 for GR1348941
// (a longer run of token bytes is not a token of that kind, as
// detect-secrets' fixtures pin it: glimt-my-tokens_are-correctAB38_280 is
// none); not all digits. Or a routable token: at least 27 characters, ".",
// and a 9-character version and CRC in lower-case base36.
type gitlabDetector struct{}

var gitlabPrefixes = []string{"glpat-", "gldt-", "glrt-", "glptt-", "glft-", "glimt-", "glagent-", "gloas-", "glcbt-", "glsoat-", "glffct-", "GR1348941"}

func isGitlabByte(b byte) bool { return isTokenByte(b) || b == '.' }

func (gitlabDetector) extent(line []byte, start, end int) (int, int, bool) {
	s, e, ok := tokenExtent(line, start, end, 200, isGitlabByte)
	for ok && e > end && line[e-1] == '.' {
		e--
	}
	return s, e, ok
}

func (gitlabDetector) Validate(v []byte) bool {
	var rest []byte
	for _, p := range gitlabPrefixes {
		if r, ok := bytes.CutPrefix(v, []byte(p)); ok {
			rest = r
		}
	}
	if len(rest) < 20 || len(rest) > 200 || rest[len(rest)-1] == '.' {
		return false
	}
	for _, b := range rest {
		if !isGitlabByte(b) {
			return false
		}
	}
	if placeholder(rest) {
		return false
	}
	if bytes.IndexByte(rest, '.') >= 0 {
		// A routable token: a base64 payload, then ".", a 2-character
		// version and a 7-character CRC, lower-case base36.
		d := bytes.LastIndexByte(rest, '.')
		if d < 27 || len(rest)-d-1 != 9 {
			return false
		}
		for _, b := range rest[d+1:] {
			if !isDigit(b) && !isLower(b) {
				return false
			}
		}
		return bytes.HasPrefix(v, []byte("glpat-")) || bytes.HasPrefix(v, []byte("glrt-")) || bytes.HasPrefix(v, []byte("glcbt-"))
	}
	if lo, hi := gitlabLength(v); len(rest) < lo || len(rest) > hi {
		return false
	}
	digits := 0
	for _, b := range rest {
		if isDigit(b) {
			digits++
		}
	}
	return digits < len(rest) // not a run of digits (GR1348941123123…)
}

// gitlabLength is the least and greatest length of a non-routable token
// after its prefix.
func gitlabLength(v []byte) (lo, hi int) {
	switch {
	case bytes.HasPrefix(v, []byte("glimt-")):
		return 25, 25
	case bytes.HasPrefix(v, []byte("glagent-")):
		return 50, 200
	case bytes.HasPrefix(v, []byte("gloas-")):
		return 64, 64
	case bytes.HasPrefix(v, []byte("glptt-")):
		return 40, 40
	case bytes.HasPrefix(v, []byte("GR1348941")):
		return 20, 50
	}
	return 20, 200
}

// slackTokenDetector finds Slack tokens: xoxb- (bot), xoxp- (user), xoxa-,
// xoxr-, xoxs-, xoxe- and app-level xapp-, then hyphen-separated parts of
// [0-9A-Za-z], the first numeric (for xoxb- and xoxp-, a workspace id of
// at least 8 digits); configuration tokens (xoxe.xoxp-) end in base64
// holding a digit.
type slackTokenDetector struct{}

func isSlackByte(b byte) bool { return isAlnum(b) || b == '-' }

func (slackTokenDetector) extent(line []byte, start, end int) (int, int, bool) {
	if line[start+4] == '.' { // xoxe.xoxp-…: a rotating token's access token
		end = start + 5
	}
	if line[start+4] == '-' && start >= 5 && string(line[start-5:start]) == "xoxe." {
		return 0, 0, false // found from its "xoxe." prefix
	}
	return tokenExtent(line, start, end, 250, isSlackByte)
}

func (slackTokenDetector) Validate(v []byte) bool {
	v, config := bytes.CutPrefix(v, []byte("xoxe."))
	if len(v) < 5+20 || len(v) > 255 || v[0] != 'x' || v[4] != '-' {
		return false
	}
	parts := bytes.Split(v[5:], []byte("-"))
	last := parts[len(parts)-1]
	if len(parts) < 2 || placeholder(last) {
		return false
	}
	// Bot and user tokens begin with a workspace id of 8 digits or more
	// (xoxb-1234-… is an example); a configuration token's body is base64,
	// which holds digits (…-SlackAppConfigurationAccessTokenHere is text).
	kind := string(v[:4])
	if !config && (kind == "xoxb" || kind == "xoxp") && len(parts[0]) < 8 {
		return false
	}
	if config && bytes.IndexAny(last, "0123456789") < 0 {
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

// slackWebhookDetector finds Slack webhook URLs:
// https://hooks.slack.com/services/T…/B…/secret (incoming webhooks), and
// …/workflows/T…/A…/id/secret and …/triggers/T…/id/secret (Workflow
// Builder), with or without the scheme.
type slackWebhookDetector struct{}

var slackHookPaths = []string{"hooks.slack.com/services/", "hooks.slack.com/workflows/", "hooks.slack.com/triggers/"}

func isWebhookByte(b byte) bool { return isAlnum(b) || b == '/' }

func (slackWebhookDetector) extent(line []byte, start, end int) (int, int, bool) {
	s := start
	for _, p := range [][]byte{[]byte("https://"), []byte("http://")} {
		if s >= len(p) && bytes.Equal(line[s-len(p):s], p) {
			s -= len(p)
			break
		}
	}
	e := span(line, end, 160, isWebhookByte)
	for e > end && line[e-1] == '/' {
		e--
	}
	return s, e, true
}

// Validate checks the path: a workspace id (T and 8 or more capitals or
// digits), then for services a B… id and a secret of 16 or more base62,
// for workflows and triggers ids and a secret of 16 or more.
func (slackWebhookDetector) Validate(v []byte) bool {
	v = bytes.TrimPrefix(bytes.TrimPrefix(v, []byte("https://")), []byte("http://"))
	var rest []byte
	kind := -1
	for i, p := range slackHookPaths {
		if r, ok := bytes.CutPrefix(v, []byte(p)); ok {
			rest, kind = r, i
		}
	}
	if kind < 0 {
		return false
	}
	parts := bytes.Split(rest, []byte("/"))
	if len(parts) < 3 || len(parts) > 4 || len(parts[0]) < 9 || parts[0][0] != 'T' || kind == 0 && (len(parts) != 3 || len(parts[1]) < 8 || parts[1][0] != 'B') {
		return false
	}
	for _, p := range parts[:len(parts)-1] {
		if len(p) == 0 {
			return false
		}
		for _, b := range p {
			if !isUpper(b) && !isDigit(b) {
				return false
			}
		}
	}
	secret := parts[len(parts)-1]
	if len(secret) < 16 {
		return false
	}
	for _, b := range secret {
		if !isAlnum(b) {
			return false
		}
	}
	return !placeholder(secret)
}

// stripeDetector finds Stripe secret and restricted keys, live and test
// (sk_live_, rk_live_, sk_test_, rk_test_), and webhook signing secrets
// (whsec_): the prefix and at least 24 base62 characters. Test keys are
// secrets too: they read and write a test account's data.
type stripeDetector struct{}

var stripePrefixes = []string{"sk_live_", "rk_live_", "sk_test_", "rk_test_", "sk_prod_", "rk_prod_", "whsec_"}

func (stripeDetector) extent(line []byte, start, end int) (int, int, bool) {
	return tokenExtent(line, start, end, 247, isBase62)
}

func (stripeDetector) Validate(v []byte) bool {
	var rest []byte
	for _, p := range stripePrefixes {
		if r, ok := bytes.CutPrefix(v, []byte(p)); ok {
			rest = r
		}
	}
	if len(rest) < 24 || len(v) > 255 {
		return false
	}
	for _, b := range rest {
		if !isBase62(b) {
			return false
		}
	}
	return !placeholder(rest)
}

// googleKeyDetector finds Google API keys: AIza and 35 characters of
// [0-9A-Za-z_-].
type googleKeyDetector struct{}

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
