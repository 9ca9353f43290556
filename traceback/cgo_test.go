//go:build unix

package traceback

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestGoCgoSignalReal: a Go program killed by a signal in C code prints its
// registers after the goroutines ("rax    0x73"). The register lines are
// part of the crash, not output after it: they are dropped (their values
// can be data), and the trace is still the one the process dies of
// (Crash reports exit code 2), so conflog run --strict releases it.
func TestGoCgoSignalReal(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "cgocrasher")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Dir = filepath.Join("testdata", "cgocrasher")
	build.Env = append(os.Environ(), "CGO_ENABLED=1")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build testdata/cgocrasher (cgo needs a C compiler, as go test -race does): %v\n%s", err, out)
	}
	var stderr strings.Builder
	cmd := exec.Command(bin)
	cmd.Stderr = &stderr
	if err := cmd.Run(); err == nil || cmd.ProcessState.ExitCode() != 2 {
		t.Fatalf("cgocrasher: %v, want exit status 2", err)
	}
	raw := stderr.String()
	register := regexp.MustCompile(`(?m)^(rax|r0) +0x[0-9a-f]+$`)
	if !register.MatchString(raw) {
		t.Fatalf("the crash printed no registers:\n%s", raw)
	}
	s := New(Options{})
	var out []string
	for _, l := range splitLines([]byte(raw)) {
		s.Line(l, func(p []byte) { out = append(out, string(p)) })
	}
	for _, l := range out {
		if err := Check([]byte(l)); err != nil {
			t.Errorf("%q fails the grammar: %v", l, err)
		}
		if register.MatchString(l) {
			t.Errorf("register line %q emitted", l)
		}
	}
	if code, sig, in := s.Crash(); !in || code != 2 || sig != 0 {
		t.Errorf("Crash() = %d, %v, %v after the register dump, want 2, 0, true\n%s", code, sig, in, raw)
	}
}
