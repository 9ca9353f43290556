package conflog

// JSON strings: escaping, and the word-at-a-time test for strings that need
// none; values of kind Any through encoding/json.

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"unicode/utf8"
)

func (s *state) jsonAny(x any) {
	var bb bytes.Buffer
	enc := json.NewEncoder(&bb)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(x); err != nil {
		s.error(err)
		return
	}
	out := bytes.TrimSuffix(bb.Bytes(), []byte{'\n'})
	s.buf = appendJSONEscaped(s.buf, out)
}

// appendJSONEscaped appends the JSON text out, valid as encoding/json made
// it, with what appendJSONString escapes and encoding/json may leave: DEL
// and C1 controls always, and in a MarshalJSON method's output also U+2028,
// U+2029 and invalid UTF-8 (json.Compact keeps them). In valid JSON a byte
// from 0x7f can only be inside a string, where the escape means the same.
func appendJSONEscaped(buf, out []byte) []byte {
	start := 0
	for i := 0; i < len(out); {
		if out[i] < utf8.RuneSelf-1 { // below DEL
			i++
			continue
		}
		r, size := utf8.DecodeRune(out[i:])
		if r != 0x7f && !mustEscapeRune(r, size) {
			i += size
			continue
		}
		buf = append(buf, out[start:i]...)
		buf = appendRuneEscape(buf, r)
		i += size
		start = i
	}
	return append(buf, out[start:]...)
}

// mustEscapeRune reports whether the rune r, of size bytes in UTF-8 and
// from 0x80, is escaped in a JSON string: invalid UTF-8 (as U+FFFD, like
// encoding/json), a C1 control (NEL, U+0085, among them), U+2028 or U+2029
// — characters that a reader breaking lines where Unicode does (Python's
// str.splitlines, editors, log viewers) takes for a line end.
func mustEscapeRune(r rune, size int) bool {
	return r == utf8.RuneError && size == 1 || r < 0xa0 || r == '\u2028' || r == '\u2029'
}

// appendRuneEscape appends r as a \uXXXX escape; U+FFFD for invalid UTF-8.
func appendRuneEscape(buf []byte, r rune) []byte {
	return append(buf, '\\', 'u', hexDigits[r>>12&0xf], hexDigits[r>>8&0xf], hexDigits[r>>4&0xf], hexDigits[r&0xf])
}

const hexDigits = "0123456789abcdef"

// jsonSafe[b] says that ASCII byte b stands for itself inside a JSON
// string: printable, not '"' or '\\' (and not DEL). Bytes from 0x80 are
// false: they start UTF-8 sequences, checked one rune at a time.
var jsonSafe = func() (t [256]bool) {
	for b := ' '; b < 0x7f; b++ {
		t[b] = b != '"' && b != '\\'
	}
	return t
}()

// appendJSONString appends s escaped as the inside of a JSON string, with
// slog's escapes: '"', '\\', every byte below 0x20 (so '\n' and '\r' can
// never end a line), U+2028 and U+2029; invalid UTF-8 becomes U+FFFD. Unlike
// slog it also escapes the other control characters, DEL (0x7f) and the C1
// controls (U+0080–U+009F, NEL among them).
func appendJSONString(buf []byte, s string) []byte {
	// Keys and values are mostly short safe ASCII: checking them a word at a
	// time and copying them in one append took this function from 18 to 4
	// instructions a byte on the benchmark's record (callgrind), 7 % of a
	// public JSON record.
	if jsonSafeWords(s) {
		return append(buf, s...)
	}
	start := 0
	for i := 0; i < len(s); {
		if i+8 <= len(s) && jsonUnsafe8(binary.LittleEndian.Uint64([]byte(s[i:i+8]))) == 0 {
			i += 8 // a safe run in a long string with something to escape
			continue
		}
		b := s[i]
		if jsonSafe[b] {
			i++
			continue
		}
		if b < utf8.RuneSelf {
			buf = append(buf, s[start:i]...)
			switch b {
			case '"', '\\':
				buf = append(buf, '\\', b)
			case '\n':
				buf = append(buf, '\\', 'n')
			case '\r':
				buf = append(buf, '\\', 'r')
			case '\t':
				buf = append(buf, '\\', 't')
			default:
				buf = append(buf, '\\', 'u', '0', '0', hexDigits[b>>4], hexDigits[b&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if !mustEscapeRune(r, size) {
			i += size
			continue
		}
		buf = append(buf, s[start:i]...)
		buf = appendRuneEscape(buf, r)
		i += size
		start = i
	}
	return append(buf, s[start:]...)
}

// Bytes of a word, repeated: the SWAR ("SIMD within a register") tests
// below look at eight bytes with a few integer operations.
const (
	swarOnes = 0x0101010101010101
	swarHigh = 0x8080808080808080
)

// jsonUnsafe8 is non-zero if one of the eight bytes in x is not jsonSafe: a
// byte below 0x20, '"', '\\', or a byte from 0x7f (DEL and the bytes of
// UTF-8 sequences). It never misses one; it may flag a safe byte next to an
// unsafe one, which only sends the caller to its byte loop.
func jsonUnsafe8(x uint64) uint64 {
	ctl := (x - 0x20*swarOnes) &^ x // a high bit where a byte is below 0x20
	q := x ^ '"'*swarOnes
	quote := (q - swarOnes) &^ q // a high bit where a byte is '"'
	bs := x ^ '\\'*swarOnes
	back := (bs - swarOnes) &^ bs // … where it is '\\'
	// x+1 sets the high bit of 0x7f; bytes from 0x80 have it already (and
	// only such a byte, 0xff, carries into its neighbour).
	high := x | (x + swarOnes)
	return (ctl | quote | back | high) & swarHigh
}

// jsonSafeWords reports whether every byte of s is jsonSafe, reading it in
// words: eight bytes at a time, the last eight overlapping, and two
// overlapping four-byte halves for four to seven bytes.
func jsonSafeWords(s string) bool {
	n := len(s)
	switch {
	case n >= 8:
		for i := 0; i+8 <= n; i += 8 {
			if jsonUnsafe8(binary.LittleEndian.Uint64([]byte(s[i:i+8]))) != 0 {
				return false
			}
		}
		return jsonUnsafe8(binary.LittleEndian.Uint64([]byte(s[n-8:]))) == 0
	case n >= 4:
		// Both halves in one word: one test instead of two.
		return jsonUnsafe8(uint64(binary.LittleEndian.Uint32([]byte(s[:4])))|
			uint64(binary.LittleEndian.Uint32([]byte(s[n-4:])))<<32) == 0
	}
	for i := 0; i < n; i++ {
		if !jsonSafe[s[i]] {
			return false
		}
	}
	return true
}
