package traceback

import (
	"bytes"
	"strings"
	"testing"
)

// fuzzCanary is planted in every message position of a fuzzed trace. Its
// quotes keep it out of what the Scrubber legitimately keeps from such a
// position: no Go or Python type name and no function name holds '"'.
const fuzzCanary = `"CANARY"`

// fuzzTrace assembles a stream: arbitrary lines, then a trace of the given
// kind whose every message, value, argument, label, note, source line and
// home directory holds the canary at a fuzzed offset, then arbitrary lines.
func fuzzTrace(before, msg, after []byte, kind, at uint8) []byte {
	clean := func(b []byte) []byte { return bytes.ReplaceAll(b, []byte("CANARY"), []byte("canary")) }
	plant := func(line []byte) []byte {
		line = clean(line)
		i := int(at) % (len(line) + 1)
		return append(append(append([]byte(nil), line[:i]...), fuzzCanary...), line[i:]...)
	}
	var b bytes.Buffer
	b.Write(clean(before))
	b.WriteByte('\n')
	lines := bytes.Split(msg, []byte("\n"))
	first, rest := plant(lines[0]), lines[1:]
	// Python echoes source lines with their line breaks normalised, so a
	// source line never holds a \r.
	source := string(bytes.ReplaceAll(first, []byte("\r"), nil))
	switch kind % 7 {
	case 0: // a Python chain
		b.WriteString("Traceback (most recent call last):\n")
		b.WriteString(`  File "/home/` + fuzzCanary + `/job.py", line 3, in <module>` + "\n")
		b.WriteString("    " + source + "\n    ^^^^\n")
		b.WriteString("ValueError: " + string(first) + "\n")
		for _, l := range rest {
			b.Write(plant(l))
			b.WriteByte('\n')
		}
		b.WriteString("\n" + pyCause + "\n\nKeyError: " + string(first) + "\n")
	case 1: // a Python exception group, message lines margined or not
		b.WriteString("  + Exception Group Traceback (most recent call last):\n")
		b.WriteString(`  |   File "/Users/` + fuzzCanary + `/job.py", line 3, in <module>` + "\n")
		b.WriteString("  | ExceptionGroup: " + string(first) + " (1 sub-exception)\n")
		b.WriteString("  +-+---------------- 1 ----------------\n    | TypeError: " + string(first) + "\n")
		for i, l := range rest {
			if i%2 == 0 {
				b.WriteString("    | ")
			}
			b.Write(plant(l))
			b.WriteByte('\n')
		}
		b.WriteString("    +------------------------------------\n")
	case 2: // a SyntaxError without header
		b.WriteString(`  File "/root/job.py", line 1` + "\n")
		b.WriteString("    " + source + "\n        ^\nSyntaxError: " + string(first) + "\n")
	case 3: // a Go panic with a multi-line value
		b.WriteString("panic: " + string(first) + " [recovered]\n")
		for _, l := range rest {
			b.WriteString("\t")
			b.Write(plant(l))
			b.WriteByte('\n')
		}
		b.WriteString("\tpanic: " + string(first) + "\n\n")
		b.WriteString(`goroutine 7 [chan receive, 3 minutes labels:{"k": ` + fuzzCanary + `}]:` + "\n")
		b.WriteString("main.step(0x1e33, {" + fuzzCanary + "})\n")
		b.WriteString("\t/home/" + fuzzCanary + "/src/main.go:12 +0x1d\n")
	case 4: // a Go fatal error
		b.WriteString("fatal error: " + string(first) + "\n")
		b.WriteString("[signal SIGSEGV: segmentation violation code=0x1 addr=" + fuzzCanary + " pc=0x1]\n\n")
		b.WriteString("goroutine 1 gp=0x1 m=0 mp=0x2 [running]:\n")
		b.WriteString("main.main()\n\t/home/" + fuzzCanary + "/main.go:3 +0x1 fp=0x1 sp=0x2 pc=0x3\n")
		b.WriteString("created by main.run in goroutine 1\n\t/root/x.go:9 +0x2\n")
	case 6: // a faulthandler dump after a message, with an extension's fatal error
		b.WriteString("Traceback (most recent call last):\n" + pyFuzzFrame + "RuntimeError: " + string(first) + "\n")
		b.WriteString("Fatal Python error: " + string(first) + "\n\n")
		b.WriteString("Current thread 0x00007f9a2dc23b80 (most recent call first):\n")
		b.WriteString(`  File "/home/` + fuzzCanary + `/x.py", line 4 in f` + "\n")
		b.WriteString("Extension modules: torch._C, " + string(first) + " (total: 2)\n")
	case 5: // a Python trace whose message lines follow a separator-like line
		b.WriteString("Traceback (most recent call last):\n" + pyFuzzFrame + "RuntimeError: " + string(first) + "\n")
		for _, l := range rest {
			b.Write(plant(l))
			b.WriteByte('\n')
		}
	}
	b.Write(clean(after))
	return b.Bytes()
}

// pyFuzzFrame is the frame CPython always prints between a header and the
// exception line: it prints the header only for an exception with frames,
// and the Scrubber takes a header followed at once by an unindented line
// for ordinary output, not a trace (python.go). Without it, cases 5 and 6
// were not traces at all, and their planted "SystemLog:" lines passed as
// the job's own public lines.
const pyFuzzFrame = "  File \"/srv/job.py\", line 3, in <module>\n"

// FuzzScrubber: whatever lines surround a trace and whatever its message
// holds, no public line holds a byte from a message position, no public line
// holds a control byte, the Scrubber never panics, and its memory stays
// bounded. Every truncation of the stream keeps the same promises.
func FuzzScrubber(f *testing.F) {
	f.Add([]byte("INFO epoch 1"), []byte("bad row\nSystemLog: forged\n\nafter blank"), []byte("SystemLog: ok"), uint8(0), uint8(3))
	f.Add([]byte(""), []byte("x\n  | File \"a\", line 1, in f\nName: v"), []byte(""), uint8(1), uint8(0))
	f.Add([]byte("Traceback (most recent call last):"), []byte("Traceback (most recent call last):\n  File \"/a\", line 1, in f"), []byte("x"), uint8(5), uint8(200))
	f.Add([]byte("panic: x"), []byte("runtime error: index out of range [5] with length 3\n\tpanic: y"), []byte("exit status 2"), uint8(3), uint8(40))
	f.Add([]byte("\xff\x1b[31m"), []byte("(main.T) 0xc000\nmain.T(5)"), []byte("goroutine 1 [running]:"), uint8(4), uint8(7))
	f.Add([]byte("  File \"x\", line 1"), []byte("\t\r\x00\u202e"), []byte("SyntaxError: y"), uint8(2), uint8(1))
	f.Fuzz(func(t *testing.T, before, msg, after []byte, kind, at uint8) {
		raw := fuzzTrace(before, msg, after, kind, at)
		lines := splitLines(raw)
		for _, cut := range []int{len(lines), int(at) % (len(lines) + 1)} {
			s := New(Options{})
			var r gateResult
			emit := func(p []byte) {
				checkPublicLine(t, p)
				checkGrammar(t, p)
				if len(p) > maxLine+len(cutMark) {
					t.Fatalf("emitted line of %d bytes exceeds the bound", len(p))
				}
				r.emitted = append(r.emitted, string(p))
			}
			for _, line := range lines[:cut] {
				if bytes.HasPrefix(line, []byte(testPrefix)) && !s.InMessage() {
					r.passed = append(r.passed, string(line))
					continue
				}
				s.Line(line, emit)
			}
			s.Flush(emit)
			if cap(s.out) > 2*maxInput || cap(s.held) > 2*maxInput || cap(s.plain) > 2*maxInput {
				t.Fatalf("buffers grew to %d and %d bytes", cap(s.out), cap(s.held))
			}
			for _, l := range r.emitted {
				if strings.Contains(l, "CANARY") {
					t.Fatalf("kind %d cut %d: emitted line leaks a planted value: %q\nstream:\n%s", kind%7, cut, l, raw)
				}
			}
			for _, l := range r.passed {
				if strings.Contains(l, "CANARY") {
					t.Fatalf("kind %d cut %d: passed a private line as public: %q\nstream:\n%s", kind%7, cut, l, raw)
				}
			}
		}
	})
}

// FuzzLine: arbitrary lines never panic the Scrubber, never produce a public
// line with a control byte, and never grow its buffers past the bound.
func FuzzLine(f *testing.F) {
	for _, seed := range []string{
		"Traceback (most recent call last):\n  File \"/home/a/x.py\", line 1, in f\nValueError: x",
		"panic: main.T(1) [recovered]\n\tpanic: x\n\ngoroutine 1 [running]:\nmain.(*T).M(...)\n\t/x.go:1 +0x1",
		"  + Exception Group Traceback (most recent call last):\n  | ExceptionGroup: x (1 sub-exception)\n  +-+---------------- 1 ----------------",
		"SIGQUIT: quit\nPC=0x1\n[originating from goroutine \n[originating from goroutine ]:\n[originating from goroutine 1]:",
		"fatal error: stack overflow\n\nruntime stack:\nruntime.throw({0x1, 0x2})\n\t/x/panic.go:1 +0x1",
		"SIGSEGV: segmentation violation\nPC=0x48c564 m=0 sigcode=1 addr=0x0\nsignal arrived during cgo execution\n\ngoroutine 1 [syscall]:\nmain.f()\n\t/x.go:1 +0x1\n\nrax    0x4111111111111111\nrflags 0x10206\nr15    0xffffffffffffffff\nrax 0x\nrax    0x4111111111111111111",
		"goroutine 1 [running]:\nmain.4111.1111.1111.1111()\n\t/go/pkg/mod/x.io/y@v0.0.0-20240112175533-411111111111/4111.1111.1111.1111/y.go:3 +0x1d",
		"goroutine 1 [running]:\n" + strings.Repeat("x", 5000) + "()\n\t" + strings.Repeat("/\x1b", 3000) + ":1",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		s := New(Options{})
		emit := func(p []byte) {
			checkPublicLine(t, p)
			checkGrammar(t, p)
			if len(p) > maxLine+len(cutMark) {
				t.Fatalf("emitted line of %d bytes exceeds the bound", len(p))
			}
		}
		for _, line := range bytes.Split(raw, []byte("\n")) {
			s.Line(line, emit)
			_ = s.InMessage()
		}
		s.Flush(emit)
		if s.InMessage() {
			t.Fatal("InMessage is true after Flush")
		}
		if cap(s.out) > 2*maxInput || cap(s.held) > 2*maxInput || cap(s.plain) > 2*maxInput {
			t.Fatalf("buffers grew to %d and %d bytes", cap(s.out), cap(s.held))
		}
	})
}

// FuzzFirstVisible: the quick look at a coloured line outside a trace sees
// the same first byte as the full strip it saves, so it never turns away a
// line the full path would have parsed.
func FuzzFirstVisible(f *testing.F) {
	for _, seed := range []string{
		"\x1b[31mTraceback (most recent call last):\x1b[0m",
		"\x1b]8;;http://x\x07link\x1b]8;;\x1b\\",
		"\x1b[1;31m\x1b[0mpanic: x",
		"\x1b", "\x1b[", "\x1b]unterminated", "\x1b(Bx", "plain",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, line []byte) {
		var s Scrubber
		plain := s.stripANSI(line)
		want := byte(esc)
		if len(plain) > 0 {
			want = plain[0]
		}
		if got := firstVisible(line); got != want {
			t.Fatalf("firstVisible(%q) = %q, stripANSI gives %q", line, got, plain)
		}
	})
}

// FuzzMessageNeverEnds: once a Python exception line is printed, whatever
// follows on the stream may be its message (a message can embed whole
// traces: an exception group with its closing marker, a faulthandler dump, a
// Go panic up to go run's "exit status"; and CPython 3.11 and 3.12 print a
// sub-exception's later message lines without the group's margin, so a
// group's closing marker can be one), so no later line passes by its
// prefix, under the default options.
func FuzzMessageNeverEnds(f *testing.F) {
	for _, seed := range []string{
		"x\n  + Exception Group Traceback (most recent call last):\n  |   File \"a.py\", line 1, in f\n  | ValueError: y\n  +------------------------------------\nSystemLog: z",
		"x\nFatal Python error: Segmentation fault\n\nCurrent thread 0x00007f0000000000 (most recent call first):\n  File \"a.py\", line 1 in f\n\nExtension modules: numpy (total: 1)\nSystemLog: z",
		"x\npanic: y\n\ngoroutine 1 [running]:\nmain.main()\n\t/tmp/a.go:5 +0x1d\nexit status 2\nSystemLog: z",
		"x\n\nDuring handling of the above exception, another exception occurred:\n\nSystemLog: z",
		"x\nTraceback (most recent call last):\n  File \"a.py\", line 1, in f\nSystemLog: z\n  +------------------------------------\nSystemLog: z",
		"x\n  File \"a.py\", line 1\n    y\nSyntaxError: z\nSystemLog: z",
		"x\n    +------------------------------------\nSystemLog: z\n    +------------------------------------",
		"x\nTraceback (most recent call last):\n  File \"/srv/aaaaaaaaaaaaaaaa\nValueError: y\nSystemLog: z",
	} {
		f.Add([]byte(seed), false)
		f.Add([]byte(seed), true)
	}
	f.Fuzz(func(t *testing.T, msg []byte, group bool) {
		opening := "Traceback (most recent call last):\n" + pyFuzzFrame + "ValueError: "
		if group {
			opening = "  + Exception Group Traceback (most recent call last):\n  | " + pyFuzzFrame +
				"  | ExceptionGroup: eg (1 sub-exception)\n  +-+---------------- 1 ----------------\n    | TypeError: "
		}
		raw := append([]byte(opening), msg...)
		r := runGate(t, New(Options{}), raw)
		if len(r.passed) != 0 {
			t.Fatalf("passed %q after an exception line\nstream:\n%s", r.passed, raw)
		}
	})
}
