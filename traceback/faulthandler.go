package traceback

import (
	"bytes"
	"syscall"
)

// The lines of CPython's faulthandler dumps (Modules/faulthandler.c and
// Python/traceback.c): what a Python job prints when a native extension
// crashes it, with PYTHONFAULTHANDLER=1 or -X faulthandler, as ML launchers
// commonly set.
const (
	pyFatalPrefix   = "Fatal Python error: "
	pyRuntimeState  = "Python runtime state: "
	pyStackHeader   = "Stack (most recent call first):"
	pyThreadSuffix  = " (most recent call first):"
	pyExtModules    = "Extension modules: "
	pyTimeoutPrefix = "Timeout ("
)

// pyFaultSignals are the fatal errors faulthandler prints for a signal, and
// the signal the process then dies of. Any other "Fatal Python error:"
// message comes from Py_FatalError, which an extension can call with
// formatted data: it is scrubbed, and the process aborts.
var pyFaultSignals = map[string]syscall.Signal{
	"Segmentation fault":       syscall.SIGSEGV,
	"Floating point exception": syscall.SIGFPE,
	"Aborted":                  syscall.SIGABRT,
	"Bus error":                syscall.SIGBUS,
	"Illegal instruction":      syscall.SIGILL,
}

// pyRuntimeStates are the states Py_FatalError reports.
var pyRuntimeStates = map[string]bool{
	"initialized": true, "core initialized": true, "preinitialized": true,
	"preinitializing": true, "finalizing": true, "unknown": true,
}

// pyFaultLines are the fixed lines a faulthandler frame list can hold.
var pyFaultLines = map[string]bool{
	"  <no Python frame>":         true,
	"  ...":                       true,
	"  <truncated rest of calls>": true,
	"  Garbage-collecting":        true,
	"  <tstate is freed>":         true,
}

// isFaultStart reports the lines that open a faulthandler dump.
func isFaultStart(l []byte) bool {
	return hasPrefix(l, pyFatalPrefix) || string(l) == pyStackHeader || isThreadHeader(l) || isTimeout(l)
}

// fault handles a line of a faulthandler dump. The dump is tentative until
// its first frame.
func (s *Scrubber) fault(l []byte, emit func([]byte)) {
	if len(l) > 0 && s.fatalMsg && (hasPrefix(l, pyRuntimeState) || isFaultStart(l) || hasPrefix(l, pyFilePrefix) || pyFaultLines[string(l)]) {
		s.fatalMsg = false
	}
	switch {
	case len(l) == 0:
	case hasPrefix(l, pyFatalPrefix):
		s.out = append(s.out[:0], pyFatalPrefix...)
		msg := l[len(pyFatalPrefix):]
		if sig, ok := pyFaultSignals[string(msg)]; ok {
			s.out = append(s.out, msg...)
			s.exit = exit{set: true, code: -1, sig: sig}
		} else {
			s.out = append(s.out, scrubbed...)
			s.exit = exit{set: true, code: -1, sig: syscall.SIGABRT}
			// Py_FatalError's message is a C string an extension can
			// format from data, line ends included: the lines up to the
			// runtime state or the first frame may be its, and a
			// prefixed one among them is held.
			s.fatalMsg, s.msgLines = true, 0
		}
		s.send(emit)
	case s.fatalMsg && !hasPrefix(l, pyRuntimeState) && !isFaultStart(l) && !hasPrefix(l, pyFilePrefix) && !pyFaultLines[string(l)]:
		// A line of the fatal error's message, scrubbed with it; a
		// message longer than a Go panic value's bound ends the dump.
		if s.msgLines++; s.msgLines > maxGoValue {
			s.fatalMsg = false
			s.notFault(l, emit)
		}
	case hasPrefix(l, pyRuntimeState):
		// "finalizing (tstate=0x…)" loses its address; anything else that
		// is not one of CPython's states is dropped.
		state := l[len(pyRuntimeState):]
		if hasPrefix(state, "finalizing (tstate=0x") {
			state = state[:len("finalizing")]
		}
		if pyRuntimeStates[string(state)] {
			s.out = append(append(s.out[:0], pyRuntimeState...), state...)
			s.send(emit)
		}
	case isTimeout(l):
		// dump_traceback_later(exit=True) exits with 1 after the dump.
		s.exit = exit{set: true, code: 1}
		s.emitRaw(l, emit)
	case string(l) == pyStackHeader, isThreadHeader(l):
		s.emitRaw(l, emit)
	case pyFaultLines[string(l)]:
		s.confirm(emit)
		s.emitRaw(l, emit)
	case hasPrefix(l, pyFilePrefix):
		if f, ok := parseFaultFrame(l); ok {
			s.confirm(emit)
			s.out = s.appendFileLine(s.out[:0], nil, f)
			s.send(emit)
			return
		}
		s.notFault(l, emit)
	case hasPrefix(l, pyExtModules) && !s.tentative:
		s.out = appendExtModules(s.out[:0], l[len(pyExtModules):])
		s.send(emit)
	default:
		s.notFault(l, emit)
	}
}

// notFault ends a dump at a line that cannot be part of it.
func (s *Scrubber) notFault(l []byte, emit func([]byte)) {
	if s.tentative {
		s.fail(l, emit)
		return
	}
	s.end(l, emit)
}

// isThreadHeader reports "Thread 0x7f9a2dc23b80 (most recent call first):"
// and its "Current thread 0x…" form.
func isThreadHeader(l []byte) bool {
	rest, ok := bytes.CutPrefix(l, []byte("Current thread 0x"))
	if !ok {
		if rest, ok = bytes.CutPrefix(l, []byte("Thread 0x")); !ok {
			return false
		}
	}
	id, ok := bytes.CutSuffix(rest, []byte(pyThreadSuffix))
	return ok && isHex(id) && len(bytes.TrimLeft(id, "0")) <= maxThreadHex
}

// maxThreadHex bounds the significant hex digits of a thread's id, a
// pthread_t: an address in user space, below 2^48 on 64-bit Linux and
// macOS (CPython pads it to 16 digits with zeros). A longer "id" is not a
// thread's: it could be a card number, all of whose digits are hex.
const maxThreadHex = 12

// isTimeout reports faulthandler.dump_traceback_later's "Timeout (0:00:05)!".
func isTimeout(l []byte) bool {
	d, ok := bytes.CutPrefix(l, []byte(pyTimeoutPrefix))
	if !ok {
		return false
	}
	if d, ok = bytes.CutSuffix(d, []byte(")!")); !ok {
		return false
	}
	// CPython's format: H:MM:SS, then .UUUUUU unless the microseconds are 0.
	h, ms, ok := bytes.Cut(d, []byte(":"))
	if !ok || !isCount(h, maxCountDigits) || len(ms) < 5 || ms[2] != ':' || !isDigits(ms[:2]) || !isDigits(ms[3:5]) {
		return false
	}
	us, ok := bytes.CutPrefix(ms[5:], []byte("."))
	return len(ms) == 5 || ok && len(us) == 6 && isDigits(us)
}

// parseFaultFrame parses `  File "PATH", line N in NAME` (no comma before
// "in", unlike a traceback frame).
func parseFaultFrame(l []byte) (fileLine, bool) {
	var f fileLine
	var rest []byte
	var ok bool
	if f.path, rest, ok = cutFilePath(l); !ok {
		return f, false
	}
	j := bytes.Index(rest, []byte(" in "))
	if j <= 0 || !isDigits(rest[:j]) {
		return f, false
	}
	f.line, f.fn, f.hasFunc, f.noComma = rest[:j], rest[j+len(" in "):], true, true
	return f, true
}

// appendExtModules keeps "Extension modules: a, b.c (total: N)": module
// names are code. A name that is not a dotted identifier is scrubbed.
func appendExtModules(dst, list []byte) []byte {
	dst = append(dst, pyExtModules...)
	total := []byte(nil)
	if i := bytes.LastIndex(list, []byte(" (total: ")); i >= 0 && bytes.HasSuffix(list, []byte(")")) &&
		isCount(list[i+len(" (total: "):len(list)-1], maxCountDigits) {
		list, total = list[:i], list[i:]
	}
	for i, name := range bytes.Split(list, []byte(", ")) {
		if i > 0 {
			dst = append(dst, ", "...)
		}
		if isPyName(name) {
			dst = append(dst, name...)
		} else {
			dst = append(dst, scrubbed...)
		}
		if len(dst) > maxField {
			dst = append(dst, cutMark...)
			break
		}
	}
	return append(dst, total...)
}
