package traceback

import "bytes"

// This file is the grammar of what a Scrubber re-emits from a trace: the
// names and paths it copies from the private line. Everything else it emits
// is a constant, a count or a scrubbed marker. The rule is fail-closed: a
// field that does not match is replaced by "[scrubbed]", the line keeps its
// shape.

// isIdent reports an ASCII identifier, [A-Za-z_][A-Za-z0-9_]*, without a
// run of more than maxDigitRun digits (an id, a date, an SSN: no name in
// code is numbered so).
func isIdent(b []byte) bool {
	if len(b) == 0 || b[0] >= '0' && b[0] <= '9' {
		return false
	}
	for _, c := range b {
		if !isIdentByte(c) {
			return false
		}
	}
	return !hasDigitRun(b)
}

// maxDigitRun is the longest run of digits a kept name or path component
// may hold: numpy's random._mt19937 has five; an SSN has nine, a phone
// number seven or more, a date eight, most customer and account ids six or
// more.
const maxDigitRun = 5

// maxNumberDigits is the most digits a kept name or path component may hold
// in one dotted number: digit groups joined by '.', '-' or '_'
// (4111.1111.1111.1111, 078.05.1121, 555.123.4567, 192.168.100.200 are
// scrubbed). A version keeps its dots: libcudart.so.12.1.105 has six digits,
// a CUDA driver's libcuda.so.535.154.05 eight.
const maxNumberDigits = 8

// hasDigitRun reports a run of more than maxDigitRun digits, digits joined
// by '-' or '_' counting as one run, or a dotted number of more than
// maxNumberDigits digits.
func hasDigitRun(b []byte) bool {
	run, num := 0, 0
	for i, c := range b {
		digitNext := i+1 < len(b) && b[i+1] >= '0' && b[i+1] <= '9'
		switch {
		case c >= '0' && c <= '9':
			run++
			num++
			if run > maxDigitRun || num > maxNumberDigits {
				return true
			}
		case (c == '-' || c == '_') && digitNext:
		case c == '.' && digitNext && run > 0:
			run = 0
		default:
			run, num = 0, 0
		}
	}
	return false
}

func isIdentByte(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// isPyName accepts a Python code object's name or an exception type as
// CPython prints it: ASCII identifiers joined by '.', where a part may be
// one of the compiler's angle-bracketed names (<module>, <lambda>,
// <listcomp>, <genexpr>, <locals> in a qualified name).
func isPyName(b []byte) bool {
	if len(b) == 0 || len(b) > maxTypeLen {
		return false
	}
	for rest := b; rest != nil; {
		var part []byte
		part, rest = cutByte(rest, '.')
		if p, ok := bytes.CutPrefix(part, []byte("<")); ok {
			part, ok = bytes.CutSuffix(p, []byte(">"))
			if !ok {
				return false
			}
		}
		if !isIdent(part) {
			return false
		}
	}
	return true
}

// isGoSymbol accepts a Go function symbol as the runtime prints it in a
// stack trace: an import path of module-path characters, then the package
// name and dotted parts, each an identifier or a number (main.main.func1.2),
// a method's receiver in parentheses (main.(*T).M), with "[...]" after a
// generic name and "-fm" after a method value; "glob." before a
// package-level closure of older runtimes.
func isGoSymbol(b []byte) bool {
	if len(b) == 0 || len(b) > maxField {
		return false
	}
	rest := b
	if i := bytes.LastIndexByte(b, '/'); i >= 0 {
		// A receiver holds no '/', so the last one ends the import path.
		for path := b[:i]; path != nil; {
			var elem []byte
			elem, path = cutByte(path, '/')
			if !isModulePathElem(elem) {
				return false
			}
		}
		rest = b[i+1:]
	}
	// The package name, which may hold a %-escaped dot (yaml%2ev3).
	i := 0
	for i < len(rest) && (isIdentByte(rest[i]) || rest[i] == '%' || rest[i] == '-' || rest[i] == '.' && i+1 < len(rest) && rest[i+1] == '.') {
		i++
	}
	if i == len(rest) && isIdent(rest) {
		return !hasDigitRun(b) // a builtin the runtime names alone: panic
	}
	if i == 0 || i == len(rest) || rest[i] != '.' {
		return false
	}
	for rest = rest[i:]; len(rest) > 0; {
		if rest[0] != '.' {
			return false
		}
		rest = rest[1:]
		if hasPrefix(rest, ".") { // "glob..func1"
			rest = rest[1:]
		}
		n := goSymbolPart(rest)
		if n == 0 {
			return false
		}
		rest = rest[n:]
	}
	return !hasDigitRun(b)
}

// goSymbolPart returns the length of one dotted part of a Go symbol at the
// start of b, or 0.
func goSymbolPart(b []byte) int {
	i := 0
	if hasPrefix(b, "(") {
		i = 1
		if hasPrefix(b[i:], "*") {
			i++
		}
		j := i
		for j < len(b) && isIdentByte(b[j]) {
			j++
		}
		if j == i {
			return 0
		}
		if hasPrefix(b[j:], "[...]") {
			j += len("[...]")
		}
		if !hasPrefix(b[j:], ")") {
			return 0
		}
		return j + 1
	}
	for i < len(b) && isIdentByte(b[i]) {
		i++
	}
	if i == 0 {
		return 0
	}
	if hasPrefix(b[i:], "[...]") {
		i += len("[...]")
	}
	if hasPrefix(b[i:], "-fm") {
		i += len("-fm")
	}
	return i
}

// isModulePathElem accepts an element of a Go import path: the characters
// a module path allows, with '%' for the escaped dot of a last element.
func isModulePathElem(b []byte) bool {
	if len(b) == 0 {
		return false
	}
	for _, c := range b {
		if !isIdentByte(c) && c != '.' && c != '-' && c != '~' && c != '%' {
			return false
		}
	}
	return true
}

// appendPath appends a file path of a frame, keeping its shape but
// scrubbing what is not plausibly code:
//
//   - a home directory becomes "~": everything up to and including the
//     component after one named home, home2…, or Users/users (any case),
//     when more follows it (/home/x, /home2/x, /var/home/x, /export/home/x,
//     /usr/home/x, /Users/x, C:\Users\x, c:/users/x), and a leading /root;
//   - every other component is kept only if it is ASCII letters, digits and
//     . _ - + ~ ! (an '@' only in a Go module cache's name@vX.Y.Z), at most
//     255 bytes, with no run of more than five digits (digits joined by '-'
//     or '_' count as one run: customer ids, dates, SSNs, phone numbers); any
//     other component becomes "[scrubbed]" (spaces, '@', ',', non-ASCII…);
//   - a path in angle brackets is one of CPython's pseudo-files
//     (<string>, <stdin>, <frozen runpy>, numpy's <__array_function__
//     internals>): kept if it is such a name, "<[scrubbed]>" otherwise.
//
// The separator is '\' if the path holds one and no '/', else '/'.
func appendPath(dst, path []byte) []byte {
	if len(path) > 0 && path[0] == '<' {
		if isPseudoFile(path) {
			return append(dst, path...)
		}
		return append(dst, "<"+scrubbed+">"...)
	}
	sep := byte('/')
	if bytes.IndexByte(path, '\\') >= 0 && bytes.IndexByte(path, '/') < 0 {
		sep = '\\'
	}
	// The home directory ends at the component after the first one named
	// like a home's parent, if more follows it; found before anything is
	// written, without splitting the path into a slice.
	start, home := 0, false
	if hasPrefix(path, "/root/") {
		start, home = len("/root"), true
	}
	for rest := path; rest != nil; {
		var p []byte
		p, rest = cutByte(rest, sep)
		if !isHomeDir(p) || rest == nil {
			continue
		}
		if _, after := cutByte(rest, sep); after != nil {
			start, home = len(path)-len(after)-1, true
			break
		}
	}
	rest := path
	if home {
		dst, rest = append(dst, '~', sep), path[start+1:]
	}
	for first := true; rest != nil; first = false {
		var p []byte
		p, rest = cutByte(rest, sep)
		if !first {
			dst = append(dst, sep)
		}
		switch {
		case len(p) == 0, isCodeComponent(p), first && !home && isDrive(p):
			dst = append(dst, p...)
		default:
			dst = append(dst, scrubbed...)
		}
		if len(dst) > maxLine {
			return append(dst, cutMark...)
		}
	}
	return dst
}

// cutByte splits b at its first c; rest is nil when there is none.
func cutByte(b []byte, c byte) (before, rest []byte) {
	if i := bytes.IndexByte(b, c); i >= 0 {
		return b[:i], b[i+1:]
	}
	return b, nil
}

// isHomeDir reports a directory whose child is a user's home.
func isHomeDir(p []byte) bool {
	if bytes.EqualFold(p, []byte("users")) {
		return true
	}
	h, ok := bytes.CutPrefix(p, []byte("home"))
	return ok && (len(h) == 0 || isDigits(h))
}

// isDrive reports a Windows drive, "C:".
func isDrive(p []byte) bool {
	return len(p) == 2 && p[1] == ':' && (p[0]|0x20) >= 'a' && (p[0]|0x20) <= 'z'
}

// isCodeComponent is appendPath's rule for one path component.
func isCodeComponent(p []byte) bool {
	if len(p) > 255 {
		return false
	}
	if at := bytes.IndexByte(p, '@'); at >= 0 {
		// The Go module cache: golang.org/x/net@v0.20.0.
		if at == 0 || !isGoVersion(p[at+1:]) {
			return false
		}
		p = p[:at]
	}
	for _, c := range p {
		switch {
		case isIdentByte(c), c == '.', c == '-', c == '+', c == '~', c == '!':
		default:
			return false
		}
	}
	return !hasDigitRun(p)
}

// isGoVersion accepts a module version as the Go module cache names it: a
// semantic version vX.Y.Z with an optional pre-release of dot-separated
// words and "+incompatible", whose digits obey hasDigitRun, or a
// pseudo-version, whose pre-release ends in a commit's time
// (yyyymmddhhmmss, a real date and time) and the first twelve hex digits of
// its hash (with a letter, and no run of more than maxNumberDigits digits):
// v0.0.0-20240112175533-abcdef123456, v1.2.4-0.20240112175533-abcdef123456.
func isGoVersion(v []byte) bool {
	v, _ = bytes.CutSuffix(v, []byte("+incompatible"))
	if len(v) < 2 || v[0] != 'v' {
		return false
	}
	core, pre, hasPre := bytes.Cut(v[1:], []byte("-"))
	parts := 0
	for rest := core; rest != nil; parts++ {
		var n []byte
		n, rest = cutByte(rest, '.')
		if !isCount(n, maxDigitRun) || len(n) == 0 {
			return false
		}
	}
	if parts != 3 || hasDigitRun(core) {
		return false
	}
	if !hasPre {
		return true
	}
	if n := len(pre); n >= 27 && pre[n-13] == '-' && isCommitTime(pre[n-27:n-13]) && isCommitHash(pre[n-12:]) {
		switch {
		case n == 27:
			return true
		case pre[n-28] != '.':
			return false
		}
		pre = pre[:n-28]
	}
	for rest := pre; rest != nil; {
		var w []byte
		w, rest = cutByte(rest, '.')
		if len(w) == 0 {
			return false
		}
		for _, c := range w {
			if !isIdentByte(c) && c != '-' || c == '_' {
				return false
			}
		}
	}
	return !hasDigitRun(pre)
}

// isCommitTime accepts a pseudo-version's yyyymmddhhmmss.
func isCommitTime(t []byte) bool {
	if len(t) != 14 || !isDigits(t) {
		return false
	}
	n := func(i, j int) int {
		v := 0
		for _, c := range t[i:j] {
			v = v*10 + int(c-'0')
		}
		return v
	}
	return n(0, 2) == 20 && n(4, 6) >= 1 && n(4, 6) <= 12 && n(6, 8) >= 1 && n(6, 8) <= 31 &&
		n(8, 10) <= 23 && n(10, 12) <= 59 && n(12, 14) <= 59
}

// isCommitHash accepts a pseudo-version's twelve lowercase hex digits.
func isCommitHash(h []byte) bool {
	letter, run := false, 0
	for _, c := range h {
		switch {
		case c >= '0' && c <= '9':
			if run++; run > maxNumberDigits {
				return false
			}
		case c >= 'a' && c <= 'f':
			letter, run = true, 0
		default:
			return false
		}
	}
	return len(h) == 12 && letter
}

// isPseudoFile accepts the file names Python code without a file has: one
// word (<string>, <stdin>, <ipython-input-3-1a2b>), "<frozen NAME>", and
// numpy's "<__array_function__ internals>".
func isPseudoFile(p []byte) bool {
	name, ok := bytes.CutPrefix(p, []byte("<"))
	if !ok {
		return false
	}
	if name, ok = bytes.CutSuffix(name, []byte(">")); !ok || len(name) == 0 {
		return false
	}
	if frozen, ok := bytes.CutPrefix(name, []byte("frozen ")); ok {
		return isPyName(frozen)
	}
	return string(name) == "__array_function__ internals" || isCodeComponent(name)
}

// maxCountDigits bounds a kept count: "[Previous line repeated N more
// times]", "and N more exceptions", an exception group's sub-exception
// number, a goroutine's "N minutes". No real crash counts to a million, and a
// longer number in a count's place is more likely a card or account number
// that a printed, trace-shaped line carries out.
const maxCountDigits = 6

// maxGoroutineDigits bounds a kept goroutine (or synctest bubble) number: a
// program that has started a billion goroutines is rare, and a card number
// has at least twelve digits. A longer one is scrubbed.
const maxGoroutineDigits = 9

// isCount reports a number of 1 to max digits.
func isCount(n []byte, max int) bool { return len(n) <= max && isDigits(n) }

// maxLineDigits bounds a kept line number: no source file has a million
// lines, and a longer number in a line number's place is more likely an id
// than code.
const maxLineDigits = 6

// appendLineNumber appends a line number of at most maxLineDigits digits,
// or "[scrubbed]".
func appendLineNumber(dst, n []byte) []byte {
	if len(n) > maxLineDigits || !isDigits(n) {
		return append(dst, scrubbed...)
	}
	return append(dst, n...)
}
