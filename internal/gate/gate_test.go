//go:build unix

package gate

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
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

// failingWriter takes whole writes until it has taken limit bytes, then
// fails every write with EPIPE, as a closed pipe does. Each write takes
// a while, as a slow reader's does: blocks are in flight at the job's end.
type failingWriter struct {
	mu    sync.Mutex
	limit int
	buf   bytes.Buffer
}

func (w *failingWriter) Write(p []byte) (int, error) {
	time.Sleep(time.Millisecond)
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.buf.Len()+len(p) > w.limit {
		return 0, syscall.EPIPE
	}
	return w.buf.Write(p)
}

// With OutputBehind the outputs are written on goroutines of their own:
// every public line still comes out, in order, on its own stream, none
// private; an output that fails counts exactly the lines it did not take
// as undelivered, once the gate returns (nothing is still in flight).
func TestOutputBehindKeepsOrderAndCounts(t *testing.T) {
	t.Parallel()
	job := writeFile(t, "job.py", `
import sys
for i in range(30000):
    sys.stdout.write("SystemLog: out %d\nprivate %d\n" % (i, i))
    sys.stderr.write("SystemLog: err %d\n" % i)
`)
	for _, check := range []bool{false, true} {
		out := &failingWriter{limit: 1 << 30}
		errs := &failingWriter{limit: 100_000} // fails part way
		cfg := Config{
			Argv:         []string{"python3", job},
			Filter:       scrub.Options{Prefix: "SystemLog:", Private: &recordSink{}},
			Stdout:       out,
			Stderr:       errs,
			OutputBehind: true,
		}
		if check {
			cfg.Check = func(out io.Writer, stream string) io.Writer { return out }
		}
		res, err := Run(context.Background(), cfg)
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(strings.TrimSuffix(out.buf.String(), "\n"), "\n")
		if len(lines) != 30000 {
			t.Fatalf("check %v: %d lines on stdout, want 30000", check, len(lines))
		}
		for i, l := range lines {
			if l != fmt.Sprintf("SystemLog: out %d", i) {
				t.Fatalf("check %v: stdout line %d = %q", check, i, l)
			}
		}
		got := strings.Count(errs.buf.String(), "\n")
		for i, l := range strings.Split(strings.TrimSuffix(errs.buf.String(), "\n"), "\n") {
			if l != fmt.Sprintf("SystemLog: err %d", i) {
				t.Fatalf("check %v: stderr line %d = %q", check, i, l)
			}
		}
		if got == 0 || got == 30000 || res.Undelivered != int64(30000-got) {
			t.Errorf("check %v: stderr took %d lines, undelivered %d: want the rest of 30000", check, got, res.Undelivered)
		}
		if res.Stats.Passed != 60000 {
			t.Errorf("check %v: passed %d, want 60000", check, res.Stats.Passed)
		}
	}
}

// slowAtExit is an output whose write of the job's last line takes a
// while, as a slow reader's does when the job ends: that write is still
// under way when the gate closes its streams, unless the gate waits for it.
// With closed set, that write then fails as a closed pipe's does.
type slowAtExit struct {
	closed bool
	lockedBuffer
}

func (w *slowAtExit) Write(p []byte) (int, error) {
	if bytes.Contains(p, []byte("SystemLog: last")) {
		time.Sleep(50 * time.Millisecond)
		if w.closed {
			return 0, syscall.EPIPE
		}
	}
	return w.lockedBuffer.Write(p)
}

// With OutputBehind, Run returns only once every public line is out, in
// order, and counted: the last line, which only the filter's close passes
// (it has no newline), goes through the check and the output's goroutine,
// and is printed before Run returns, so before the summary conflog run
// prints next; when that write fails, Result.Undelivered counts it.
// Closing the streams in another order (the output before the check
// behind it, or reading the counts before the output is done) loses the
// line, prints it after the summary, or leaves it out of the count.
func TestOutputBehindClosesInOrder(t *testing.T) {
	t.Parallel()
	job := writeFile(t, "job.py", `
import sys
for i in range(2000):
    sys.stdout.write("SystemLog: out %d\nprivate %d\n" % (i, i))
    sys.stderr.write("SystemLog: err %d\n" % i)
sys.stderr.write("SystemLog: last err")
sys.stdout.write("SystemLog: last out")
`)
	for _, check := range []bool{false, true} {
		for _, closed := range []bool{false, true} {
			out, errs := &slowAtExit{closed: closed}, &slowAtExit{}
			cfg := Config{
				Argv:         []string{"python3", job},
				Filter:       scrub.Options{Prefix: "SystemLog:", Private: &recordSink{}},
				Stdout:       out,
				Stderr:       errs,
				OutputBehind: true,
			}
			if check {
				cfg.Check = func(out io.Writer, stream string) io.Writer { return out }
			}
			res, err := Run(context.Background(), cfg)
			if err != nil {
				t.Fatal(err)
			}
			// What conflog run does once Run returns.
			out.Write([]byte("SystemLog: summary\n"))
			errs.Write([]byte("SystemLog: summary\n"))
			if res.Failed {
				t.Errorf("check %v, closed %v: the run failed", check, closed)
			}
			if want := int64(0); closed && res.Undelivered != 1 || !closed && res.Undelivered != want {
				t.Errorf("check %v, closed %v: %d line(s) undelivered, want the last one only if closed", check, closed, res.Undelivered)
			}
			for _, o := range []struct {
				name string
				w    *slowAtExit
			}{{"out", out}, {"err", errs}} {
				var want strings.Builder
				for i := range 2000 {
					fmt.Fprintf(&want, "SystemLog: %s %d\n", o.name, i)
				}
				if !o.w.closed {
					fmt.Fprintf(&want, "SystemLog: last %s\n", o.name)
				}
				want.WriteString("SystemLog: summary\n")
				if got := o.w.String(); got != want.String() {
					i := 0
					for i < min(len(got), want.Len()) && got[i] == want.String()[i] {
						i++
					}
					t.Errorf("check %v, closed %v: std%s differs from byte %d: %q, want %q", check, closed, o.name, i, got[i:min(len(got), i+60)], want.String()[i:min(want.Len(), i+60)])
				}
			}
		}
	}
}

// fullDisk is an output that takes bytes until it holds limit, then writes
// what still fits and fails with ENOSPC, as a file on a full disk does (and
// a pipe whose reader leaves while a write waits): the failing write is
// partial, its first bytes are out.
type fullDisk struct {
	mu    sync.Mutex
	limit int
	buf   bytes.Buffer
}

func (w *fullDisk) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	room := w.limit - w.buf.Len()
	if len(p) <= room {
		return w.buf.Write(p)
	}
	w.buf.Write(p[:room])
	return room, syscall.ENOSPC
}

// A write that fails part way (a full disk) delivered its first bytes: the
// lines it wrote whole are out, and only the rest are undelivered, so that
// the lines out and the undelivered ones add up to the lines passed. (A
// 1 MiB tmpfs took 62,334 of 200,000 lines, and the summary said
// undelivered=138402: the failing block's 736 written lines counted twice.)
func TestPartialWriteCountsTheRest(t *testing.T) {
	t.Parallel()
	job := writeFile(t, "job.py", `
import sys
for i in range(30000):
    sys.stdout.write("SystemLog: out %d\n" % i)
`)
	for _, behind := range []bool{false, true} {
		out := &fullDisk{limit: 100_003} // ends inside a line
		res, err := Run(context.Background(), Config{
			Argv:         []string{"python3", job},
			Filter:       scrub.Options{Prefix: "SystemLog:"},
			Stdout:       out,
			Stderr:       &bytes.Buffer{},
			OutputBehind: behind,
		})
		if err != nil {
			t.Fatal(err)
		}
		whole := int64(strings.Count(out.buf.String(), "\n"))
		if res.Stats.Passed != 30000 || whole+res.Undelivered != 30000 {
			t.Errorf("behind %v: passed %d; %d whole lines out and %d undelivered, want them to add up to 30000", behind, res.Stats.Passed, whole, res.Undelivered)
		}
		if !res.Failed {
			t.Errorf("behind %v: a full disk is a failure", behind)
		}
	}
}

// fullSink is a private sink on a full disk: it takes limit lines, then
// every Line and Flush fails with ENOSPC.
type fullSink struct {
	mu    sync.Mutex
	limit int
	lines int
}

func (s *fullSink) Line([]byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.lines >= s.limit {
		return syscall.ENOSPC
	}
	s.lines++
	return nil
}

func (s *fullSink) Flush() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.lines >= s.limit {
		return syscall.ENOSPC
	}
	return nil
}

// A private sink that fails (its disk is full) loses the private lines
// from then on, reported and counted, but no public line: those of
// stdout, stderr and the public channel all still pass, and every line
// counted as passed is out. (A 1 MiB tmpfs as --private file: stopped
// every stream; 41,264 of 100,000 public lines and stderr's last line were
// never judged, and 870 lines counted as passed never came out.)
func TestPrivateSinkFailureKeepsPublicLines(t *testing.T) {
	t.Parallel()
	job := writeFile(t, "job.py", `
import os, socket, sys
s = socket.socket(socket.AF_UNIX)
s.connect(os.environ["CONFLOG_CHANNEL"][len("unix:"):])
g = b""
while not g.endswith(b"\n"):
    g += s.recv(100)
for i in range(30000):
    sys.stdout.write("private %d\nSystemLog: out %d\n" % (i, i))
    if i % 100 == 0:
        s.sendall(b"private %d\nSystemLog: chan %d\n" % (i, i))
sys.stdout.flush()
sys.stderr.write("private\nSystemLog: err last\n")
`)
	out, errs := &lockedBuffer{}, &lockedBuffer{}
	var failures []string
	res, err := Run(context.Background(), Config{
		Argv:   []string{"python3", job},
		Filter: scrub.Options{Prefix: "SystemLog:", Private: &fullSink{limit: 1000}},
		Stdout: out,
		Stderr: errs,
		Errorf: func(format string, args ...any) { failures = append(failures, fmt.Sprintf(format, args...)) },
	})
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	if len(lines) != 30000 || lines[len(lines)-1] != "SystemLog: out 29999" {
		t.Errorf("%d lines on stdout (the last %q), want 30000", len(lines), lines[len(lines)-1])
	}
	if got := strings.Count(errs.String(), "SystemLog: chan "); got != 300 || !strings.Contains(errs.String(), "SystemLog: err last\n") {
		t.Errorf("stderr has %d channel lines, want 300, and stderr's last line:\n%.300s", got, errs.String())
	}
	if want := int64(30000 + 300 + 1); res.Stats.Passed != want {
		t.Errorf("passed %d, want %d", res.Stats.Passed, want)
	}
	if !res.Failed || len(failures) != 1 || !strings.Contains(failures[0], "no space left on device") ||
		!strings.Contains(failures[0], fmt.Sprintf("%d private line(s)", 30000+300+1-1000)) {
		t.Errorf("failed %v, reported %q: want one failure of the sink that counts the private lines it lost", res.Failed, failures)
	}
}

// lockedBuffer is an output the gate's goroutines share.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// --grace 0 stops reading at once only what a process still writes to:
// a job that leaves nothing behind gets no warning that one held its
// output, and nothing of it is cut. (Every run with --grace 0 warned "a
// process started by the job still held its output open 0s after the job
// exited", as the pipes had not reached their end when the period did.)
func TestGraceZeroWithoutLeftovers(t *testing.T) {
	t.Parallel()
	for i := range 10 {
		out := &lockedBuffer{}
		var warnings []string
		res, err := Run(context.Background(), Config{
			Argv:   []string{"sh", "-c", `echo "SystemLog: a"; echo private; echo "SystemLog: b" >&2`},
			Filter: scrub.Options{Prefix: "SystemLog:"},
			Stdout: out,
			Stderr: out,
			Warnf:  func(format string, args ...any) { warnings = append(warnings, fmt.Sprintf(format, args...)) },
		})
		if err != nil {
			t.Fatal(err)
		}
		if len(warnings) != 0 || res.Stats.Passed != 2 || res.Stats.Private != 1 || res.Late != 0 {
			t.Fatalf("run %d: passed %d, private %d, late %d, warnings %q: want 2, 1, 0 and none", i, res.Stats.Passed, res.Stats.Private, res.Late, warnings)
		}
	}
}
