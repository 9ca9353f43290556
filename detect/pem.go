package detect

import "bytes"

// privateKeyDetector finds PEM private-key blocks (RFC 7468): a line
// "-----BEGIN … PRIVATE KEY-----" (PKCS #8, RSA, EC, DSA, OPENSSH, ENCRYPTED,
// SSH2), and OpenPGP's "-----BEGIN PGP PRIVATE KEY BLOCK-----" (RFC 4880
// §6.2).
// When the block's END line is on the same line (a key printed with escaped
// newlines) the finding runs to it; otherwise a Scanner reports every line up
// to the END line as part of the block.
type privateKeyDetector struct{}

var (
	pemBegin = []byte("-----BEGIN ")
	pemEnd   = []byte("-----END ")
	pemKey   = []byte("PRIVATE KEY")
)

// keyEnd returns the length of "-----" or " BLOCK-----" at the start of b,
// which ends a private-key label, or 0.
func keyEnd(b []byte) int {
	if bytes.HasPrefix(b, []byte("-----")) {
		return 5
	}
	if bytes.HasPrefix(b, []byte(" BLOCK-----")) {
		return 11
	}
	return 0
}

// labelEnd finds "PRIVATE KEY" and its ending within the first max bytes of
// b: the end of the label, or -1.
func labelEnd(b []byte, max int) int {
	i := bytes.Index(b[:min(len(b), max+len(pemKey)+11)], pemKey)
	if i < 0 {
		return -1
	}
	n := keyEnd(b[i+len(pemKey):])
	if n == 0 {
		return -1
	}
	return i + len(pemKey) + n
}

// maxPEM bounds the search for a block's END line within one line.
const maxPEM = 16 << 10

func isPEMLabelByte(b byte) bool { return isUpper(b) || isDigit(b) || b == ' ' }

func (privateKeyDetector) extent(line []byte, start, end int) (int, int, bool) {
	if !bytes.Equal(line[start:end], pemBegin) {
		return 0, 0, false
	}
	i := labelEnd(line[end:], 40)
	if i < 0 {
		return 0, 0, false
	}
	e := end + i
	limit := min(len(line), start+maxPEM)
	if i := bytes.Index(line[e:limit], pemEnd); i >= 0 {
		j := e + i + len(pemEnd)
		if k := labelEnd(line[j:limit], 40); k >= 0 {
			return start, j + k, pemBody(line[e : e+i])
		}
	}
	return start, e, true
}

// pemBody reports whether the body of a block that begins and ends in one
// line may be a key: some base64 (a cut or escaped key is still a leak),
// but not nothing and not a word ("anything" is a template's).
func pemBody(b []byte) bool {
	n, word := 0, true
	for _, c := range b {
		if isAlnum(c) || c == '+' || c == '/' {
			n++
			word = word && isLower(c)
		}
	}
	return n >= 6 && !word
}

// Validate checks the BEGIN line's label; the body is not parsed, because a
// logged key is often cut or escaped, and is no less a leak for it.
func (privateKeyDetector) Validate(v []byte) bool {
	rest, ok := bytes.CutPrefix(v, pemBegin)
	if !ok {
		return false
	}
	i := bytes.Index(rest, pemKey)
	if i < 0 || i > 40 || keyEnd(rest[i+len(pemKey):]) == 0 {
		return false
	}
	label := rest[:i]
	for _, b := range label {
		if !isPEMLabelByte(b) {
			return false
		}
	}
	if len(label) > 0 && label[len(label)-1] != ' ' {
		return false
	}
	// The END marker is looked for only after the BEGIN line's own dashes,
	// which "-----END " may overlap ("PRIVATE KEY-----END ").
	body := rest[i+len(pemKey)+keyEnd(rest[i+len(pemKey):]):]
	if j := bytes.Index(body, pemEnd); j >= 0 {
		return pemBody(body[:j])
	}
	return true
}

// pemOpen reports whether a private-key value found in a line leaves its
// block open, so the lines after it are part of the key.
func pemOpen(v []byte) bool { return !bytes.Contains(v, pemEnd) }
