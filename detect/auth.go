package detect

import (
	"bytes"
	"encoding/base64"
)

// authorizationDetector finds the credentials of HTTP authorization
// (RFC 9110 §11): "Bearer <token68>" and "Basic <base64 of user:password>",
// as headers, curl flags and client dicts print them, in any case. A bearer
// token must be 16 to 4096 bytes of the token68 alphabet, not a
// placeholder, with letters and digits or symbols mixed (not a word: "the
// bearer of bad news" is not a finding); a Basic credential must decode to
// printable text holding a ':'. The finding covers the credential only.
type authorizationDetector struct{}

func (authorizationDetector) Name() string           { return "authorization" }
func (authorizationDetector) Confidence() Confidence { return High }
func (authorizationDetector) literals() []string     { return []string{"bearer ", "basic "} }
func (authorizationDetector) priority() int          { return 2 }

const maxBearer = 4096

func isToken68(b byte) bool {
	return isAlnum(b) || b == '-' || b == '.' || b == '_' || b == '~' || b == '+' || b == '/'
}

func (authorizationDetector) extent(line []byte, start, end int) (int, int, bool) {
	if !boundaryBefore(line, start) {
		return 0, 0, false
	}
	s := end
	for s < len(line) && line[s] == ' ' {
		s++
	}
	e := span(line, s, maxBearer+1, isToken68)
	for e < len(line) && line[e] == '=' && e-s <= maxBearer {
		e++
	}
	if e-s > maxBearer || e < len(line) && isToken68(line[e]) {
		return 0, 0, false
	}
	v := line[s:e]
	if line[start]|0x20 == 'b' && line[start+1]|0x20 == 'a' { // Basic
		return s, e, basicCredential(v)
	}
	return s, e, bearerToken(v)
}

// Validate checks a bearer token or a Basic credential.
func (authorizationDetector) Validate(v []byte) bool {
	if len(v) > maxBearer+64 {
		return false
	}
	for _, b := range v {
		if !isToken68(b) && b != '=' {
			return false
		}
	}
	return basicCredential(v) || bearerToken(v)
}

func bearerToken(v []byte) bool {
	body := bytes.TrimRight(v, "=")
	if len(body) < 16 || bytes.IndexByte(body, '=') >= 0 || placeholder(body) {
		return false
	}
	letters, digits, other := 0, 0, 0
	for _, b := range body {
		switch {
		case isDigit(b):
			digits++
		case isUpper(b) || isLower(b):
			letters++
		default:
			other++
		}
	}
	return letters > 0 && digits+other > 0 && entropy(body) >= 3
}

func basicCredential(v []byte) bool {
	if len(v) < 8 || len(v)%4 != 0 {
		return false
	}
	raw := make([]byte, base64.StdEncoding.DecodedLen(len(v)))
	n, err := base64.StdEncoding.Decode(raw, v)
	if err != nil {
		return false
	}
	raw = raw[:n]
	c := bytes.IndexByte(raw, ':')
	if c < 1 || c == len(raw)-1 {
		return false
	}
	for _, b := range raw {
		if b < ' ' || b == 0x7f {
			return false
		}
	}
	return !placeholder(raw[c+1:])
}
