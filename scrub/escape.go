package scrub

import "bytes"

// Terminal escape sequences, after ECMA-48 (5th edition, §5.3–5.6). The gate
// recognises exactly these forms, each starting with ESC (0x1b):
//
//	CSI     ESC [  P* I* F    P in 0x30–0x3f, I in 0x20–0x2f, F in 0x40–0x7e   (colours, cursor moves)
//	strings ESC ]  … BEL|ST   OSC; also ESC P (DCS), ESC X (SOS), ESC ^ (PM), ESC _ (APC);
//	                          the payload runs to BEL (0x07) or ST (ESC \)
//	nF      ESC I+ F          I in 0x20–0x2f, F in 0x30–0x7e  (charset selection: ESC ( B)
//	Fp/Fe/Fs ESC F            F in 0x30–0x7e, other than the introducers above (ESC 7, ESC c)
//
// Anything else after ESC — a control byte, a byte ≥ 0x7f, the end of the line,
// or a sequence cut short — is malformed. Lines are framed before escapes are
// parsed, so no sequence spans a line end: an unterminated OSC simply runs to
// the end of its line. A malformed sequence before the prefix makes the line
// private (fail closed); inside a public line its bytes are removed.
//
// The 8-bit C1 introducers (0x9b for CSI…) are not recognised: in UTF-8 they
// are continuation bytes, terminals do not act on them, and leaving them in
// place can only make a line private, never public.

const esc = 0x1b

// escapeLen returns the length of the escape sequence at the start of b, where
// b[0] is ESC, and whether it is well formed. A malformed sequence's length
// covers the bytes that belong to it up to the point it went wrong (at least
// the ESC itself), so removing them never leaves half a sequence behind.
func escapeLen(b []byte) (n int, ok bool) {
	if len(b) < 2 {
		return len(b), false
	}
	switch c := b[1]; {
	case c == '[':
		i := 2
		for i < len(b) && b[i] >= 0x30 && b[i] <= 0x3f {
			i++
		}
		for i < len(b) && b[i] >= 0x20 && b[i] <= 0x2f {
			i++
		}
		if i < len(b) && b[i] >= 0x40 && b[i] <= 0x7e {
			return i + 1, true
		}
		return i, false
	case c == ']' || c == 'P' || c == 'X' || c == '^' || c == '_':
		for i := 2; i < len(b); i++ {
			switch b[i] {
			case 0x07:
				return i + 1, true
			case esc:
				if i+1 < len(b) && b[i+1] == '\\' {
					return i + 2, true
				}
			}
		}
		return len(b), false
	case c >= 0x20 && c <= 0x2f:
		i := 2
		for i < len(b) && b[i] >= 0x20 && b[i] <= 0x2f {
			i++
		}
		if i < len(b) && b[i] >= 0x30 && b[i] <= 0x7e {
			return i + 1, true
		}
		return i, false
	case c >= 0x30 && c <= 0x7e:
		return 2, true
	}
	return 1, false
}

// matchPrefix reports whether line, with its escape sequences removed, starts
// with prefix, and returns the index in line just past the prefix's last byte.
// A malformed escape before the prefix is complete means no match.
func matchPrefix(line, prefix []byte) (end int, ok bool) {
	i, j := 0, 0
	for j < len(prefix) {
		if i >= len(line) {
			return 0, false
		}
		if line[i] == esc {
			n, ok := escapeLen(line[i:])
			if !ok {
				return 0, false
			}
			i += n
			continue
		}
		if line[i] != prefix[j] {
			return 0, false
		}
		i++
		j++
	}
	return i, true
}

// MatchPrefix reports whether line, a complete line without its end, starts
// with prefix once its escape sequences are removed, and returns the index in
// line just past the prefix's last byte. A malformed escape before the prefix
// is complete means no match. It is the test by which a Filter finds a line
// holding an escape byte public (outside an exception message, not strict);
// a line without one is public when it starts with the prefix as it is.
func MatchPrefix(line, prefix []byte) (end int, ok bool) { return matchPrefix(line, prefix) }

// AppendPublic appends to dst the public line a Filter writes, without its
// line end, for line, a line not longer than MaxLine that MatchPrefix found
// public with end: the prefix, then the rest without its escape sequences,
// or with keepANSI without its malformed ones only. A caller that judges
// lines itself (the Collector processor) makes the Filter's line with it.
func AppendPublic(dst, prefix, line []byte, end int, keepANSI bool) []byte {
	dst = append(dst, prefix...)
	if keepANSI {
		return appendWellFormed(dst, line[end:])
	}
	return appendStripped(dst, line[end:])
}

// appendWellFormed appends b to dst without its malformed escape sequences:
// what --keep-ansi keeps of a public line. A sequence cut short by the line's
// end (an OSC without its BEL) would leave the terminal inside it, reading
// the next lines as its payload; it goes, as a malformed one does anywhere.
func appendWellFormed(dst, b []byte) []byte {
	for len(b) > 0 {
		k := bytes.IndexByte(b, esc)
		if k < 0 {
			return append(dst, b...)
		}
		dst = append(dst, b[:k]...)
		n, ok := escapeLen(b[k:])
		if ok {
			dst = append(dst, b[k:k+n]...)
		}
		b = b[k+n:]
	}
	return dst
}

// appendStripped appends b to dst without its escape sequences, well formed or not.
func appendStripped(dst, b []byte) []byte {
	for len(b) > 0 {
		k := bytes.IndexByte(b, esc)
		if k < 0 {
			return append(dst, b...)
		}
		dst = append(dst, b[:k]...)
		n, _ := escapeLen(b[k:])
		b = b[k+n:]
	}
	return dst
}

// AppendStripped appends b to dst without its escape sequences, well formed
// or not: the text a terminal shows of b. The tripwire judges a line kept
// with --keep-ansi on it, so that escapes between a value's characters (a
// highlighter's colours around every number) do not hide the value.
func AppendStripped(dst, b []byte) []byte { return appendStripped(dst, b) }

// AppendShownIndex appends to idx, for each byte of the text AppendStripped
// keeps of b, that byte's index in b: where a value found in the shown text
// lies in b. The escapes are recognised by the same parser.
func AppendShownIndex(idx []int, b []byte) []int {
	for i := 0; i < len(b); {
		if b[i] == esc {
			n, _ := escapeLen(b[i:])
			i += n
			continue
		}
		idx = append(idx, i)
		i++
	}
	return idx
}
