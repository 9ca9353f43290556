package conflogprocessor

import (
	"bytes"

	"github.com/conflog/conflog/detect"
	"github.com/conflog/conflog/internal/tripwire"
)

// The leak tripwire, as conflog run and conflog scrub apply it: the prefix
// rule stops private lines; the tripwire stops the other accident, a public
// line that holds customer data or a secret. It sees every public line the
// filter writes, scrubbed trace lines included.

func indexLF(b []byte) int { return bytes.IndexByte(b, '\n') }

// public takes one public line (without its end) of the record being
// judged: through the tripwire when check is set, into the output. A line
// that is the record's body from offset at on (at >= 0) is not copied when
// it passes: it leaves as that part of the body. The judgment is conflog
// run's and conflog scrub's (package internal/tripwire): with keep_ansi, a
// line is judged as a terminal shows it.
func (p *gate) public(check *detect.Checker, line []byte, at int) {
	if !bytes.HasPrefix(line, p.prefix) {
		// scrub promises a public line starts with the prefix; if a bug
		// ever broke that, the line must not leave.
		p.counts.private++
		p.addPrivate(line)
		return
	}
	content := line[len(p.prefix):]
	var f detect.Finding
	found := false
	switch {
	case check == nil:
	case at >= 0: // a plain line (lines): no escape to look for
		f, found = check.Check(content)
	default:
		f, found = p.wire.Check(check, content)
	}
	if !found {
		if at >= 0 {
			p.spans = append(p.spans, span{start: at, end: at + len(line), body: true})
			return
		}
		p.emit(line)
		return
	}
	p.counts.blocked++
	p.addPrivate(line) // the line as it was, for the private pipeline
	start := len(p.out)
	if p.redact {
		p.out = p.wire.AppendRedacted(append(p.out, p.prefix...), content, f)
	} else {
		p.out = tripwire.AppendNotice(p.out, p.prefix, "conflog", f)
	}
	p.endLine(start)
}
