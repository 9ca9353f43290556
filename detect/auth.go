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
// printable text holding a ':', and with no password after it, a user that
// passes the bearer rule (an API key sent as the user name). After an "Authorization" header or key
// (`Authorization: Token …`, `"authorization": "…"`), the credential of any
// other scheme (Token, Api-Token, a scheme of its own) or of none (a bare
// API key) is held to the bearer rule, over any visible ASCII but quotes,
// brackets and ",;:&|\" (a header value need not be token68: an OpenShift
// token is sha256~…, a made-up one may hold '@' or '='). The finding
// covers the credential only.
type authorizationDetector struct{}

const maxBearer = 4096

func isToken68(b byte) bool {
	return isAlnum(b) || b == '-' || b == '.' || b == '_' || b == '~' || b == '+' || b == '/'
}

func (authorizationDetector) extent(line []byte, start, end int) (int, int, bool) {
	if !boundaryBefore(line, start) {
		return 0, 0, false
	}
	if end-start == len("authorization") {
		return authorizationHeader(line, end)
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

// isHeaderByte is what the credential after an Authorization name may
// hold: visible ASCII but quotes, brackets and the separators of lists,
// key=value pairs and URLs.
func isHeaderByte(b byte) bool {
	return b > ' ' && b < 0x7f && bytes.IndexByte([]byte("\"'`,;:\\(){}[]<>&|"), b) < 0
}

// Validate checks a bearer token or a Basic credential, or the credential
// after an Authorization name.
func (authorizationDetector) Validate(v []byte) bool {
	if len(v) > maxBearer+64 {
		return false
	}
	for _, b := range v {
		if !isToken68(b) && b != '=' {
			return headerToken(v)
		}
	}
	return basicCredential(v) || bearerToken(v)
}

// headerToken is the bearer rule for a credential of any visible bytes
// after an Authorization name: '=' may stand anywhere in it.
func headerToken(v []byte) bool {
	for _, b := range v {
		if !isHeaderByte(b) {
			return false
		}
	}
	body := bytes.TrimRight(v, "=")
	if len(body) < 16 || placeholder(body) {
		return false
	}
	letters, rest := 0, 0
	for _, b := range body {
		if isUpper(b) || isLower(b) {
			letters++
		} else {
			rest++
		}
	}
	return letters > 0 && rest > 0 && entropy(body) >= 3
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
	if c < 1 {
		return false
	}
	for _, b := range raw {
		if b < ' ' || b == 0x7f {
			return false
		}
	}
	if c == len(raw)-1 {
		// No password: an API key sent as the user (Stripe's and others'
		// "key:"), held to the bearer rule; a plain user name is no secret.
		return bearerToken(raw[:c])
	}
	return !placeholder(raw[c+1:])
}

// authorizationHeader reads the credential after an "Authorization" name
// ending at i: a separator (':' or '=', quotes and spaces around it), then
// an optional scheme and its token. Bearer and Basic are left to their own
// literals.
func authorizationHeader(line []byte, i int) (int, int, bool) {
	skip := func(i int, set string) int {
		for i < len(line) && bytes.IndexByte([]byte(set), line[i]) >= 0 {
			i++
		}
		return i
	}
	i = skip(i, `"' `)
	if i >= len(line) || line[i] != ':' && line[i] != '=' {
		return 0, 0, false
	}
	i = skip(i+1, `"' `)
	// A scheme: a word of letters, digits and '-', then spaces.
	w := i
	for w < len(line) && (isAlnum(line[w]) || line[w] == '-') {
		w++
	}
	if w > i && w < len(line) && line[w] == ' ' {
		scheme := line[i:w]
		if bytes.EqualFold(scheme, []byte("bearer")) || bytes.EqualFold(scheme, []byte("basic")) {
			return 0, 0, false
		}
		i = skip(w, " ")
	}
	e := span(line, i, maxBearer+1, isHeaderByte)
	if e-i > maxBearer {
		return 0, 0, false
	}
	v := line[i:e]
	for _, b := range v {
		if !isToken68(b) && b != '=' {
			return i, e, headerToken(v)
		}
	}
	return i, e, bearerToken(v)
}
