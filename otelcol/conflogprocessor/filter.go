package conflogprocessor

import (
	"github.com/conflog/conflog/scrub"
	"github.com/conflog/conflog/traceback"
)

// The streams share their scrub.Filters. A filter keeps, between two of the
// processor's writes, only what the stream's tracer already knows: every
// write is a whole record's body and its line end, so nothing is carried
// from one write to the next (no unfinished line, no cut line's rest, no
// '\r' waiting for its '\n'), and the filter's one other state, whether the
// tracer was inside an exception message after the last line it fed it, is
// a copy of the tracer's InMessage. So a filter can judge any stream's
// record, given that stream's tracer and tripwire, as long as its copy of
// InMessage is that stream's: the filters are kept by strictness and by
// that copy, at most four, each about 64 KiB (its output buffer), however
// many streams there are. A stream's own state is its tracer and checker.

// sharedFilter is one filter with the tracer and writer it forwards to the
// stream whose record it is judging.
type sharedFilter struct {
	f  *scrub.Filter
	tr tracerSwitch
	w  gateWriter
}

// tracerSwitch forwards to the current stream's tracer. While a new filter
// is primed it is no stream's: it takes the priming line and says the
// message goes on.
type tracerSwitch struct {
	cur     *traceback.Scrubber
	priming bool
}

func (t *tracerSwitch) Line(line []byte, emit func([]byte)) {
	if !t.priming {
		t.cur.Line(line, emit)
	}
}

func (t *tracerSwitch) Flush(emit func([]byte)) {
	if !t.priming {
		t.cur.Flush(emit)
	}
}

func (t *tracerSwitch) InMessage() bool { return t.priming || t.cur.InMessage() }
func (t *tracerSwitch) Traces() int     { return t.cur.Traces() }

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// write has s's filter judge line (a record's body and its line end).
func (p *gate) write(s *stream, line []byte) {
	strict := b2i(s.broken)
	in := s.trace != nil && s.trace.InMessage()
	sf := p.filters[strict][b2i(in)]
	p.filters[strict][b2i(in)] = nil
	if sf == nil {
		sf = p.newSharedFilter(s.broken, in)
	}
	sf.tr.cur, sf.w.check = s.trace, s.check
	sf.f.Write(line) // the sink and the writer never fail
	sf.tr.cur, sf.w.check = nil, nil
	// The filter's copy of InMessage is now s's tracer's: a line fed to the
	// tracer updated both, and with none fed both are what they were.
	in = s.trace != nil && s.trace.InMessage()
	p.filters[strict][b2i(in)] = sf // a filter already there is dropped
}

// newSharedFilter makes a filter whose copy of InMessage is in. A new
// filter's is false; for true it is primed with one empty line, which is
// private: fed to the priming tracer, it leaves the filter's copy true.
func (p *gate) newSharedFilter(strict, in bool) *sharedFilter {
	sf := &sharedFilter{w: gateWriter{p: p}}
	opts := scrub.Options{
		Prefix:   p.cfg.Prefix,
		MaxLine:  p.cfg.MaxLine,
		KeepANSI: p.cfg.KeepANSI,
		Strict:   strict,
		Private:  privateCounter{p},
	}
	if p.cfg.Traces {
		opts.Trace = &sf.tr
	}
	f, err := scrub.New(&sf.w, opts)
	if err != nil {
		panic("conflogprocessor: the validated configuration was refused: " + err.Error())
	}
	sf.f = f
	if in {
		sf.tr.priming, p.priming = true, true
		f.Write([]byte{'\n'})
		sf.tr.priming, p.priming = false, false
	}
	return sf
}
