package traceback

import (
	"strings"
	"testing"
)

// card is a payment card number (Luhn-valid, the issuers' test number): a
// run of digits a trace-shaped line could carry in a number's place.
const card = "4111111111111111"

// TestNumbersBounded: the numbers a trace line keeps (counts, sub-exception
// numbers, goroutine numbers, a goroutine's minutes) are short, as line
// numbers are, so a job that prints a trace-shaped last line under --strict
// cannot carry a card or account number out in one. Real values pass.
func TestNumbersBounded(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		want     []string
	}{
		{"python repeat count",
			"Traceback (most recent call last):\n  File \"/x.py\", line 3, in f\n  [Previous line repeated " + card + " more times]\n  [Previous line repeated 996 more times]\nRecursionError: x",
			[]string{"Traceback (most recent call last):", "  File \"/x.py\", line 3, in f", "  [Previous line repeated 996 more times]", "RecursionError: [scrubbed]"}},
		{"exception group numbers",
			"  + Exception Group Traceback (most recent call last):\n  |   File \"/x.py\", line 3, in <module>\n  | ExceptionGroup: eg (2 sub-exceptions)\n  +-+---------------- 1 ----------------\n    | ValueError: a\n    +---------------- " + card + " ----------------\n    | ValueError: b\n    +---------------- ... ----------------\n    | and " + card + " more exceptions\n    +------------------------------------",
			nil},
		{"exception group, real numbers",
			"  + Exception Group Traceback (most recent call last):\n  |   File \"/x.py\", line 3, in <module>\n  | ExceptionGroup: eg (27 sub-exceptions)\n  +-+---------------- 1 ----------------\n    | ValueError: a\n    +---------------- ... ----------------\n    | and 12 more exceptions\n    +------------------------------------",
			[]string{"  + Exception Group Traceback (most recent call last):", "  |   File \"/x.py\", line 3, in <module>", "  | ExceptionGroup: [scrubbed] (27 sub-exceptions)", "  +-+---------------- 1 ----------------", "    | ValueError: [scrubbed]", "    +---------------- ... ----------------", "    | and 12 more exceptions", "    +------------------------------------"}},
		{"goroutine numbers",
			"panic: x\n\ngoroutine " + card + " [chan receive, " + card + " minutes, locked to thread]:\nmain.f()\n\t/src/x/main.go:14 +0x3b\ncreated by main.main in goroutine " + card + "\n\t/src/x/main.go:9 +0x1\n\ngoroutine 123456789 [select, 12 minutes]:\nmain.g()\n\t/src/x/main.go:9 +0x1\ncreated by main.main in goroutine 987654321\n\t/src/x/main.go:9 +0x1",
			[]string{"panic: [scrubbed]", "goroutine [scrubbed] [chan receive, locked to thread]:", "main.f()", "    /src/x/main.go:14 +0x3b",
				"created by main.main", "    /src/x/main.go:9 +0x1",
				"goroutine 123456789 [select, 12 minutes]:", "main.g()", "    /src/x/main.go:9 +0x1", "created by main.main in goroutine 987654321", "    /src/x/main.go:9 +0x1"}},
		{"go offsets and signal codes",
			"panic: x\n[signal SIGSEGV: segmentation violation code=0x" + card + " addr=0x0 pc=0x0]\n\ngoroutine 1 [running]:\nmain.f()\n\t/src/x/main.go:14 +0x" + card + "\nmain.g()\n\t/src/x/main.go:15 +0x1d",
			[]string{"panic: [scrubbed]", "[signal [scrubbed]]", "goroutine 1 [running]:", "main.f()", "    /src/x/main.go:14", "main.g()", "    /src/x/main.go:15 +0x1d"}},
		{"go signal codes the runtime prints",
			"panic: x\n[signal SIGSEGV: segmentation violation code=0x1 addr=0x0 pc=0x0]\n[signal SIGBUS: bus error code=0xfffffffffffffffa addr=0x0 pc=0x0]",
			[]string{"panic: [scrubbed]", "[signal SIGSEGV: segmentation violation code=0x1]", "[signal SIGBUS: bus error code=0xfffffffffffffffa]"}},
		{"group and module totals",
			"  + Exception Group Traceback (most recent call last):\n  |   File \"/x.py\", line 3, in <module>\n  | ExceptionGroup: eg (" + card + " sub-exceptions)\n  +-+---------------- 1 ----------------\n    | ValueError: a\n    +------------------------------------\n" +
				"Fatal Python error: Segmentation fault\n\nCurrent thread 0x00007fa96c68fb80 (most recent call first):\n  File \"/x.py\", line 4 in <module>\n\nExtension modules: numpy.core._multiarray_umath (total: " + card + ")",
			nil},
		{"faulthandler timeout and thread ids",
			"Timeout (4111:1111:1111:1111)!\nThread 0x" + card + " (most recent call first):\n  File \"/x.py\", line 3 in f\n\nTimeout (0:00:05.500000)!\nThread 0x00007f3a2b1c8740 (most recent call first):\n  File \"/x.py\", line 3 in f",
			nil},
	} {
		got := scrubLines(Options{}, tc.in)
		for _, l := range got {
			if strings.Contains(l, card) {
				t.Errorf("%s: %q carries the card number out", tc.name, l)
			}
			if err := Check([]byte(l)); err != nil {
				t.Errorf("%s: %q fails the grammar: %v", tc.name, l, err)
			}
		}
		if tc.want != nil && strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
			t.Errorf("%s:\n got %q\nwant %q", tc.name, got, tc.want)
		}
	}
	// The grammar, apart from the scrubber, refuses the long forms.
	for _, l := range []string{
		"  [Previous line repeated " + card + " more times]",
		"    | and " + card + " more exceptions",
		"    +---------------- " + card + " ----------------",
		"goroutine " + card + " [running]:",
		"goroutine 1 [chan receive, " + card + " minutes]:",
		"goroutine 1 [running, " + card + "]:",
		"created by main.main in goroutine " + card,
		"[originating from goroutine " + card + "]:",
		"    /src/x/main.go:14 +0x" + card,
		"[signal SIGSEGV: segmentation violation code=0x" + card + "]",
		"Thread 0x" + card + " (most recent call first):",
		"Timeout (4111:1111:1111:1111)!",
		"  | ExceptionGroup: [scrubbed] (" + card + " sub-exceptions)",
		"Extension modules: numpy (total: " + card + ")",
	} {
		if Check([]byte(l)) == nil {
			t.Errorf("Check(%q) = nil, want an error", l)
		}
	}
}

// TestFaultHeadersReal: the faulthandler forms CPython prints still pass.
func TestFaultHeadersReal(t *testing.T) {
	got := strings.Join(scrubLines(Options{}, "Timeout (0:00:05.500000)!\nThread 0x00007f3a2b1c8740 (most recent call first):\n  File \"/x.py\", line 3 in f"), "\n")
	want := "Timeout (0:00:05.500000)!\nThread 0x00007f3a2b1c8740 (most recent call first):\n  File \"/x.py\", line 3 in f"
	if got != want {
		t.Errorf("got %q\nwant %q", got, want)
	}
}

// TestFatalErrorMessageHeld: Py_FatalError prints its message verbatim, so a
// "\r" or "\n" in it (an extension formats it from data) makes a line of
// its own, which may start with the prefix. Until the runtime state or the
// dump's first frame, such a line is the message's and is held, as a Go
// panic value's lines are; faulthandler's own signal messages are constants
// and hold nothing. An unconfirmed "Fatal Python error:" in ordinary output
// holds at most maxTentative lines (no frame came: it was no dump).
func TestFatalErrorMessageHeld(t *testing.T) {
	discard := func([]byte) {}
	s := New(Options{})
	var out []string
	emit := func(p []byte) { out = append(out, string(p)) }
	for i, step := range []struct {
		line string
		want bool
	}{
		{"Fatal Python error: bad row", true},
		{"SystemLog: CANARY continuation", true},
		{"Python runtime state: initialized", false},
		{"", false},
		{"Current thread 0x00007f6e3b472b80 (most recent call first):", false},
		{`  File "/srv/x.py", line 3 in <module>`, false},
	} {
		s.Line([]byte(step.line), emit)
		if got := s.InMessage(); got != step.want {
			t.Fatalf("after line %d %q: InMessage() = %v, want %v", i, step.line, got, step.want)
		}
	}
	s.Flush(emit)
	want := []string{"Fatal Python error: [scrubbed]", "Python runtime state: initialized",
		"Current thread 0x00007f6e3b472b80 (most recent call first):", `  File "/srv/x.py", line 3 in <module>`}
	if strings.Join(out, "\n") != strings.Join(want, "\n") {
		t.Errorf("got %q\nwant %q", out, want)
	}

	s = New(Options{})
	s.Line([]byte("Fatal Python error: Segmentation fault"), discard)
	if s.InMessage() {
		t.Error("InMessage() after faulthandler's constant message = true, want false")
	}

	s = New(Options{})
	s.Line([]byte("Fatal Python error: printed by a job"), discard)
	held := 0
	for i := 0; i < 40; i++ {
		s.Line([]byte("SystemLog: line"), discard)
		if s.InMessage() {
			held++
		}
	}
	if held != maxTentative {
		t.Errorf("a lone fatal error line held %d lines, want %d", held, maxTentative)
	}
}
