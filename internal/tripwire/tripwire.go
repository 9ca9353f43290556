// Package tripwire is the leak tripwire's judgment of a public line: the
// one rule that conflog run, conflog scrub (cmd/conflog) and the Collector
// processor (otelcol/conflogprocessor) apply, so that the three cannot
// judge the same bytes apart. The prefix rule stops private lines; the
// tripwire stops the other accident, a public line that holds personal
// data or a secret.
//
// A public line is judged as a terminal shows it. A line that kept its
// escape sequences (--keep-ansi, keep_ansi) is checked with them removed,
// so that colours between a value's characters ("\x1b[36m4111\x1b[0m
// \x1b[36m1111…", as a highlighter prints every number) do not hide the
// value, and then as it is, since an escape's payload (an OSC 8
// hyperlink's target) leaves with the line too.
package tripwire

import (
	"bytes"
	"strconv"

	"github.com/conflog/conflog/detect"
	"github.com/conflog/conflog/scrub"
)

// A Judge judges public lines with a set of detectors. It keeps no state
// of a stream: each stream's detect.Checker, which follows private-key
// blocks, is given with each line, so one Judge serves any number of
// streams. A Judge is not safe for concurrent use.
type Judge struct {
	set   *detect.Set
	shown []byte // a line as a terminal shows it: its escapes removed
	finds []detect.Finding
}

// New returns a Judge applying set, which each stream's Checker must
// apply too (set.NewChecker).
func New(set *detect.Set) *Judge { return &Judge{set: set} }

// maxKept bounds the scratch a Judge keeps after a line: a long line's
// copy is not kept.
const maxKept = 256 << 10

// Check reports the first finding in content, the text after a public
// line's prefix, the next line of the stream check follows. In a line that
// holds escape sequences, the column is the shown text's. Only the shown
// text is followed for private-key blocks.
func (j *Judge) Check(check *detect.Checker, content []byte) (detect.Finding, bool) {
	if bytes.IndexByte(content, 0x1b) < 0 {
		return check.Check(content)
	}
	j.shown = scrub.AppendStripped(j.shown[:0], content)
	f, found := check.Check(j.shown)
	if !found {
		f, found = j.set.Check(content)
	}
	if cap(j.shown) > maxKept {
		j.shown = nil
	}
	return f, found
}

// AppendRedacted appends content, a public line's text after its prefix
// in which Check found f, with every value the set finds in it replaced by
// its detector's tag (detect.Tag). A line holding escape sequences is
// redacted as a terminal shows it, its escapes removed: they could hide
// the pieces of a value, or carry one. When the set finds nothing in that
// text alone (a line inside a private-key block, which only the stream's
// checker knows, or a value only in an escape's payload), the tag of f
// stands for the whole line.
func (j *Judge) AppendRedacted(dst, content []byte, f detect.Finding) []byte {
	text := content
	if bytes.IndexByte(content, 0x1b) >= 0 {
		j.shown = scrub.AppendStripped(j.shown[:0], content)
		text = j.shown
	}
	j.finds = j.set.Find(text, j.finds[:0])
	if len(j.finds) == 0 {
		dst = append(dst, detect.Tag(f.Detector)...)
	} else {
		dst = detect.AppendReplaced(dst, text, j.finds, appendTag)
	}
	if cap(j.shown) > maxKept {
		j.shown = nil
	}
	return dst
}

func appendTag(dst []byte, f detect.Finding, _ []byte) []byte {
	return append(dst, detect.Tag(f.Detector)...)
}

// AppendNotice appends the public line that stands for a blocked one:
// "PREFIX WHO: blocked a public line: DETECTOR at column N (value
// withheld)". It names the detector and the column (of the whole line,
// prefix included, from 1), never the value.
func AppendNotice(dst, prefix []byte, who string, f detect.Finding) []byte {
	// fmt.Appendf's "%s %s: blocked a public line: %s at column %d
	// (value withheld)", without its interface conversions: the processor
	// writes one per blocked record.
	dst = append(dst, prefix...)
	dst = append(dst, ' ')
	dst = append(dst, who...)
	dst = append(dst, ": blocked a public line: "...)
	dst = append(dst, f.Detector...)
	dst = append(dst, " at column "...)
	dst = strconv.AppendInt(dst, int64(len(prefix)+f.Col), 10)
	return append(dst, " (value withheld)"...)
}
