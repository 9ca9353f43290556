package traceback

import (
	"unicode"
	"unicode/utf8"
)

const (
	scrubbed = "[scrubbed]"
	// maxField caps a kept field (a path, a function name, an allowed
	// message line): PATH_MAX is 4096, and a longer field is not a name a
	// person reads. The cap also bounds the Scrubber's buffers.
	maxField = 4096
	cutMark  = "[cut]"
	// maxLine caps a whole public line, whatever its parts (a deep group
	// margin, a run of digits where a line number goes): it bounds the
	// Scrubber's output buffer and every line the gate receives.
	maxLine = 2 * maxField
)

// appendKept appends a field taken from the private line, made safe for a
// public line: a tab becomes four spaces, any other control byte, invalid
// UTF-8 or C1 control becomes \xNN (so a terminal never sees an escape
// sequence and the gate's framing never sees a line break), and a field
// longer than maxField is cut and marked.
func appendKept(dst, field []byte) []byte {
	cut := false
	if len(field) > maxField {
		field, cut = field[:maxField], true
	}
	for i := 0; i < len(field); {
		c := field[i]
		if c >= 0x20 && c < 0x7f {
			dst = append(dst, c)
			i++
			continue
		}
		if c == '\t' {
			dst = append(dst, "    "...)
			i++
			continue
		}
		if c >= utf8.RuneSelf {
			r, n := utf8.DecodeRune(field[i:])
			if n > 1 && !unicode.In(r, unicode.Cc, unicode.Cf, unicode.Zl, unicode.Zp) {
				dst = append(dst, field[i:i+n]...)
				i += n
				continue
			}
			// Invalid UTF-8 (n == 1), a C1 control, a bidi override or a
			// line separator: escape every byte of it.
			for _, b := range field[i : i+n] {
				dst = appendHex(dst, b)
			}
			i += n
			continue
		}
		dst = appendHex(dst, c)
		i++
	}
	if cut {
		dst = append(dst, cutMark...)
	}
	return dst
}

func appendHex(dst []byte, b byte) []byte {
	const hex = "0123456789abcdef"
	return append(dst, '\\', 'x', hex[b>>4], hex[b&0xf])
}

// isNameRune reports whether r may appear in a dotted Python or Go name.
func isNameRune(r rune) bool {
	return r == '_' || r == '.' || unicode.IsLetter(r) || unicode.IsDigit(r)
}

func isDigits(b []byte) bool {
	if len(b) == 0 {
		return false
	}
	for _, c := range b {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}
