package traceback

import (
	"bytes"
	"regexp"
	"slices"
	"strings"
	"testing"
)

func scrubLines(opts Options, in string) []string {
	s := New(opts)
	var out []string
	emit := func(p []byte) { out = append(out, string(p)) }
	for _, l := range strings.Split(in, "\n") {
		s.Line([]byte(l), emit)
	}
	s.Flush(emit)
	return out
}

// TestScrubShapes pins the public form of trace shapes the real programs do
// not produce on this machine: other runtime messages, GOTRACEBACK settings,
// other Python versions, hand-written look-alikes.
func TestScrubShapes(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		want     []string
	}{
		{"go runtime error class kept, numbers scrubbed",
			"panic: runtime error: slice bounds out of range [:7731] with capacity 3",
			[]string{"panic: runtime error: slice bounds out of range [scrubbed]"}},
		{"go runtime error of unknown class scrubbed",
			"panic: runtime error: CANARY custom RuntimeError",
			[]string{"panic: runtime error: [scrubbed]"}},
		{"go multi-line value: the recovered mark follows its last line",
			"panic: CANARY\n\tCANARY [recovered]\n\tpanic: CANARY\n\tCANARY [recovered, repanicked]\n\ngoroutine 1 [running]:",
			[]string{"panic: [scrubbed]", "    [recovered]", "    panic: [scrubbed]", "    [recovered, repanicked]", "goroutine 1 [running]:"}},
		{"go fatal error constant kept",
			"fatal error: all goroutines are asleep - deadlock!\n\ngoroutine 1 [chan receive]:\nmain.main()\n\t/src/main.go:5 +0x1d",
			[]string{"fatal error: all goroutines are asleep - deadlock!", "goroutine 1 [chan receive]:", "main.main()", "    /src/main.go:5 +0x1d"}},
		{"go fatal error unknown message scrubbed",
			"fatal error: CANARY printed by the program",
			[]string{"fatal error: [scrubbed]"}},
		{"go stack overflow with runtime lines between",
			"runtime: goroutine stack exceeds 1000000000-byte limit\nruntime: sp=0xc020160398 stack=[0xc020160000, 0xc040160000]\nfatal error: stack overflow\n\nruntime stack:\nruntime.throw({0x4b9ae4?, 0x0?})\n\t/usr/local/go/src/runtime/panic.go:1023 +0x5c fp=0x7ffd sp=0x7ffc pc=0x436",
			[]string{"fatal error: stack overflow", "runtime stack:", "runtime.throw(...)", "    /usr/local/go/src/runtime/panic.go:1023 +0x5c"}},
		{"go interface conversion keeps its class",
			"panic: interface conversion: interface {} is main.CANARY, not int",
			[]string{"panic: interface conversion [scrubbed]"}},
		{"go file lines only after a function line",
			"panic: CANARY\n\tx\n\n\tCANARY:12\n\ngoroutine 1 [running]:\n\tCANARY:13 +0x1\nmain.main()\n\t/x.go:5 +0x1d\n\tCANARY:14 +0x1",
			[]string{"panic: [scrubbed]", "goroutine 1 [running]:", "main.main()", "    /x.go:5 +0x1d"}},
		{"go signal dump and ancestors",
			"SIGQUIT: quit\nPC=0x46f5a1 m=0 sigcode=0\n\ngoroutine 1 gp=0xc000002380 m=0 mp=0x5a [running]:\nmain.main()\n\t/x.go:5 +0x1d\n[originating from goroutine 1]:\nmain.f(...)\n\t/x.go:9 +0x2\nrax    0xCANARY",
			[]string{"SIGQUIT: quit", "goroutine 1 [running]:", "main.main()", "    /x.go:5 +0x1d", "[originating from goroutine 1]:", "main.f(...)", "    /x.go:9 +0x2"}},
		{"go fault",
			"unexpected fault address 0xCANARY\nfatal error: fault\n[signal SIGSEGV: segmentation violation code=0x2 addr=0xc0 pc=0x4]",
			[]string{"fatal error: fault", "[signal SIGSEGV: segmentation violation code=0x2]"}},
		{"go typed values",
			"panic: (*main.Secret) 0xc000012345",
			[]string{"panic: (*main.Secret) [scrubbed]"}},
		{"go string-kind named type",
			`panic: main.Token("CANARY")`,
			[]string{"panic: main.Token([scrubbed])"}},
		{"go %#v struct value",
			`panic: main.MyErr{Code:7731, Msg:"CANARY"}`,
			[]string{"panic: main.MyErr{[scrubbed]}"}},
		{"go error value is not a typed form without a package",
			"panic: Open(CANARY)",
			[]string{"panic: [scrubbed]"}},
		{"go generic method and closure frames",
			"goroutine 9 [select, 2 minutes, locked to thread]:\nmain.(*Pool[...]).Get(0xc000010000, {0x4c, 0x5})\n\t/home/CANARY/src/pool.go:40 +0x2f\nmain.main.func1.2(...)\n\t/Users/CANARY/src/main.go:7\n...additional frames elided...\ncreated by main.main in goroutine 1\n\tC:\\Users\\CANARY\\src\\main.go:3 +0x1\nexit status 2",
			[]string{"goroutine 9 [select, 2 minutes, locked to thread]:", "main.(*Pool[...]).Get(...)", "    ~/src/pool.go:40 +0x2f",
				"main.main.func1.2(...)", "    ~/src/main.go:7", "...additional frames elided...", "created by main.main in goroutine 1",
				`    ~\src\main.go:3 +0x1`, "exit status 2"}},
		{"go goroutine labels and gp words",
			`goroutine 4 gp=0xc000007340 m=nil [IO wait labels:{"user": "CANARY", "job": "x"}]:`,
			[]string{"goroutine 4 [IO wait labels:{[scrubbed]}]:"}},
		{"go goroutine status modifiers kept, unknown status scrubbed",
			"goroutine 5 [chan receive (scan), 12 minutes, locked to thread, synctest bubble 3]:\nmain.f()\n\t/x.go:1\n\ngoroutine 6 [CANARY status, 3 minutes]:\n\ngoroutine 7 [select (durable), CANARY]:",
			[]string{"goroutine 5 [chan receive (scan), 12 minutes, locked to thread, synctest bubble 3]:", "main.f()", "    /x.go:1",
				"goroutine 6 [[scrubbed]]:", "goroutine 7 [select (durable)]:"}},
		{"go signal without a name, and a look-alike",
			"panic: CANARY\n[signal 0x40 code=0x0 addr=0x0 pc=0x0]\n[signal CANARY code=0x1 addr=0x0 pc=0x0]\n[signal CANARY]",
			[]string{"panic: [scrubbed]", "[signal 0x40 code=0x0]", "[signal [scrubbed]]", "[signal [scrubbed]]"}},
		{"go signal without address",
			"panic: runtime error: invalid memory address or nil pointer dereference\n[signal SIGBUS: bus error code=0x2 addr=0xCANARY pc=0x4]",
			[]string{"panic: runtime error: invalid memory address or nil pointer dereference", "[signal SIGBUS: bus error code=0x2]"}},
		{"go trace ends at an ordinary line; a function line without its file line is dropped",
			"goroutine 1 [running]:\nmain.main()\nINFO CANARY ordinary output\nmain.other()",
			[]string{"goroutine 1 [running]:"}},
		{"python 3.13 carets and tildes dropped",
			"Traceback (most recent call last):\n  File \"/root/x.py\", line 2, in <module>\n    a[CANARY] + b\n    ~^^^^^^^^~~~~\nZeroDivisionError: division by zero",
			[]string{"Traceback (most recent call last):", `  File "~/x.py", line 2, in <module>`, "ZeroDivisionError: [scrubbed]"}},
		{"python type without message",
			"Traceback (most recent call last):\n  File \"<stdin>\", line 1, in <module>\nKeyboardInterrupt",
			[]string{"Traceback (most recent call last):", `  File "<stdin>", line 1, in <module>`, "KeyboardInterrupt"}},
		{"python qualified local type",
			"Traceback (most recent call last):\n  File \"/srv/x.py\", line 1, in f\nmod.f.<locals>.Err: CANARY",
			[]string{"Traceback (most recent call last):", `  File "/srv/x.py", line 1, in f`, "mod.f.<locals>.Err: [scrubbed]"}},
		{"python odd function name scrubbed",
			"Traceback (most recent call last):\n  File \"/srv/x.py\", line 2, in CANARY weird name\nE",
			[]string{"Traceback (most recent call last):", `  File "/srv/x.py", line 2, in [scrubbed]`, "E"}},
		{"python frame look-alike outside a trace is not emitted",
			"  File \"/srv/CANARY.py\", line 1, in f\n  File \"/srv/CANARY.py\", line 1\nNotSyntax: CANARY",
			nil},
		{"python SyntaxError frame not confirmed is dropped at the end",
			"  File \"/srv/CANARY.py\", line 1\n    x = (",
			nil},
		{"python trace cut before its exception line, then ordinary output",
			"Traceback (most recent call last):\n  File \"/srv/x.py\", line 1, in f\n\tCANARY not a trace line",
			[]string{"Traceback (most recent call last):", `  File "/srv/x.py", line 1, in f`, "[scrubbed]"}},
		{"python second trace without separator counts anew",
			"Traceback (most recent call last):\n  File \"a.py\", line 1, in f\nA: CANARY\nCANARY\nTraceback (most recent call last):\n  File \"b.py\", line 2, in g\nB: CANARY",
			[]string{"Traceback (most recent call last):", `  File "a.py", line 1, in f`, "A: [scrubbed]", "Traceback (most recent call last):", `  File "b.py", line 2, in g`, "B: [scrubbed]"}},
		{"python group message lines that resemble markers stay private",
			"  + Exception Group Traceback (most recent call last):\n  |   File \"/srv/x.py\", line 1, in f\n  | ExceptionGroup: CANARY (1 sub-exception)\n  +-+---------------- 1 ----------------\n    | ValueError: CANARY\n+-7731.00\n    +-7731 ----------------\n    +------------------------------------",
			[]string{"  + Exception Group Traceback (most recent call last):", `  |   File "/srv/x.py", line 1, in f`, "  | ExceptionGroup: [scrubbed] (1 sub-exception)",
				"  +-+---------------- 1 ----------------", "    | ValueError: [scrubbed]", "    +------------------------------------"}},
		{"python faulthandler dump",
			"Fatal Python error: Bus error\nPython runtime state: initialized\n\nThread 0x00007f9a2dc23b80 (most recent call first):\n  File \"/home/CANARY/x.py\", line 4 in <module>\n  <no Python frame>\n\nExtension modules: numpy.core._multiarray_umath, torch._C, CANARY weird (total: 3)\nINFO CANARY",
			[]string{"Fatal Python error: Bus error", "Python runtime state: initialized", "Thread 0x00007f9a2dc23b80 (most recent call first):",
				`  File "~/x.py", line 4 in <module>`, "  <no Python frame>", "Extension modules: numpy.core._multiarray_umath, torch._C, [scrubbed] (total: 3)"}},
		{"python fatal error from an extension is scrubbed",
			"Fatal Python error: ext_call: row CANARY is bad\nPython runtime state: finalizing (tstate=0x00007f1)\nPython runtime state: canary words\nStack (most recent call first):\n  File \"/srv/x.py\", line 4 in f",
			[]string{"Fatal Python error: [scrubbed]", "Python runtime state: finalizing", "Stack (most recent call first):", `  File "/srv/x.py", line 4 in f`}},
		{"python faulthandler look-alikes stay private",
			"Fatal Python error: Aborted\n7731)!\nThread 0x7731\n  File \"/srv/x.py\", line 4 in f",
			nil},
		{"python faulthandler timeout dump",
			"Timeout (0:00:05)!\nThread 0x00007f9a2dc23b80 (most recent call first):\n  File \"/srv/x.py\", line 4 in f",
			[]string{"Timeout (0:00:05)!", "Thread 0x00007f9a2dc23b80 (most recent call first):", `  File "/srv/x.py", line 4 in f`}},
		{"python crash while a message prints",
			"Traceback (most recent call last):\n  File \"/srv/x.py\", line 9, in g\nValueError: CANARY\nCANARY\nFatal Python error: Segmentation fault\n\nCurrent thread 0x00007f9a2dc23b80 (most recent call first):\n  File \"/srv/x.py\", line 4 in f",
			[]string{"Traceback (most recent call last):", `  File "/srv/x.py", line 9, in g`, "ValueError: [scrubbed]", "Fatal Python error: Segmentation fault",
				"Current thread 0x00007f9a2dc23b80 (most recent call first):", `  File "/srv/x.py", line 4 in f`}},
		{"python 3.13 colours (FORCE_COLOR) are removed before parsing",
			"\x1b[1;35mTraceback\x1b[0m (most recent call last):\n  File \x1b[35m\"/home/CANARY/x.py\"\x1b[0m, line \x1b[35m2\x1b[0m, in \x1b[35m<module>\x1b[0m\n    \x1b[31mraise\x1b[0m ValueError(\"CANARY\")\n\x1b[1;35mValueError\x1b[0m: \x1b[35mCANARY\x1b]8;;http://x\x07link\x1b]8;;\x1b\\\x1b[0m\n\x1b[35mSystemLog: CANARY",
			[]string{"Traceback (most recent call last):", `  File "~/x.py", line 2, in <module>`, "ValueError: [scrubbed]"}},
		{"a path component with control bytes or invalid UTF-8 is scrubbed",
			"Traceback (most recent call last):\n  File \"/srv/\x07\x01\xff\u202e\u0085.py\", line 1, in f",
			[]string{"Traceback (most recent call last):", `  File "/srv/[scrubbed]", line 1, in f`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := scrubLines(Options{}, tc.in)
			if !slices.Equal(got, tc.want) {
				t.Errorf("public lines\ngot:  %q\nwant: %q", got, tc.want)
			}
			for _, l := range got {
				checkPublicLine(t, []byte(l))
				checkGrammar(t, []byte(l))
				if strings.Contains(l, canary) {
					t.Errorf("leaked: %q", l)
				}
			}
		})
	}
}

// TestInMessage walks through the states of one stream and checks where the
// gate must hold prefixed lines.
func TestInMessage(t *testing.T) {
	s := New(Options{})
	discard := func([]byte) {}
	for i, step := range []struct {
		line string
		want bool
	}{
		{"INFO starting", false},
		// A header alone is no trace: the next line must be a frame, which
		// no prefixed line is.
		{"Traceback (most recent call last):", false},
		{`  File "/srv/x.py", line 1, in f`, true}, // the exception line may come next
		{"    source CANARY", true},
		{"ValueError: CANARY", true},
		{"SystemLog: CANARY continuation", true},
		{"", true}, // a blank line does not end a message
		{"CANARY after the blank line", true},
		{pyCause, true},
		{"", true},
		{"KeyError: CANARY", true},
		{"panic: CANARY", true},                      // a message line that looks like a Go panic
		{"Traceback (most recent call last):", true}, // or like a header
		{"RuntimeError", true},                       // no frame: it was message
	} {
		s.Line([]byte(step.line), discard)
		if got := s.InMessage(); got != step.want {
			t.Fatalf("after line %d %q: InMessage() = %v, want %v", i, step.line, got, step.want)
		}
	}
	s.Flush(discard)
	if s.InMessage() {
		t.Fatal("InMessage() = true after Flush")
	}
	if s.Traces() != 1 {
		t.Errorf("Traces() = %d, want 1", s.Traces())
	}

	// A Go panic value continues until the blank line before the goroutines.
	for i, step := range []struct {
		line string
		want bool
	}{
		{"panic: CANARY", true},
		{"\tSystemLog: CANARY", true},
		{"SystemLog: CANARY after a carriage return", true},
		{"", true}, // after "\r\r" inside the value, or before the goroutines
		{"SystemLog: CANARY after two carriage returns", true},
		{"goroutine 1 [running]:", false},
		{"main.main()", false},
	} {
		s.Line([]byte(step.line), discard)
		if got := s.InMessage(); got != step.want {
			t.Fatalf("go line %d %q: InMessage() = %v, want %v", i, step.line, got, step.want)
		}
	}
}

// TestMaxMessageLines: a positive bound ends the message after that many
// continuation lines, for Python and Go alike.
func TestMaxMessageLines(t *testing.T) {
	for _, tc := range []struct{ name, head string }{
		{"python", "Traceback (most recent call last):\n  File \"x.py\", line 1, in f\nValueError: CANARY"},
		{"go", "panic: CANARY"},
	} {
		s := New(Options{MaxMessageLines: 3})
		raw := tc.head + "\nCANARY 1\nCANARY 2\nSystemLog: CANARY 3\nSystemLog: public again\n"
		r := runGate(t, s, []byte(raw))
		if want := []string{"SystemLog: public again"}; !slices.Equal(r.passed, want) {
			t.Errorf("%s: passed %q, want %q", tc.name, r.passed, want)
		}
	}
}

// TestAllowKeepsOwnLineOnly: an allowed message never smuggles a line break,
// control byte or escape sequence (here an OSC title change) into a public
// line; only the exception line's own message is kept, since nothing marks
// where a message ends (issue 9: every later line of the stream came out as
// a kept message line); and other types stay scrubbed.
func TestAllowKeepsOwnLineOnly(t *testing.T) {
	in := "Traceback (most recent call last):\n  File \"x.py\", line 1, in f\nPublicError: a\x1b]0;title\x07b\tc\nsecond CANARY \x00 line\n" +
		"SystemLog: CANARY\n\nDuring handling of the above exception, another exception occurred:\n\n" +
		"Traceback (most recent call last):\n  File \"x.py\", line 2, in g\nOther: CANARY\nCANARY"
	got := scrubLines(Options{Allow: regexp.MustCompile(`PublicError`)}, in)
	want := []string{"Traceback (most recent call last):", `  File "x.py", line 1, in f`, `PublicError: ab    c`, pyContext,
		"Traceback (most recent call last):", `  File "x.py", line 2, in g`, "Other: [scrubbed]"}
	if !slices.Equal(got, want) {
		t.Errorf("got  %q\nwant %q", got, want)
	}
}

// TestBoundedMemory feeds 1 MiB lines in every position of a trace and checks
// that the Scrubber's buffers and every public line stay within their caps.
func TestBoundedMemory(t *testing.T) {
	s := New(Options{Allow: regexp.MustCompile(`.*`)})
	long := bytes.Repeat([]byte("a"), 1<<20)
	longest := 0
	emit := func(p []byte) { longest = max(longest, len(p)) }
	lines := [][]byte{
		[]byte("Traceback (most recent call last):"),
		append(append([]byte(`  File "/srv/`), long...), `", line 1, in f`...),
		append([]byte("  File \"/srv/x\", line 1, in "), long...),
		append([]byte("ValueError: "), long...),
		long,
		append(append([]byte("  File \"/srv/x\", line "), bytes.Repeat([]byte("7"), 1<<20)...), ", in f"...),
		append(append([]byte("  [Previous line repeated "), bytes.Repeat([]byte("7"), 1<<20)...), " more times]"...),
		append(bytes.Repeat([]byte(" "), 1<<20), "| ValueError: x"...),
		[]byte("  + Exception Group Traceback (most recent call last):"),
		append(bytes.Repeat([]byte(" "), 1<<20), "| KeyError: x"...),
		append([]byte("panic: main.T("), append(long, ')')...),
		append(append([]byte("goroutine 1 ["), bytes.Repeat([]byte("a "), 1<<19)...), "]:"...),
		append(append([]byte("\t/x.go:"), bytes.Repeat([]byte("7"), 1<<20)...), " +0x1"...),
		append([]byte("exit status "), bytes.Repeat([]byte("7"), 1<<20)...),
		append(append([]byte("Thread 0x"), bytes.Repeat([]byte("f"), 1<<20)...), " (most recent call first):"...),
		append(append([]byte("\x1b[1mTraceback (most recent call last):"), long...), "\x1b[0m"...),
		[]byte("goroutine 1 [running]:"),
		append(long, "()"...),
		append(append([]byte("\t/"), long...), ":1 +0x1"...),
	}
	for i := 0; i < 200; i++ {
		for _, l := range lines {
			s.Line(l, emit)
		}
	}
	s.Flush(emit)
	if limit := maxLine + len(cutMark); longest > limit {
		t.Errorf("longest public line %d bytes, want at most %d", longest, limit)
	}
	if c := cap(s.out); c > 2*maxInput {
		t.Errorf("output buffer grew to %d bytes", c)
	}
	if c := cap(s.plain); c > 2*maxInput {
		t.Errorf("ANSI buffer grew to %d bytes", c)
	}
}

// TestCommonPathAllocs: ordinary lines cost no allocation (the gate calls
// Line for every private line).
func TestCommonPathAllocs(t *testing.T) {
	s := New(Options{})
	lines := [][]byte{
		[]byte("epoch 3 loss=0.251 CANARY"),
		[]byte("  File-like but not: indented data"),
		[]byte("panicky but not a panic"),
		[]byte(""),
	}
	emit := func([]byte) { t.Fatal("ordinary line emitted") }
	allocs := testing.AllocsPerRun(100, func() {
		for _, l := range lines {
			s.Line(l, emit)
		}
	})
	if allocs != 0 {
		t.Errorf("Line allocates %.1f times per ordinary line batch, want 0", allocs)
	}
}

// TestGoTraceAllocs: a Go crash dump, goroutine headers with modifiers
// included, costs no allocation once the Scrubber's buffers have grown.
func TestGoTraceAllocs(t *testing.T) {
	s := New(Options{})
	dump := [][]byte{
		[]byte("panic: CANARY"),
		[]byte(""),
		[]byte("goroutine 1 [running]:"),
		[]byte("main.main()"),
		[]byte("\t/srv/x.go:3 +0x1d"),
		[]byte(""),
		[]byte("goroutine 7 [chan receive, 3 minutes, locked to thread]:"),
		[]byte("main.f(...)"),
		[]byte("\t/srv/x.go:9 +0x2"),
		[]byte("exit status 2"),
	}
	emit := func([]byte) {}
	feed := func() {
		for _, l := range dump {
			s.Line(l, emit)
		}
		s.Flush(emit)
	}
	feed() // the buffers grow once
	if allocs := testing.AllocsPerRun(50, feed); allocs != 0 {
		t.Errorf("a Go crash dump allocates %.1f times, want 0", allocs)
	}
}

// TestPublicLinesPass guards the other half of the gate's promise: outside a
// message, a public line is never held, before, between and after traces.
func TestPublicLinesPass(t *testing.T) {
	raw := "SystemLog: 1\n" +
		"panic: CANARY\n\tCANARY\n\ngoroutine 1 [running]:\nmain.main()\n\t/x.go:1 +0x1\n" +
		"SystemLog: 2\n" +
		"goroutine 2 [select]:\nmain.f(...)\n\t/x.go:3 +0x1\n\n" +
		"SystemLog: 3\n" +
		"  File \"/srv/x.py\", line 1\n    CANARY\n" +
		"SystemLog: 4\n" +
		"Fatal Python error: Aborted\n\nCurrent thread 0x00007f (most recent call first):\n  File \"/srv/x.py\", line 1 in f\n" +
		"SystemLog: 5\n" +
		"epoch 3\x1b[0m\n  batch 9\nTrain 1\npanicky\n" +
		"SystemLog: 6\n"
	r := runGate(t, New(Options{}), []byte(raw))
	want := []string{"SystemLog: 1", "SystemLog: 2", "SystemLog: 3", "SystemLog: 4", "SystemLog: 5", "SystemLog: 6"}
	if !slices.Equal(r.passed, want) {
		t.Errorf("passed %q, want %q", r.passed, want)
	}
	checkNoCanary(t, "public lines", r)
	// The Go panic with both goroutine dumps (a public line in between
	// never reaches the Scrubber), and the faulthandler dump; the
	// unconfirmed SyntaxError frame is not a trace.
	if r.traces != 2 {
		t.Errorf("Traces() = %d, want 2", r.traces)
	}
}

// TestUnparsableFrameConfirms: a frame line that does not parse (the gate
// cut it at --max-line; "line None") still makes the header a trace's, so
// the exception line after it starts a held message.
func TestUnparsableFrameConfirms(t *testing.T) {
	for _, frame := range []string{
		`  File "/srv/` + strings.Repeat("a", 300), // cut: no closing quote
		`  File "/srv/job.py", line None, in f`,
	} {
		raw := "Traceback (most recent call last):\n" + frame + "\nValueError: CANARY\nSystemLog: CANARY forged\n"
		r := runGate(t, New(Options{}), []byte(raw))
		checkNoCanary(t, frame, r)
		if len(r.passed) != 0 || r.traces != 1 {
			t.Errorf("%q: passed %q, %d traces; want none passed, 1 trace", frame, r.passed, r.traces)
		}
	}
}
