package bench

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/conflog/conflog/vet"
	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/analysis/checker"
	"golang.org/x/tools/go/analysis/passes/appends"
	"golang.org/x/tools/go/analysis/passes/asmdecl"
	"golang.org/x/tools/go/analysis/passes/assign"
	"golang.org/x/tools/go/analysis/passes/atomic"
	"golang.org/x/tools/go/analysis/passes/bools"
	"golang.org/x/tools/go/analysis/passes/buildtag"
	"golang.org/x/tools/go/analysis/passes/cgocall"
	"golang.org/x/tools/go/analysis/passes/composite"
	"golang.org/x/tools/go/analysis/passes/copylock"
	"golang.org/x/tools/go/analysis/passes/defers"
	"golang.org/x/tools/go/analysis/passes/directive"
	"golang.org/x/tools/go/analysis/passes/errorsas"
	"golang.org/x/tools/go/analysis/passes/framepointer"
	"golang.org/x/tools/go/analysis/passes/httpresponse"
	"golang.org/x/tools/go/analysis/passes/ifaceassert"
	"golang.org/x/tools/go/analysis/passes/loopclosure"
	"golang.org/x/tools/go/analysis/passes/lostcancel"
	"golang.org/x/tools/go/analysis/passes/nilfunc"
	"golang.org/x/tools/go/analysis/passes/printf"
	"golang.org/x/tools/go/analysis/passes/shift"
	"golang.org/x/tools/go/analysis/passes/sigchanyzer"
	"golang.org/x/tools/go/analysis/passes/slog"
	"golang.org/x/tools/go/analysis/passes/stdmethods"
	"golang.org/x/tools/go/analysis/passes/stringintconv"
	"golang.org/x/tools/go/analysis/passes/structtag"
	"golang.org/x/tools/go/analysis/passes/testinggoroutine"
	"golang.org/x/tools/go/analysis/passes/tests"
	"golang.org/x/tools/go/analysis/passes/timeformat"
	"golang.org/x/tools/go/analysis/passes/unmarshal"
	"golang.org/x/tools/go/analysis/passes/unreachable"
	"golang.org/x/tools/go/analysis/passes/unsafeptr"
	"golang.org/x/tools/go/analysis/passes/unusedresult"
	"golang.org/x/tools/go/packages"
)

// vetGoVetSuite is the peer: the analyzers "go vet" runs by default
// (cmd/vet's list), through the same driver on the same loaded packages, so
// the ratio is the cost of conflog's analysis against vet's own.
var vetGoVetSuite = []*analysis.Analyzer{
	appends.Analyzer, asmdecl.Analyzer, assign.Analyzer, atomic.Analyzer, bools.Analyzer,
	buildtag.Analyzer, cgocall.Analyzer, composite.Analyzer, copylock.Analyzer, defers.Analyzer,
	directive.Analyzer, errorsas.Analyzer, framepointer.Analyzer, httpresponse.Analyzer,
	ifaceassert.Analyzer, loopclosure.Analyzer, lostcancel.Analyzer, nilfunc.Analyzer,
	printf.Analyzer, shift.Analyzer, sigchanyzer.Analyzer, slog.Analyzer, stdmethods.Analyzer,
	stringintconv.Analyzer, structtag.Analyzer, testinggoroutine.Analyzer, tests.Analyzer,
	timeformat.Analyzer, unmarshal.Analyzer, unreachable.Analyzer, unsafeptr.Analyzer,
	unusedresult.Analyzer,
}

// BenchmarkVet times the analysis alone (packages are loaded once, outside
// the timer) of conflog's analyzer and of go vet's suite, side by side:
//
//	small     vet/testdata/example, a one-file module (the -short input)
//	conflog   this module, with its tests
//	x-tools   a copy of golang.org/x/tools from the module cache (216
//	          packages), the large module; only without -short
func BenchmarkVet(b *testing.B) {
	inputs := []struct{ name, dir string }{{"small", "../vet/testdata/example"}}
	if !testing.Short() {
		inputs = append(inputs, struct{ name, dir string }{"conflog", ".."})
		if dir := vetXToolsCopy(b); dir != "" {
			inputs = append(inputs, struct{ name, dir string }{"x-tools", dir})
		}
	}
	for _, in := range inputs {
		cfg := &packages.Config{Mode: packages.LoadAllSyntax, Dir: in.dir, Tests: true}
		pkgs, err := packages.Load(cfg, "./...")
		if err != nil {
			b.Fatalf("load %s: %v", in.dir, err)
		}
		if n := packages.PrintErrors(pkgs); n > 0 {
			b.Fatalf("load %s: %d errors", in.dir, n)
		}
		for _, tool := range []struct {
			name string
			as   []*analysis.Analyzer
		}{{"conflog", []*analysis.Analyzer{vet.Analyzer}}, {"govet", vetGoVetSuite}} {
			b.Run("input="+in.name+"/tool="+tool.name, func(b *testing.B) {
				// CPU time beside wall time: on a shared machine the
				// wall clock measures the neighbours as much as the code.
				cpu0 := vetCPUTime()
				for b.Loop() {
					g, err := checker.Analyze(tool.as, pkgs, nil)
					if err != nil {
						b.Fatal(err)
					}
					for act := range g.All() {
						if act.Err != nil {
							b.Fatalf("%s: %v", act, act.Err)
						}
					}
				}
				b.ReportMetric(float64(vetCPUTime()-cpu0)/float64(b.N), "cpu-ns/op")
			})
		}
	}
}

// vetCPUTime returns the process's user+system CPU time in nanoseconds.
func vetCPUTime() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}

// vetXToolsCopy copies the golang.org/x/tools this module builds with from
// the module cache into a temporary directory (the cache is read-only), or
// returns "" when it is not in the cache.
func vetXToolsCopy(b *testing.B) string {
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "golang.org/x/tools").Output()
	src := strings.TrimSpace(string(out))
	if err != nil || src == "" {
		b.Logf("golang.org/x/tools not in the module cache: %v", err)
		return ""
	}
	dst := filepath.Join(b.TempDir(), "x-tools")
	if err := os.CopyFS(dst, os.DirFS(src)); err != nil {
		b.Fatalf("copy x/tools: %v", err)
	}
	return dst
}
