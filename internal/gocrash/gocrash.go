// Package gocrash holds the rules by which a public line may show parts of a
// Go crash: which runtime messages are constants, which part of a runtime
// error is its class, and which components of a source path are code. The
// handler's HandlePanic applies them in process; the egress gate (package
// traceback) applies the same rules to the crash text a job prints, and the
// root package's tests check the two against the same inputs.
//
// Standard library only: package conflog imports it.
package gocrash

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Scrubbed stands where a public line leaves out a value.
const Scrubbed = "[scrubbed]"

// RuntimeErrorPrefix starts the message of every runtime error.
const RuntimeErrorPrefix = "runtime error: "

// RuntimeClasses are the runtime errors whose text the runtime builds from
// a fixed class and variable numbers or type names: the class is kept, the
// rest ("[7731] with length 3") is scrubbed, since an index can be data.
var RuntimeClasses = [...]string{
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

// ConstMessages are panic and fatal error messages that are constant
// strings in the runtime and the standard library: they carry no data, so
// they are kept verbatim. Any other message is scrubbed. (A program can
// print these words itself; then it printed a constant, which is harmless.)
var ConstMessages = map[string]bool{
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
	"fault":                            true,
	"invalid pointer found on stack":   true,
	"non-Go code disabled sigaltstack": true,
}

// RuntimeMessage returns what a public line may show of the message of an
// error from package runtime: "runtime error: " and a constant message or
// the class of the error ("index out of range [scrubbed]"); anything else
// is Scrubbed.
func RuntimeMessage(msg string) string {
	rest, isRuntime := strings.CutPrefix(msg, RuntimeErrorPrefix)
	out := constMessage(rest)
	if isRuntime {
		return RuntimeErrorPrefix + out
	}
	return out
}

func constMessage(msg string) string {
	if ConstMessages[msg] {
		return msg
	}
	for _, class := range RuntimeClasses {
		if strings.HasPrefix(msg, class) {
			if len(msg) > len(class) {
				return class + " " + Scrubbed
			}
			return class
		}
	}
	return Scrubbed
}

// homes are the directories whose next component names a person: it and
// everything before it become "~". Matched case-insensitively on Windows'
// drive paths, with either separator.
var homes = [...]string{"/home/", "/var/home/", "/export/home/", "/usr/home/", "/Users/", `c:\users\`, "c:/users/"}

// Path returns a source path as a public line may show it: a home
// directory of any kind (/home/u, /home2/u, /var/home/u, /Users/u,
// C:\Users\u, /root) becomes "~", and a component that is not plausibly
// code (a space, an '@' that does not start a module version, a run of six
// digits or more, anything but letters, digits and ._+-) becomes Scrubbed.
// The file name and the directories of code keep their shape, so a frame
// still says where it is.
func Path(path string) string {
	rest, home := cutHome(path)
	var b strings.Builder
	if home {
		b.WriteByte('~')
	}
	for len(rest) > 0 {
		i := strings.IndexAny(rest, `/\`)
		if i < 0 {
			i = len(rest)
		}
		comp := rest[:i]
		if isCodeComponent(comp) {
			b.WriteString(comp)
		} else {
			b.WriteString(Scrubbed)
		}
		if i < len(rest) {
			b.WriteByte(rest[i])
			i++
		}
		rest = rest[i:]
	}
	return b.String()
}

// cutHome returns path after its home directory and the separator before
// the rest, and whether it had one.
func cutHome(path string) (string, bool) {
	lower := strings.ToLower(path)
	for _, h := range homes {
		if !strings.HasPrefix(path, h) && !(h[0] == 'c' && strings.HasPrefix(lower, h)) {
			continue
		}
		rest := path[len(h):]
		if i := strings.IndexAny(rest, `/\`); i >= 0 {
			return rest[i:], true
		}
		return "", true
	}
	// /home2/u, /home10/u: numbered home volumes.
	if n, ok := strings.CutPrefix(path, "/home"); ok {
		d := 0
		for d < len(n) && '0' <= n[d] && n[d] <= '9' {
			d++
		}
		if d > 0 && d < len(n) && n[d] == '/' {
			rest := n[d+1:]
			if i := strings.IndexByte(rest, '/'); i >= 0 {
				return rest[i:], true
			}
			return "", true
		}
	}
	if path == "/root" || strings.HasPrefix(path, "/root/") {
		return path[len("/root"):], true
	}
	return path, false
}

// isCodeComponent reports whether one component of a path is plausibly
// code: a package, module or file name, not a person's or a customer's.
func isCodeComponent(c string) bool {
	if c == "" || c == "." || c == ".." {
		return true
	}
	// A module version in the module cache: golang.org/x/sys@v0.49.0,
	// pseudo-versions with their timestamps included.
	if i := strings.IndexByte(c, '@'); i >= 0 {
		v := c[i+1:]
		if len(v) < 2 || v[0] != 'v' || v[1] < '0' || v[1] > '9' || !isNameBytes(v) {
			return false
		}
		c = c[:i]
	}
	if !isNameBytes(c) {
		return false
	}
	run := 0
	for i := 0; i < len(c); i++ {
		if '0' <= c[i] && c[i] <= '9' {
			if run++; run >= 6 {
				return false
			}
		} else {
			run = 0
		}
	}
	return true
}

// isNameBytes reports whether s holds only letters, digits and ._+-.
func isNameBytes(s string) bool {
	for _, r := range s {
		if !(r < utf8.RuneSelf && (r == '.' || r == '_' || r == '+' || r == '-' || unicode.IsLetter(r) || unicode.IsDigit(r))) {
			return false
		}
	}
	return s != ""
}

// FuncName returns a frame's function name if it is shaped as a Go symbol
// (path/pkg.Type.Method, pkg.(*T).M, pkg.F[...], pkg.f.func1.2, with the
// path's components plausibly code), else Scrubbed.
func FuncName(name string) string {
	if name == "" || len(name) > 1024 {
		return Scrubbed
	}
	for i := 0; i < len(name); i++ {
		switch c := name[i]; {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case strings.IndexByte("._/*()[]-~", c) >= 0:
		default:
			return Scrubbed
		}
	}
	// The import path before the last '/' must read as code too.
	if i := strings.LastIndexByte(name, '/'); i >= 0 && Path(name[:i]) != name[:i] {
		return Scrubbed
	}
	return name
}
