package traceback

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
)

// pyRunner executes a script compiled under a path in a home directory whose
// user name is a canary, so real frames carry a home directory to scrub.
const pyRunner = `import sys
p = sys.argv[1]
src = open(p).read()
exec(compile(src, "/home/CANARY_HOME/job/" + p.rsplit("/", 1)[-1], "exec"), {"__name__": "__main__"})
`

var pyThreadID = regexp.MustCompile(`^((?:Current t|T)hread )0x[0-9a-f]+`)

// pyStdlibFrame matches a frame in Python's standard library. Its path and
// line numbers depend on how and which python3 was installed (pyenv's
// 3.11.7, Debian's 3.11.2, …), so goldens hold "<stdlib>/json/decoder.py",
// line N instead: the goldens then pin the scrubber, not the interpreter.
var pyStdlibFrame = regexp.MustCompile(`File "[^"]*/lib/python3\.\d+/([^"]+)", line \d+`)

// pyGolden rewrites emitted lines into their machine-independent form.
func pyGolden(l string) string {
	l = pyThreadID.ReplaceAllString(l, "${1}0xN")
	return pyStdlibFrame.ReplaceAllString(l, `File "<stdlib>/$1", line N`)
}

// runPython runs a script from testdata/py with the real python3 and returns
// its stderr. direct runs the file itself instead of through pyRunner.
func runPython(t *testing.T, script string, direct bool) []byte {
	t.Helper()
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Fatalf("python3 is required for the traceback tests: %v", err)
	}
	return runPythonWith(t, py, script, direct)
}

func runPythonWith(t *testing.T, py, script string, direct bool, env ...string) []byte {
	t.Helper()
	path, err := filepath.Abs(filepath.Join("testdata", "py", script))
	if err != nil {
		t.Fatal(err)
	}
	args := []string{"-c", pyRunner, path}
	if direct {
		args = []string{path}
	}
	cmd := exec.Command(py, args...)
	cmd.Env = append(cmd.Environ(), "PYTHONIOENCODING=utf-8:backslashreplace", "PYTHONDONTWRITEBYTECODE=1")
	cmd.Env = append(cmd.Env, env...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Run(); err == nil && script != "handled.py" && script != "group_printed.py" {
		t.Fatalf("%s %s: exited 0, want a crash", py, script)
	}
	out := stderr.String()
	if out == "" {
		t.Fatalf("%s %s: no output", py, script)
	}
	// The directly run scripts carry this checkout's path; the goldens
	// must not.
	return []byte(strings.ReplaceAll(out, filepath.Dir(path), "TESTDATA"))
}

// otherPythons finds the CPython 3.9 to 3.13 interpreters the machine has
// beside python3 (on PATH, or installed by pyenv), whose formats differ:
// 3.10 points at syntax errors differently, 3.11 adds exception groups and
// notes, 3.13 prints tracebacks through the traceback module and colours
// them. otherPythonVersions are the versions the tests look for;
// $CONFLOG_REQUIRE_PYTHON (e.g. "3.9,3.10,3.11,3.12,3.13", as CI sets it)
// names those that must be found.
var otherPythonVersions = []string{"3.9", "3.10", "3.11", "3.12", "3.13"}

func otherPythons() map[string]string {
	found := map[string]string{}
	root := os.Getenv("PYENV_ROOT")
	if root == "" {
		if home, err := os.UserHomeDir(); err == nil {
			root = filepath.Join(home, ".pyenv")
		}
	}
	for _, v := range otherPythonVersions {
		candidates, _ := filepath.Glob(filepath.Join(root, "versions", v+".*", "bin", "python3"))
		if p, err := exec.LookPath("python" + v); err == nil {
			candidates = append(candidates, p)
		}
		// A pyenv shim exists for versions that are not enabled: keep the
		// first interpreter that really runs.
		for _, p := range candidates {
			if exec.Command(p, "-c", "import sys; sys.exit(sys.version_info[:2] != ("+strings.Replace(v, ".", ", ", 1)+"))").Run() == nil {
				found[v] = p
				break
			}
		}
	}
	return found
}

// pyCases are the real Python crashes, with lines that must be among the
// public ones.
var pyCases = []struct {
	script string
	direct bool
	traces int
	want   []string // lines that must be among the emitted ones
	since  int      // the first CPython 3.x that has what the script raises; 0 for all
}{
	{script: "chain.py", traces: 1, want: []string{
		"Traceback (most recent call last):",
		`  File "~/job/chain.py", line 5, in load`,
		"ValueError: [scrubbed]",
		pyCause,
		"KeyError: [scrubbed]",
		pyContext,
		"RuntimeError: [scrubbed]",
	}},
	{script: "group.py", since: 11, traces: 1, want: []string{
		"  + Exception Group Traceback (most recent call last):",
		"  | ExceptionGroup: [scrubbed] (3 sub-exceptions)",
		"  +-+---------------- 1 ----------------",
		"    | Exception Group Traceback (most recent call last):",
		"    | ExceptionGroup: [scrubbed] (2 sub-exceptions)",
		"      | ValueError: [scrubbed]",
		"      | KeyError: [scrubbed]",
		"    | TypeError: [scrubbed]",
		"    | CanaryError: [scrubbed]",
		"    +------------------------------------",
	}},
	{script: "group_printed.py", since: 11, traces: 1, want: []string{
		"  | ExceptionGroup: [scrubbed]", // the count is on the scrubbed last line
		"    | ValueError: [scrubbed]",
		"    | TypeError: [scrubbed]",
	}},
	{script: "many.py", since: 11, traces: 1, want: []string{
		"    +---------------- ... ----------------",
		"    | and 5 more exceptions",
	}},
	{script: "recursion.py", traces: 1, want: []string{
		`  File "~/job/recursion.py", line 3, in descend`,
		"  [Previous line repeated 994 more times]",
		"RecursionError: [scrubbed]",
	}},
	{script: "syntax.py", direct: true, traces: 1, want: []string{
		`  File "TESTDATA/syntax.py", line 2`,
		"SyntaxError: [scrubbed]",
	}},
	{script: "syntax.py", traces: 1, want: []string{
		`  File "~/job/syntax.py", line 2`,
		"SyntaxError: [scrubbed]",
	}},
	{script: "nested_syntax.py", traces: 1, want: []string{
		`  File "~/job/gen.py", line 1`,
		"SyntaxError: [scrubbed]",
	}},
	{script: "segfault.py", traces: 1, want: []string{
		"Fatal Python error: Segmentation fault",
		`  File "~/job/segfault.py", line 22 in crash`,
		`  File "~/job/segfault.py", line 14 in wait`,
	}},
	{script: "keyerror.py", traces: 1, want: []string{"KeyError: [scrubbed]"}},
	{script: "handled.py", traces: 1, want: []string{"OSError: [scrubbed]"}},
	{script: "allowed.py", traces: 1, want: []string{"json.decoder.JSONDecodeError: [scrubbed]", "PublicDetail: [scrubbed]"}},
}

// TestPythonReal runs real Python crashes through the gate and checks, line by
// line, what comes out against golden files, with the canary check beside.
func TestPythonReal(t *testing.T) {
	for _, tc := range pyCases {
		name := strings.TrimSuffix(tc.script, ".py")
		if tc.direct {
			name += "_direct"
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel() // each case runs its own python3 and has its own golden file
			raw := runPython(t, tc.script, tc.direct)
			if tc.script == "keyerror.py" && !strings.Contains(string(raw), "\xff\xfe\x1b[31m") {
				t.Fatalf("the program's output holds no raw non-UTF-8 bytes:\n%q", raw)
			}
			if !strings.Contains(string(raw), canary) {
				t.Fatalf("the program's output holds no canary, so this test proves nothing:\n%s", raw)
			}
			r := runGate(t, New(Options{}), raw)
			checkNoCanary(t, name, r)
			if r.traces != tc.traces {
				t.Errorf("Traces() = %d, want %d", r.traces, tc.traces)
			}
			for _, w := range tc.want {
				if !slices.Contains(r.emitted, w) {
					t.Errorf("missing public line %q in\n%s", w, strings.Join(r.emitted, "\n"))
				}
			}
			// Thread ids change from run to run; stdlib frames from
			// machine to machine.
			golden := make([]string, len(r.emitted))
			for i, l := range r.emitted {
				golden[i] = pyGolden(l)
			}
			checkGolden(t, "py_"+name, golden)
			checkEveryCut(t, name, Options{}, raw)
		})
	}
}

// TestPythonPrefixedContinuationHeld: the continuation lines of a message can
// start with the public prefix; the gate must hold them, and it does because
// InMessage is true across them.
func TestPythonPrefixedContinuationHeld(t *testing.T) {
	raw := runPython(t, "chain.py", false)
	if !regexp.MustCompile(`(?m)^SystemLog: CANARY_FORGED$`).Match(raw) {
		t.Fatalf("the program's output has no prefixed continuation line:\n%s", raw)
	}
	r := runGate(t, New(Options{}), raw)
	if len(r.passed) != 0 {
		t.Errorf("prefixed continuation lines passed as public: %q", r.passed)
	}
}

// TestPythonHandledHoldsLaterLines documents the availability cost of the
// InMessage rule: after a printed, handled exception, a prefixed line on the
// same stream is held (private) until the trace provably ends, unless
// MaxMessageLines bounds the message.
func TestPythonHandledHoldsLaterLines(t *testing.T) {
	raw := runPython(t, "handled.py", false)
	if r := runGate(t, New(Options{}), raw); len(r.passed) != 0 {
		t.Errorf("default options: passed %q, want the line after the trace held", r.passed)
	}
	// The message has one continuation line; with a bound of 1 the next line
	// is public again.
	r := runGate(t, New(Options{MaxMessageLines: 1}), raw)
	if want := []string{"SystemLog: epoch 2 loss=0.25"}; !slices.Equal(r.passed, want) {
		t.Errorf("MaxMessageLines=1: passed %q, want %q", r.passed, want)
	}
	checkNoCanary(t, "handled", r)
}

// TestPythonAllow: an allowed type keeps its message, each line escaped, and
// other types are still scrubbed.
func TestPythonAllow(t *testing.T) {
	raw := runPython(t, "allowed.py", false)
	r := runGate(t, New(Options{Allow: regexp.MustCompile(`json\.decoder\.JSONDecodeError|PublicDetail`)}), raw)
	for _, want := range []string{
		"json.decoder.JSONDecodeError: Invalid control character at: line 1 column 14 (char 13)",
		`PublicDetail: step 3 of 5\x07 done\xe2\x80\xae`, // the escape sequence removed, the bell escaped
	} {
		if !slices.Contains(r.emitted, want) {
			t.Errorf("allowed message line %q not kept; got\n%s", want, strings.Join(r.emitted, "\n"))
		}
	}
	// Only the exception line's own message: nothing marks where a message
	// ends, so its second line could as well be the job's next output.
	if slices.Contains(r.emitted, "second line") {
		t.Errorf("a continuation line of an allowed message was kept; got\n%s", strings.Join(r.emitted, "\n"))
	}
	checkNoCanary(t, "allowed", r)
	// The pattern is anchored: "Error" does not allow every *Error.
	r = runGate(t, New(Options{Allow: regexp.MustCompile(`Error`)}), raw)
	if !slices.Contains(r.emitted, "json.decoder.JSONDecodeError: [scrubbed]") {
		t.Errorf("unanchored pattern allowed a type; got\n%s", strings.Join(r.emitted, "\n"))
	}
}

// pyOlderLines are the public lines CPython before 3.before prints
// otherwise.
var pyOlderLines = []struct {
	before      int
	line, older string
}{
	// A class of the main script is named with its module before 3.11.
	{11, "PublicDetail: [scrubbed]", "__main__.PublicDetail: [scrubbed]"},
	// 3.9's parser places an unclosed bracket's error at the end of the file.
	{10, `  File "TESTDATA/syntax.py", line 2`, `  File "TESTDATA/syntax.py", line 3`},
}

// TestPythonOtherVersions runs the same crashes under the other CPython
// versions on the machine, coloured (FORCE_COLOR), and checks the promises
// (no planted byte in a public line, every truncation, the trace count) and
// the version-independent lines; the goldens are python3's. Exception groups
// are 3.11's, so their scripts run from 3.11 on. Under -short it runs the
// newest version found only.
func TestPythonOtherVersions(t *testing.T) {
	t.Parallel()
	pythons := otherPythons()
	if req := os.Getenv("CONFLOG_REQUIRE_PYTHON"); req != "" {
		for _, v := range strings.Split(req, ",") {
			if _, ok := pythons[strings.TrimSpace(v)]; !ok {
				t.Errorf("CONFLOG_REQUIRE_PYTHON names CPython %s, which is not installed (pyenv: ~/.pyenv/versions/%s.*, or python%s on $PATH)", v, v, v)
			}
		}
	}
	if len(pythons) == 0 {
		t.Skipf("no CPython %s beside python3 on this machine", strings.Join(otherPythonVersions, ", "))
	}
	var versions []string
	for _, v := range otherPythonVersions {
		if _, ok := pythons[v]; ok {
			versions = append(versions, v)
		}
	}
	if testing.Short() && len(versions) > 1 {
		// The quick loop (issue 16) runs the newest only (3.13 colours
		// its tracebacks); go test without -short runs every version.
		versions = versions[len(versions)-1:]
	}
	for _, v := range versions {
		py := pythons[v]
		var minor int
		fmt.Sscanf(v, "3.%d", &minor)
		var coloured atomic.Bool // CPython 3.13 colours its uncaught tracebacks
		t.Run(v, func(t *testing.T) {
			for _, tc := range pyCases {
				name := strings.TrimSuffix(tc.script, ".py")
				if tc.direct {
					name += "_direct"
				}
				t.Run(name, func(t *testing.T) {
					if minor < tc.since {
						t.Skipf("%s raises what CPython 3.%d added; this is %s", tc.script, tc.since, v)
					}
					t.Parallel()
					raw := runPythonWith(t, py, tc.script, tc.direct, "FORCE_COLOR=1")
					if bytes.Contains(raw, []byte("\x1b[")) {
						coloured.Store(true)
					}
					r := runGate(t, New(Options{}), raw)
					checkNoCanary(t, v+"/"+name, r)
					if r.traces != tc.traces {
						t.Errorf("Traces() = %d, want %d; the program printed:\n%s", r.traces, tc.traces, raw)
					}
					for _, w := range tc.want {
						if strings.Contains(w, "repeated") {
							continue // the recursion depth differs between versions
						}
						for _, o := range pyOlderLines {
							if minor < o.before && w == o.line {
								w = o.older
							}
						}
						if !slices.Contains(r.emitted, w) {
							t.Errorf("missing public line %q in\n%s", w, strings.Join(r.emitted, "\n"))
						}
					}
					checkEveryCut(t, v+"/"+name, Options{}, raw)
				})
			}
		})
		if v == "3.13" && !coloured.Load() {
			t.Errorf("CPython 3.13 printed no coloured traceback under FORCE_COLOR=1: the coloured path went untested")
		}
	}
}

// TestPythonTraceInsideMessageHeld: a message can embed whole traces (a
// crashed worker's stderr wrapped into an exception) whose own end the
// Scrubber recognises: an exception group's closing marker, the last line of
// a faulthandler dump. The embedded trace ends there, the message does not:
// a prefixed line after it is still the message's and is held.
func TestPythonTraceInsideMessageHeld(t *testing.T) {
	raw := runPython(t, "nested_dump.py", false)
	for _, want := range []string{"Fatal Python error: Segmentation fault", "SystemLog: CANARY_AFTER_GROUP", "SystemLog: CANARY_AFTER_DUMP"} {
		if !bytes.Contains(raw, []byte(want)) {
			t.Fatalf("the program's output has no %q:\n%s", want, raw)
		}
	}
	r := runGate(t, New(Options{}), raw)
	checkNoCanary(t, "nested_dump", r)
	if r.traces < 2 {
		t.Errorf("%d traces re-emitted, want the job's and the embedded ones:\n%q", r.traces, r.emitted)
	}
}

// TestPythonGroupCloseMarkerInMessage: after an exception group's closing
// marker the lines are still held, because the marker can be a line of the
// last sub-exception's message (CPython 3.11 and 3.12 print those lines
// without the margin). Run on python3 and every CPython from 3.11 found.
func TestPythonGroupCloseMarkerInMessage(t *testing.T) {
	pythons := otherPythons()
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Fatalf("python3 is required for the traceback tests: %v", err)
	}
	pythons["python3"] = py
	for v, py := range pythons {
		if v == "3.9" || v == "3.10" {
			continue // no exception groups
		}
		raw := runPythonWith(t, py, "group_marker.py", true)
		if !bytes.Contains(raw, []byte("\nSystemLog: CANARY_FORGED\n")) && !bytes.Contains(raw, []byte("| SystemLog: CANARY_FORGED\n")) {
			t.Fatalf("%s: the program's output has no forged line:\n%s", v, raw)
		}
		r := runGate(t, New(Options{}), raw)
		checkNoCanary(t, v, r)
	}
}
