package detect

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strings"
)

// A Mode says what a Redactor writes in place of a value.
type Mode uint8

const (
	// Replace writes the detector's name as a tag: <EMAIL>, <AWS_KEY>.
	Replace Mode = iota
	// MaskMode writes the value masked, as Mask does.
	MaskMode
	// Pseudonym writes a tag with an HMAC-SHA256 of the value under a key:
	// <EMAIL:5f1b…>. The same value under the same key gives the same
	// token in every run, so records can still be joined, but the value
	// cannot be read back without the key and a guess.
	Pseudonym
)

// ParseMode parses "replace", "mask" or "pseudonym".
func ParseMode(s string) (Mode, error) {
	switch s {
	case "replace":
		return Replace, nil
	case "mask":
		return MaskMode, nil
	case "pseudonym":
		return Pseudonym, nil
	}
	return 0, fmt.Errorf("detect: unknown redaction mode %q (want replace, mask or pseudonym)", s)
}

// A Redactor copies a stream with every finding of its Set replaced.
type Redactor struct {
	Set  *Set
	Mode Mode
	// Key is the HMAC key of Pseudonym mode; at least 16 bytes.
	Key []byte
}

// pseudonymBytes is how many bytes of the HMAC a pseudonym shows: 64 bits,
// enough that distinct values in one data set do not collide.
const pseudonymBytes = 8

// Tag returns the tag Replace mode writes for a detector: its name in upper
// case, hyphens as underscores, in angle brackets.
func Tag(detector string) string {
	return "<" + strings.ToUpper(strings.ReplaceAll(detector, "-", "_")) + ">"
}

func (rd *Redactor) replacement(f Finding, v []byte) string {
	switch rd.Mode {
	case MaskMode:
		return Mask(v)
	case Pseudonym:
		m := hmac.New(sha256.New, rd.Key)
		m.Write(canonical(f.Detector, v))
		t := Tag(f.Detector)
		return t[:len(t)-1] + ":" + hex.EncodeToString(m.Sum(nil)[:pseudonymBytes]) + ">"
	}
	return Tag(f.Detector)
}

// Copy writes src to dst with every finding replaced, and calls found (when
// not nil) for each. Bytes other than the findings are copied unchanged.
func (rd *Redactor) Copy(dst io.Writer, src io.Reader, found func(Finding)) error {
	return rd.copy(dst, rd.Set.NewScanner(src), found)
}

func (rd *Redactor) copy(dst io.Writer, sc *Scanner, found func(Finding)) error {
	if rd.Mode == Pseudonym && len(rd.Key) < 16 {
		return errors.New("detect: pseudonym key too short: want at least 16 bytes")
	}
	var skip int64 // bytes of the next segments inside a value already replaced
	var out []byte
	for sc.Scan() {
		seg := sc.Segment()
		segOff := sc.Offset() - int64(len(seg))
		out = out[:0]
		i := 0
		if skip > 0 {
			n := int(min(skip, int64(len(seg))))
			i = n
			skip -= int64(n)
		}
		for _, f := range sc.Findings() {
			s := int(f.Offset - segOff)
			if s < i {
				continue // inside a value already replaced
			}
			out = append(out, seg[i:s]...)
			v := sc.Value(f)
			out = append(out, rd.replacement(f, v)...)
			if found != nil {
				found(f)
			}
			i = s + f.Len
			if i > len(seg) {
				skip = int64(i - len(seg))
				i = len(seg)
			}
		}
		out = append(out, seg[i:]...)
		if _, err := dst.Write(out); err != nil {
			return fmt.Errorf("detect: write: %w", err)
		}
	}
	return sc.Err()
}

// canonical drops the separators of numbers written in groups, so that a
// card or IBAN gets the same pseudonym however it was printed.
func canonical(detector string, v []byte) []byte {
	switch detector {
	case "card", "iban", "ssn", "phone":
	default:
		return v
	}
	out := make([]byte, 0, len(v))
	for _, b := range v {
		if isAlnum(b) || b == '+' {
			out = append(out, b)
		}
	}
	return out
}
