package traceback

import (
	"bytes"
	"regexp"
	"syscall"
)

// Options configure a Scrubber. The zero value scrubs every message.
type Options struct {
	// Allow names exception and panic types whose message is kept. It is
	// matched against the whole type name as printed (Python:
	// "json.decoder.JSONDecodeError"; Go: "main.Code" in "main.Code(3)"),
	// as if it were anchored with ^(?:…)$. Nil keeps no message.
	Allow *regexp.Regexp

	// MaxMessageLines, when positive, ends a Python message (or a Go panic
	// value) after that many continuation lines, so that a program which
	// prints a handled exception and carries on gets its later prefixed
	// lines through again. Zero, the default, holds until the trace provably
	// ends (see the package doc): with a bound, a longer message whose later
	// line starts with the public prefix would pass.
	MaxMessageLines int
}

// A Scrubber turns the crash traces of one private stream into public lines.
// It is a state machine over lines and is not safe for concurrent use: give
// each stream its own Scrubber.
type Scrubber struct {
	allow  *regexp.Regexp
	maxMsg int

	traceState
	// A trace's first lines can be printed by accident, or be part of a
	// message: a trace that starts is tentative until a frame confirms it.
	// Until then its public lines are buffered, and if no frame comes the
	// Scrubber returns to saved, as if the lines had never been read.
	tentative   bool
	tentLines   int
	saved       traceState
	savedTraces int
	pend        []byte // the tentative trace's public lines, each ending in '\n'

	held   []byte // a standalone `  File "…", line N` line, or a Go function line, emitted form
	out    []byte // the public line being built
	plain  []byte // a line with its ANSI escape sequences removed
	traces int
}

// traceState is what a Scrubber knows about the trace in progress.
type traceState struct {
	st       state
	group    bool // inside a Python exception group
	afterSep bool // a chain separator was seen; the next header continues the trace
	msgLines int  // continuation lines of the current message or panic value
	indented int  // source lines under a held SyntaxError frame; unindented lines of a Go panic value
	frames   int  // frames since the last Python header
	goFunc   bool // held is a Go function line, waiting for its file line
	fatalMsg bool // after Py_FatalError's "Fatal Python error: MSG": MSG may go on
	inMsg    bool // the trace began inside a Python message: where it ends, the message goes on
	exit     exit // how a process that dies of this trace ends
}

// exit is the status of a process that dies of a trace: the exit code, or
// the signal that killed it. The zero value is no crash: a trace that is
// not known to be complete, or that no process dies of.
type exit struct {
	set  bool
	code int
	sig  syscall.Signal
}

type state uint8

const (
	idle      state = iota
	pyFrames        // in a Python trace, before its exception line
	pyMessage       // after a Python exception line: its message and notes
	pySyntax        // a standalone File line is held, waiting for a SyntaxError
	pyAfter         // after an exception group's closing marker: only a chain separator continues
	pyFault         // in a Python faulthandler dump
	goPanic         // after a Go "panic:" or "fatal error:" line
	goStack         // in a Go goroutine dump
	goExited        // after "exit status N" from go run
)

// maxTentative bounds the lines a tentative trace may take before a frame
// confirms it: a separator, two blank lines, a header; a fatal error line,
// a blank line, the runtime state, a thread header.
const maxTentative = 8

// maxGoValue bounds the unindented lines of a Go panic value (the runtime
// indents a value's lines after a \n, not after a \r): the runtime prints the
// goroutine header right after the value, and a printed "panic: " line with
// no dump after it must not hold its stream's prefixed lines for ever.
const maxGoValue = 16

// New returns a Scrubber for one stream.
func New(opts Options) *Scrubber {
	s := &Scrubber{maxMsg: opts.MaxMessageLines, out: make([]byte, 0, 256)}
	if opts.Allow != nil {
		// Anchor the operator's pattern: "Error" must not allow every type
		// whose name merely contains it.
		s.allow = regexp.MustCompile(`^(?:` + opts.Allow.String() + `)$`)
	}
	return s
}

// traceStart marks the first bytes that can open a trace: "Traceback", an
// indented exception-group header or SyntaxError frame, "The above…",
// "During…", faulthandler's "Fatal Python error:", "Current thread", "Thread",
// "Stack", "Timeout", Go's "panic:", "fatal error:", "goroutine", and ESC (a
// coloured line). Any other line outside a trace is rejected by this one
// look-up, which keeps the common path free.
var traceStart = [256]bool{esc: true, 'T': true, ' ': true, 'D': true, 'F': true, 'C': true, 'S': true, 'p': true, 'f': true, 'g': true}

// Line feeds one private line of the stream, without its line terminator.
// emit is called with zero or more public lines: scrubbed, unprefixed, each
// one line of printable UTF-8 without control bytes. The slice passed to emit
// is valid only during the call.
func (s *Scrubber) Line(line []byte, emit func(public []byte)) {
	// Small enough to inline into the gate's loop, so that an ordinary line
	// costs a compare and a table look-up, not a call.
	if s.st == idle && (len(line) == 0 || !traceStart[line[0]]) {
		return
	}
	s.line(line, emit)
}

func (s *Scrubber) line(line []byte, emit func(public []byte)) {
	if len(line) > maxInput {
		// No line of a real trace is this long; cutting it bounds every
		// buffer, and a cut line at worst fails to parse and is dropped.
		line = line[:maxInput]
	}
	if s.st == idle && line[0] == esc && !traceStart[firstVisible(line)] {
		// A coloured line outside a trace: judged by its first visible
		// byte, without stripping the whole line first.
		return
	}
	if bytes.IndexByte(line, esc) >= 0 {
		line = s.stripANSI(line)
		if s.st == idle && (len(line) == 0 || !traceStart[line[0]]) {
			return
		}
	}
	if s.tentative {
		if s.tentLines++; s.tentLines > maxTentative {
			s.fail(line, emit)
			return
		}
	}
	s.dispatch(line, emit)
}

// dispatch hands a line, free of escape sequences, to the current state.
func (s *Scrubber) dispatch(line []byte, emit func(public []byte)) {
	switch s.st {
	case idle:
		s.idle(line, emit)
	case pyFrames, pyMessage, pySyntax, pyAfter:
		s.python(line, emit)
	case pyFault:
		s.fault(line, emit)
	case goPanic, goStack, goExited:
		s.golang(line, emit)
	}
}

// Flush ends a trace in progress at the end of the stream. What a trace
// that was never confirmed holds is dropped: a SyntaxError frame still
// waiting for its exception line, the header of a trace without a frame, a
// Go function line without its file line. Alone, they are not known to be a
// trace.
func (s *Scrubber) Flush(emit func(public []byte)) {
	s.tentative = false
	s.pend = s.pend[:0]
	s.reset()
}

// InMessage reports whether the next line belongs to a trace in a position
// where an unindented line is private content: a Python exception line or a
// continuation of its message, or a continuation of a Go panic value. While
// it is true the gate must treat a line that starts with the public prefix as
// private and give it to Line. A trace that is not yet confirmed protects as
// the state it would return to does: a message line that reads like a
// trace's first line is still message.
func (s *Scrubber) InMessage() bool {
	if s.fatalMsg {
		return true
	}
	if s.tentative {
		return s.saved.inMsg || s.saved.st.inMessage()
	}
	return s.inMsg || s.st.inMessage()
}

func (st state) inMessage() bool {
	return st == pyFrames || st == pyMessage || st == pyAfter || st == goPanic
}

// Crash reports whether a trace is in progress (inTrace) and, if it is a
// crash a process dies of, the status of that death: exit code 1 for a
// Python exception (a signal, SIGINT, for KeyboardInterrupt), 2 for a Go
// panic or fatal error (1 after go run's "exit status N"), the signal named
// by faulthandler's "Fatal Python error:" (SIGABRT for Py_FatalError's
// own messages). A trace that is not complete, or that no process dies of
// (debug.PrintStack, faulthandler.dump_traceback), gives code -1 and no
// signal. The gate's strict mode releases a stream's last trace only when
// the process then ends as Crash says.
func (s *Scrubber) Crash() (code int, sig syscall.Signal, inTrace bool) {
	t := s.traceState
	if s.tentative {
		t = s.saved
	}
	switch {
	case t.st == idle || t.st == pySyntax:
		return -1, 0, false
	case !t.exit.set:
		return -1, 0, true
	}
	return t.exit.code, t.exit.sig, true
}

// Traces reports how many traces were re-emitted so far. A chain of
// exceptions is one trace; so is a Go panic with its goroutine dump.
func (s *Scrubber) Traces() int { return s.traces }

func (s *Scrubber) reset() {
	s.traceState = traceState{}
	s.held = s.held[:0]
}

// idle looks for the first line of a trace. It dispatches on the first byte
// so that an ordinary line that merely shares it costs one or two compares.
func (s *Scrubber) idle(l []byte, emit func([]byte)) {
	if len(l) < 3 {
		return
	}
	switch l[0] {
	case 'T', 'D':
		switch {
		case l[1] == 'r' && string(l) == pyHeader:
			s.begin(pyFrames)
			s.emitConst(pyHeader, emit)
		case string(l) == pyCause || string(l) == pyContext:
			// A chain whose first exception was never raised has no
			// header: the separator is the first line that shows it is a
			// trace.
			s.separator(l, emit)
		case (l[1] == 'h' || l[1] == 'i') && (isThreadHeader(l) || isTimeout(l)):
			s.begin(pyFault)
			s.fault(l, emit)
		}
	case ' ':
		switch {
		case l[1] != ' ':
		case l[2] == 'F' && hasPrefix(l, pyFilePrefix):
			f, ok := parseFileLine(l)
			if !ok || f.hasFunc {
				return
			}
			// A SyntaxError in the main script has no header: hold the
			// frame until a SyntaxError line confirms it, so that a
			// private line which merely looks like a frame is never made
			// public.
			s.reset()
			s.held = s.appendFileLine(s.held[:0], nil, f)
			s.st = pySyntax
		case (l[2] == '+' || l[2] == ' ') && isGroupHeader(l):
			s.begin(pyFrames)
			s.group = true
			s.emitRaw(l, emit) // spaces, '+' and a constant
		}
	case 'F', 'C', 'S':
		switch {
		case (l[1] == 'a' || l[1] == 'u' || l[1] == 't') && isFaultStart(l):
			s.begin(pyFault)
			s.fault(l, emit)
		case l[1] == 'I' && goSignals[string(l)]:
			// A Go program killed by SIGQUIT or SIGABRT (GOTRACEBACK=crash)
			// dumps its goroutines after "SIGQUIT: quit".
			s.start(goPanic)
			s.golang(l, emit)
		}
	case 'p', 'f', 'g':
		if (l[1] == 'a' || l[1] == 'o') && (hasPrefix(l, goPanicPrefix) || hasPrefix(l, goFatalPrefix) || isGoroutineHeader(l)) {
			s.start(goPanic)
			s.golang(l, emit)
		}
	}
}

// start begins a new trace in state st.
func (s *Scrubber) start(st state) {
	inMsg := s.inMsg || s.st == pyMessage || s.st == pyFrames
	s.reset()
	s.traces++
	s.st, s.inMsg = st, inMsg
}

// end ends the trace at line l, which is not part of it, and reads l. A
// trace that began inside a Python message was printed by it, or may have
// been: a message can hold anything, a whole exception group or
// faulthandler dump included, and nothing marks its end. So where such a
// trace ends the message goes on, and l is one of its lines.
func (s *Scrubber) end(l []byte, emit func([]byte)) {
	inMsg := s.inMsg
	s.reset()
	if inMsg {
		s.st = pyMessage
		s.python(l, emit)
		return
	}
	s.idle(l, emit)
}

// suspend makes what follows tentative: the current state is saved, to be
// restored if no frame confirms the trace that seems to begin.
func (s *Scrubber) suspend() {
	if !s.tentative {
		s.saved, s.savedTraces = s.traceState, s.traces
		s.tentative, s.tentLines, s.pend = true, 0, s.pend[:0]
	}
}

// begin starts a new, tentative trace in state st.
func (s *Scrubber) begin(st state) {
	s.suspend()
	s.start(st)
}

// confirm ends the tentative state at a trace's first frame: the public
// lines held until now are emitted.
func (s *Scrubber) confirm(emit func([]byte)) {
	if !s.tentative {
		return
	}
	s.tentative = false
	for p := s.pend; len(p) > 0; {
		i := bytes.IndexByte(p, '\n')
		emit(p[:i])
		p = p[i+1:]
	}
	s.pend = s.pend[:0]
}

// fail abandons a tentative trace at line l, which cannot continue it: the
// saved state comes back, as if the tentative lines had been read there (as
// message lines, in a message), and l is read in it.
func (s *Scrubber) fail(l []byte, emit func([]byte)) {
	n := s.tentLines
	s.traceState, s.traces = s.saved, s.savedTraces
	s.tentative, s.pend = false, s.pend[:0]
	s.held, s.goFunc = s.held[:0], false
	if s.st == pyMessage {
		s.msgLines += n
	}
	s.dispatch(l, emit)
}

// send emits s.out, cut to maxLine at a rune boundary (s.out is valid UTF-8,
// so cutting before a rune's first byte keeps it valid). While the trace is
// tentative the line is held instead.
func (s *Scrubber) send(emit func([]byte)) {
	if len(s.out) > maxLine {
		n := maxLine
		for n > 0 && s.out[n]&0xc0 == 0x80 {
			n--
		}
		s.out = append(s.out[:n], cutMark...)
	}
	if s.tentative {
		s.pend = append(append(s.pend, s.out...), '\n')
		return
	}
	emit(s.out)
}

// emitRaw emits b as it is; b must already be known to be printable.
func (s *Scrubber) emitRaw(b []byte, emit func([]byte)) {
	s.out = append(s.out[:0], b...)
	s.send(emit)
}

func (s *Scrubber) emitConst(c string, emit func([]byte)) {
	s.out = append(s.out[:0], c...)
	s.send(emit)
}

func hasPrefix(b []byte, p string) bool {
	return len(b) >= len(p) && string(b[:len(p)]) == p
}

const (
	esc = 0x1b
	// maxInput caps the part of a line the Scrubber reads.
	maxInput = 4 * maxField
)

// stripANSI returns line without its ANSI escape sequences (CSI "ESC [ … final",
// OSC "ESC ] … BEL|ESC \", and two-byte "ESC x"): Python 3.13 colours
// tracebacks when FORCE_COLOR or PYTHON_COLORS is set, even into a pipe.
func (s *Scrubber) stripANSI(line []byte) []byte {
	p := s.plain[:0]
	for i := 0; i < len(line); {
		// Copy the run up to the next ESC in one append: the gate feeds
		// every coloured private line through here, and a byte-at-a-time
		// loop was a quarter of conflog scrub's profile on a coloured log.
		k := bytes.IndexByte(line[i:], esc)
		if k < 0 {
			p = append(p, line[i:]...)
			break
		}
		p = append(p, line[i:i+k]...)
		i = skipEscape(line, i+k)
	}
	s.plain = p
	return p
}

// skipEscape returns the index just past the escape sequence that starts at
// line[i], an ESC: what stripANSI removes.
func skipEscape(line []byte, i int) int {
	i++
	if i == len(line) {
		return i
	}
	switch line[i] {
	case '[':
		i++
		for i < len(line) && line[i] >= 0x20 && line[i] <= 0x3f {
			i++
		}
		if i < len(line) && line[i] >= 0x40 && line[i] <= 0x7e {
			i++
		}
	case ']':
		for i++; i < len(line); i++ {
			if line[i] == 0x07 {
				return i + 1
			}
			if line[i] == esc && i+1 < len(line) && line[i+1] == '\\' {
				return i + 2
			}
		}
	default:
		i++
	}
	return i
}

// firstVisible returns the first byte of line that no escape sequence
// covers, the first byte of stripANSI(line), or ESC if there is none (so
// that the caller's traceStart look-up, which holds ESC, sends such a line
// down the full path).
func firstVisible(line []byte) byte {
	for i := 0; i < len(line); {
		if line[i] != esc {
			return line[i]
		}
		i = skipEscape(line, i)
	}
	return esc
}
