package traceback

import (
	"bytes"
	"syscall"
)

// The constant lines of CPython's traceback format (Lib/traceback.py).
const (
	pyHeader      = "Traceback (most recent call last):"
	pyGroupHeader = "Exception Group Traceback (most recent call last):"
	pyCause       = "The above exception was the direct cause of the following exception:"
	pyContext     = "During handling of the above exception, another exception occurred:"
	pyFilePrefix  = `  File "`
	pyRepeated    = "  [Previous line repeated "
	pyMoreExc     = "and "
	maxTypeLen    = 256
	maxHeldLines  = 16 // source and caret lines between a held SyntaxError frame and its exception line
)

// syntaxErrors are the types printed after a frame without a header.
var syntaxErrors = [...]string{"SyntaxError", "IndentationError", "TabError", "_IncompleteInputError"}

// python handles a line while a Python trace is in progress.
func (s *Scrubber) python(l []byte, emit func([]byte)) {
	switch s.st {
	case pySyntax:
		s.syntax(l, emit)
		return
	case pyAfter:
		s.after(l, emit)
		return
	}
	if isGroupHeader(l) {
		if s.afterSep {
			s.st, s.afterSep, s.frames, s.exit = pyFrames, false, 0, exit{}
		} else {
			// A header that no separator announced opens a new trace.
			s.begin(pyFrames)
		}
		s.group = true
		s.emitRaw(l, emit)
		return
	}
	if s.group {
		if isGroupMarker(l) {
			s.st = pyFrames
			if bytes.HasSuffix(l, []byte(groupEnd)) {
				// A sub-exception list is complete: only an outer group's
				// next item or a chain separator continues the trace.
				s.st = pyAfter
			}
			s.emitRaw(l, emit)
			return
		}
		if margin, content, ok := cutMargin(l); ok {
			// Inside a group every line of a sub-exception's trace carries a
			// "| " margin. So may the continuation lines of its message
			// (traceback.print_exc margins them, the interpreter's own hook
			// does not): a margined line is still message unless it is a
			// header or separator.
			s.pyContent(margin, content, emit)
			return
		}
	}
	s.pyContent(nil, l, emit)
}

// groupEnd is the marker that closes an exception group's sub-exceptions.
const groupEnd = "+------------------------------------"

// after reads the line after an exception group's closing marker.
func (s *Scrubber) after(l []byte, emit func([]byte)) {
	switch {
	case len(l) == 0:
	case string(l) == pyCause || string(l) == pyContext:
		s.separator(l, emit)
	default:
		if _, _, ok := cutMargin(l); ok || isGroupMarker(l) {
			s.st = pyFrames
			s.python(l, emit)
			return
		}
		// The group is over, but not the message of its last
		// sub-exception: the interpreter's own hook (3.11, 3.12) prints a
		// message's later lines without the margin, so a line of it can
		// read exactly as the closing marker. What follows is held as
		// that message's, as after any Python exception line.
		s.inMsg = true
		s.end(l, emit)
	}
}

// separator starts the next part of a chain. Until a header and a frame
// follow it, it is tentative: a message line can read the same.
func (s *Scrubber) separator(l []byte, emit func([]byte)) {
	if s.st == idle {
		s.begin(pyFrames)
	} else {
		s.suspend()
	}
	s.st, s.afterSep, s.frames, s.exit = pyFrames, true, 0, exit{}
	s.emitRaw(l, emit)
}

// pyContent handles one line of a trace, without its group margin.
func (s *Scrubber) pyContent(margin, c []byte, emit func([]byte)) {
	switch string(c) {
	case pyHeader, pyGroupHeader:
		if margin == nil && string(c) == pyHeader {
			if s.afterSep {
				s.st, s.afterSep, s.frames, s.exit = pyFrames, false, 0, exit{}
			} else {
				// A header that no separator announced opens a new trace.
				s.begin(pyFrames)
			}
			s.group = false
		}
		s.st, s.afterSep, s.frames = pyFrames, false, 0
		s.emitMargined(margin, c, emit)
		return
	case pyCause, pyContext:
		if margin == nil {
			s.separator(c, emit)
			return
		}
		s.st, s.afterSep, s.frames = pyFrames, true, 0
		s.emitMargined(margin, c, emit)
		return
	}
	if margin == nil && (hasPrefix(c, pyFatalPrefix) || isThreadHeader(c)) {
		// The interpreter died while a message was printed or afterwards:
		// a faulthandler dump starts a new trace.
		s.begin(pyFault)
		s.fault(c, emit)
		return
	}
	if s.st == pyMessage {
		// Only the exception line's own message is ever kept (--allow):
		// where a message ends cannot be known, so a continuation line
		// might be anything that follows.
		s.msgLines++
		if s.maxMsg > 0 && s.msgLines >= s.maxMsg {
			s.reset()
		}
		return
	}
	// pyFrames: frame lines, source and caret lines, then the exception line.
	switch {
	case hasPrefix(c, pyFilePrefix):
		s.confirm(emit)
		s.frames++
		if f, ok := parseFileLine(c); ok {
			s.out = s.appendFileLine(s.out[:0], margin, f)
		} else {
			// A frame line that does not parse (the gate cut it at
			// --max-line, or a form this parser does not know) is still a
			// frame: the trace is confirmed, and the next unindented line
			// is its exception line, whose message is held. Only the
			// frame's shape is kept.
			s.out = append(append(s.out[:0], margin...), pyFilePrefix+scrubbed+`", line `+scrubbed...)
		}
		s.send(emit)
	case hasPrefix(c, pyRepeated):
		if n, ok := bytes.CutSuffix(c[len(pyRepeated):], []byte(" more times]")); ok && isCount(n, maxCountDigits) {
			s.emitMargined(margin, c, emit)
		}
	case margin != nil && hasPrefix(c, pyMoreExc) && bytes.HasSuffix(c, []byte(" more exceptions")) &&
		isCount(c[len(pyMoreExc):len(c)-len(" more exceptions")], maxCountDigits):
		s.emitMargined(margin, c, emit)
	case len(c) == 0 || c[0] == ' ':
		// Source echo, caret and tilde lines: code that can hold literals.
	case margin == nil && s.frames == 0:
		// CPython prints a header only for an exception with frames: an
		// unindented line right after one is not its exception line, and
		// the header was not a trace's.
		if s.tentative {
			s.fail(c, emit)
			return
		}
		s.end(c, emit)
	default:
		// After the frames, the next unindented line is the exception
		// line, whatever it looks like: its message is private even if
		// its type cannot be parsed.
		s.exception(margin, c, emit)
	}
}

// exception emits an exception line "Type: message" as "Type: [scrubbed]",
// or "[scrubbed]: [scrubbed]" when the type is not a Python name.
func (s *Scrubber) exception(margin, c []byte, emit func([]byte)) {
	typ, msg, hasMsg := bytes.Cut(c, []byte(": "))
	named := isPyName(typ)
	s.st, s.afterSep, s.msgLines = pyMessage, false, 0
	s.exit = exit{set: true, code: 1}
	if margin == nil && string(typ) == "KeyboardInterrupt" {
		// CPython ends a process interrupted this way by the signal.
		s.exit = exit{set: true, code: -1, sig: syscall.SIGINT}
	}
	s.out = append(s.out[:0], margin...)
	if named {
		s.out = append(s.out, typ...)
	} else {
		s.out = append(s.out, scrubbed...)
	}
	if hasMsg {
		s.out = append(s.out, ": "...)
		if named && s.allow != nil && s.allow.Match(typ) {
			s.out = appendKept(s.out, msg)
		} else {
			s.out = append(s.out, scrubbed...)
			s.out = append(s.out, subExceptions(msg)...)
		}
	}
	s.send(emit)
}

// syntax waits for the SyntaxError line that confirms a held frame.
func (s *Scrubber) syntax(l []byte, emit func([]byte)) {
	if len(l) == 0 || l[0] == ' ' {
		if s.indented++; s.indented > maxHeldLines {
			s.reset()
		}
		return
	}
	typ, _, _ := bytes.Cut(l, []byte(": "))
	ok := false
	for _, name := range syntaxErrors {
		ok = ok || string(typ) == name
	}
	if !ok {
		s.reset()
		s.idle(l, emit)
		return
	}
	s.traces++
	s.out = append(s.out[:0], s.held...)
	s.send(emit)
	s.held = s.held[:0]
	s.exception(nil, l, emit)
}

func (s *Scrubber) emitMargined(margin, c []byte, emit func([]byte)) {
	s.out = append(append(s.out[:0], margin...), c...)
	s.send(emit)
}

// subExceptions returns an exception group's message suffix
// " (N sub-exception[s])": a count, not data.
func subExceptions(msg []byte) []byte {
	i := bytes.LastIndex(msg, []byte(" ("))
	if i < 0 {
		return nil
	}
	n, ok := bytes.CutSuffix(msg[i+len(" ("):], []byte(" sub-exceptions)"))
	if !ok {
		n, ok = bytes.CutSuffix(msg[i+len(" ("):], []byte(" sub-exception)"))
	}
	if !ok || !isCount(n, maxCountDigits) {
		return nil
	}
	return msg[i:]
}

// cutMargin splits an exception group's "    | " margin from its content.
func cutMargin(l []byte) (margin, content []byte, ok bool) {
	i := 0
	for i < len(l) && l[i] == ' ' {
		i++
	}
	if i == len(l) || l[i] != '|' {
		return nil, nil, false
	}
	i++
	if i < len(l) && l[i] == ' ' {
		i++
	}
	return l[:i], l[i:], true
}

// isGroupHeader reports "  + Exception Group Traceback (most recent call last):".
func isGroupHeader(l []byte) bool {
	t := bytes.TrimLeft(l, " ")
	return len(t) < len(l) && hasPrefix(t, "+ ") && string(t[2:]) == pyGroupHeader
}

// isGroupMarker reports the separators between the sub-exceptions of a group,
// exactly as traceback.py and the interpreter print them:
// "+-+---------------- 1 ----------------", "+---------------- ... ----------------"
// and the closing "+------------------------------------". Only these exact
// shapes count: a message line such as "+-1234.56" must stay private.
func isGroupMarker(l []byte) bool {
	t := bytes.TrimLeft(l, " ")
	if len(t) == len(l) || len(t) == 0 || t[0] != '+' {
		return false
	}
	if string(t) == "+------------------------------------" {
		return true
	}
	if c, ok := bytes.CutPrefix(t, []byte("+-+")); ok {
		t = c
	} else {
		t = t[1:] // the '+' found above
	}
	const dashes = "----------------"
	n, ok := bytes.CutPrefix(t, []byte(dashes+" "))
	if !ok {
		return false
	}
	if n, ok = bytes.CutSuffix(n, []byte(" "+dashes)); !ok {
		return false
	}
	return isCount(n, maxCountDigits) || string(n) == "..."
}

// fileLine is a parsed `  File "PATH", line N, in NAME`.
type fileLine struct {
	path, line, fn []byte
	hasFunc        bool
	noComma        bool // faulthandler's `line N in NAME`
}

// cutFilePath splits `  File "PATH", line REST` into PATH and REST, the
// part a traceback frame and a faulthandler frame share.
func cutFilePath(l []byte) (path, rest []byte, ok bool) {
	rest = l[len(pyFilePrefix):]
	i := bytes.LastIndex(rest, []byte(`", line `))
	if i < 0 {
		return nil, nil, false
	}
	return rest[:i], rest[i+len(`", line `):], true
}

func parseFileLine(l []byte) (fileLine, bool) {
	var f fileLine
	var rest []byte
	var ok bool
	if f.path, rest, ok = cutFilePath(l); !ok {
		return f, false
	}
	j := 0
	for j < len(rest) && rest[j] >= '0' && rest[j] <= '9' {
		j++
	}
	if j == 0 {
		return f, false
	}
	f.line, rest = rest[:j], rest[j:]
	if len(rest) == 0 {
		return f, true
	}
	fn, ok := bytes.CutPrefix(rest, []byte(", in "))
	if !ok {
		return f, false
	}
	f.fn, f.hasFunc = fn, true
	return f, true
}

func (s *Scrubber) appendFileLine(dst, margin []byte, f fileLine) []byte {
	dst = append(append(dst, margin...), pyFilePrefix...)
	dst = appendPath(dst, f.path)
	dst = appendLineNumber(append(dst, `", line `...), f.line)
	if !f.hasFunc {
		return dst
	}
	if f.noComma {
		dst = append(dst, " in "...)
	} else {
		dst = append(dst, ", in "...)
	}
	if isPyName(f.fn) {
		return append(dst, f.fn...)
	}
	return append(dst, scrubbed...)
}
