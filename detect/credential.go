package detect

import (
	"bytes"
	"math"
)

// credentialDetector finds the value of a credential written as key=value,
// key: value, JSON "key": "value" or a lookup with a default ("key",
// "value"), where the key ends in one of the
// literals below (any case: DB_PASSWORD, client_secret, authToken,
// proxy_auth, AccessKey). The finding covers the value only, so redaction
// keeps the key.
//
// The rule, decided from the keys and values of real ML output (Trainer
// state, vLLM/TGI/OpenAI logprobs, tokenizer dumps, paginated APIs):
//   - the value has 8 bytes or more (6 after a password key), passes an
//     entropy floor and is not a placeholder (see placeholder: a value that
//     merely contains a word such as "password" is not one);
//   - after a password key anything else is a credential, a passphrase
//     with spaces too;
//   - after the other keys the value must look machine-made: a `token` whose
//     value is a word or a fragment of text (`{"token": " photosynthesis"}`,
//     "Ġthe", "▁Paris", "##ing", "bytes:\xe2\x80"), or a number (a count:
//     num_tokens=6011820449486005), is not a credential;
//   - nor is a slug, lower-case words and numbers joined by - . _ / :
//     (jjwt-jackson-0.11.2, bert-base-uncased), nor a file path
//     (/run/secrets/db, ./keys/train.json);
//   - a key that names a cursor (next_page_token, continuation_token,
//     cursor_token) holds a position in a listing, not a credential; nor
//     does a key naming a public value (publicToken, publishable_key) or a
//     CSRF token;
//   - curl's -u/--user user:password is a credential when its password (or,
//     with none, its user: an API key passed as the user) has 6 bytes or
//     more, is not all digits (docker's -u 1000:1000) and no placeholder.
type credentialDetector struct{}

// Bounds of a credential value.
const (
	minCredential = 8
	minPassword   = 6
	maxCredential = 256
	// minEntropy is the floor, in bits per byte, of a credential value's
	// Shannon entropy: random secrets of 8+ characters sit well above it,
	// words and repeated characters below.
	minEntropy = 2.5
)

// notSecretWords in a key name mark a value that is no secret: a
// pagination cursor, a public or publishable key, a CSRF token (bound to
// one session and sent to the browser in every page).
var notSecretWords = [][]byte{[]byte("page"), []byte("cursor"), []byte("continuation"), []byte("next"), []byte("sync"),
	[]byte("public"), []byte("publishable"), []byte("csrf"), []byte("xsrf")}

func (credentialDetector) extent(line []byte, start, end int) (int, int, bool) {
	lit := line[start:end]
	if lit[0] == '-' {
		return curlUser(line, start, end)
	}
	password := false
	for _, p := range []string{"password", "passwd", "_pw", "_pass", "passphrase"} {
		password = password || bytes.EqualFold(lit, []byte(p))
	}
	// The key: word bytes around the literal. It must end with it.
	if end < len(line) && isKeyByte(line[end]) {
		return 0, 0, false
	}
	i := end
	quoted := i < len(line) && (line[i] == '"' || line[i] == '\'')
	if quoted {
		i++
	}
	for i < len(line) && line[i] == ' ' {
		i++
	}
	// A quoted key, a comma and a quoted value: a lookup with a default,
	// getenv("api_token", "…").
	pair := quoted && i+2 < len(line) && line[i] == ',' && (line[i+1] == ' ' && (line[i+2] == '"' || line[i+2] == '\'') || line[i+1] == '"' || line[i+1] == '\'')
	if i >= len(line) || (line[i] != '=' && line[i] != ':' && !pair) {
		return 0, 0, false
	}
	// In a pair, a password key's value must look machine-made too: a
	// list of field names ("password", "username") is no credential.
	password = password && !pair
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
	var s, e int
	if q := line[i]; q == '"' || q == '\'' || q == '`' {
		s = i + 1
		e = s
		for e < len(line) && e-s <= maxCredential && line[e] != q {
			if line[e] == '\\' {
				e++
			}
			e++
		}
		if e >= len(line) || e-s > maxCredential {
			return 0, 0, false
		}
	} else {
		s = i
		e = span(line, s, maxCredential+1, isCredentialByte)
		if e-s > maxCredential {
			return 0, 0, false
		}
	}
	v := line[s:e]
	if password {
		return s, e, len(v) >= minPassword
	}
	if len(v) < minCredential || !machineMade(v) || slug(v) || path(v) {
		return 0, 0, false
	}
	ks := start
	for ks > 0 && start-ks < 64 && isKeyByte(line[ks-1]) {
		ks--
	}
	return s, e, !containsFold(line[ks:end], notSecretWords)
}

func isKeyByte(b byte) bool { return isWord[b] || b == '-' || b == '.' }

// machineMade reports whether a value after a token, secret or key name is
// shaped like a generated credential rather than a word, a piece of text
// or a count.
func machineMade(v []byte) bool {
	letters, digits, upperInside, other := 0, 0, 0, 0
	for i, b := range v {
		switch {
		case b <= ' ' || b >= 0x7f || b == '\\':
			return false // text, a tokenizer's "Ġ"/"▁", an escaped byte
		case isDigit(b):
			digits++
		case isLower(b):
			letters++
		case isUpper(b):
			letters++
			if i > 0 {
				upperInside++
			}
		default:
			other++
		}
	}
	if letters == 0 && other == 0 {
		return false // a number
	}
	if digits == 0 && other == 0 && upperInside == 0 {
		return false // a word: "photosynthesis", "Paris"
	}
	if digits == 0 && upperInside == 0 && (v[0] == '#' || bytes.HasPrefix(v, []byte("bytes:"))) {
		return false // a WordPiece continuation, a byte token
	}
	return true
}

// containsFold reports whether v, ASCII case folded, contains one of words
// (given in lower case).
func containsFold(v []byte, words [][]byte) bool {
	var low [128]byte
	n := copy(low[:], v)
	for i := range n {
		if isUpper(low[i]) {
			low[i] += 'a' - 'A'
		}
	}
	for _, w := range words {
		if bytes.Contains(low[:n], w) {
			return true
		}
	}
	return false
}

// isCredentialByte is what an unquoted value may hold: anything printable
// but the separators that end a value in key=value lists, JSON and URLs.
func isCredentialByte(b byte) bool {
	return b > ' ' && b < 0x7f && b != ',' && b != ';' && b != '&' && b != '"' && b != '\'' && b != '}' && b != ']' && b != ')'
}

// Validate checks a credential value: length, no control bytes, no
// placeholder, entropy floor.
func (credentialDetector) Validate(v []byte) bool {
	if len(v) < minPassword || len(v) > maxCredential {
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

// placeholderWords are values that stand for a secret without being one,
// compared with the whole value, folded to lower case and stripped of
// everything but letters and digits ("[REDACTED]", "<password>", "change-me").
var placeholderWords = []string{
	"changeme", "password", "passw0rd", "pass", "redacted", "example", "placeholder", "dummy", "secret", "token",
	"null", "nil", "none", "undefined", "notset", "masked", "hidden", "removed", "omitted", "filtered",
	"apikey", "secretkey", "accesskey", "yourkey", "mypassword", "test", "testing", "sample", "foobar",
}

// placeholderMarks anywhere in a value mark it as masked or elided.
var placeholderMarks = [][]byte{[]byte("xxxx"), []byte("****"), []byte("....")}

// placeholder reports whether v is a stand-in rather than a secret:
//   - a template or environment reference: ${VAR}, $VAR (upper case, as
//     environment variables are written), $(cmd), {{ var }}, %(var)s,
//     <token> (from '<' to '>'), or the name of a constant, capitals joined
//     by '_' (access_token=ACCESS_TOKEN);
//   - a masked value: three stars first, or a run of xxxx, **** or ....,
//     or six of one character;
//   - a stand-in word as the whole value: "changeme", "[REDACTED]", "None";
//     one beginning "your" (your_api_key_here), or beginning or ending
//     with "example", or holding "EXAMPLE" in capitals (AWS's documented
//     AKIAIOSFODNN7EXAMPLE and wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY).
//
// A value that merely contains such a word is not a placeholder:
// S3cr3tPassw0rd! is a password.
func placeholder(v []byte) bool {
	if len(v) == 0 {
		return true
	}
	for _, p := range []string{"${", "$(", "{{", "%(", "***"} {
		if bytes.HasPrefix(v, []byte(p)) {
			return true
		}
	}
	if v[0] == '<' && v[len(v)-1] == '>' {
		return true
	}
	if constantName(v) {
		return true
	}
	if v[0] == '$' && len(v) > 1 {
		env := true
		for _, b := range v[1:] {
			if !isUpper(b) && !isDigit(b) && b != '_' {
				env = false
				break
			}
		}
		if env {
			return true
		}
	}
	var low [maxCredential + 1]byte
	n := 0
	for _, b := range v {
		if n == len(low) {
			break
		}
		if isUpper(b) {
			b += 'a' - 'A'
		}
		if isAlnum(b) {
			low[n] = b
			n++
		}
	}
	w := low[:n]
	for _, p := range placeholderWords {
		if string(w) == p {
			return true
		}
	}
	if bytes.HasPrefix(w, []byte("your")) || bytes.HasPrefix(w, []byte("example")) || bytes.HasSuffix(w, []byte("example")) ||
		bytes.Contains(v, []byte("EXAMPLE")) {
		return true
	}
	var folded [maxCredential + 1]byte
	m := copy(folded[:], v)
	for i := range m {
		if isUpper(folded[i]) {
			folded[i] += 'a' - 'A'
		}
	}
	for _, mark := range placeholderMarks {
		if bytes.Contains(folded[:m], mark) {
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

// curlUser reads curl's -u/--user value after the literal at [start, end):
// user:password, quoted or not.
func curlUser(line []byte, start, end int) (int, int, bool) {
	if start > 0 && line[start-1] != ' ' && line[start-1] != '\t' {
		return 0, 0, false
	}
	s := end
	for s < len(line) && line[s] == ' ' {
		s++
	}
	// One shell word: quoted and bare pieces up to a blank outside quotes.
	var word [maxCredential]byte
	n, e := 0, s
	for e < len(line) && line[e] > ' ' && line[e] < 0x7f {
		if q := line[e]; q == '"' || q == '\'' {
			j := bytes.IndexByte(line[e+1:], q)
			if j < 0 {
				return 0, 0, false
			}
			if n+j > len(word) {
				return 0, 0, false
			}
			n += copy(word[n:], line[e+1:e+1+j])
			e += j + 2
			continue
		}
		if n == len(word) {
			return 0, 0, false
		}
		word[n] = line[e]
		n++
		e++
	}
	v := word[:n]
	c := bytes.IndexByte(v, ':')
	if c < 0 {
		return 0, 0, false
	}
	secret := v[c+1:]
	if len(secret) == 0 {
		secret = v[:c]
	}
	if e-s >= 2 && (line[s] == '"' || line[s] == '\'') && line[e-1] == line[s] && bytes.IndexByte(line[s+1:e-1], line[s]) < 0 {
		s, e = s+1, e-1 // the finding covers a quoted word's contents
	}
	if len(secret) < minPassword || placeholder(secret) {
		return 0, 0, false
	}
	for _, b := range secret {
		if !isDigit(b) {
			return s, e, true
		}
	}
	return 0, 0, false
}

// slug reports whether v is lower-case words and numbers joined by
// - . _ / or : (a package, a model, a version), at least two of them.
func slug(v []byte) bool {
	parts, kind := 1, byte(0) // kind of the current part: 'a' letters, '0' digits
	for _, b := range v {
		var k byte
		switch {
		case isLower(b):
			k = 'a'
		case isDigit(b):
			k = '0'
		case b == '-' || b == '.' || b == '_' || b == '/' || b == ':':
			if kind == 0 {
				return false
			}
			parts++
			kind = 0
			continue
		default:
			return false
		}
		if kind != 0 && kind != k {
			return false
		}
		kind = k
	}
	return parts >= 2 && kind != 0
}

// path reports whether v is a file path: it starts at a root, the working
// directory or the home directory and has another '/' further on.
func path(v []byte) bool {
	for _, p := range []string{"/", "./", "../", "~/"} {
		if rest, ok := bytes.CutPrefix(v, []byte(p)); ok {
			return bytes.IndexByte(rest, '/') > 0 && bytes.IndexAny(rest, "+=") < 0
		}
	}
	return false
}

// constantName reports whether v is capitals joined by '_', as constants
// and environment variables are named: ACCESS_TOKEN, DB_PASSWORD.
func constantName(v []byte) bool {
	under := false
	for i, b := range v {
		if b == '_' && i > 0 && i < len(v)-1 && v[i-1] != '_' {
			under = true
		} else if !isUpper(b) {
			return false
		}
	}
	return under
}
