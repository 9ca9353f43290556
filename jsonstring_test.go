package conflog

import (
	"strings"
	"testing"
)

// jsonSafeBytes is jsonSafeWords the obvious way, one byte at a time.
func jsonSafeBytes(s string) bool {
	for i := 0; i < len(s); i++ {
		if !jsonSafe[s[i]] {
			return false
		}
	}
	return true
}

// TestJSONSafeWordsEveryByte: every byte value, at every position of
// strings of every length up to 20, is judged as the byte table judges it.
// A miss here would let a raw newline or quote into a JSON line.
func TestJSONSafeWordsEveryByte(t *testing.T) {
	for n := 1; n <= 20; n++ {
		for pos := range n {
			for b := range 256 {
				buf := []byte(strings.Repeat("a", n))
				buf[pos] = byte(b)
				s := string(buf)
				if got, want := jsonSafeWords(s), jsonSafeBytes(s); got != want {
					t.Fatalf("jsonSafeWords(%q) = %v, want %v", s, got, want)
				}
			}
		}
	}
}

// FuzzJSONSafeWords compares the word-at-a-time check with the byte table
// on arbitrary bytes.
func FuzzJSONSafeWords(f *testing.F) {
	f.Add("train-v3")
	f.Add("a\x7f\xffbcdefgh\"")
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := jsonSafeWords(s), jsonSafeBytes(s); got != want {
			t.Fatalf("jsonSafeWords(%q) = %v, want %v", s, got, want)
		}
	})
}
