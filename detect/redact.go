package detect

import (
	"bytes"
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
	// Shown, when set, appends the text a terminal shows of a line to dst:
	// the line without its escape sequences (scrub.AppendStripped). A line
	// holding an escape (ESC) is then redacted as it is shown, as the egress
	// gate redacts it: when a finding is in it or in its raw bytes, the
	// line is written as shown, escapes removed, with every value found
	// in the shown text replaced, so that colours between a value's
	// characters neither hide it nor leave half an escape around its
	// tag; when only the raw bytes hold one (an escape's payload, a line of
	// a private-key block), the first finding's replacement stands for the
	// whole line. A line with escapes and no finding is copied unchanged,
	// and a line longer than MaxLine is redacted window by window, raw.
	Shown func(dst, line []byte) []byte
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
// not nil) for each. Bytes other than the findings are copied unchanged,
// but for the escapes of a line redacted as shown (see Shown), whose
// findings are those of the shown text: Col counted in it, Offset the
// line's start.
func (rd *Redactor) Copy(dst io.Writer, src io.Reader, found func(Finding)) error {
	sc := rd.Set.NewScanner(src)
	sc.Shown = rd.Shown
	return rd.copy(dst, sc, found)
}

func (rd *Redactor) copy(dst io.Writer, sc *Scanner, found func(Finding)) error {
	if rd.Mode == Pseudonym && len(rd.Key) < 16 {
		return errors.New("detect: pseudonym key too short: want at least 16 bytes")
	}
	var skip int64 // bytes of the next segments inside a value already replaced
	var out []byte
	var sh shownLine
	for sc.Scan() {
		seg := sc.Segment()
		segOff := sc.Offset() - int64(len(seg))
		out = out[:0]
		if rd.Shown != nil && skip == 0 && sc.Whole() && bytes.IndexByte(seg, 0x1b) >= 0 {
			out = rd.appendShown(out, &sh, sc, seg, found)
			if _, err := dst.Write(out); err != nil {
				return fmt.Errorf("detect: write: %w", err)
			}
			continue
		}
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

// shownLine is the scratch of a line redacted as shown.
type shownLine struct {
	text  []byte
	finds []Finding
}

// appendShown appends seg, a whole line holding an escape, redacted as
// its shown text (see Redactor.Shown).
func (rd *Redactor) appendShown(out []byte, sh *shownLine, sc *Scanner, seg []byte, found func(Finding)) []byte {
	content := bytes.TrimSuffix(seg, []byte("\n"))
	content = bytes.TrimSuffix(content, []byte("\r"))
	eol := seg[len(content):]
	sh.text = rd.Shown(sh.text[:0], content)
	sh.finds = rd.Set.Find(sh.text, sh.finds[:0])
	raw := sc.Findings()
	switch {
	case len(sh.finds) == 0 && len(raw) == 0:
		return append(out, seg...)
	case len(sh.finds) == 0 || sc.inKey:
		out = append(out, rd.replacement(raw[0], sc.Value(raw[0]))...)
		if found != nil {
			for _, f := range raw {
				found(f)
			}
		}
		return append(out, eol...)
	}
	line := sc.line - 1 // Scan has moved past the line
	out = AppendReplaced(out, sh.text, sh.finds, func(dst []byte, g Finding, v []byte) []byte {
		if found != nil {
			g.Line = line
			g.Offset = sc.lineStart - int64(len(seg)) // the line's start
			found(g)
		}
		return append(dst, rd.replacement(g, v)...)
	})
	return append(out, eol...)
}

// AppendReplaced appends text with each of finds, text's findings in the
// order Set.Find returns them, replaced by what replace appends for it (v
// is the value's bytes). A finding that overlaps one already replaced has
// its tail withheld too: the rule of a line redacted as shown, which the
// gate's tripwire (redact mode) and Redactor.Shown share.
func AppendReplaced(dst, text []byte, finds []Finding, replace func(dst []byte, f Finding, v []byte) []byte) []byte {
	i := 0
	for _, f := range finds {
		s := int(f.Offset)
		if s < i {
			i = max(i, s+f.Len)
			continue
		}
		dst = append(dst, text[i:s]...)
		dst = replace(dst, f, text[s:s+f.Len])
		i = s + f.Len
	}
	if i < len(text) {
		dst = append(dst, text[i:]...)
	}
	return dst
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
