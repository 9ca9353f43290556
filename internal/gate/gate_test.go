//go:build unix

package gate

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/conflog/conflog/scrub"
)

// gatedWriter is a gate's output whose reader is slow: its first Write waits
// until open is closed.
type gatedWriter struct {
	open <-chan struct{}
	mu   sync.Mutex
	buf  bytes.Buffer
}

func (w *gatedWriter) Write(p []byte) (int, error) {
	<-w.open
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.Write(p)
}

// The grace period bounds what is judged, never what the job wrote: a job
// that exits while a process it started holds its stdout, behind a reader
// far slower than --grace, still gets every line out, its last one too.
// Only what the leftover process writes after the period is cut; it goes to
// the private sink, counted. (Issue 9: 14,096 of 40,001 lines arrived.)
func TestGraceKeepsTheJobsLines(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	graceOver := filepath.Join(dir, "grace-over") // the gate's warning: the period ended
	lateDone := filepath.Join(dir, "late-written")
	// The leftover process waits for the end of the grace period, then
	// writes a line that is late by construction, then holds stdout open.
	leftover := fmt.Sprintf(`while [ ! -e %s ]; do sleep 0.01; done; echo "SystemLog: too late"; touch %s; exec sleep 600`, graceOver, lateDone)
	job := writeFile(t, "job.py", fmt.Sprintf(`
import subprocess, sys
subprocess.Popen(["sh", "-c", %q])
w = sys.stdout.write
for i in range(40000):
    w("SystemLog: line %%d\n" %% i)
w("SystemLog: job done\n")
`, leftover))

	open := make(chan struct{})
	out := &gatedWriter{open: open}
	sink := &recordSink{}
	var warnings []string
	res, err := Run(context.Background(), Config{
		Argv:   []string{"python3", job},
		Filter: scrub.Options{Prefix: "SystemLog:", Private: sink},
		Grace:  50 * time.Millisecond,
		Stdout: out,
		Stderr: out,
		Warnf: func(format string, args ...any) {
			warnings = append(warnings, fmt.Sprintf(format, args...))
			if len(warnings) == 1 {
				// Called at the end of the period, before the gate stops the
				// leftover: let it write its late line meanwhile.
				os.WriteFile(graceOver, nil, 0o600)
				for {
					if _, err := os.Stat(lateDone); err == nil {
						break
					}
					time.Sleep(10 * time.Millisecond)
				}
				close(open) // and only now the reader starts reading
			}
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(out.buf.String(), "\n"), "\n")
	if len(lines) != 40001 || lines[40000] != "SystemLog: job done" {
		t.Fatalf("%d lines out, the last %q; want 40001, the last \"SystemLog: job done\"", len(lines), lines[len(lines)-1])
	}
	for i, l := range lines[:40000] {
		if l != fmt.Sprintf("SystemLog: line %d", i) {
			t.Fatalf("line %d = %q", i, l)
		}
	}
	if res.Late != int64(len("SystemLog: too late\n")) || sink.String() != "SystemLog: too late\n" {
		t.Errorf("late=%d, private sink %q: want the late line there, counted", res.Late, sink.String())
	}
	if res.Code != 0 || res.Stopped < 1 {
		t.Errorf("exit %d, stopped %d: want 0 and the leftover stopped", res.Code, res.Stopped)
	}
	if len(warnings) < 2 || !strings.Contains(warnings[0], "still held its output open") || !strings.Contains(warnings[1], "byte(s) written after the grace period") {
		t.Errorf("warnings: %q", warnings)
	}
}

// The job's stdin is what the gate is given, when it is no terminal.
func TestStdinPassed(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	res, err := Run(context.Background(), Config{
		Argv:   []string{"sh", "-c", `read line; echo "SystemLog: read $line"`},
		Filter: scrub.Options{Prefix: "SystemLog:"},
		Stdin:  strings.NewReader("row 7\n"),
		Stdout: &out,
		Stderr: &out,
	})
	if err != nil || res.Code != 0 || out.String() != "SystemLog: read row 7\n" {
		t.Errorf("exit %d, err %v, output %q", res.Code, err, out.String())
	}
}

// A job that cannot be started is an error with the shell's code.
func TestStartFails(t *testing.T) {
	t.Parallel()
	for argv0, want := range map[string]int{"/no/such/job": 127, t.TempDir(): 126} {
		res, err := Run(context.Background(), Config{Argv: []string{argv0}, Filter: scrub.Options{Prefix: "SystemLog:"}, Stdout: &bytes.Buffer{}, Stderr: &bytes.Buffer{}})
		if err == nil || res.Code != want || !strings.Contains(err.Error(), "cannot start "+argv0) {
			t.Errorf("%s: code %d, err %v; want %d", argv0, res.Code, err, want)
		}
	}
}
