package traceback

import (
	"bytes"
	"github.com/conflog/conflog/internal/gocrash"
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
	goOriginating   = "[originating from goroutine "
	goElided        = "...additional frames elided..."
	goExitStatus    = "exit status "
	goRecovered     = " [recovered]"
	goRepanicked    = " [recovered, repanicked]"
)

// goSignals are the runtime's signal table entries (runtime/sigtab_*.go) as
// it prints them before a dump: "SIGQUIT: quit".
var goSignals = map[string]bool{
	"SIGABRT: abort": true, "SIGALRM: alarm clock": true, "SIGBUS: bus error": true,
	"SIGCHLD: child status has changed": true, "SIGCONT: continue": true,
	"SIGEMT: emulate instruction executed": true, "SIGFPE: floating-point exception": true,
	"SIGHUP: terminal line hangup": true, "SIGILL: illegal instruction": true, "SIGINT: interrupt": true,
	"SIGIO: i/o now possible": true, "SIGKILL: kill": true, "SIGPIPE: write to broken pipe": true,
	"SIGPROF: profiling alarm clock": true, "SIGPWR: power failure restart": true, "SIGQUIT: quit": true,
	"SIGSEGV: segmentation violation": true, "SIGSTKFLT: stack fault": true, "SIGSTOP: stop, unblockable": true,
	"SIGSYS: bad system call": true, "SIGTERM: termination": true, "SIGTRAP: trace trap": true,
	"SIGTSTP: keyboard stop": true, "SIGTTIN: background read from tty": true,
	"SIGTTOU: background write to tty": true, "SIGURG: urgent condition on socket": true,
	"SIGUSR1: user-defined signal 1": true, "SIGUSR2: user-defined signal 2": true,
	"SIGVTALRM: virtual alarm clock": true, "SIGWINCH: window size change": true,
	"SIGXCPU: cpu limit exceeded": true, "SIGXFSZ: file size limit exceeded": true,
}

// golang handles a line of a Go crash: the panic lines, then goroutine dumps.
func (s *Scrubber) golang(l []byte, emit func([]byte)) {
	if s.st == goExited {
		if len(l) > 0 {
			s.reset()
			s.idle(l, emit)
		}
		return
	}
	switch {
	case hasPrefix(l, goPanicPrefix):
		s.st, s.msgLines, s.exit = goPanic, 0, exit{set: true, code: 2}
		s.out = s.appendPanic(s.out[:0], l[len(goPanicPrefix):])
		s.send(emit)
		return
	case hasPrefix(l, goFatalPrefix):
		s.st, s.msgLines, s.exit = goPanic, 0, exit{set: true, code: 2}
		s.out = append(s.out[:0], goFatalPrefix...)
		s.out = appendConstMessage(s.out, l[len(goFatalPrefix):])
		s.send(emit)
		return
	case hasPrefix(l, goSignalPrefix):
		if s.st != idle {
			s.out = appendSignal(s.out[:0], l)
			s.send(emit)
		}
		return
	case isGoroutineHeader(l):
		s.st, s.goFunc = goStack, false
		s.out = appendGoroutineHeader(s.out[:0], l)
		s.send(emit)
		return
	case string(l) == goRuntimeStack:
		s.st, s.goFunc = goStack, false
		s.emitConst(goRuntimeStack, emit)
		return
	case hasPrefix(l, "SIG") && goSignals[string(l)]:
		s.st, s.msgLines, s.exit = goPanic, 0, exit{set: true, code: 2}
		s.emitRaw(l, emit)
		return
	case s.st == goPanic && hasPrefix(l, "PC=0x"):
		return // the program counter and signal code of a signal dump
	case isOriginating(l):
		s.st, s.goFunc = goStack, false
		s.emitRaw(l, emit)
		return
	case len(l) == 0 && s.st == goStack:
		s.goFunc = false
		return
	case s.st == goStack && isRegisterLine(l):
		// The registers a signal in C code dumps after the goroutines:
		// part of the crash, and dropped, as their values can be data.
		s.goFunc = false
		return
	}
	if s.st == goPanic {
		if hasPrefix(l, "\t"+goPanicPrefix) {
			// The earlier panic of a "[recovered]" pair, or a panic while
			// panicking.
			s.out = append(s.out[:0], "    "...)
			s.out = s.appendPanic(s.out, l[1+len(goPanicPrefix):])
			s.send(emit)
			return
		}
		// A continuation of a multi-line panic value: tab-indented after a
		// \n, but unindented after a \r, where the gate also ends a line,
		// and empty after "\r\r". So the panic lines end only at the
		// goroutine header, not at the blank line before it. The runtime
		// appends " [recovered]" after the value's last line.
		for _, sfx := range [...]string{goRepanicked, goRecovered} {
			if bytes.HasSuffix(l, []byte(sfx)) {
				s.out = append(append(s.out[:0], "   "...), sfx...)
				s.send(emit)
				break
			}
		}
		s.msgLines++
		if len(l) > 0 && l[0] != '\t' {
			s.indented++ // the lines a prefix can start
		}
		if s.maxMsg > 0 && s.msgLines >= s.maxMsg || s.indented > maxGoValue {
			s.reset()
		}
		return
	}
	if s.st == goStack {
		switch {
		case l[0] == '\t':
			// A file line confirms the function line before it; anywhere
			// else it is not the runtime's.
			if out, ok := appendGoFileLine(s.out[:0], l[1:]); ok && s.goFunc {
				s.out, s.held = s.held, out
				s.send(emit)
				s.out, s.held = s.held, s.out[:0]
				s.send(emit)
			}
			s.goFunc = false
			return
		case hasPrefix(l, goCreatedPrefix):
			if out, ok := appendCreatedBy(s.held[:0], l); ok {
				s.held, s.goFunc = out, true
				return
			}
		case string(l) == goElided:
			s.emitConst(goElided, emit)
			return
		case hasPrefix(l, goExitStatus) && isDigits(l[len(goExitStatus):]) && len(l) <= len(goExitStatus)+3:
			// go run reports the program's status and exits with 1.
			s.emitRaw(l, emit)
			s.reset()
			s.st, s.exit = goExited, exit{set: true, code: 1}
			return
		default:
			// A function line is held until its file line: alone, a line
			// such as "main.jane(7)" is no frame.
			if out, ok := appendGoFunc(s.held[:0], l); ok {
				s.held, s.goFunc = out, true
				return
			}
		}
	}
	// Not part of a Go crash: the trace is over and this is ordinary output.
	s.reset()
	s.idle(l, emit)
}

// isRegisterLine reports a line of the runtime's register dump (dumpregs in
// runtime/signal_*.go): a register's name, spaces, its value in hex, as
// "rax    0x47e760", "r15    0xffffffffffffffff", "rflags 0x10206".
func isRegisterLine(l []byte) bool {
	name, value, ok := bytes.Cut(l, []byte(" "))
	if !ok || len(name) == 0 || len(name) > 7 || name[0] < 'a' || name[0] > 'z' || !isIdent(name) {
		return false
	}
	value = bytes.TrimLeft(value, " ")
	h, ok := bytes.CutPrefix(value, []byte("0x"))
	return ok && len(h) <= 16 && isHex(h)
}

// isOriginating reports "[originating from goroutine N]:", which heads the
// ancestors' frames under GODEBUG=tracebackancestors.
func isOriginating(l []byte) bool {
	n, ok := bytes.CutPrefix(l, []byte(goOriginating))
	if !ok {
		return false
	}
	n, ok = bytes.CutSuffix(n, []byte("]:"))
	return ok && isCount(n, maxGoroutineDigits)
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
	case gocrash.ConstMessages[string(v)]:
		dst = append(dst, v...)
	default:
		if typ, val, ok := cutTypedValue(v); ok {
			dst = s.appendTypedValue(dst, v, typ, val)
		} else {
			// "interface conversion: …" comes without the "runtime error:"
			// prefix; so may a program's own message, whose first words are
			// then kept only if they are one of the runtime's classes.
			dst = appendConstMessage(dst, v)
		}
	}
	return append(dst, suffix...)
}

// appendConstMessage keeps a runtime message that is a known constant, or the
// class of a known runtime error, and scrubs the rest.
func appendConstMessage(dst, msg []byte) []byte {
	if gocrash.ConstMessages[string(msg)] {
		return append(dst, msg...)
	}
	for _, class := range gocrash.RuntimeClasses {
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

// cutTypedValue recognises the forms in which a value is printed with its
// type: the runtime's "(T) 0xADDR" for a value it cannot print and "T(VALUE)"
// for a named type with a basic kind ("main.Code(3)", `main.Name("x")`), and
// the "%#v" form "T{FIELDS}" that programs and test frameworks pass to panic
// ("main.MyErr{Code:3}"). T must be a package-qualified Go type name, which
// an error message rarely is.
func cutTypedValue(v []byte) (typ, val []byte, ok bool) {
	if len(v) > 0 && v[0] == '(' {
		i := bytes.Index(v, []byte(") 0x"))
		if i < 0 || !isHex(v[i+len(") 0x"):]) || !isGoTypeName(v[1:i], true) {
			return nil, nil, false
		}
		return v[1:i], v[i+len(") "):], true
	}
	i := bytes.IndexAny(v, "({")
	if i <= 0 || !isGoTypeName(v[:i], false) || bytes.IndexByte(v[:i], '.') < 0 {
		return nil, nil, false
	}
	closer := byte(')')
	if v[i] == '{' {
		closer = '}'
	}
	if v[len(v)-1] != closer {
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
	dst = append(append(dst, typ...), v[len(typ)]) // '(' or '{'
	if keep {
		dst = appendKept(dst, val)
	} else {
		dst = append(dst, scrubbed...)
	}
	return append(dst, v[len(v)-1])
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
		case r < utf8.RuneSelf && isIdentByte(byte(r)), r == '.', r == '/', r == '*', r == '[', r == ']', r == '-', r == ',':
		case loose && (r == ' ' || r == '{' || r == '}' || r == ';'):
		default:
			return false
		}
	}
	return !hasDigitRun(b)
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

// appendSignal keeps "[signal SIGSEGV: segmentation violation code=0x1]",
// the form runtime.dopanic_m prints, and drops the fault address and pc: an
// address can be computed from data. Anything else after "[signal " (a line
// of a panic value split at \r can start so) becomes "[signal [scrubbed]]".
func appendSignal(dst, l []byte) []byte {
	dst = append(dst, goSignalPrefix...)
	rest := l[len(goSignalPrefix):]
	i := bytes.Index(rest, []byte(" code=0x"))
	if i < 0 {
		return append(dst, scrubbed+"]"...)
	}
	name, code := rest[:i], rest[i+len(" code=0x"):]
	if j := bytes.IndexByte(code, ' '); j >= 0 {
		code = code[:j]
	}
	unnamed, isNumber := bytes.CutPrefix(name, []byte("0x"))
	if isNumber && !(isHex(unnamed) && len(unnamed) <= 2) || !isNumber && !goSignals[string(name)] || !isSigCode(code) {
		return append(dst, scrubbed+"]"...)
	}
	return append(append(append(append(dst, name...), " code=0x"...), code...), ']')
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
	return i > 0 && i <= 20 && i < len(rest) && rest[i] == ' ' && bytes.IndexByte(rest, '[') > i
}

// goStatuses are the goroutine states and wait reasons the runtime prints
// in a goroutine header (gStatusStrings and waitReasonStrings, with older
// runtimes' names). A status not in the list is scrubbed: the header shape
// is easy to print by accident, and the words would go out verbatim.
var goStatuses = map[string]bool{
	"idle": true, "runnable": true, "running": true, "syscall": true, "waiting": true, "dead": true,
	"copystack": true, "leaked": true, "preempted": true, "waiting for cgo callback": true,
	"GC assist marking": true, "IO wait": true, "chan receive (nil chan)": true, "chan send (nil chan)": true,
	"dumping heap": true, "garbage collection": true, "garbage collection scan": true, "panicwait": true,
	"select": true, "select (no cases)": true, "GC assist wait": true, "GC sweep wait": true,
	"GC scavenge wait": true, "chan receive": true, "chan send": true, "finalizer wait": true,
	"force gc (idle)": true, "GOMAXPROCS updater (idle)": true, "semacquire": true, "sleep": true,
	"sync.Cond.Wait": true, "sync.Mutex.Lock": true, "sync.RWMutex.RLock": true, "sync.RWMutex.Lock": true,
	"sync.WaitGroup.Wait": true, "trace reader (blocked)": true, "wait for GC cycle": true,
	"GC worker (idle)": true, "GC worker (active)": true, "debug call": true, "GC mark termination": true,
	"stopping the world": true, "flushing proc caches": true, "trace goroutine status": true,
	"trace proc status": true, "page trace flush": true, "coroutine": true, "GC weak to strong wait": true,
	"synctest.Run": true, "synctest.Wait": true, "chan receive (durable)": true, "chan send (durable)": true,
	"select (durable)": true, "sync.WaitGroup.Wait (durable)": true, "cleanup wait": true,
	"unknown wait reason": true, "timer goroutine (idle)": true, "GC background sweeper wait": true,
	"???": true,
}

// appendGoroutineHeader keeps "goroutine N [status, N minutes]:" with a
// known status and the runtime's own modifiers, dropping GOTRACEBACK=system's
// gp/m addresses and scrubbing goroutine labels (" labels:{…}"), which a
// program sets from request data.
func appendGoroutineHeader(dst, l []byte) []byte {
	rest := l[len("goroutine "):]
	i := bytes.IndexByte(rest, ' ')
	dst = append(dst, "goroutine "...)
	if i <= maxGoroutineDigits {
		dst = append(dst, rest[:i]...)
	} else {
		dst = append(dst, scrubbed...)
	}
	status := rest[bytes.IndexByte(rest, '[')+1 : len(rest)-len("]:")]
	labels := false
	if j := bytes.Index(status, []byte(" labels:{")); j >= 0 {
		status, labels = status[:j], true
	}
	dst = append(dst, " ["...)
	// The status is a known state, then modifiers the runtime appends.
	end := bytes.IndexByte(status, ',')
	if end < 0 {
		end = len(status)
	}
	reason := status[:end]
	var mods []byte
	for _, m := range [...]string{" (durable)", " (scan)", " (leaked)"} {
		if r, ok := bytes.CutSuffix(reason, []byte(m)); ok && !goStatuses[string(reason)] {
			reason, mods = r, append([]byte(m), mods...)
		}
	}
	if goStatuses[string(reason)] {
		dst = append(append(dst, reason...), mods...)
		// The modifiers after the first comma, one by one: bytes.Cut, not
		// bytes.Split, whose slice was the Scrubber's one allocation.
		for rest := status[end:]; len(rest) > 0; {
			var m []byte
			m, rest, _ = bytes.Cut(rest, []byte(","))
			if len(m) > 0 && isGoStatusModifier(m) {
				dst = append(append(dst, ','), m...)
			}
		}
	} else {
		dst = append(dst, scrubbed...)
	}
	if labels {
		dst = append(dst, " labels:{"+scrubbed+"}"...)
	}
	return append(dst, "]:"...)
}

// isGoStatusModifier accepts " N minutes", " locked to thread" and
// " synctest bubble N".
func isGoStatusModifier(m []byte) bool {
	if string(m) == " locked to thread" {
		return true
	}
	if n, ok := bytes.CutSuffix(m, []byte(" minutes")); ok && len(n) > 1 && n[0] == ' ' {
		return isCount(n[1:], maxCountDigits)
	}
	if n, ok := bytes.CutPrefix(m, []byte(" synctest bubble ")); ok {
		return isCount(n, maxGoroutineDigits)
	}
	return false
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
	dst = appendGoSymbol(dst, l[:i])
	if i == len(l)-2 {
		return append(dst, "()"...), true
	}
	return append(dst, "(...)"...), true
}

// appendGoSymbol appends a function's name if it has the grammar of a Go
// symbol, or "[scrubbed]".
func appendGoSymbol(dst, name []byte) []byte {
	if isGoSymbol(name) {
		return append(dst, name...)
	}
	return append(dst, scrubbed...)
}

// isGoFuncName recognises a frame's function name loosely, to tell a frame
// line from other output; isGoSymbol decides whether the name is kept. It accepts a symbol name: path/pkg.Type.Method, main.(*T).M,
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

// isSigCode reports a signal's si_code as the runtime prints it: a small
// number, or a negative one (SI_USER's kin) sign-extended to 64 bits. Any
// other 16 hex digits could be a card number's digits.
func isSigCode(code []byte) bool {
	return isHex(code) && (len(code) <= 2 || len(code) == 16 && len(bytes.TrimLeft(code, "f")) <= 2)
}

// maxOffsetHex bounds a frame's "+0x" offset, the pc's distance from its
// function's entry: no function is 4 GiB long. A longer offset is dropped.
const maxOffsetHex = 8

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
		if len(off) > len(" +0x")+maxOffsetHex {
			off = nil
		}
	}
	i := bytes.LastIndexByte(l, ':')
	if i <= 0 || !isDigits(l[i+1:]) || len(off) > len(" +0x")+16 {
		return dst, false
	}
	dst = appendPath(append(dst, "    "...), l[:i])
	return append(appendLineNumber(append(dst, ':'), l[i+1:]), off...), true
}

// appendCreatedBy keeps "created by F in goroutine N".
func appendCreatedBy(dst, l []byte) ([]byte, bool) {
	rest := l[len(goCreatedPrefix):]
	tail := []byte(nil)
	if i := bytes.LastIndex(rest, []byte(" in goroutine ")); i >= 0 && isDigits(rest[i+len(" in goroutine "):]) {
		rest, tail = rest[:i], rest[i:]
		if !isCount(tail[len(" in goroutine "):], maxGoroutineDigits) {
			tail = nil // the creator's number goes, its name stays
		}
	}
	if !isGoFuncName(rest) || len(rest) == 0 {
		return dst, false
	}
	return append(appendGoSymbol(append(dst, goCreatedPrefix...), rest), tail...), true
}
