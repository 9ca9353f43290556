package traceback

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
)

var crasher struct {
	once sync.Once
	path string
	err  error
	dir  string
}

func TestMain(m *testing.M) {
	code := m.Run()
	if crasher.dir != "" {
		os.RemoveAll(crasher.dir)
	}
	os.Exit(code)
}

// buildCrasher builds testdata/crasher once per test run. Its source path is
// rewritten into a home directory whose user name is a canary, so real
// frames carry a home directory to scrub; -trimpath keeps GOROOT out.
func buildCrasher(t *testing.T) string {
	t.Helper()
	crasher.once.Do(func() {
		crasher.dir, crasher.err = os.MkdirTemp("", "traceback-crasher-")
		if crasher.err != nil {
			return
		}
		src, err := filepath.Abs(filepath.Join("testdata", "crasher"))
		if err != nil {
			crasher.err = err
			return
		}
		crasher.path = filepath.Join(crasher.dir, "crasher")
		cmd := exec.Command("go", "build", "-trimpath",
			"-gcflags=-trimpath="+src+"=>/home/CANARY_HOME/src/crasher",
			"-o", crasher.path, ".")
		cmd.Dir = src
		if out, err := cmd.CombinedOutput(); err != nil {
			crasher.err = fmt.Errorf("go build testdata/crasher: %v\n%s", err, out)
		}
	})
	if crasher.err != nil {
		t.Fatal(crasher.err)
	}
	return crasher.path
}

func runCrasher(t *testing.T, mode string, env ...string) []byte {
	t.Helper()
	cmd := exec.Command(buildCrasher(t), mode)
	cmd.Env = append(cmd.Environ(), env...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Run(); err == nil {
		t.Fatalf("crasher %s: exited 0, want a crash", mode)
	}
	return []byte(stderr.String())
}

// goNormalize removes what changes between Go versions and runs (line
// numbers, pc offsets, goroutine ids) from the public lines before they are
// compared with a golden file.
var goNormalize = []struct {
	re   *regexp.Regexp
	repl string
}{
	{regexp.MustCompile(`\.go:\d+ \+0x[0-9a-f]+$`), ".go:N +0xN"},
	{regexp.MustCompile(`goroutine \d+`), "goroutine N"},
}

func normalizeGo(lines []string) []string {
	out := make([]string, len(lines))
	for i, l := range lines {
		for _, n := range goNormalize {
			l = n.re.ReplaceAllString(l, n.repl)
		}
		out[i] = l
	}
	return out
}

// TestGoReal runs real Go crashes through the gate and checks what comes out
// line by line against golden files, with the canary check beside.
func TestGoReal(t *testing.T) {
	for _, tc := range []struct {
		mode   string
		env    []string
		golden bool // false where the runtime's output is not deterministic
		want   []string
	}{
		{mode: "string", golden: true, want: []string{"panic: [scrubbed]", "goroutine N [running]:", "main.deep(...)", "main.main()"}},
		{mode: "error", golden: true, want: []string{"panic: [scrubbed]"}},
		{mode: "customerr", golden: true, want: []string{"panic: [scrubbed]"}},
		{mode: "struct", golden: true, want: []string{"panic: (main.canaryStruct) [scrubbed]"}},
		{mode: "int", golden: true, want: []string{"panic: main.canaryInt([scrubbed])"}},
		{mode: "plainint", golden: true, want: []string{"panic: [scrubbed]"}},
		{mode: "index", golden: true, want: []string{"panic: runtime error: index out of range [scrubbed]"}},
		{mode: "nilmap", golden: true, want: []string{"panic: assignment to entry in nil map"}},
		{mode: "goroutine", golden: true, want: []string{"panic: [scrubbed]", "runtime/pprof.Do(...)", "main.main.func1()"}},
		{mode: "segv", golden: true, want: []string{
			"panic: runtime error: invalid memory address or nil pointer dereference",
			"[signal SIGSEGV: segmentation violation code=0x1]",
		}},
		{mode: "repanic", golden: true, want: []string{"panic: [scrubbed] [recovered, repanicked]", "panic(...)"}},
		{mode: "recovered", golden: true, want: []string{"panic: [scrubbed] [recovered]", "    panic: [scrubbed]"}},
		{mode: "multiline-recovered", golden: true, want: []string{"panic: [scrubbed]", "    [recovered]", "    panic: [scrubbed]"}},
		{mode: "crlf", golden: true, want: []string{"panic: [scrubbed]", "goroutine N [running]:", "main.main()"}},
		{mode: "labels", env: []string{"GOTRACEBACK=all", "GODEBUG=tracebacklabels=1"}, golden: true,
			want: []string{"panic: [scrubbed]", "goroutine N [select (no cases) labels:{[scrubbed]}]:"}},
		{mode: "string", env: []string{"GOTRACEBACK=system"}, want: []string{"panic: [scrubbed]", "main.deep(...)"}},
		{mode: "concurrentmap", want: []string{"fatal error: concurrent map writes", "created by main.main in goroutine N"}},
	} {
		name := tc.mode
		if len(tc.env) > 0 {
			name += "_" + strings.ToLower(strings.SplitN(tc.env[0], "=", 2)[1])
		}
		t.Run(name, func(t *testing.T) {
			raw := runCrasher(t, tc.mode, tc.env...)
			if !strings.Contains(string(raw), canary) && tc.mode != "nilmap" && tc.mode != "segv" && tc.mode != "concurrentmap" {
				t.Fatalf("the crash output holds no canary, so this test proves nothing:\n%s", raw)
			}
			r := runGate(t, New(Options{}), raw)
			checkNoCanary(t, name, r)
			if len(r.passed) != 0 {
				t.Errorf("the gate passed lines of the crash as public: %q", r.passed)
			}
			if r.traces != 1 {
				t.Errorf("Traces() = %d, want 1", r.traces)
			}
			got := normalizeGo(r.emitted)
			for _, w := range tc.want {
				if !slices.Contains(got, w) {
					t.Errorf("missing public line %q in\n%s", w, strings.Join(got, "\n"))
				}
			}
			if !slices.ContainsFunc(got, func(l string) bool { return strings.HasPrefix(l, "    ~/src/crasher/main.go:") }) {
				t.Errorf("no frame in ~/src/crasher/main.go in\n%s", strings.Join(got, "\n"))
			}
			if tc.golden {
				checkGolden(t, "go_"+name, got)
			}
			checkEveryCut(t, name, Options{}, raw)
		})
	}
}

// TestGoAllow: an allowed named type keeps its value.
func TestGoAllow(t *testing.T) {
	raw := runCrasher(t, "int")
	r := runGate(t, New(Options{Allow: regexp.MustCompile(`main\.canaryInt`)}), raw)
	if !slices.Contains(r.emitted, "panic: main.canaryInt(7731)") {
		t.Errorf("allowed value not kept; got\n%s", strings.Join(r.emitted, "\n"))
	}
}
