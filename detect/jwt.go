package detect

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
)

// jwtDetector finds JSON Web Tokens in compact serialization (RFC 7519 §3):
// three base64url parts joined by dots, the first decoding to a JSON object
// with an "alg" member (RFC 7515 §4.1.1) and the second to a JSON object. The
// literal "eyJ" is how base64url of `{"` begins. A token printed without its
// signature (header.claims) is found too: its claims are no less private,
// and detect-secrets' fixtures count it.
type jwtDetector struct{}

func isB64URL(b byte) bool { return isAlnum(b) || b == '-' || b == '_' }

// maxJWT bounds a token's length, so a long base64 run costs bounded work.
const maxJWT = 8192

func (jwtDetector) extent(line []byte, start, _ int) (int, int, bool) {
	if start > 0 && (isB64URL(line[start-1]) || line[start-1] == '.') {
		return 0, 0, false
	}
	e := start
	for part := 0; part < 3; part++ {
		if part > 0 {
			if part == 2 && (e >= len(line) || line[e] != '.') {
				break // header.claims, the signature left off
			}
			if e >= len(line) || line[e] != '.' {
				return 0, 0, false
			}
			e++
		}
		e = span(line, e, maxJWT, isB64URL)
	}
	if e < len(line) && (isB64URL(line[e]) || line[e] == '.' && e+1 < len(line) && isB64URL(line[e+1])) {
		return 0, 0, false
	}
	return start, e, true
}

func (jwtDetector) Validate(v []byte) bool {
	if len(v) > 3*maxJWT+2 {
		return false
	}
	parts := bytes.Split(v, []byte("."))
	if len(parts) < 2 || len(parts) > 3 || len(parts[0]) < 4 || len(parts[1]) < 4 {
		return false
	}
	for _, p := range parts {
		for _, b := range p {
			if !isB64URL(b) {
				return false
			}
		}
	}
	var header struct {
		Alg *string `json:"alg"`
	}
	if !decodeJSONPart(parts[0], &header) || header.Alg == nil || *header.Alg == "" {
		return false
	}
	var claims map[string]json.RawMessage
	return decodeJSONPart(parts[1], &claims)
}

func decodeJSONPart(p []byte, v any) bool {
	raw := make([]byte, base64.RawURLEncoding.DecodedLen(len(p)))
	n, err := base64.RawURLEncoding.Decode(raw, p)
	if err != nil {
		return false
	}
	return json.Unmarshal(raw[:n], v) == nil
}
