package detect

import "bytes"

// urlPasswordDetector finds the password of a URL's userinfo
// (scheme://user:password@host, RFC 3986 §3.2.1), of any scheme
// (postgres, mysql, redis, mongodb+srv, amqp, https, …), written plainly or
// percent-encoded as a whole (https%3A%2F%2Fuser%3Apass%40host, as a URL
// inside a query string is). The finding covers the password only. The
// userinfo runs to the last '@' of the authority, so a password holding an
// unencoded '$', '!' or '@' is covered whole.
type urlPasswordDetector struct{}

// maxAuthority bounds the search for the userinfo's '@'.
const maxAuthority = 512

func (urlPasswordDetector) extent(line []byte, start, end int) (int, int, bool) {
	if start == 0 || !isAlnum(line[start-1]) {
		return 0, 0, false // no scheme
	}
	if line[start] == ':' {
		a := end
		for a < len(line) && a-end < maxAuthority && !urlAuthorityEnd(line[a]) {
			a++
		}
		auth := line[end:a]
		at := bytes.LastIndexByte(auth, '@')
		if at < 0 {
			return 0, 0, false
		}
		c := bytes.IndexByte(auth[:at], ':')
		if c < 0 {
			return 0, 0, false
		}
		return end + c + 1, end + at, true
	}
	// Percent-encoded: the authority ends at an encoded '/', '?' or '#'
	// or at a byte that ends a query parameter.
	a := end
	for a < len(line) && a-end < maxAuthority && !urlAuthorityEnd(line[a]) && line[a] != '&' {
		if line[a] == '%' && a+2 < len(line) && (hexIs(line[a+1:a+3], "2f") || hexIs(line[a+1:a+3], "3f") || hexIs(line[a+1:a+3], "23")) {
			break
		}
		a++
	}
	auth := line[end:a]
	at := lastIndexFold(auth, "%40")
	if at < 0 {
		return 0, 0, false
	}
	c := indexFold(auth[:at], "%3a")
	if c < 0 {
		return 0, 0, false
	}
	return end + c + 3, end + at, true
}

func urlAuthorityEnd(b byte) bool {
	return b <= ' ' || b == '/' || b == '?' || b == '#' || b == '"' || b == '\'' || b == '`' || b == '<' || b == '>' || b == 0x7f
}

// hexIs reports whether the two bytes h are the hex pair want (lower case).
func hexIs(h []byte, want string) bool { return h[0]|0x20 == want[0] && h[1]|0x20 == want[1] }

func indexFold(b []byte, lower string) int {
	for i := 0; i+len(lower) <= len(b); i++ {
		if b[i] == lower[0] && hexIs(b[i+1:i+3], lower[1:]) {
			return i
		}
	}
	return -1
}

func lastIndexFold(b []byte, lower string) int {
	for i := len(b) - len(lower); i >= 0; i-- {
		if b[i] == lower[0] && hexIs(b[i+1:i+3], lower[1:]) {
			return i
		}
	}
	return -1
}

// Validate checks a password: 3 to 256 printable bytes, not a placeholder
// (user:password@, :${REDIS_PASSWORD}@, :***@).
func (urlPasswordDetector) Validate(v []byte) bool {
	if len(v) < 3 || len(v) > maxCredential {
		return false
	}
	for _, b := range v {
		if b <= ' ' || b == 0x7f {
			return false
		}
	}
	return !placeholder(v)
}
