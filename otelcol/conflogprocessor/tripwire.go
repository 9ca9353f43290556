package conflogprocessor

import (
	"bytes"
	"strconv"

	"github.com/conflog/conflog/detect"
)

// The leak tripwire, as conflog run and conflog scrub apply it: the prefix
// rule stops private lines; the tripwire stops the other accident, a public
// line that holds customer data or a secret. It sees every public line the
// filter writes, scrubbed trace lines included.

func indexLF(b []byte) int { return bytes.IndexByte(b, '\n') }

// public takes one public line (without its end) of the record being
// judged: through the tripwire when check is set, into the output. A line
// that is the record's body from offset at on (at >= 0) is not copied when
// it passes: it leaves as that part of the body.
func (p *gate) public(check *detect.Checker, line []byte, at int) {
	if !bytes.HasPrefix(line, p.prefix) {
		// scrub promises a public line starts with the prefix; if a bug
		// ever broke that, the line must not leave.
		p.counts.private++
		p.addPrivate(line)
		return
	}
	var f detect.Finding
	found := false
	if check != nil {
		f, found = check.Check(line[len(p.prefix):])
	}
	if !found {
		if at >= 0 {
			p.spans = append(p.spans, span{start: at, end: at + len(line), body: true})
			return
		}
		p.emit(line)
		return
	}
	content := line[len(p.prefix):]
	p.counts.blocked++
	p.addPrivate(line) // the line as it was, for the private pipeline
	start := len(p.out)
	if !p.redact {
		// fmt.Appendf's "%s conflog: blocked a public line: %s at column
		// %d (value withheld)", without its interface conversions.
		p.out = append(p.out, p.prefix...)
		p.out = append(p.out, " conflog: blocked a public line: "...)
		p.out = append(p.out, f.Detector...)
		p.out = append(p.out, " at column "...)
		p.out = strconv.AppendInt(p.out, int64(len(p.prefix)+f.Col), 10)
		p.out = append(p.out, " (value withheld)"...)
		p.endLine(start)
		return
	}
	p.out = append(p.out, p.prefix...)
	p.out = appendRedacted(p.out, content, p.set.Find(content, p.finds[:0]), f)
	p.endLine(start)
}

// appendRedacted appends content with every finding replaced by its
// detector's tag. When the set finds nothing in the line alone (a line
// inside a private-key block, which only the stream's checker knows),
// first covers the whole line.
func appendRedacted(dst, content []byte, finds []detect.Finding, first detect.Finding) []byte {
	if len(finds) == 0 {
		return append(dst, detect.Tag(first.Detector)...)
	}
	i := 0
	for _, f := range finds {
		s := int(f.Offset)
		if s < i {
			// Overlaps a value already replaced: its tail is withheld too.
			i = max(i, s+f.Len)
			continue
		}
		dst = append(dst, content[i:s]...)
		dst = append(dst, detect.Tag(f.Detector)...)
		i = s + f.Len
	}
	if i < len(content) {
		dst = append(dst, content[i:]...)
	}
	return dst
}
