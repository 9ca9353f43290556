package detect

import "bytes"

// privateKeyDetector finds PEM private-key blocks (RFC 7468): a line
// "-----BEGIN … PRIVATE KEY-----" (PKCS #8, RSA, EC, DSA, OPENSSH, ENCRYPTED).
// When the block's END line is on the same line (a key printed with escaped
// newlines) the finding runs to it; otherwise a Scanner reports every line up
// to the END line as part of the block.
type privateKeyDetector struct{}

func (privateKeyDetector) Name() string           { return "private-key" }
func (privateKeyDetector) Confidence() Confidence { return High }
func (privateKeyDetector) literals() []string     { return []string{"-----BEGIN "} }
func (privateKeyDetector) priority() int          { return 3 }

var (
	pemBegin = []byte("-----BEGIN ")
	pemEnd   = []byte("-----END ")
	pemKey   = []byte("PRIVATE KEY-----")
)

// maxPEM bounds the search for a block's END line within one line.
const maxPEM = 16 << 10

func isPEMLabelByte(b byte) bool { return isUpper(b) || isDigit(b) || b == ' ' }

func (privateKeyDetector) extent(line []byte, start, end int) (int, int, bool) {
	if !bytes.Equal(line[start:end], pemBegin) {
		return 0, 0, false
	}
	i := bytes.Index(line[end:min(len(line), end+40+len(pemKey))], pemKey)
	if i < 0 {
		return 0, 0, false
	}
	e := end + i + len(pemKey)
	limit := min(len(line), start+maxPEM)
	if i := bytes.Index(line[e:limit], pemEnd); i >= 0 {
		j := e + i + len(pemEnd)
		if k := bytes.Index(line[j:limit], pemKey); k >= 0 && k <= 40 {
			return start, j + k + len(pemKey), true
		}
	}
	return start, e, true
}

// Validate checks the BEGIN line's label; the body is not parsed, because a
// logged key is often cut or escaped, and is no less a leak for it.
func (privateKeyDetector) Validate(v []byte) bool {
	rest, ok := bytes.CutPrefix(v, pemBegin)
	if !ok {
		return false
	}
	i := bytes.Index(rest, pemKey)
	if i < 0 || i > 40 {
		return false
	}
	label := rest[:i]
	for _, b := range label {
		if !isPEMLabelByte(b) {
			return false
		}
	}
	return len(label) == 0 || label[len(label)-1] == ' '
}

// pemOpen reports whether a private-key value found in a line leaves its
// block open, so the lines after it are part of the key.
func pemOpen(v []byte) bool { return !bytes.Contains(v, pemEnd) }
