// Package scrub is the egress gate's engine: it frames a byte stream into
// lines and lets through only the public ones, those that start with a fixed
// prefix such as "SystemLog:", which is the rule compliant ML platforms apply
// to every log line that leaves their boundary.
//
// A [Filter] is an [io.WriteCloser] for one stream (stdout and stderr are
// framed separately). It promises:
//
//   - A line is public iff, once its escape sequences are removed (see below),
//     its first bytes are the prefix. Every line written to the public writer
//     starts with the prefix at byte 0 and ends with a single '\n'.
//   - Lines end at '\n' and at '\r'; "\r\n" is one ending. A progress bar
//     redrawn with '\r' is a run of lines, each judged on its own, so it can
//     neither carry private bytes into a public line nor hide one.
//   - Escape sequences (CSI, OSC and the other string forms, nF, Fp/Fe/Fs, as
//     listed in escape.go) before the prefix are removed; those after it too,
//     unless [Options.KeepANSI], which keeps the well-formed ones only (so a
//     public line never ends inside a sequence). A malformed sequence before
//     the prefix makes the line private.
//   - Other bytes after the prefix pass unchanged: NUL, VT, FF, NEL (U+0085),
//     U+2028/U+2029 and invalid UTF-8 included. The job put them after its
//     prefix, so they are its public text; a collector that breaks a line at
//     one of them gets a second piece without the prefix, which a gate
//     downstream would hold, never private text made public. The gate's own
//     lines (summaries, scrubbed traces) never hold them.
//   - Memory is bounded whatever the input: a line longer than
//     [Options.MaxLine] is cut. Its first MaxLine bytes are judged as a line.
//     The rest, up to the line's real end, is never read as a new line and
//     never public, even when the head was: nothing judged it. It is the job's
//     data all the same, so it goes to the private [Sink] in pieces of at
//     most MaxLine bytes, each piece one sink line (MaxLine bytes each but the
//     last, however the input was split across writes). The pieces are not
//     fed to a [Tracer]: a piece is no line and cannot start a trace.
//   - The last line, without a line end, is judged at [Filter.Close].
//   - Every other line goes, unchanged, to the private [Sink]. So nothing
//     written to the filter is lost but line ends and the escape sequences a
//     public line drops, until an error of the writer or the sink stops it.
//   - Crash traces: with a [Tracer], private lines are also fed to it, and the
//     scrubbed lines it emits go out behind the prefix and a space (see [Tracer]).
//
// The filter is a memchr-and-compare loop over the caller's buffer: lines are
// judged in place, with no allocation per line, so it runs at memory speed.
package scrub

import (
	"bytes"
	"errors"
	"fmt"
	"io"

	"github.com/conflog/conflog/internal/channel"
)

// DefaultMaxLine is the line length beyond which a line is cut, when
// [Options.MaxLine] is zero.
const DefaultMaxLine = 1 << 20

// flushAt is the size at which pending public output is written out before the
// end of a Write: large enough to make writes rare, small enough to stay in cache.
const flushAt = 64 << 10

// maxKeptOut is the capacity of the public output buffer kept between
// flushes; one grown past it by a long line is given back.
const maxKeptOut = 4 * flushAt

// Options configure a [Filter]. The zero value of every field but Prefix is a
// sensible default.
type Options struct {
	// Prefix marks public lines. It must not be empty nor hold control bytes
	// (a prefix with '\n' could never be at the start of a line).
	Prefix string

	// MaxLine is the longest line, in bytes before escape removal, judged
	// whole; longer ones are cut, and their rest goes to Private in pieces
	// of at most MaxLine bytes. Zero means DefaultMaxLine.
	MaxLine int

	// KeepANSI keeps the well-formed escape sequences that follow the prefix
	// in public lines; malformed ones, and one the line's end cuts short,
	// are removed. Those before the prefix are always removed, so a public
	// line still starts with the prefix.
	KeepANSI bool

	// Strict makes no line of this stream public by its prefix: the stream is
	// not trusted (conflog run --strict uses it for the child's stdout and
	// stderr). Prefixed lines go to the private sink and are counted as Held.
	// Scrubbed crash traces are still emitted.
	Strict bool

	// Private receives the lines that are not public. Nil discards them.
	Private Sink

	// Trace, when set, is fed every private line and re-emits crash traces
	// scrubbed. It belongs to this stream alone.
	Trace Tracer

	// FinalTraceOnly re-emits only the crash that ends the process (conflog
	// run --strict uses it for the child's stderr). The tracer's lines are
	// held, not written; [Filter.CloseExit] releases them iff the held trace
	// is the last output of the stream but whitespace and the process ended
	// as that crash ends one (see [CrashTracer]). A trace that outgrows
	// MaxHeldTrace, or that is followed by more than maxTraceGap lines that
	// add nothing to it (a Python message runs on until the stream ends),
	// stays private. It needs Strict, and a Trace that is a [CrashTracer].
	FinalTraceOnly bool

	// MaxHeldTrace bounds, in bytes of public output, the trace that
	// FinalTraceOnly holds. Zero means DefaultMaxHeldTrace.
	MaxHeldTrace int
}

// DefaultMaxHeldTrace is the largest trace FinalTraceOnly holds, when
// [Options.MaxHeldTrace] is zero: a Go fatal error dumps every goroutine, a
// few hundred bytes each.
const DefaultMaxHeldTrace = 1 << 20

// maxTraceGap bounds the consecutive non-blank lines that may follow a held
// trace's last public line and still leave it the stream's last output:
// its source lines, the rest of a multi-line message or panic value. Past
// it, what follows is taken for the job's output, and the trace stays
// private.
const maxTraceGap = 256

// Stats count what a [Filter] did.
type Stats struct {
	Bytes      int64 // bytes written to the filter
	Passed     int64 // lines that passed the prefix rule
	Private    int64 // lines judged private, sent to the private sink (including empty ones)
	Cut        int64 // lines longer than MaxLine, cut
	CutBytes   int64 // bytes of cut lines beyond MaxLine, sent to the private sink in pieces
	Held       int64 // prefixed lines held back: strict stream, or inside an exception message
	Traces     int64 // crash traces re-emitted
	TraceLines int64 // scrubbed trace lines written
}

// Add adds the counts of o to s, to total several streams.
func (s *Stats) Add(o Stats) {
	s.Bytes += o.Bytes
	s.Passed += o.Passed
	s.Private += o.Private
	s.Cut += o.Cut
	s.CutBytes += o.CutBytes
	s.Held += o.Held
	s.Traces += o.Traces
	s.TraceLines += o.TraceLines
}

// A Filter passes the public lines of one stream to a writer. Write and
// Close must not be called concurrently; call Stats after Close.
type Filter struct {
	w        io.Writer
	prefix   []byte
	maxLine  int
	keepANSI bool
	strict   bool
	sink     Sink
	flusher  interface{ Flush() error }
	trace    Tracer
	// inMessage is trace.InMessage() as of the last line fed to it.
	inMessage bool
	emit      func([]byte) // f.emitTrace or f.holdTrace, bound once so feeding the tracer does not allocate

	// FinalTraceOnly: the trace held for CloseExit.
	crash      CrashTracer // the tracer, when the trace is held
	held       []byte      // the held trace's public lines, prefixed
	heldTraces int         // crash.Traces() of the held trace
	heldOver   bool        // the held trace is not the stream's last output, or outgrew its bound
	gap        int         // non-blank lines fed since the held trace's last public line
	holds      int         // public lines the tracer emitted under FinalTraceOnly
	maxHeld    int
	atClose    crashState // the tracer's Crash at the end of the stream
	released   bool       // CloseExit has decided
	finalTrace int64      // traces released

	out    []byte // public output not yet written
	carry  []byte // the start of a line whose end has not arrived, or the unsent piece of a cut line's rest; at most maxLine bytes
	inRest bool   // inside the rest of a cut line: carry holds a piece for the sink
	skipLF bool   // the last line ended in '\r': a '\n' right after it belongs to that ending
	closed bool
	err    error // sticky: the first write or sink error
	stats  Stats
}

// CheckPrefix reports whether prefix can mark public lines. It is the rule
// the handlers keep too (internal/channel.CheckPrefix, its one home).
func CheckPrefix(prefix string) error { return channel.CheckPrefix(prefix) }

// New returns a Filter writing the public lines of a stream to w.
func New(w io.Writer, opts Options) (*Filter, error) {
	if err := CheckPrefix(opts.Prefix); err != nil {
		return nil, err
	}
	if opts.MaxLine == 0 {
		opts.MaxLine = DefaultMaxLine
	}
	if opts.MaxLine < len(opts.Prefix) {
		return nil, fmt.Errorf("max line %d: shorter than the prefix %q, no line could be public", opts.MaxLine, opts.Prefix)
	}
	if opts.Private == nil {
		opts.Private = Discard
	}
	if opts.MaxHeldTrace == 0 {
		opts.MaxHeldTrace = DefaultMaxHeldTrace
	}
	var crash CrashTracer
	if opts.FinalTraceOnly && opts.Trace != nil {
		var ok bool
		if crash, ok = opts.Trace.(CrashTracer); !ok {
			return nil, errors.New("final trace only: the tracer cannot tell a crash (want a CrashTracer)")
		}
		if !opts.Strict {
			return nil, errors.New("final trace only: needs a strict stream, where no line passes by its prefix")
		}
	}
	f := &Filter{
		w:        w,
		prefix:   []byte(opts.Prefix),
		maxLine:  opts.MaxLine,
		keepANSI: opts.KeepANSI,
		strict:   opts.Strict,
		sink:     opts.Private,
		trace:    opts.Trace,
		crash:    crash,
		maxHeld:  opts.MaxHeldTrace,
		out:      make([]byte, 0, flushAt+256),
	}
	f.flusher, _ = opts.Private.(interface{ Flush() error })
	f.emit = f.emitTrace
	if crash != nil {
		f.emit = f.holdTrace
	}
	return f, nil
}

// Write filters p, which may hold any part of the stream: lines may be split
// across calls at any byte. The public lines complete in p are written to the
// underlying writer before Write returns. The error is the first failure of
// the writer or the private sink; after it the filter stops.
func (f *Filter) Write(p []byte) (int, error) {
	if f.err != nil {
		return 0, f.err
	}
	if f.closed {
		return 0, errors.New("scrub: write after close")
	}
	f.stats.Bytes += int64(len(p))
	i := 0
	if f.skipLF && len(p) > 0 {
		f.skipLF = false
		if p[0] == '\n' {
			i = 1
		}
	}

	// Finish the line begun in an earlier Write, or the rest of a cut one.
	if i < len(p) && (f.inRest || len(f.carry) > 0) {
		e := indexEnd(p[i:])
		if e < 0 {
			if f.inRest {
				f.spill(p[i:])
			} else {
				f.appendCarry(p[i:])
			}
			return len(p), f.flush()
		}
		e += i
		if f.inRest {
			f.spill(p[i:e])
			f.endRest()
		} else if f.appendCarry(p[i:e]); f.inRest {
			f.endRest()
		} else {
			f.line(f.carry, bytes.IndexByte(f.carry, esc) >= 0)
			f.carry = f.carry[:0]
		}
		i = f.skipEnd(p, e)
	}

	// The hot loop: lines complete in p are judged in place. The next '\r'
	// and ESC are searched for once per buffer rather than once per line:
	// logs rarely hold them, and one memchr per line is what this costs.
	nextCR, nextESC := -1, -1
	for i < len(p) && f.err == nil {
		if nextCR < i {
			nextCR = index(p, i, '\r')
		}
		if nextESC < i {
			nextESC = index(p, i, esc)
		}
		e := index(p, i, '\n')
		if nextCR < e {
			e = nextCR
		}
		if e == len(p) {
			rest := p[i:]
			if len(rest) > f.maxLine {
				f.cut(rest[:f.maxLine])
				f.spill(rest[f.maxLine:])
			} else {
				f.carry = f.carry[:0]
				f.growCarry(len(rest))
				f.carry = append(f.carry, rest...)
			}
			break
		}
		line := p[i:e]
		if len(line) > f.maxLine {
			f.cut(line[:f.maxLine])
			f.spill(line[f.maxLine:])
			f.endRest()
		} else {
			f.line(line, nextESC < e)
		}
		i = f.skipEnd(p, e)
		if len(f.out) >= flushAt {
			f.flush()
		}
	}
	if err := f.flush(); err != nil {
		return 0, err
	}
	return len(p), nil
}

// index returns the index of the first c in p[i:], as an index into p, or len(p).
func index(p []byte, i int, c byte) int {
	if k := bytes.IndexByte(p[i:], c); k >= 0 {
		return i + k
	}
	return len(p)
}

// indexEnd returns the index of the first line end in p, or -1.
func indexEnd(p []byte) int {
	n := bytes.IndexByte(p, '\n')
	if n < 0 {
		n = len(p)
	}
	if r := bytes.IndexByte(p[:n], '\r'); r >= 0 {
		return r
	}
	if n == len(p) {
		return -1
	}
	return n
}

// skipEnd steps over the line end at p[e], treating "\r\n" as one, and
// remembers a '\r' at the very end of p so a '\n' opening the next Write
// is not taken for an empty line.
func (f *Filter) skipEnd(p []byte, e int) int {
	if p[e] == '\r' {
		if e+1 == len(p) {
			f.skipLF = true
		} else if p[e+1] == '\n' {
			return e + 2
		}
	}
	return e + 1
}

// appendCarry adds b to the unfinished line, cutting the line when it
// grows past maxLine.
func (f *Filter) appendCarry(b []byte) {
	room := f.maxLine - len(f.carry)
	f.growCarry(min(len(b), room))
	if len(b) <= room {
		f.carry = append(f.carry, b...)
		return
	}
	f.carry = append(f.carry, b[:room]...)
	f.cut(f.carry)
	f.spill(b[room:])
}

// cut judges head, the first maxLine bytes of an overlong line, and starts
// its rest: from here to the line's end, bytes go to spill, never to line.
// head may be f.carry, which is emptied for the rest's first piece.
func (f *Filter) cut(head []byte) {
	f.stats.Cut++
	f.line(head, bytes.IndexByte(head, esc) >= 0)
	f.carry = f.carry[:0]
	f.inRest = true
}

// spill sends b, the next bytes of a cut line's rest, to the private sink in
// pieces of exactly maxLine bytes, keeping an incomplete piece in the carry
// until more of the rest or its end arrives. Pieces are cut at fixed offsets
// of the rest, so the sink sees the same lines however the input was split
// across writes; a piece whole in b goes to the sink without a copy.
// The rest is not fed to the tracer: nothing in it starts a line.
func (f *Filter) spill(b []byte) {
	f.stats.CutBytes += int64(len(b))
	if len(f.carry) > 0 {
		n := min(len(b), f.maxLine-len(f.carry))
		f.growCarry(n)
		f.carry = append(f.carry, b[:n]...)
		b = b[n:]
		if len(f.carry) < f.maxLine {
			return
		}
		f.sinkLine(f.carry)
		f.carry = f.carry[:0]
	}
	for len(b) >= f.maxLine {
		f.sinkLine(b[:f.maxLine])
		b = b[f.maxLine:]
		if f.err != nil {
			return // the filter has stopped
		}
	}
	f.growCarry(len(b))
	f.carry = append(f.carry, b...)
}

// growCarry makes room for n more bytes in the carry, which never holds more
// than maxLine. It doubles the capacity, up to maxLine: append's own growth
// (a quarter at a time for large slices) would allocate several times
// maxLine in all while a long line arrives in small writes.
func (f *Filter) growCarry(n int) {
	need := len(f.carry) + n
	if need <= cap(f.carry) {
		return
	}
	c := make([]byte, len(f.carry), min(max(need, 2*cap(f.carry), 512), f.maxLine))
	copy(c, f.carry)
	f.carry = c
}

// endRest ends a cut line's rest at its line end (or the stream's), sending
// the last, shorter piece.
func (f *Filter) endRest() {
	if len(f.carry) > 0 {
		f.sinkLine(f.carry)
		f.carry = f.carry[:0]
	}
	f.inRest = false
}

// line judges one complete line (without its end). hasESC says whether it
// holds an escape byte, which the caller usually knows already.
func (f *Filter) line(line []byte, hasESC bool) {
	end, prefixed := len(f.prefix), false
	if !hasESC {
		prefixed = bytes.HasPrefix(line, f.prefix)
	} else {
		end, prefixed = matchPrefix(line, f.prefix)
	}
	// A Python exception message may run over several lines, and any of
	// them may begin with the prefix: it is still the message.
	if !prefixed || f.strict || f.inMessage {
		f.private(line, prefixed)
		return
	}
	if !hasESC {
		f.out = append(f.out, line...)
	} else {
		f.out = AppendPublic(f.out, f.prefix, line, end, f.keepANSI)
	}
	f.out = append(f.out, '\n')
	f.stats.Passed++
}

// private sends a line to the private sink and the tracer. prefixed says
// whether it starts with the prefix: such a line was held back, by --strict
// or because it continues an exception message.
func (f *Filter) private(line []byte, prefixed bool) {
	f.stats.Private++
	if prefixed {
		f.stats.Held++
	}
	f.sinkLine(line)
	if f.trace != nil {
		holds := f.holds
		f.trace.Line(line, f.emit)
		// Only a fed line can change it: asked here, once, and not for
		// every line the gate judges.
		f.inMessage = f.trace.InMessage()
		if f.crash != nil {
			f.follow(line, f.holds != holds)
		}
	}
}

// follow keeps, after each line fed, the held trace only while it is still
// the stream's last output: a non-blank line outside a trace ends it, and so
// does a run of lines that add nothing to it.
func (f *Filter) follow(line []byte, added bool) {
	if isBlank(line) || f.heldOver {
		return
	}
	if _, _, in := f.crash.Crash(); !in {
		f.dropHeld()
		return
	}
	if added {
		f.gap = 0
	} else if f.gap++; f.gap > maxTraceGap {
		f.dropHeld()
	}
}

// dropHeld gives up the held trace: it stays private. Only a new trace
// is held again.
func (f *Filter) dropHeld() {
	f.held = f.held[:0]
	f.heldOver = true
}

// isBlank reports a line of spaces and tabs only.
func isBlank(line []byte) bool {
	for _, c := range line {
		if c != ' ' && c != '\t' {
			return false
		}
	}
	return true
}

// holdTrace is emitTrace under FinalTraceOnly: the line is kept with the
// rest of its trace until CloseExit.
func (f *Filter) holdTrace(public []byte) {
	f.holds++
	if t := f.crash.Traces(); t != f.heldTraces {
		f.heldTraces, f.held, f.heldOver, f.gap = t, f.held[:0], false, 0
	}
	if f.heldOver || bytes.HasPrefix(public, f.prefix) {
		return // AppendTraceLine makes no line of it
	}
	if len(f.held)+len(f.prefix)+len(public)+2 > f.maxHeld {
		f.dropHeld()
		return
	}
	f.held, _ = AppendTraceLine(f.held, f.prefix, public)
	f.held = append(f.held, '\n')
}

// sinkLine hands one line to the private sink, keeping its first error.
func (f *Filter) sinkLine(line []byte) {
	if err := f.sink.Line(line); err != nil && f.err == nil {
		f.err = fmt.Errorf("private sink: %w", err)
	}
}

// emitTrace writes one scrubbed trace line as AppendTraceLine makes it
// public, as the gate writes its own lines ("SystemLog: Traceback …").
func (f *Filter) emitTrace(public []byte) {
	if out, ok := AppendTraceLine(f.out, f.prefix, public); ok {
		f.out = append(out, '\n')
		f.stats.TraceLines++
	}
}

// AppendTraceLine appends to dst the public line that stands for public, a
// line a Tracer emitted, without a line end: the prefix, a space and the
// line. The tracer promises a single line; line ends are replaced by spaces
// all the same, so a faulty tracer cannot make a line that does not start
// with the prefix. A tracer line that itself starts with the prefix (an
// exception type that reads "SystemLog") has none: a public line never
// carries the prefix twice, and AppendTraceLine reports false, dst as it
// was. The Collector processor, which feeds tracers without a Filter,
// makes its trace lines with it too.
func AppendTraceLine(dst, prefix, public []byte) ([]byte, bool) {
	if bytes.HasPrefix(public, prefix) {
		return dst, false
	}
	dst = append(dst, prefix...)
	dst = append(dst, ' ')
	start := len(dst)
	dst = append(dst, public...)
	for k := start; k < len(dst); k++ {
		if c := dst[k]; c == '\n' || c == '\r' {
			dst[k] = ' '
		}
	}
	return dst, true
}

func (f *Filter) flush() error {
	if f.err == nil && f.flusher != nil {
		if err := f.flusher.Flush(); err != nil {
			f.err = fmt.Errorf("private sink: %w", err)
		}
	}
	if f.err != nil {
		return f.err
	}
	if len(f.out) == 0 {
		return nil
	}
	_, err := f.w.Write(f.out)
	f.out = f.out[:0]
	if cap(f.out) > maxKeptOut {
		// A long public line grew the buffer to its size: give it back,
		// so that an idle filter (one of a thousand channel connections)
		// holds its carry, at most MaxLine, and not a line's copy too.
		f.out = make([]byte, 0, flushAt+256)
	}
	if err != nil {
		f.err = err
	}
	return f.err
}

// Close judges the last line if the stream did not end with a line end, lets
// the tracer finish, and writes out what is pending. It does not close the
// underlying writer or the sink. Under FinalTraceOnly the held trace is not
// written: only CloseExit, which knows how the process ended, can release it.
func (f *Filter) Close() error {
	if f.closed {
		return f.err
	}
	f.closed = true
	if f.err != nil {
		return f.err
	}
	if f.inRest {
		f.endRest()
	} else if len(f.carry) > 0 {
		f.line(f.carry, bytes.IndexByte(f.carry, esc) >= 0)
	}
	f.carry = f.carry[:0]
	if f.trace != nil {
		if f.crash != nil {
			f.atClose.code, f.atClose.sig, f.atClose.inTrace = f.crash.Crash()
		}
		f.trace.Flush(f.emit)
		f.inMessage = false
	}
	return f.flush()
}

// CloseExit is Close for a stream whose process has ended with st. Under
// FinalTraceOnly it releases the held trace iff nothing but whitespace
// followed it and st is the status its crash ends a process with (a Python
// exception: exit code 1; a Go panic or fatal error: 2; faulthandler's fatal
// signal: death by that signal). It may follow Close; it decides once.
func (f *Filter) CloseExit(st ExitStatus) error {
	if err := f.Close(); err != nil || f.released || f.crash == nil {
		return err
	}
	f.released = true
	if f.heldOver || len(f.held) == 0 || !f.atClose.ends(st) {
		return nil
	}
	f.out = append(f.out, f.held...)
	f.stats.TraceLines += int64(bytes.Count(f.held, []byte{'\n'}))
	f.finalTrace++
	f.held = f.held[:0]
	return f.flush()
}

// ReadFrom filters r to its end, reading in large blocks; io.Copy uses it.
// It does not close the filter: the last line waits for Close.
func (f *Filter) ReadFrom(r io.Reader) (int64, error) {
	buf := make([]byte, 256<<10)
	var n int64
	for {
		k, err := r.Read(buf)
		n += int64(k)
		if k > 0 {
			if _, werr := f.Write(buf[:k]); werr != nil {
				return n, werr
			}
		}
		if err == io.EOF {
			return n, nil
		}
		if err != nil {
			return n, err
		}
	}
}

// Stats returns the counts so far; after Close they are final.
func (f *Filter) Stats() Stats {
	s := f.stats
	switch {
	case f.crash != nil:
		s.Traces = f.finalTrace
	case f.trace != nil:
		s.Traces = int64(f.trace.Traces())
	}
	return s
}
