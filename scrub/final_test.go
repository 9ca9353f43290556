package scrub_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/conflog/conflog/scrub"
	"github.com/conflog/conflog/traceback"
)

// finalGate runs stderr through a strict filter with FinalTraceOnly, as
// conflog run --strict does, and closes it with the job's exit status.
func finalGate(t testing.TB, stderr []byte, chunk int, st scrub.ExitStatus, opts scrub.Options) (string, scrub.Stats) {
	t.Helper()
	var out bytes.Buffer
	opts.Prefix, opts.Strict, opts.FinalTraceOnly = "SystemLog:", true, true
	opts.Trace = traceback.New(traceback.Options{})
	f, err := scrub.New(&out, opts)
	if err != nil {
		t.Fatal(err)
	}
	for rest := stderr; len(rest) > 0; {
		n := min(len(rest), chunk)
		if _, err := f.Write(rest[:n]); err != nil {
			t.Fatal(err)
		}
		rest = rest[n:]
	}
	if err := f.CloseExit(st); err != nil {
		t.Fatal(err)
	}
	return out.String(), f.Stats()
}

const (
	pyTrace = "Traceback (most recent call last):\n  File \"/srv/job.py\", line 3, in <module>\n    load(CANARY)\nValueError: CANARY\n"
	pyOut   = "SystemLog: Traceback (most recent call last):\nSystemLog:   File \"/srv/job.py\", line 3, in <module>\nSystemLog: ValueError: [scrubbed]\n"
	goTrace = "panic: CANARY\n\ngoroutine 1 [running]:\nmain.main()\n\t/srv/main.go:5 +0x1d\n"
	goOut   = "SystemLog: panic: [scrubbed]\nSystemLog: goroutine 1 [running]:\nSystemLog: main.main()\nSystemLog:     /srv/main.go:5 +0x1d\n"
	fhTrace = "Fatal Python error: Segmentation fault\n\nCurrent thread 0x00007f9a2dc23b80 (most recent call first):\n  File \"/srv/job.py\", line 4 in crash\n\nExtension modules: numpy.core._multiarray_umath (total: 1)\n"
	fhOut   = "SystemLog: Fatal Python error: Segmentation fault\nSystemLog: Current thread 0x00007f9a2dc23b80 (most recent call first):\nSystemLog:   File \"/srv/job.py\", line 4 in crash\nSystemLog: Extension modules: numpy.core._multiarray_umath (total: 1)\n"
)

var (
	exit0   = scrub.ExitStatus{Code: 0}
	exit1   = scrub.ExitStatus{Code: 1}
	exit2   = scrub.ExitStatus{Code: 2}
	sigsegv = scrub.ExitStatus{Code: -1, Signal: syscall.SIGSEGV}
	sigint  = scrub.ExitStatus{Code: -1, Signal: syscall.SIGINT}
)

// TestFinalTraceOnly: under FinalTraceOnly only the trace that ends the
// process gets out: the last output of the stream but whitespace, and the
// process ended as that crash ends one (issue 9).
func TestFinalTraceOnly(t *testing.T) {
	for _, tc := range []struct {
		name, stderr string
		st           scrub.ExitStatus
		want         string
	}{
		{"the README's printed look-alike", "Traceback (most recent call last):\n  File \"/data/Jane Doe, 10 Main St/x.py\", line 1, in jane_doe_diagnosis\nJane_Doe_SSN_078051121: x\n", exit0, ""},
		{"python crash", pyTrace, exit1, pyOut},
		{"python crash, whitespace after", pyTrace + "\n  \n\t\n", exit1, pyOut},
		{"python crash, status 0", pyTrace, exit0, ""},
		{"python crash, status 2", pyTrace, exit2, ""},
		{"python crash, killed", pyTrace, sigsegv, ""},
		{"python KeyboardInterrupt dies of SIGINT", "Traceback (most recent call last):\n  File \"/srv/job.py\", line 3, in <module>\nKeyboardInterrupt\n", sigint,
			"SystemLog: Traceback (most recent call last):\nSystemLog:   File \"/srv/job.py\", line 3, in <module>\nSystemLog: KeyboardInterrupt\n"},
		{"python KeyboardInterrupt, exit 1", "Traceback (most recent call last):\n  File \"/srv/job.py\", line 3, in <module>\nKeyboardInterrupt\n", exit1, ""},
		{"a handled trace, then the crash", pyTrace + "epoch 2\n" + strings.Replace(pyTrace, "line 3", "line 9", 1), exit1,
			strings.Replace(pyOut, "line 3", "line 9", 1)},
		{"a python trace, then too many lines", pyTrace + strings.Repeat("INFO step CANARY\n", 300), exit1, ""},
		{"go panic", goTrace, exit2, goOut},
		{"go panic under go run", goTrace + "exit status 2\n", exit1, goOut + "SystemLog: exit status 2\n"},
		{"go panic, status 1", goTrace, exit1, ""},
		{"go panic, then output", goTrace + "INFO CANARY still running\n", exit2, ""},
		{"go panic, then a prefixed line", goTrace + "SystemLog: CANARY\n", exit2, ""},
		{"debug.PrintStack, exit 2", "goroutine 1 [running]:\nmain.main()\n\t/srv/main.go:5 +0x1d\n", exit2, ""},
		{"faulthandler, SIGSEGV", fhTrace, sigsegv, fhOut},
		{"faulthandler, exit 1", fhTrace, exit1, ""},
		{"faulthandler.dump_traceback, killed", "Thread 0x00007f9a2dc23b80 (most recent call first):\n  File \"/srv/job.py\", line 4 in wait\n", sigsegv, ""},
		{"a lone header last", "Traceback (most recent call last):\n", exit1, ""},
		{"a syntax error frame without its line", "  File \"/srv/job.py\", line 1\n", exit1, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, chunk := range []int{1, 7, 1 << 16} {
				got, st := finalGate(t, []byte(tc.stderr), chunk, tc.st, scrub.Options{})
				if got != tc.want {
					t.Fatalf("chunk %d: output\n%s\nwant\n%s", chunk, got, tc.want)
				}
				if strings.Contains(got, "CANARY") || strings.Contains(got, "Jane") {
					t.Fatalf("leaked: %s", got)
				}
				if want := int64(strings.Count(tc.want, "\n")); st.TraceLines != want || st.Passed != 0 || (st.Traces == 1) != (want > 0) {
					t.Fatalf("chunk %d: stats %+v, want %d trace lines", chunk, st, want)
				}
			}
		})
	}
}

// TestFinalTraceBound: a trace larger than MaxHeldTrace stays private.
func TestFinalTraceBound(t *testing.T) {
	got, _ := finalGate(t, []byte(pyTrace), 64, exit1, scrub.Options{MaxHeldTrace: len(pyOut) - 1})
	if got != "" {
		t.Errorf("a trace over the bound got out:\n%s", got)
	}
	got, _ = finalGate(t, []byte(pyTrace), 64, exit1, scrub.Options{MaxHeldTrace: len(pyOut)})
	if got != pyOut {
		t.Errorf("a trace at the bound was not released:\n%s", got)
	}
}

// TestFinalTraceNeedsStatus: Close alone releases nothing, and CloseExit
// after it decides once.
func TestFinalTraceNeedsStatus(t *testing.T) {
	var out bytes.Buffer
	f, err := scrub.New(&out, scrub.Options{Prefix: "SystemLog:", Strict: true, FinalTraceOnly: true, Trace: traceback.New(traceback.Options{})})
	if err != nil {
		t.Fatal(err)
	}
	f.Write([]byte(pyTrace))
	if err := f.Close(); err != nil || out.Len() != 0 {
		t.Fatalf("Close wrote %q (err %v)", out.String(), err)
	}
	if err := f.CloseExit(exit1); err != nil || out.String() != pyOut {
		t.Fatalf("CloseExit after Close wrote %q (err %v)", out.String(), err)
	}
	if err := f.CloseExit(exit1); err != nil || out.String() != pyOut {
		t.Fatalf("a second CloseExit wrote %q (err %v)", out.String(), err)
	}
}

// TestFinalTraceOptions: FinalTraceOnly needs a strict stream and a tracer
// that can tell a crash.
func TestFinalTraceOptions(t *testing.T) {
	if _, err := scrub.New(&bytes.Buffer{}, scrub.Options{Prefix: "P:", FinalTraceOnly: true, Trace: traceback.New(traceback.Options{})}); err == nil {
		t.Error("FinalTraceOnly without Strict accepted")
	}
	if _, err := scrub.New(&bytes.Buffer{}, scrub.Options{Prefix: "P:", Strict: true, FinalTraceOnly: true, Trace: plainTracer{}}); err == nil {
		t.Error("FinalTraceOnly with a tracer that cannot tell a crash accepted")
	}
}

type plainTracer struct{}

func (plainTracer) Line([]byte, func([]byte)) {}
func (plainTracer) Flush(func([]byte))        {}
func (plainTracer) InMessage() bool           { return false }
func (plainTracer) Traces() int               { return 0 }

// TestFinalTraceRealML: the real ML crashes of package traceback's testdata,
// with the status they exited with, get out scrubbed; the handled trace
// before the last one does not.
func TestFinalTraceRealML(t *testing.T) {
	for name, st := range map[string]scrub.ExitStatus{
		"numpy_linalg": exit1, "pandas_keyerror": exit1, "pandas_csv": exit1, "torch_linear": exit1,
		"torch_dataloader": exit1, "torch_backward": exit1, "handled_then_crash": exit1, "faulthandler_numpy": sigsegv,
	} {
		raw, err := os.ReadFile(filepath.Join("..", "traceback", "testdata", "ml", name+".stderr"))
		if err != nil {
			t.Fatal(err)
		}
		got, _ := finalGate(t, raw, 4096, st, scrub.Options{})
		golden, err := os.ReadFile(filepath.Join("..", "traceback", "testdata", "golden", "ml_"+name+".golden"))
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(strings.TrimSuffix(string(golden), "\n"), "\n")
		if name == "handled_then_crash" {
			lines = lines[3:] // the logged exception is not the crash
		}
		if want := "SystemLog: " + strings.Join(lines, "\nSystemLog: ") + "\n"; got != want {
			t.Errorf("%s: output\n%s\nwant\n%s", name, got, want)
		}
		if got, _ := finalGate(t, raw, 4096, exit0, scrub.Options{}); got != "" {
			t.Errorf("%s: released on exit 0:\n%s", name, got)
		}
	}
}

// FuzzStrictFinalTrace: a job printing arbitrary bytes to stderr under the
// strict options gets nothing out but, at most, one final trace whose every
// line passes the grammar (traceback.Check), whatever its exit status.
func FuzzStrictFinalTrace(f *testing.F) {
	f.Add([]byte(pyTrace), uint8(3), uint8(1), uint8(0))
	f.Add([]byte(goTrace+"exit status 2\n"), uint8(200), uint8(1), uint8(0))
	f.Add([]byte(fhTrace), uint8(9), uint8(0), uint8(11))
	f.Add([]byte("SystemLog: CANARY\n"+pyTrace+"SystemLog: CANARY\n"), uint8(0), uint8(1), uint8(0))
	f.Add([]byte("Traceback (most recent call last):\n  File \"/data/Jane Doe, 10 Main St/x.py\", line 1, in jane_doe_diagnosis\nJane_Doe_SSN_078051121: x\n"), uint8(5), uint8(1), uint8(0))
	// A card number in a number's place: goroutine, minutes, counts.
	f.Add([]byte("panic: x\n\ngoroutine 4111111111111111 [select, 4111111111111111 minutes]:\nmain.f()\n\t/src/x/main.go:14 +0x3b\ncreated by main.main in goroutine 4111111111111111\n\t/src/x/main.go:9 +0x1\n"), uint8(7), uint8(2), uint8(0))
	f.Add([]byte("  + Exception Group Traceback (most recent call last):\n  |   File \"/x.py\", line 3, in <module>\n  | ExceptionGroup: eg (2 sub-exceptions)\n  +-+---------------- 4111111111111111 ----------------\n    |   File \"/x.py\", line 3, in f\n    |   [Previous line repeated 4111111111111111 more times]\n    | ValueError: a\n    +---------------- ... ----------------\n    | and 4111111111111111 more exceptions\n    +------------------------------------\n"), uint8(11), uint8(1), uint8(0))
	// A card number as a dotted path component, Go symbol or module version.
	f.Add([]byte("panic: x\n\ngoroutine 1 [running]:\nmain.4111.1111.1111.1111()\n\t/src/4111.1111.1111.1111/main.go:14 +0x3b\nmain.f()\n\t/go/pkg/mod/x.io/y@v4111111111111111/y.go:3 +0x1d\n"), uint8(5), uint8(2), uint8(0))
	// Ids as dashed or dotted components, a pseudo-file and a home below
	// /home2: what the Python package's in-process scrubber kept until it
	// took this grammar (python/tests/test_trace.py, GrammarParityTest).
	f.Add([]byte("Traceback (most recent call last):\n  File \"/home2/jane.doe/job/x.py\", line 1, in <module>\n  File \"/data/078-05-1121.py\", line 4, in g\n  File \"/srv/555.867.5309/x.py\", line 2, in f\n  File \"<078-05-1121>\", line 3, in cust_078051121\nValueError: x\n"), uint8(13), uint8(1), uint8(0))
	f.Fuzz(func(t *testing.T, input []byte, chunk, code, sig uint8) {
		st := scrub.ExitStatus{Code: int(code % 4)}
		if sig%16 != 0 {
			st = scrub.ExitStatus{Code: -1, Signal: syscall.Signal(sig % 16)}
		}
		got, stats := finalGate(t, input, 1+int(chunk), st, scrub.Options{})
		if stats.Passed != 0 || stats.Traces > 1 {
			t.Fatalf("stats %+v: a line passed, or more than one trace", stats)
		}
		for _, line := range strings.SplitAfter(got, "\n") {
			if line == "" {
				continue
			}
			body, ok := strings.CutPrefix(line, "SystemLog: ")
			if !ok || !strings.HasSuffix(body, "\n") {
				t.Fatalf("output line %q is not a prefixed line", line)
			}
			if err := traceback.Check([]byte(strings.TrimSuffix(body, "\n"))); err != nil {
				t.Fatalf("released line %q fails the grammar: %v\ninput %q", line, err, input)
			}
		}
	})
}
