package scrub

import "testing"

// FuzzShownIndex holds AppendShownIndex to AppendStripped: it indexes
// exactly the bytes the shown text keeps, in order.
func FuzzShownIndex(f *testing.F) {
	for _, s := range []string{
		"", "plain", "card \x1b[1m4111\x1b[0m 1111", "\x1b]8;;https://x/\x07link\x1b]8;;\x07",
		"cut \x1b[", "\x1b", "a\x1b\x1bb", "\x1b(Bx\x1bcy", "\x1b]unterminated \x1b[1m",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		shown := AppendStripped(nil, b)
		idx := AppendShownIndex(nil, b)
		if len(idx) != len(shown) {
			t.Fatalf("%d indexes for %d shown bytes", len(idx), len(shown))
		}
		for k, i := range idx {
			if k > 0 && i <= idx[k-1] || b[i] != shown[k] {
				t.Fatalf("index %d: %d does not hold shown byte %q", k, i, shown[k])
			}
		}
	})
}
