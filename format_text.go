package conflog

// slog's text format: when a value is quoted.

import (
	"unicode"
	"unicode/utf8"
)

// needsQuoting reports whether slog's text format quotes s: when it is empty
// or holds a space, '=', '"', a control byte, invalid UTF-8, or a
// non-printing or space rune — and, unlike slog, DEL (0x7f), a control byte. Quoting (strconv.Quote) then escapes every
// such byte, which is what keeps a text record on one line.
func needsQuoting(s string) bool {
	if s == "" {
		return true
	}
	for i := 0; i < len(s); {
		b := s[i]
		if textSafe[b] {
			i++
			continue
		}
		if b < utf8.RuneSelf {
			return true
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError || unicode.IsSpace(r) || !unicode.IsPrint(r) {
			return true
		}
		i += size
	}
	return false
}

// textSafe[b] says that ASCII byte b needs no quoting in text: printable,
// not a space, '=' or '"' (and not DEL). Bytes from 0x80 are false, as in
// jsonSafe.
var textSafe = func() (t [256]bool) {
	for b := '!'; b < 0x7f; b++ {
		t[b] = b != '=' && b != '"'
	}
	return t
}()
