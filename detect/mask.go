package detect

import "strings"

// Mask returns v with all but its last few bytes replaced by '*': at most 4
// bytes are kept, and no more than a third of v, so a short value is never
// shown whole. Runs of more than 16 hidden bytes are shown as 16 stars, so a
// masked private key stays one short line.
func Mask(v []byte) string {
	keep := len(v) / 3
	if keep > 4 {
		keep = 4
	}
	hidden := len(v) - keep
	var b strings.Builder
	b.Grow(min(hidden, 16) + keep)
	for range min(hidden, 16) {
		b.WriteByte('*')
	}
	b.Write(v[hidden:])
	return b.String()
}
