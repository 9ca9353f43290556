//go:build unix

package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// End-to-end tests of conflog run with real child processes (python3, a Go
// program, sh), driving the real binary: testscript.Main in main_test.go puts
// this test binary on $PATH as "conflog".

// gateRun runs conflog with args and returns stdout, stderr and the exit code.
func gateRun(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	cmd := exec.Command("conflog", args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	startConflog(t, cmd)
	err := cmd.Wait()
	if _, ok := err.(*exec.ExitError); err != nil && !ok {
		t.Fatalf("conflog %q: %v", args, err)
	}
	return stdout.String(), stderr.String(), cmd.ProcessState.ExitCode()
}

// startPythonJob starts "conflog run --prefix SystemLog: -- python3 job" with
// its stdout to read as it comes and its stderr collected (see startConflog).
func startPythonJob(t *testing.T, job string) (cmd *exec.Cmd, stdout io.Reader, stderr *bytes.Buffer) {
	t.Helper()
	cmd = exec.Command("conflog", "run", "--prefix", "SystemLog:", "--", "python3", job)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	stderr = new(bytes.Buffer)
	cmd.Stderr = stderr
	startConflog(t, cmd)
	return cmd, stdout, stderr
}

func writeScript(t *testing.T, name, text string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

var summaryRE = regexp.MustCompile(`(?m)^SystemLog: conflog run: exit=(\d+) passed=(\d+) private=(\d+) bytes=(\d+) traces=(\d+) cut=(\d+) held=(\d+) blocked=(\d+) late=(\d+) undelivered=(\d+) orphans=(\d+) stopped=(\d+)$`)

// TestPythonExampleJob runs the README's first command: the example job's
// public records, logged through the conflog package (python/), pass; its
// private prints, progress bar and coloured private line do not.
func TestPythonExampleJob(t *testing.T) {
	t.Parallel()
	for _, strict := range []bool{false, true} {
		args := []string{"run", "--prefix", "SystemLog:"}
		if strict {
			args = append(args, "--strict")
		}
		stdout, stderr, code := gateRun(t, append(args, "--", "python3", "../../examples/train.py")...)
		if code != 0 {
			t.Fatalf("strict=%v: exit %d, stderr:\n%s", strict, code, stderr)
		}
		for _, want := range []string{"SystemLog: INFO train: job started, 2 rows", "SystemLog: INFO train: epoch 1 loss 1.000", "SystemLog: INFO train: epoch 2 loss 0.500"} {
			if !strings.Contains(stderr, want+"\n") {
				t.Errorf("strict=%v: stderr lacks %q:\n%s", strict, want, stderr)
			}
		}
		all := stdout + stderr
		for _, leak := range []string{"alice", "bob", "4111", "training on row", "%|", "\x1b", "\r"} {
			if strings.Contains(all, leak) {
				t.Errorf("strict=%v: output holds %q:\n%s", strict, leak, all)
			}
		}
		// The coloured public print and the last line without a newline are
		// stdout lines: they pass by the platform convention, not in strict mode.
		if got := strings.Contains(stdout, "SystemLog: eval accuracy 0.93\n") && strings.Contains(stdout, "SystemLog: done\n"); got == strict {
			t.Errorf("strict=%v: stdout = %q", strict, stdout)
		}
		if m := summaryRE.FindStringSubmatch(stderr); m == nil || (strict && m[7] != "2") {
			t.Errorf("strict=%v: summary missing or wrong held count:\n%s", strict, stderr)
		}
	}
}

// TestGoJobUnderStrict builds examples/gotrain, which logs through conflog's
// handler, and runs it under --strict: the handler's public records come
// through the public channel, the printed row that forges the prefix on
// stdout is held back, and private records never appear.
func TestGoJobUnderStrict(t *testing.T) {
	t.Parallel()
	bin := buildGotrain(t)
	stdout, stderr, code := gateRun(t, "run", "--strict", "--prefix", "SystemLog:", "--", bin)
	if code != 0 {
		t.Fatalf("exit %d:\n%s", code, stderr)
	}
	if stdout != "" {
		t.Errorf("strict run passed stdout %q", stdout)
	}
	for _, want := range []string{`msg="job started" rows=2`, `msg="epoch finished" epoch=1 loss=1`, `msg="epoch finished" epoch=2 loss=0.5`, `msg="job done"`} {
		if !regexp.MustCompile(`(?m)^SystemLog:time=\S+ level=INFO ` + regexp.QuoteMeta(want) + `$`).MatchString(stderr) {
			t.Errorf("stderr lacks public record %s:\n%s", want, stderr)
		}
	}
	if strings.Contains(stderr, "alice") || strings.Contains(stderr, "carol") || strings.Contains(stderr, "training on row") {
		t.Errorf("private data passed:\n%s", stderr)
	}
	m := summaryRE.FindStringSubmatch(stderr)
	if m == nil || m[2] != "4" || m[7] != "1" {
		t.Errorf("summary: want passed=4 held=1:\n%s", stderr)
	}
}

// TestGoJobOtherPrefix: a Go job whose handler was built with the prefix
// "A:", run behind a gate whose prefix is "B:", still gets its public
// records out: through the public channel, with the gate's prefix, after one
// public warning that names both. Its private records and its printed row
// (which starts with "A:") stay in.
func TestGoJobOtherPrefix(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("another Go job; TestGoJobUnderStrict is the quick one; go test without -short runs it")
	}
	bin := buildGotrain(t)
	stdout, stderr, code := gateRun(t, "run", "--strict", "--prefix", "B:", "--", bin, "-prefix", "A:")
	if code != 0 {
		t.Fatalf("exit %d:\n%s", code, stderr)
	}
	if stdout != "" {
		t.Errorf("strict run passed stdout %q", stdout)
	}
	warning := `B:conflog: warning: the handler's prefix "A:" is not the gate's (CONFLOG_PREFIX="B:"); public records carry the gate's` + "\n"
	if strings.Count(stderr, warning) != 1 || !strings.HasPrefix(stderr, warning) {
		t.Errorf("stderr does not open with one warning %q:\n%s", warning, stderr)
	}
	for _, want := range []string{`msg="job started" rows=2`, `msg="epoch finished" epoch=1 loss=1`, `msg="epoch finished" epoch=2 loss=0.5`, `msg="job done"`} {
		if !regexp.MustCompile(`(?m)^B:time=\S+ level=INFO ` + regexp.QuoteMeta(want) + `$`).MatchString(stderr) {
			t.Errorf("stderr lacks public record %s with the gate's prefix:\n%s", want, stderr)
		}
	}
	if regexp.MustCompile(`(?m)^A:`).MatchString(stderr) || strings.Contains(stderr, "alice") || strings.Contains(stderr, "carol") || strings.Contains(stderr, "training on row") {
		t.Errorf("a private line or the handler's own prefix passed:\n%s", stderr)
	}
	m := regexp.MustCompile(strings.Replace(summaryRE.String(), "SystemLog:", "B:", 1)).FindStringSubmatch(stderr)
	if m == nil || m[2] != "5" || m[7] != "0" {
		t.Errorf("summary: want passed=5 (4 records and the warning) held=0:\n%s", stderr)
	}
}

// TestPythonHandlerTakesGatePrefix: the conflog package (python/), given a
// prefix of its own, writes its public records with the gate's behind
// conflog run, after one warning, as the Go handler does; its private
// record stays in.
func TestPythonHandlerTakesGatePrefix(t *testing.T) {
	t.Parallel()
	pkg, err := filepath.Abs("../../python")
	if err != nil {
		t.Fatal(err)
	}
	job := writeScript(t, "job.py", `import logging, sys
sys.path.insert(0, `+fmt.Sprintf("%q", pkg)+`)
import conflog
conflog.enable("A:")
log = logging.getLogger("job")
log.info("epoch %d", 1, category=conflog.PUBLIC)
log.info("row %s", "alice@example.com")
`)
	stdout, stderr, code := gateRun(t, "run", "--strict", "--prefix", "B:", "--", "python3", job)
	if code != 0 {
		t.Fatalf("exit %d:\n%s", code, stderr)
	}
	want := "B:conflog: warning: the handler's prefix 'A:' is not the gate's (CONFLOG_PREFIX='B:'); public records carry the gate's\nB: INFO job: epoch 1\n"
	if stdout != "" || !strings.HasPrefix(stderr, want) || strings.Contains(stderr, "alice") {
		t.Errorf("want only the public record, with the gate's prefix; stdout %q, stderr:\n%s", stdout, stderr)
	}
}

var gotrain struct {
	once sync.Once
	dir  string
	bin  string
	err  error
}

// buildGotrain builds examples/gotrain once for all the tests that run it.
func buildGotrain(t *testing.T) string {
	t.Helper()
	gotrain.once.Do(func() {
		gotrain.dir, gotrain.err = os.MkdirTemp("", "gotrain")
		if gotrain.err != nil {
			return
		}
		gotrain.bin = filepath.Join(gotrain.dir, "gotrain")
		out, err := exec.Command("go", "build", "-o", gotrain.bin, "../../examples/gotrain").CombinedOutput()
		if err != nil {
			gotrain.err = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if gotrain.err != nil {
		t.Fatal(gotrain.err)
	}
	return gotrain.bin
}

// TestGoJobCrashes: a panic in a goroutine and a fatal error in a Go job
// are re-emitted publicly, scrubbed, even under --strict; the panic value,
// which holds a customer's row, never is.
func TestGoJobCrashes(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("two crashing Go jobs; TestGoJobUnderStrict is the quick one; go test without -short runs it")
	}
	bin := buildGotrain(t)
	for crash, want := range map[string][]string{
		"panic": {`SystemLog: panic: \[scrubbed\]`, `SystemLog: goroutine \d+ \[running\]:`, `SystemLog: main\.label\(\.\.\.\)`, `SystemLog: \s+\S+/examples/gotrain/main\.go:\d+ \+0x[0-9a-f]+`, `SystemLog: created by main\.main in goroutine 1`},
		"fatal": {"SystemLog: fatal error: sync: unlock of unlocked mutex", `SystemLog: goroutine 1 \[running\]:`, `SystemLog: main\.main\(\)`},
	} {
		_, stderr, code := gateRun(t, "run", "--strict", "--prefix", "SystemLog:", "--", bin, "-crash", crash)
		if code != 2 {
			t.Errorf("%s: exit %d, want Go's 2", crash, code)
		}
		for _, re := range want {
			if !regexp.MustCompile(`(?m)^` + re + `$`).MatchString(stderr) {
				t.Errorf("%s: stderr lacks a line matching %s:\n%s", crash, re, stderr)
			}
		}
		if strings.Contains(stderr, "alice") || strings.Contains(stderr, "no label") {
			t.Errorf("%s: private data passed:\n%s", crash, stderr)
		}
		if m := summaryRE.FindStringSubmatch(stderr); m == nil || m[5] != "1" {
			t.Errorf("%s: summary lacks traces=1:\n%s", crash, stderr)
		}
	}
	_, stderr, _ := gateRun(t, "run", "--strict", "--traces=false", "--prefix", "SystemLog:", "--", bin, "-crash", "panic")
	if strings.Contains(stderr, "goroutine") {
		t.Errorf("--traces=false still re-emitted the trace:\n%s", stderr)
	}
}

// TestSignalsReachTheProcessGroup sends each forwarded signal to conflog run
// and checks that the job and a process it started both receive it.
func TestSignalsReachTheProcessGroup(t *testing.T) {
	t.Parallel()
	job := writeScript(t, "sigjob.py", `
import os, signal, subprocess, sys, time
child = subprocess.Popen([sys.executable, "-c", """
import os, signal, sys, time
def on(sig, frame):
    os.write(1, ("SystemLog: grandchild got %s\\n" % signal.Signals(sig).name).encode())
    if sig == signal.SIGTERM: sys.exit(0)
for s in (signal.SIGINT, signal.SIGHUP, signal.SIGQUIT, signal.SIGUSR1, signal.SIGUSR2, signal.SIGTERM):
    signal.signal(s, on)
os.write(1, b"SystemLog: grandchild ready\\n")
while True: time.sleep(0.05)
"""])
def on(sig, frame):
    # One write per line: the job and its child share the pipe.
    os.write(1, ("SystemLog: job got %s\n" % signal.Signals(sig).name).encode())
    if sig == signal.SIGTERM:
        child.wait()
        sys.exit(7)
for s in (signal.SIGINT, signal.SIGHUP, signal.SIGQUIT, signal.SIGUSR1, signal.SIGUSR2, signal.SIGTERM):
    signal.signal(s, on)
os.write(1, b"SystemLog: job ready\n")
while True: time.sleep(0.05)
`)
	// Should a signal go astray, the test hangs until its -timeout, which
	// ends conflog and so the job's group (see startConflog).
	cmd, out, stderr := startPythonJob(t, job)
	lines := bufio.NewScanner(out)
	// waitFor reads lines until it has seen all of want, in any order: the
	// job and its child write to the same pipe.
	waitFor := func(want ...string) {
		t.Helper()
		missing := map[string]bool{}
		for _, w := range want {
			missing[w] = true
		}
		for len(missing) > 0 && lines.Scan() {
			delete(missing, lines.Text())
		}
		if len(missing) > 0 {
			cmd.Process.Kill()
			cmd.Wait() // stderr is written until then
			t.Fatalf("never saw %q; stderr:\n%s", want, stderr.String())
		}
	}
	waitFor("SystemLog: job ready", "SystemLog: grandchild ready")
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGHUP, syscall.SIGQUIT, syscall.SIGUSR1, syscall.SIGUSR2} {
		cmd.Process.Signal(sig)
		waitFor("SystemLog: job got "+signalName(sig), "SystemLog: grandchild got "+signalName(sig))
	}
	cmd.Process.Signal(syscall.SIGTERM)
	var rest []string
	for lines.Scan() {
		rest = append(rest, lines.Text())
	}
	cmd.Wait()
	if code := cmd.ProcessState.ExitCode(); code != 7 {
		t.Errorf("exit code %d, want the job's 7; stderr:\n%s", code, stderr.String())
	}
	got := strings.Join(rest, "\n")
	for _, want := range []string{"SystemLog: job got SIGTERM", "SystemLog: grandchild got SIGTERM"} {
		if !strings.Contains(got, want) {
			t.Errorf("after SIGTERM, stdout lacks %q:\n%s", want, got)
		}
	}
}

// startConflog starts cmd, a conflog process, so that neither it nor its
// job can outlive the test, with no clock involved: should this test binary
// die first (its -timeout panic names the test that hung), the kernel sends
// conflog SIGTERM (Pdeathsig), which it forwards to the job's group; when
// the test ends, its cleanup does the same.
func startConflog(t *testing.T, cmd *exec.Cmd) {
	t.Helper()
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	dieWithTest(cmd.SysProcAttr)
	started := make(chan error)
	spawn <- func() { started <- cmd.Start() }
	if err := <-started; err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Signal(syscall.SIGTERM) }) // "process already finished" once waited
}

// spawn runs what it is given on one goroutine locked to its own thread
// for the life of the test binary. Linux sends a child's Pdeathsig when the
// thread that forked it ends, not the process; and goroutines of this
// binary end threads (ship's deliverer, run in-process by ship --resume,
// may end the thread it ran on). A conflog started from such a thread got
// SIGTERM in the middle of its test. A thread that only ever forks never
// ends.
var spawn = func() chan func() {
	c := make(chan func())
	go func() {
		runtime.LockOSThread()
		for f := range c {
			f()
		}
	}()
	return c
}()

// jobPgid returns the process group of conflog run's child: run puts it in a
// group of its own, whose id is the child's pid. A child is listed under the
// thread that forked it, which for a Go program is any of its threads, so
// every thread's list is read (the main thread's alone was often empty, and
// the kill tests then left their jobs running).
func jobPgid(runPid int) (int, error) {
	tasks, err := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/children", runPid))
	if err != nil {
		return 0, err
	}
	for _, f := range tasks {
		b, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		var pid int
		if _, err := fmt.Sscan(string(b), &pid); err == nil {
			return pid, nil
		}
	}
	return 0, fmt.Errorf("conflog run (pid %d) has no child", runPid)
}

func signalName(s syscall.Signal) string {
	return map[syscall.Signal]string{syscall.SIGINT: "SIGINT", syscall.SIGHUP: "SIGHUP", syscall.SIGQUIT: "SIGQUIT", syscall.SIGUSR1: "SIGUSR1", syscall.SIGUSR2: "SIGUSR2"}[s]
}

// TestKilledJob: a job killed by a signal it does not handle makes run exit
// 128+n, and the lines it wrote before, including a partial one, are not lost.
func TestKilledJob(t *testing.T) {
	t.Parallel()
	job := writeScript(t, "loop.py", `
import sys, time
sys.stderr.write("SystemLog: partial"); sys.stderr.flush()
print("SystemLog: started", flush=True)
while True: time.sleep(0.05)
`)
	cmd, out, stderr := startPythonJob(t, job)
	r := bufio.NewReader(out)
	if line, _ := r.ReadString('\n'); line != "SystemLog: started\n" {
		t.Fatalf("first line %q", line)
	}
	cmd.Process.Signal(syscall.SIGTERM) // forwarded; python dies of it
	cmd.Wait()
	if code := cmd.ProcessState.ExitCode(); code != 128+15 {
		t.Errorf("exit code %d, want 143", code)
	}
	if !strings.Contains(stderr.String(), "SystemLog: partial\n") || !strings.Contains(stderr.String(), "exit=143 ") {
		t.Errorf("stderr:\n%s", stderr.String())
	}
}

// TestHugeLine: a 50 MB line without a newline is cut at --max-line, its tail
// (which holds the prefix again and again) never becomes a line, and the next
// line passes. With a larger --max-line the same line passes whole.
func TestHugeLine(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("pushes a 50 MiB line through the gate: seconds")
	}
	job := writeScript(t, "huge.py", `
import sys
sys.stdout.write("SystemLog: huge ")
chunk = "SystemLog: tail " * 4096
for _ in range(50 * 2**20 // len(chunk)):
    sys.stdout.write(chunk)
sys.stdout.write("\nSystemLog: after\n")
`)
	stdout, stderr, code := gateRun(t, "run", "--prefix", "SystemLog:", "--", "python3", job)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	lines := strings.Split(stdout, "\n")
	if len(lines) != 3 || len(lines[0]) != 1<<20 || lines[1] != "SystemLog: after" {
		t.Errorf("got %d lines, first %d bytes, second %.40q", len(lines), len(lines[0]), lines[1])
	}
	if m := summaryRE.FindStringSubmatch(stderr); m == nil || m[2] != "2" || m[6] != "1" {
		t.Errorf("summary: want passed=2 cut=1:\n%s", stderr)
	}
	stdout, _, _ = gateRun(t, "run", "--prefix", "SystemLog:", "--max-line", "64MiB", "--", "python3", job)
	if lines := strings.Split(stdout, "\n"); len(lines) != 3 || len(lines[0]) < 50<<20 {
		t.Errorf("with --max-line 64MiB: %d lines, first %d bytes", len(lines), len(lines[0]))
	}
}

// TestFastWriterSlowReader: the job writes far faster than the gate's output
// is read. Back-pressure must slow the job down, never drop a line.
func TestFastWriterSlowReader(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("200,000 lines behind a slow reader: seconds; go test without -short runs it")
	}
	const n = 200000
	job := writeScript(t, "fast.py", fmt.Sprintf(`
import sys
w = sys.stdout.write
for i in range(%d):
    w("SystemLog: line %%d\n" %% i)
    if i %% 7 == 0: w("private %%d\n" %% i)
`, n))
	cmd, out, stderr := startPythonJob(t, job)
	r := bufio.NewReaderSize(out, 512)
	for i := 0; i < n; i++ {
		line, err := r.ReadString('\n')
		if err != nil {
			cmd.Wait()
			t.Fatalf("line %d: %v; conflog: %v, stderr: %s", i, err, cmd.ProcessState, stderr)
		}
		if want := fmt.Sprintf("SystemLog: line %d\n", i); line != want {
			t.Fatalf("line %d = %q, want %q", i, line, want)
		}
		if i < 2000 && i%100 == 0 {
			time.Sleep(5 * time.Millisecond) // a slow start: the pipes fill up
		}
	}
	if rest, _ := r.ReadString(0); rest != "" {
		t.Errorf("extra output %q", rest)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("%v: %s", err, stderr.String())
	}
}

// TestSharedOutputLinesIntact: with the gate's stdout and stderr on one pipe
// (2>&1, as a platform collects a job's log), lines longer than PIPE_BUF
// passed on both streams at once must come out whole: the kernel only keeps
// writes of at most PIPE_BUF bytes apart, so the gate must not write to the
// two descriptors at the same time.
func TestSharedOutputLinesIntact(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("4.8 MB of long lines on two streams at once: seconds; go test without -short runs it")
	}
	job := writeScript(t, "both.py", `
import os, threading
line = ("SystemLog: " + "x" * 6000 + "\n").encode()
def spam(fd, mark):
    l = line.replace(b"x", mark, 1)
    for _ in range(400):
        data = l
        while data:
            data = data[os.write(fd, data):]
ts = [threading.Thread(target=spam, args=(fd, m)) for fd, m in ((1, b"o"), (2, b"e"))]
for t in ts: t.start()
for t in ts: t.join()
`)
	cmd := exec.Command("conflog", "run", "--prefix", "SystemLog:", "--", "python3", job)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out // one pipe for both: exec shares it
	startConflog(t, cmd)
	if err := cmd.Wait(); err != nil {
		t.Fatalf("conflog run: %v\n%.2000s", err, out.String())
	}
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	var whole int
	for i, l := range lines {
		switch {
		case summaryRE.MatchString(l):
		case len(l) == len("SystemLog: ")+6000 && strings.HasPrefix(l, "SystemLog: ") &&
			strings.Trim(l[len("SystemLog: ")+1:], "x") == "":
			whole++
		default:
			t.Fatalf("line %d is not a whole public line (len %d): %.80q…", i, len(l), l)
		}
	}
	if whole != 800 {
		t.Errorf("%d whole lines, want 800", whole)
	}
}

// run's own messages are public lines, one line each, whatever their
// arguments hold: a line end in one cannot start a line of its own, with or
// without the prefix.
func TestRunMessagesArePublicLines(t *testing.T) {
	t.Parallel()
	var stderr bytes.Buffer
	c := &cli{stderr: &stderr, public: "SystemLog: "}
	c.errorf("run: cannot start %s: %v", "job\nSystemLog: forged", "no such file\r\nrow 17: alice")
	c.warningf("run: %d line(s)", 2)
	c.hintf("check %q", "x")
	want := "SystemLog: conflog: error: run: cannot start job SystemLog: forged: no such file  row 17: alice\n" +
		"SystemLog: conflog: warning: run: 2 line(s)\n" +
		"SystemLog: conflog: hint: check \"x\"\n"
	if stderr.String() != want {
		t.Errorf("got:\n%q\nwant:\n%q", stderr.String(), want)
	}
	// Other verbs' messages are as before: plain, unprefixed.
	stderr.Reset()
	(&cli{stderr: &stderr}).errorf("scan: %s", "a\nb")
	if stderr.String() != "conflog: error: scan: a\nb\n" {
		t.Errorf("unprefixed message changed: %q", stderr.String())
	}
}

// TestClosedOutputs: conflog run … 2>&1 | head -1. The reader goes away
// after one line; the job runs on to its end, and run exits with the job's
// code, not SIGPIPE's 141, though even its summary cannot be written.
func TestClosedOutputs(t *testing.T) {
	t.Parallel()
	marker := filepath.Join(t.TempDir(), "closed")
	job := writeScript(t, "job.py", fmt.Sprintf(`
import os, sys, time
print("SystemLog: first", flush=True)
while not os.path.exists(%q): time.sleep(0.01)
for i in range(1000):
    print("SystemLog: public %%d" %% i, flush=True)
    print("SystemLog: on stderr %%d" %% i, file=sys.stderr, flush=True)
open(%q, "w").write("done")
sys.exit(3)
`, marker, marker+".done"))
	cmd := exec.Command("conflog", "run", "--prefix", "SystemLog:", "--", "python3", job)
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = w, w
	startConflog(t, cmd)
	w.Close()
	if line, _ := bufio.NewReader(r).ReadString('\n'); line != "SystemLog: first\n" {
		t.Fatalf("first line %q", line)
	}
	r.Close()
	os.WriteFile(marker, nil, 0o600)
	cmd.Wait()
	if ws := cmd.ProcessState.Sys().(syscall.WaitStatus); ws.Signaled() || ws.ExitStatus() != 3 {
		t.Errorf("run ended with %v, want the job's exit 3", cmd.ProcessState)
	}
	if _, err := os.Stat(marker + ".done"); err != nil {
		t.Errorf("the job did not run to its end: %v", err)
	}
}
