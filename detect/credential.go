package detect

import (
	"bytes"
	"math"
)

// credentialDetector finds the value of a credential written as key=value,
// key: value or JSON "key": "value", where the key ends in password, passwd,
// token, secret, api_key, apikey or api-key (any case: DB_PASSWORD,
// client_secret, authToken). The value must pass an entropy floor and not
// be a placeholder ("xxxx", "<token>", "${VAR}", "changeme", "***").
// The finding covers the value only, so redaction keeps the key.
type credentialDetector struct{}

func (credentialDetector) Name() string           { return "credential" }
func (credentialDetector) Confidence() Confidence { return High }
func (credentialDetector) literals() []string {
	return []string{"password", "passwd", "token", "secret", "api_key", "apikey", "api-key"}
}
func (credentialDetector) priority() int { return 2 }

// Bounds of a credential value.
const (
	minCredential = 8
	maxCredential = 256
	// minEntropy is the floor, in bits per byte, of a credential value's
	// Shannon entropy: random secrets of 8+ characters sit well above it,
	// words and repeated characters below.
	minEntropy = 2.5
)

func (credentialDetector) extent(line []byte, _, end int) (int, int, bool) {
	i := end
	if i < len(line) && (line[i] == '"' || line[i] == '\'') {
		i++
	}
	for i < len(line) && line[i] == ' ' {
		i++
	}
	if i >= len(line) || (line[i] != '=' && line[i] != ':') {
		return 0, 0, false
	}
	i++
	if i < len(line) && (line[i] == '=' || line[i] == '>') { // ==, =>, :=
		i++
	}
	for i < len(line) && line[i] == ' ' {
		i++
	}
	if i >= len(line) {
		return 0, 0, false
	}
	if q := line[i]; q == '"' || q == '\'' || q == '`' {
		s := i + 1
		e := s
		for e < len(line) && e-s <= maxCredential && line[e] != q {
			if line[e] == '\\' {
				e++
			}
			e++
		}
		if e >= len(line) || e-s > maxCredential {
			return 0, 0, false
		}
		return s, e, true
	}
	s := i
	e := span(line, s, maxCredential+1, isCredentialByte)
	return s, e, e-s <= maxCredential
}

// isCredentialByte is what an unquoted value may hold: anything printable
// but the separators that end a value in key=value lists, JSON and URLs.
func isCredentialByte(b byte) bool {
	return b > ' ' && b < 0x7f && b != ',' && b != ';' && b != '&' && b != '"' && b != '\'' && b != '}' && b != ']' && b != ')'
}

// Validate checks a credential value: length, no placeholder, entropy floor.
func (credentialDetector) Validate(v []byte) bool {
	if len(v) < minCredential || len(v) > maxCredential {
		return false
	}
	for _, b := range v {
		if b < ' ' || b == 0x7f {
			return false
		}
	}
	return !placeholder(v) && entropy(v) >= minEntropy
}

// entropy is the Shannon entropy of v in bits per byte.
func entropy(v []byte) float64 {
	var counts [256]int
	for _, b := range v {
		counts[b]++
	}
	h := 0.0
	n := float64(len(v))
	for _, c := range counts {
		if c > 0 {
			p := float64(c) / n
			h -= p * math.Log2(p)
		}
	}
	return h
}

// placeholderWords are values that stand for a secret without being one.
var placeholderWords = [][]byte{
	[]byte("changeme"), []byte("change_me"), []byte("password"), []byte("passw0rd"),
	[]byte("redacted"), []byte("example"), []byte("placeholder"), []byte("your_"),
	[]byte("your-"), []byte("dummy"), []byte("secret"), []byte("token"), []byte("null"),
	[]byte("none"), []byte("undefined"), []byte("notset"), []byte("not_set"), []byte("masked"),
	[]byte("hidden"), []byte("xxxx"), []byte("****"), []byte("...."), []byte("${"),
	[]byte("{{"), []byte("%("), []byte("$("),
}

// placeholder reports whether v is a stand-in rather than a secret: a known
// word anywhere in it (any case), a template or environment reference
// ($VAR, ${VAR}, {{ var }}, %(var)s, <token>), or a run of one repeated
// character.
func placeholder(v []byte) bool {
	if len(v) == 0 {
		return true
	}
	if v[0] == '$' || v[0] == '<' || v[0] == '*' {
		return true
	}
	var low [maxCredential + 1]byte
	n := copy(low[:], v)
	for i := range n {
		if isUpper(low[i]) {
			low[i] += 'a' - 'A'
		}
	}
	for _, w := range placeholderWords {
		if bytes.Contains(low[:n], w) {
			return true
		}
	}
	run := 1
	for i := 1; i < len(v); i++ {
		if v[i] == v[i-1] {
			run++
			if run >= 6 {
				return true
			}
		} else {
			run = 1
		}
	}
	return false
}
