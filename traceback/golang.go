package traceback

import (
	"bytes"
	"unicode/utf8"
)

// The fixed words of the Go runtime's crash output (runtime/panic.go,
// runtime/traceback.go, runtime/error.go).
const (
	goPanicPrefix   = "panic: "
	goFatalPrefix   = "fatal error: "
	goRuntimeError  = "runtime error: "
	goSignalPrefix  = "[signal "
	goCreatedPrefix = "created by "
	goRuntimeStack  = "runtime stack:"
	goElided        = "...additional frames elided..."
	goExitStatus    = "exit status "
	goRecovered     = " [recovered]"
	goRepanicked    = " [recovered, repanicked]"
)

// goRuntimeClasses are the runtime errors whose text the runtime builds from
// a fixed class and variable numbers or type names: the class is kept, the
// rest ("[7731] with length 3") is scrubbed, since an index can be data.
var goRuntimeClasses = [...]string{
	"index out of range",
	"slice bounds out of range",
	"invalid memory address or nil pointer dereference",
	"integer divide by zero",
	"integer overflow",
	"negative shift amount",
	"hash of unhashable type",
	"comparing uncomparable type",
	"makeslice: len out of range",
	"makeslice: cap out of range",
	"makechan: size out of range",
	"growslice: len out of range",
	"unsafe.Slice: len out of range",
	"unsafe.String: len out of range",
	"interface conversion",
}

// goConstMessages are panic and fatal error messages that are constant
// strings in the runtime and the standard library: they carry no data, so
// they are kept verbatim. Any other message is scrubbed. (A program can
// print these words itself; then it printed a constant, which is harmless.)
var goConstMessages = map[string]bool{
	"assignment to entry in nil map":                              true,
	"close of nil channel":                                        true,
	"close of closed channel":                                     true,
	"send on closed channel":                                      true,
	"all goroutines are asleep - deadlock!":                       true,
	"no goroutines (main called runtime.Goexit) - deadlock!":      true,
	"concurrent map writes":                                       true,
	"concurrent map read and map write":                           true,
	"concurrent map iteration and map write":                      true,
	"concurrent map clone and map write":                          true,
	"small map with no empty slot (concurrent map writes?)":       true,
	"sync: unlock of unlocked mutex":                              true,
	"sync: RUnlock of unlocked RWMutex":                           true,
	"sync: Unlock of unlocked RWMutex":                            true,
	"sync: inconsistent mutex state":                              true,
	"sync: negative WaitGroup counter":                            true,
	"sync: WaitGroup is reused before previous Wait has returned": true,
	"stack overflow":                                              true,
	"out of memory":                                               true,
	"runtime: out of memory":                                      true,
	"runtime: cannot allocate memory":                             true,
	"unexpected signal during runtime execution":                  true,
	"go of nil func value":                                        true,
	"malloc deadlock":                                             true,
	"panic called with nil argument (obsolete and disabled by GODEBUG=panicnil=0)": true,
	"panic called with nil argument":                                               true,
	"runtime: allocation size out of range":                                        true,
	"invalid memory address or nil pointer dereference":                            true,
}

// golang handles a line of a Go crash: the panic lines, then goroutine dumps.
func (s *Scrubber) golang(l []byte, emit func([]byte)) {
	switch {
	case hasPrefix(l, goPanicPrefix):
		s.st, s.msgLines = goPanic, 0
		s.out = s.appendPanic(s.out[:0], l[len(goPanicPrefix):])
		emit(s.out)
		return
	case hasPrefix(l, goFatalPrefix):
		s.st, s.msgLines = goPanic, 0
		s.out = append(s.out[:0], goFatalPrefix...)
		s.out = appendConstMessage(s.out, l[len(goFatalPrefix):])
		emit(s.out)
		return
	case hasPrefix(l, goSignalPrefix):
		if s.st != idle {
			s.out = appendSignal(s.out[:0], l)
			emit(s.out)
		}
		return
	case isGoroutineHeader(l):
		s.st = goStack
		s.out = appendGoroutineHeader(s.out[:0], l)
		emit(s.out)
		return
	case string(l) == goRuntimeStack:
		s.st = goStack
		s.emitConst(goRuntimeStack, emit)
		return
	case len(l) == 0:
		if s.st == goPanic {
			s.st = goStack
		}
		return
	}
	if s.st == goPanic {
		if hasPrefix(l, "\t"+goPanicPrefix) {
			// The earlier panic of a "[recovered]" pair, or a panic while
			// panicking.
			s.out = append(s.out[:0], "    "...)
			s.out = s.appendPanic(s.out, l[1+len(goPanicPrefix):])
			emit(s.out)
			return
		}
		// A continuation of a multi-line panic value: tab-indented after a
		// \n, but unindented after a \r, where the gate also ends a line.
		// The panic lines end at a blank line or a goroutine header. The
		// runtime appends " [recovered]" after the value's last line.
		for _, sfx := range [...]string{goRepanicked, goRecovered} {
			if bytes.HasSuffix(l, []byte(sfx)) {
				s.out = append(append(s.out[:0], "   "...), sfx...)
				emit(s.out)
				break
			}
		}
		s.msgLines++
		if s.maxMsg > 0 && s.msgLines >= s.maxMsg {
			s.reset()
		}
		return
	}
	if s.st == goStack {
		switch {
		case l[0] == '\t':
			if out, ok := appendGoFileLine(s.out[:0], l[1:]); ok {
				s.out = out
				emit(s.out)
			}
			return
		case hasPrefix(l, goCreatedPrefix):
			if out, ok := appendCreatedBy(s.out[:0], l); ok {
				s.out = out
				emit(s.out)
				return
			}
		case string(l) == goElided:
			s.emitConst(goElided, emit)
			return
		case hasPrefix(l, goExitStatus) && isDigits(l[len(goExitStatus):]):
			s.emitRaw(l, emit)
			s.reset()
			return
		default:
			if out, ok := appendGoFunc(s.out[:0], l); ok {
				s.out = out
				emit(s.out)
				return
			}
		}
	}
	// Not part of a Go crash: the trace is over and this is ordinary output.
	s.reset()
	s.idle(l, emit)
}

// appendPanic appends "panic: " and the scrubbed form of a panic value.
func (s *Scrubber) appendPanic(dst, v []byte) []byte {
	dst = append(dst, goPanicPrefix...)
	suffix := ""
	for _, sfx := range [...]string{goRepanicked, goRecovered} {
		if bytes.HasSuffix(v, []byte(sfx)) {
			v, suffix = v[:len(v)-len(sfx)], sfx
			break
		}
	}
	switch {
	case hasPrefix(v, goRuntimeError):
		dst = append(dst, goRuntimeError...)
		dst = appendConstMessage(dst, v[len(goRuntimeError):])
	case goConstMessages[string(v)]:
		dst = append(dst, v...)
	default:
		if typ, val, ok := cutTypedValue(v); ok {
			dst = s.appendTypedValue(dst, v, typ, val)
		} else {
			dst = append(dst, scrubbed...)
		}
	}
	return append(dst, suffix...)
}

// appendConstMessage keeps a runtime message that is a known constant, or the
// class of a known runtime error, and scrubs the rest.
func appendConstMessage(dst, msg []byte) []byte {
	if goConstMessages[string(msg)] {
		return append(dst, msg...)
	}
	for _, class := range goRuntimeClasses {
		if hasPrefix(msg, class) {
			dst = append(dst, class...)
			if len(msg) > len(class) {
				dst = append(append(dst, ' '), scrubbed...)
			}
			return dst
		}
	}
	return append(dst, scrubbed...)
}

// cutTypedValue recognises the two forms in which the runtime prints a value
// with its type: "(T) 0xADDR" for a value it cannot print, and "T(VALUE)" for
// a named type with a basic kind ("main.Code(3)", `main.Name("x")`). T must be
// a package-qualified Go type name, which an error message rarely is.
func cutTypedValue(v []byte) (typ, val []byte, ok bool) {
	if len(v) > 0 && v[0] == '(' {
		i := bytes.Index(v, []byte(") 0x"))
		if i < 0 || !isHex(v[i+len(") 0x"):]) || !isGoTypeName(v[1:i], true) {
			return nil, nil, false
		}
		return v[1:i], v[i+len(") "):], true
	}
	i := bytes.IndexByte(v, '(')
	if i <= 0 || v[len(v)-1] != ')' || !isGoTypeName(v[:i], false) || bytes.IndexByte(v[:i], '.') < 0 {
		return nil, nil, false
	}
	return v[:i], v[i+1 : len(v)-1], true
}

func (s *Scrubber) appendTypedValue(dst, v, typ, val []byte) []byte {
	keep := s.allow != nil && s.allow.Match(typ)
	if v[0] == '(' {
		dst = append(append(append(dst, '('), typ...), ") "...)
		if keep {
			return append(dst, val...)
		}
		return append(dst, scrubbed...)
	}
	dst = append(append(dst, typ...), '(')
	if keep {
		dst = appendKept(dst, val)
	} else {
		dst = append(dst, scrubbed...)
	}
	return append(dst, ')')
}

// isGoTypeName accepts a type string as the runtime prints it: a qualified
// name with optional pointer stars, slices, maps and type arguments; with
// spaces only when loose (an unnamed "struct { X int }" inside parentheses).
func isGoTypeName(b []byte, loose bool) bool {
	if len(b) == 0 || len(b) > maxTypeLen {
		return false
	}
	for _, r := range string(b) {
		switch {
		case isNameRune(r), r == '/', r == '*', r == '[', r == ']', r == '-', r == ',':
		case loose && (r == ' ' || r == '{' || r == '}' || r == ';'):
		default:
			return false
		}
	}
	return true
}

func isHex(b []byte) bool {
	if len(b) == 0 {
		return false
	}
	for _, c := range b {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

// appendSignal keeps "[signal SIGSEGV: segmentation violation code=0x1" and
// drops the fault address and pc: addr can be computed from data.
func appendSignal(dst, l []byte) []byte {
	rest := l[len(goSignalPrefix):]
	end := len(rest)
	if i := bytes.Index(rest, []byte(" addr=")); i >= 0 {
		end = i
	} else if i := bytes.IndexByte(rest, ']'); i >= 0 {
		end = i
	}
	name := rest[:end]
	for _, c := range name {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == ' ' || c == ':' || c == '=' || c == '-' || c == '_') {
			return append(append(dst, goSignalPrefix...), scrubbed+"]"...)
		}
	}
	return append(append(append(dst, goSignalPrefix...), name...), ']')
}

// isGoroutineHeader reports "goroutine N [status]:", also with
// GOTRACEBACK=system's "gp=… m=… mp=…" words.
func isGoroutineHeader(l []byte) bool {
	rest, ok := bytes.CutPrefix(l, []byte("goroutine "))
	if !ok || !bytes.HasSuffix(rest, []byte("]:")) {
		return false
	}
	i := 0
	for i < len(rest) && rest[i] >= '0' && rest[i] <= '9' {
		i++
	}
	return i > 0 && i < len(rest) && rest[i] == ' ' && bytes.IndexByte(rest, '[') > i
}

// appendGoroutineHeader keeps "goroutine N [status, N minutes]:", dropping
// gp/m addresses and scrubbing goroutine labels (" labels:{…}"), which a
// program sets from request data.
func appendGoroutineHeader(dst, l []byte) []byte {
	rest := l[len("goroutine "):]
	i := bytes.IndexByte(rest, ' ')
	dst = append(append(dst, "goroutine "...), rest[:i]...)
	status := rest[bytes.IndexByte(rest, '[')+1 : len(rest)-len("]:")]
	labels := false
	if j := bytes.Index(status, []byte(" labels:{")); j >= 0 {
		status, labels = status[:j], true
	}
	dst = append(dst, " ["...)
	for _, c := range status {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || bytes.IndexByte([]byte(" ,.()-_:"), c) >= 0) {
			dst = append(dst[:len(dst)-len(" [")], " ["+scrubbed...)
			status, labels = nil, false
			break
		}
	}
	dst = append(dst, status...)
	if labels {
		dst = append(dst, " labels:{"+scrubbed+"}"...)
	}
	return append(dst, "]:"...)
}

// appendGoFunc keeps a frame's function name and replaces its argument list,
// which holds raw argument words, by "(...)".
func appendGoFunc(dst, l []byte) ([]byte, bool) {
	if len(l) < 2 || l[len(l)-1] != ')' {
		return dst, false
	}
	// The argument list is the last parenthesised group; a method name
	// such as main.(*T).M holds parentheses of its own.
	depth, i := 0, len(l)-1
	for ; i >= 0; i-- {
		if l[i] == ')' {
			depth++
		} else if l[i] == '(' {
			if depth--; depth == 0 {
				break
			}
		}
	}
	if i <= 0 || !isGoFuncName(l[:i]) {
		return dst, false
	}
	dst = append(dst, l[:i]...)
	if i == len(l)-2 {
		return append(dst, "()"...), true
	}
	return append(dst, "(...)"...), true
}

// isGoFuncName accepts a symbol name: path/pkg.Type.Method, main.(*T).M,
// main.F[...], main.main.func1.2, main.(*T).M-fm.
func isGoFuncName(b []byte) bool {
	if len(b) > maxField {
		return false
	}
	for len(b) > 0 {
		r, n := utf8.DecodeRune(b)
		switch {
		case isNameRune(r), r == '/', r == '*', r == '(', r == ')', r == '[', r == ']', r == '-', r == '~':
		default:
			return false
		}
		b = b[n:]
	}
	return true
}

// appendGoFileLine keeps "PATH:LINE +0xOFF" of a frame (four spaces for the
// tab), with the home directory scrubbed and GOTRACEBACK=system's
// fp=/sp=/pc= words dropped.
func appendGoFileLine(dst, l []byte) ([]byte, bool) {
	if i := bytes.Index(l, []byte(" fp=")); i >= 0 {
		l = l[:i]
	}
	off := []byte(nil)
	if i := bytes.LastIndex(l, []byte(" +0x")); i >= 0 && isHex(l[i+len(" +0x"):]) {
		l, off = l[:i], l[i:]
	}
	i := bytes.LastIndexByte(l, ':')
	if i <= 0 || !isDigits(l[i+1:]) {
		return dst, false
	}
	dst = appendPath(append(dst, "    "...), l[:i])
	return append(append(dst, l[i:]...), off...), true
}

// appendCreatedBy keeps "created by F in goroutine N".
func appendCreatedBy(dst, l []byte) ([]byte, bool) {
	rest := l[len(goCreatedPrefix):]
	tail := []byte(nil)
	if i := bytes.LastIndex(rest, []byte(" in goroutine ")); i >= 0 && isDigits(rest[i+len(" in goroutine "):]) {
		rest, tail = rest[:i], rest[i:]
	}
	if !isGoFuncName(rest) || len(rest) == 0 {
		return dst, false
	}
	return append(append(append(dst, goCreatedPrefix...), rest...), tail...), true
}
