package detect

import (
	"bytes"
	"errors"
	"fmt"
	"io"
)

// MaxLine is the longest line a Scanner looks at whole. A longer line is
// not cut or dropped: it is scanned in windows of MaxLine bytes that overlap
// by MaxValue bytes, so a value of up to MaxValue bytes is found wherever it
// falls. A longer value straddling a window edge may be missed, or reported
// from the window edge on. Memory is MaxLine + MaxValue + 64 KiB whatever the
// input.
const MaxLine = 1 << 20

// MaxValue is the longest value found exactly across the windows of a line
// longer than MaxLine.
const MaxValue = 4 << 10

const readChunk = 64 << 10

// A Scanner finds values in a stream, one segment at a time. A segment is a
// line, newline included, or a MaxLine window of a longer line; the segments
// concatenate to the input exactly, so a redactor can rewrite the stream
// segment by segment. Findings carry their line, column and byte offset in
// the whole stream.
//
// A Scanner also follows multi-line PEM private-key blocks: every line from
// BEGIN to END is reported as part of the key.
type Scanner struct {
	// Shown, when set, appends the text a terminal shows of a line to dst
	// (scrub.AppendStripped). A private-key block is then followed in the
	// shown text of a whole line holding an escape (ESC): a BEGIN line or a
	// body line coloured inside is followed as the plain one is. Set it
	// before the first Scan.
	Shown func(dst, line []byte) []byte

	set    *Set
	r      io.Reader
	window int // MaxLine; smaller in tests

	buf        []byte
	base       int64 // stream offset of buf[0]
	start, end int   // unread bytes
	scanned    int   // buf[start:scanned] holds no newline
	ctx        int   // bytes of the current line kept before start
	eof        bool
	err        error

	line      int   // current line, 1-based
	lineStart int64 // stream offset of the current line
	inPEM     int   // lines into an open private-key block, 0 when none

	seg      []byte
	whole    bool // seg is a whole line, not a window of a longer one
	inKey    bool // seg is a line of a private-key block after its BEGIN line
	shown    []byte
	findings []Finding
	ms       []match
}

// NewScanner returns a Scanner that reads r and applies the set's detectors.
func (s *Set) NewScanner(r io.Reader) *Scanner {
	return &Scanner{set: s, r: r, window: MaxLine, line: 1}
}

// Scan advances to the next segment. It returns false at the end of the
// input or on a read error, which Err reports.
func (sc *Scanner) Scan() bool {
	if sc.buf == nil {
		sc.buf = make([]byte, MaxValue+sc.window+readChunk)
	}
	sc.findings = sc.findings[:0]
	sc.seg = nil
	for {
		if i := bytes.IndexByte(sc.buf[sc.scanned:sc.end], '\n'); i >= 0 {
			nl := sc.scanned + i
			sc.piece(nl+1, nl, true)
			return true
		}
		sc.scanned = sc.end
		if sc.eof || sc.err != nil {
			if sc.start < sc.end {
				sc.piece(sc.end, sc.end, true)
				return true
			}
			return false
		}
		if sc.end-sc.start >= sc.window {
			sc.piece(sc.start+sc.window-MaxValue, sc.start+sc.window, false)
			return true
		}
		sc.fill()
	}
}

// fill moves the unread bytes (and the kept context) to the front of the
// buffer and reads more.
func (sc *Scanner) fill() {
	keep := sc.start - sc.ctx
	if keep > 0 {
		copy(sc.buf, sc.buf[keep:sc.end])
		sc.base += int64(keep)
		sc.start -= keep
		sc.end -= keep
		sc.scanned -= keep
	}
	n, err := sc.r.Read(sc.buf[sc.end:])
	sc.end += n
	switch {
	case errors.Is(err, io.EOF):
		sc.eof = true
	case err != nil:
		sc.err = fmt.Errorf("detect: read: %w", err)
	}
}

// piece emits the segment buf[start:next]. The detectors see the window from
// the kept context to lineEnd; findings are reported when they start inside
// the segment. last says the segment ends its line.
func (sc *Scanner) piece(next, lineEnd int, last bool) {
	segStart := sc.start
	sc.seg = sc.buf[segStart:next]
	w0 := segStart - sc.ctx
	content := lineEnd
	if last && content > w0 && sc.buf[content-1] == '\r' {
		content--
	}
	window := sc.buf[w0:content]
	sc.whole = last && sc.ctx == 0
	var shown []byte // the line as a terminal shows it, when Shown applies
	if sc.Shown != nil && sc.whole && bytes.IndexByte(window, 0x1b) >= 0 {
		sc.shown = sc.Shown(sc.shown[:0], window)
		shown = sc.shown
	}

	pemEnd := -1 // end, in window, of a private-key continuation
	sc.inKey = false
	if sc.inPEM > 0 && sc.ctx == 0 {
		if shown == nil {
			pemEnd = sc.pemBody(window)
		} else if sc.pemBody(shown) > 0 {
			// The whole raw line stands for the shown one's part.
			pemEnd = len(window)
			sc.findings[len(sc.findings)-1].Len = pemEnd
		}
		sc.inKey = pemEnd > 0
	}
	sc.ms = sc.set.find(window, sc.ms[:0])
	for _, m := range sc.ms {
		abs := w0 + m.start
		if abs < segStart || abs >= next || m.start < pemEnd {
			continue
		}
		d := sc.set.dets[m.det]
		if m.det == sc.set.pem && last && m.end == len(window) && pemOpen(window[m.start:m.end]) {
			sc.inPEM = 1
		}
		sc.findings = append(sc.findings, Finding{
			Detector:   d.Name(),
			Line:       sc.line,
			Col:        int(sc.base+int64(abs)-sc.lineStart) + 1,
			Offset:     sc.base + int64(abs),
			Len:        m.end - m.start,
			Confidence: d.Confidence(),
		})
	}
	if shown != nil && sc.inPEM == 0 {
		for _, m := range sc.set.find(shown, nil) {
			if m.det == sc.set.pem && m.end == len(shown) && pemOpen(shown[m.start:m.end]) {
				sc.inPEM = 1
			}
		}
	}
	sc.start = next
	if sc.scanned < next {
		sc.scanned = next
	}
	if last {
		sc.line++
		sc.lineStart = sc.base + int64(next)
		sc.ctx = 0
	} else {
		sc.ctx = min(MaxValue, next-w0)
	}
}

// maxPEMLines bounds a private-key block a Scanner follows across lines: an
// 8192-bit RSA key is about 100 lines of base64.
const maxPEMLines = 200

// pemBody handles a line inside an open private-key block: it reports the
// line (up to and including the END line) as part of the key and returns
// where in the line the block ended, or -1 when the line does not belong to
// a key (the block was cut short).
func (sc *Scanner) pemBody(line []byte) int {
	d := sc.set.dets[sc.set.pem]
	trimmed := bytes.TrimRight(line, " \t")
	e := -1
	if i := bytes.Index(trimmed, pemEnd); i >= 0 {
		e = len(trimmed)
		if k := labelEnd(trimmed[i:], 60); k >= 0 {
			e = i + k
		}
		sc.inPEM = 0
	} else if len(trimmed) == 0 || pemBodyLine(trimmed) {
		e = len(trimmed)
		sc.inPEM++
		if sc.inPEM > maxPEMLines {
			sc.inPEM = 0
		}
	} else {
		sc.inPEM = 0
		return -1
	}
	if e > 0 {
		sc.findings = append(sc.findings, Finding{
			Detector:   d.Name(),
			Line:       sc.line,
			Col:        1,
			Offset:     sc.lineStart,
			Len:        e,
			Confidence: d.Confidence(),
		})
	}
	return e
}

// pemBodyLine reports whether a line may be inside a PEM block: base64, or
// an RFC 1421 header such as "Proc-Type: 4,ENCRYPTED".
func pemBodyLine(l []byte) bool {
	if bytes.IndexByte(l, ':') > 0 {
		return true
	}
	for _, b := range bytes.TrimLeft(l, " \t") {
		if !isAlnum(b) && b != '+' && b != '/' && b != '=' {
			return false
		}
	}
	return true
}

// Segment returns the bytes of the current segment, newline included. It is
// valid until the next call to Scan.
func (sc *Scanner) Segment() []byte { return sc.seg }

// Whole reports whether the current segment is a whole line, not one of
// the MaxLine windows of a longer line.
func (sc *Scanner) Whole() bool { return sc.whole }

// Findings returns the findings that start in the current segment, in order
// of position. A finding may run past the segment's end when a line longer
// than MaxLine was cut into windows. Valid until the next call to Scan.
func (sc *Scanner) Findings() []Finding { return sc.findings }

// Offset returns the stream offset of the end of the current segment: how
// much of the input has been scanned.
func (sc *Scanner) Offset() int64 { return sc.base + int64(sc.start) }

// Err returns the first read error, if any.
func (sc *Scanner) Err() error { return sc.err }

// Value returns the bytes of a finding of the current segment, which may
// run past the segment's end on a line longer than MaxLine. It is valid until
// the next call to Scan; show it to people only through Mask.
func (sc *Scanner) Value(f Finding) []byte {
	i := f.Offset - sc.base
	if i < 0 || i+int64(f.Len) > int64(sc.end) {
		return nil
	}
	return sc.buf[i : i+int64(f.Len)]
}
