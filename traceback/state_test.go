package traceback

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

// TestNoTraceStateAfterTheTrace: the state machine never carries a trace
// state past the trace (issue 9). After each opening below, the next
// private line (planted with the canary) must not come out public, neither
// passed nor emitted; and a later prefixed line is not held for ever: after
// at most a few lines it passes again.
func TestNoTraceStateAfterTheTrace(t *testing.T) {
	const frame = `  File "/srv/job.py", line 3, in <module>`
	for _, tc := range []struct {
		name, opening string
		// held: the opening legitimately holds the lines after it (a Python
		// message runs until the stream ends), so only confidentiality is
		// checked.
		held bool
	}{
		{"handled exception group", "  + Exception Group Traceback (most recent call last):\n  |   File \"/srv/job.py\", line 3, in <module>\n" +
			"  | ExceptionGroup: CANARY (2 sub-exceptions)\n  +-+---------------- 1 ----------------\n    | ValueError: CANARY\n" +
			"    +---------------- 2 ----------------\n    | KeyError: CANARY\n    +------------------------------------", true}, // the marker can be a message's line (3.11, 3.12)
		{"printed exception group, nested close only", "  | ExceptionGroup: CANARY (1 sub-exception)\n  +-+---------------- 1 ----------------\n" +
			"    | ExceptionGroup: CANARY (1 sub-exception)\n    +-+---------------- 1 ----------------\n      | KeyError: CANARY\n" +
			"      +------------------------------------", false},
		{"debug.PrintStack", "goroutine 1 [running]:\nruntime/debug.Stack()\n\t/usr/local/go/src/runtime/debug/stack.go:26 +0x5e\n" +
			"runtime/debug.PrintStack()\n\t/usr/local/go/src/runtime/debug/stack.go:18 +0x13\nmain.main()\n\t/srv/main.go:3 +0x13", false},
		{"printed panic: line", "panic: retrying CANARY", false},
		{"printed fatal error: line", "fatal error: CANARY is not reachable", false},
		{"printed panic with a recovered mark", "panic: CANARY [recovered]\n\tpanic: CANARY", false},
		{"unparsable type: a module with a hyphen", "Traceback (most recent call last):\n" + frame + "\nmy-plugin.LoadError: CANARY", true},
		{"unparsable type: a qualname with a space", "Traceback (most recent call last):\n" + frame + "\nmod.My Error: CANARY", true},
		{"a message line reads a header", "Traceback (most recent call last):\n" + frame + "\nValueError: CANARY\nTraceback (most recent call last):", true},
		{"a message line reads a separator", "Traceback (most recent call last):\n" + frame + "\nValueError: CANARY\n\n" + pyCause + "\n", true},
		{"a message line reads a fatal error", "Traceback (most recent call last):\n" + frame + "\nValueError: CANARY\nFatal Python error: Segmentation fault", true},
		{"a message line reads a thread header", "Traceback (most recent call last):\n" + frame + "\nValueError: CANARY\nThread 0x00007f9a2dc23b80 (most recent call first):", true},
		{"a message line reads a group header", "Traceback (most recent call last):\n" + frame + "\nValueError: CANARY\n  + Exception Group Traceback (most recent call last):", true},
		{"a lone header", "Traceback (most recent call last):", false},
		{"a lone separator", pyContext, false},
		{"a lone fatal error", "Fatal Python error: Aborted", false},
		{"a lone thread header", "Current thread 0x00007f9a2dc23b80 (most recent call first):", false},
	} {
		// Each private line after the opening is one a careless state would
		// emit: an exception line (identifier-shaped, so only the state can
		// keep it private), a Go frame and a Python frame (whose private
		// parts the grammar scrubs if they are emitted), and, where the
		// opening holds, a prefixed line.
		nexts := []string{
			"Jane_Doe_CANARY: diagnosis",
			"main.Jane_Doe_CANARY(0x1)", // no file line follows: no frame
			"main.Jane Doe CANARY(0x1)\n\t/srv/Jane Doe CANARY/x.go:7 +0x1",
			`  File "/srv/Jane Doe CANARY/x.py", line 7, in Jane Doe CANARY`,
		}
		if tc.held {
			nexts = append(nexts, "SystemLog: CANARY")
		}
		for _, next := range nexts {
			t.Run(tc.name+"/"+next, func(t *testing.T) {
				var tail []string
				for i := range 2 * maxGoValue {
					tail = append(tail, fmt.Sprintf("SystemLog: public %d", i))
				}
				raw := tc.opening + "\n" + next + "\n" + strings.Join(tail, "\n") + "\n"
				r := runGate(t, New(Options{}), []byte(raw))
				checkNoCanary(t, tc.name, r)
				// A frame after a header makes a trace, whose exception line
				// (here the first prefixed line) starts a message.
				frame := strings.HasPrefix(next, "  File")
				if !tc.held && !frame && !slices.Contains(r.passed, tail[len(tail)-1]) {
					t.Errorf("prefixed lines held for ever: passed %q", r.passed)
				}
			})
		}
	}
}
