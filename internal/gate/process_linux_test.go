//go:build unix

package gate

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// openPTY returns a new pseudo-terminal: the master, which the test reads
// as a terminal's screen, and the slave, the gate's terminal.
func openPTY(t *testing.T) (master, slave *os.File) {
	t.Helper()
	m, err := os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	if err := unix.IoctlSetPointerInt(int(m.Fd()), unix.TIOCSPTLCK, 0); err != nil {
		t.Fatalf("unlockpt: %v", err)
	}
	n, err := unix.IoctlGetUint32(int(m.Fd()), unix.TIOCGPTN)
	if err != nil {
		t.Fatalf("ptsname: %v", err)
	}
	s, err := os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	return m, s
}

// runOnTerminal runs the helper gate with a pseudo-terminal as its
// controlling terminal, stdin, stdout and stderr (docker run -t, kubectl
// with tty: true), types input, and returns all that reached the screen.
func runOnTerminal(t *testing.T, hc helperConfig, input string, argv ...string) string {
	t.Helper()
	master, slave := openPTY(t)
	cmd := helperCmd(t, hc, nil, argv...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = slave, slave, slave
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true, Ctty: 0}
	startHelper(t, cmd)
	slave.Close()
	if input != "" {
		master.WriteString(input)
	}
	var screen bytes.Buffer
	io.Copy(&screen, master) // ends with EIO once no process holds the terminal
	cmd.Wait()
	return strings.ReplaceAll(screen.String(), "\r\n", "\n")
}

// On a terminal the job has no controlling terminal and no terminal stdin:
// what it writes to /dev/tty or to fd 0 reaches no screen. (Issue 9: both
// went straight out.)
func TestJobHoldsNoTerminal(t *testing.T) {
	t.Parallel()
	job := `echo "LEAK to /dev/tty" > /dev/tty
echo "LEAK to fd 0" >&0
[ -t 0 ] && echo "SystemLog: stdin is a terminal"
echo "SystemLog: tty_nr=$(cut -d' ' -f7 /proc/$$/stat) sid=$(cut -d' ' -f6 /proc/$$/stat) pid=$$"
echo "SystemLog: done"`
	screen := runOnTerminal(t, helperConfig{}, "", "sh", "-c", job)
	if strings.Contains(screen, "LEAK") || strings.Contains(screen, "stdin is a terminal") {
		t.Errorf("the job reached the terminal:\n%s", screen)
	}
	var tty, sid, pid int
	if i := strings.Index(screen, "SystemLog: tty_nr="); i < 0 {
		t.Fatalf("no public line from the job:\n%s", screen)
	} else if fmt.Sscanf(screen[i:], "SystemLog: tty_nr=%d sid=%d pid=%d", &tty, &sid, &pid); tty != 0 || sid != pid {
		t.Errorf("the job's controlling terminal is %d, its session %d (its pid %d); want none, and a session of its own", tty, sid, pid)
	}
	if !strings.Contains(screen, "SystemLog: done\n") || !strings.Contains(screen, "SystemLog: gate: exit=0 ") {
		t.Errorf("public lines missing:\n%s", screen)
	}
}

// With TerminalInput (conflog run --stdin) the job reads what is typed, but
// through a pipe: it still cannot write to the terminal.
func TestTerminalInputThroughAPipe(t *testing.T) {
	t.Parallel()
	job := `read line
echo "SystemLog: read $line"
[ -t 0 ] && echo "SystemLog: stdin is a terminal"
echo "LEAK to fd 0" >&0
echo "LEAK to /dev/tty" > /dev/tty
echo "SystemLog: done"`
	screen := runOnTerminal(t, helperConfig{TerminalInput: true}, "row 17\n", "sh", "-c", job)
	// The terminal echoes what is typed: that is the terminal, not the job.
	if strings.Contains(screen, "LEAK") || strings.Contains(screen, "stdin is a terminal") {
		t.Errorf("the job reached the terminal:\n%s", screen)
	}
	if !strings.Contains(screen, "SystemLog: read row 17\n") || !strings.Contains(screen, "SystemLog: done\n") {
		t.Errorf("the job did not get the typed line, or its lines are missing:\n%s", screen)
	}
}

// Inherited descriptors other than stdin, stdout and stderr (a shell's
// 3>/dev/tty) do not reach the job.
//
// The job's descriptors are read from outside, while it waits: a job that
// listed its own would see those of its own doing (a shell holds a pipe
// while it builds "ls | tr", ls holds the directory it reads), which is how
// an earlier version of this test saw "fds 0 1 2 4" under load.
func TestInheritedDescriptorsClosed(t *testing.T) {
	t.Parallel()
	_, slave := openPTY(t)
	// sh holds nothing but 0, 1 and 2 when it runs the builtin echo, and exec
	// hands exactly those to sleep, which opens nothing it keeps.
	cmd := helperCmd(t, helperConfig{}, nil, "sh", "-c", `echo "SystemLog: job $$"; exec sleep 3600`)
	cmd.ExtraFiles = []*os.File{nil, nil, slave} // fd 5 in the gate: the terminal
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	startHelper(t, cmd)
	slave.Close()
	lines := bufio.NewScanner(stdout)
	var job int
	for job == 0 && lines.Scan() {
		fmt.Sscanf(lines.Text(), "SystemLog: job %d", &job)
	}
	if job == 0 {
		cmd.Wait()
		t.Fatalf("the job did not say its pid; stderr:\n%s", stderr.String())
	}
	// Read once sleep sleeps: exec has replaced sh, and sleep has done with
	// the locale files it opens as it starts (an earlier version read them
	// as "3->/usr/lib/locale/C.utf8/LC_TIME").
	for !inNanosleep(job) {
		time.Sleep(time.Millisecond)
	}
	ents, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", job))
	var fds []string
	for _, e := range ents {
		link, _ := os.Readlink(fmt.Sprintf("/proc/%d/fd/%s", job, e.Name()))
		fds = append(fds, e.Name()+"->"+link)
	}
	syscall.Kill(job, syscall.SIGKILL)
	io.Copy(io.Discard, stdout)
	cmd.Wait()
	if err != nil {
		t.Fatal(err)
	}
	// 0, 1 and 2, and nothing else: not the terminal, and not the public
	// channel either, which each process connects to by path.
	if len(fds) != 3 || !strings.HasPrefix(fds[0], "0->") || !strings.HasPrefix(fds[1], "1->") || !strings.HasPrefix(fds[2], "2->") {
		t.Errorf("the job's descriptors: %q; stderr:\n%s", fds, stderr.String())
	}
}

// inNanosleep reports whether process pid is blocked in nanosleep(2) or
// clock_nanosleep(2): its kernel wait channel, or else its syscall number.
func inNanosleep(pid int) bool {
	if b, err := os.ReadFile(fmt.Sprintf("/proc/%d/wchan", pid)); err == nil && strings.Contains(string(b), "nanosleep") {
		return true
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/syscall", pid))
	if err != nil {
		return false
	}
	nr, _, _ := strings.Cut(string(b), " ")
	switch runtime.GOARCH {
	case "amd64":
		return nr == "35" || nr == "230"
	case "arm64":
		return nr == "101" || nr == "115"
	}
	return false
}

// A closed output (conflog run … | head -1) kills neither the gate nor the
// job: public lines are counted as undelivered, private lines still go to
// the sink, the job's lines on the other stream still pass, and the exit
// code is the job's. (Issue 9: SIGPIPE, no summary, exit 141.)
func TestClosedOutput(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	marker, private := filepath.Join(dir, "closed"), filepath.Join(dir, "private.log")
	job := writeFile(t, "job.py", fmt.Sprintf(`
import os, sys, time
print("SystemLog: first", flush=True)
while not os.path.exists(%q): time.sleep(0.01)
for i in range(1000):
    print("SystemLog: public %%d" %% i)
    print("private %%d" %% i)
sys.stdout.flush()
print("SystemLog: job done", file=sys.stderr)
sys.exit(3)
`, marker))
	cmd := helperCmd(t, helperConfig{Private: private}, nil, "python3", job)
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = w, &stderr
	startHelper(t, cmd)
	w.Close()
	if line, _ := bufio.NewReader(r).ReadString('\n'); line != "SystemLog: first\n" {
		t.Fatalf("first line %q", line)
	}
	r.Close() // head -1 exits
	os.WriteFile(marker, nil, 0o600)
	cmd.Wait()
	if ws := cmd.ProcessState.Sys().(syscall.WaitStatus); ws.Signaled() || ws.ExitStatus() != 3 {
		t.Fatalf("gate ended with %v, want the job's exit 3; stderr:\n%s", cmd.ProcessState, stderr.String())
	}
	exit, _, _, _, undelivered, _, _ := summary(t, stderr.String())
	if exit != 3 || undelivered != 1000 {
		t.Errorf("summary exit=%d undelivered=%d, want 3 and 1000:\n%s", exit, undelivered, stderr.String())
	}
	if !strings.Contains(stderr.String(), "SystemLog: job done\n") || !strings.Contains(stderr.String(), "stdout was closed: 1000 public line(s) could not be delivered") {
		t.Errorf("stderr:\n%s", stderr.String())
	}
	if b, err := os.ReadFile(private); err != nil || !bytes.Contains(b, []byte("private 999\n")) {
		t.Errorf("the private lines after the close are not in the sink (%v)", err)
	}
}

// SIGINT during the grace period is forwarded to the job's group, and ends
// the period: the gate does not wait out --grace. (Issue 9: ignored.)
func TestSignalEndsGrace(t *testing.T) {
	t.Parallel()
	marker := filepath.Join(t.TempDir(), "leftover-got")
	// A shell's background job ignores SIGINT (POSIX), so the leftover
	// process is Python, which sets its own handlers.
	leftover := writeFile(t, "leftover.py", `
import signal, sys, time
def on(sig, frame):
    open(sys.argv[1], "a").write(signal.Signals(sig).name + "\n")
    if sig == signal.SIGTERM: sys.exit(0)
signal.signal(signal.SIGINT, on)
signal.signal(signal.SIGTERM, on)
print("SystemLog: leftover ready", flush=True)
while True: time.sleep(0.05)
`)
	job := `python3 ` + leftover + ` ` + marker + ` &
echo "SystemLog: job $$ exits"`
	cmd := helperCmd(t, helperConfig{Grace: time.Hour, Reap: true}, nil, "sh", "-c", job)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	startHelper(t, cmd)
	lines := bufio.NewScanner(stdout)
	var jobPid int
	for ready := false; jobPid == 0 || !ready; {
		if !lines.Scan() {
			t.Fatalf("the output ended early; stderr:\n%s", stderr.String())
		}
		fmt.Sscanf(lines.Text(), "SystemLog: job %d exits", &jobPid)
		ready = ready || lines.Text() == "SystemLog: leftover ready"
	}
	// The job has exited once the gate, its reaper, has reaped it.
	for {
		if _, err := os.Stat(fmt.Sprintf("/proc/%d", jobPid)); errors.Is(err, os.ErrNotExist) {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	done := make(chan struct{})
	go func() { io.Copy(io.Discard, stdout); cmd.Wait(); close(done) }()
	// A signal in the instant between the reaping and the gate's noticing
	// it is forwarded but ends nothing: send until the gate ends.
	for ended := false; !ended; {
		cmd.Process.Signal(syscall.SIGINT)
		select {
		case <-done:
			ended = true
		case <-time.After(200 * time.Millisecond):
		}
	}
	if code := cmd.ProcessState.ExitCode(); code != 0 {
		t.Errorf("exit %d (%v), want the job's 0; stderr:\n%s", code, cmd.ProcessState, stderr.String())
	}
	if !strings.Contains(stderr.String(), "warning: SIGINT after the job exited") {
		t.Errorf("no warning that the signal ended the grace period:\n%s", stderr.String())
	}
	if _, _, _, _, _, _, stopped := summary(t, stderr.String()); stopped < 1 {
		t.Errorf("stopped=%d, want the leftover:\n%s", stopped, stderr.String())
	}
	if b, _ := os.ReadFile(marker); !bytes.HasPrefix(b, []byte("SIGINT\n")) {
		t.Errorf("the leftover did not get SIGINT first (it noted %q)", b)
	}
}

// When not PID 1, the gate is the child subreaper of the job: an orphan the
// job leaves is reaped by the gate and counted, one that outlives the grace
// period is stopped, even in a session of its own and holding no output.
func TestSubreaper(t *testing.T) {
	t.Parallel()
	pidFile := filepath.Join(t.TempDir(), "pid")
	job := `(sleep 0.1 &)
setsid sh -c 'echo $$ > ` + pidFile + `; exec sleep 600' </dev/null >/dev/null 2>&1 &
while [ ! -s ` + pidFile + ` ]; do sleep 0.01; done
echo "SystemLog: job done"`
	cmd := helperCmd(t, helperConfig{Grace: 2 * time.Second, Reap: true}, nil, "sh", "-c", job)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	startHelper(t, cmd)
	cmd.Wait()
	exit, _, _, _, _, orphans, stopped := summary(t, out.String())
	if exit != 0 || orphans != 2 || stopped != 1 {
		t.Errorf("exit=%d orphans=%d stopped=%d, want 0, 2 (both reaped) and 1 (the one left at the end):\n%s", exit, orphans, stopped, out.String())
	}
	var pid int
	b, _ := os.ReadFile(pidFile)
	if _, err := fmt.Sscan(string(b), &pid); err != nil {
		t.Fatalf("pid file %q", b)
	}
	if syscall.Kill(pid, 0) == nil {
		syscall.Kill(pid, syscall.SIGKILL)
		t.Errorf("the process left in its own session (pid %d) still runs", pid)
	}
}

// unsharePID returns the prefix that runs a command as PID 1 of a new PID
// namespace with its own /proc, as a container runtime does. Root is
// needed, as in CI; a machine without util-linux's unshare fails the test.
func unsharePID(t *testing.T) []string {
	t.Helper()
	path, err := exec.LookPath("unshare")
	if err != nil {
		t.Fatalf("the PID 1 tests need util-linux's unshare (apt-get install util-linux): %v", err)
	}
	return []string{path, "--pid", "--kill-child", "--mount-proc"}
}

// As PID 1 (a container's entrypoint) the gate reaps every orphan: none is
// left a zombie. (Issue 17: 5 zombies after one second.)
func TestPID1ReapsOrphans(t *testing.T) {
	t.Parallel()
	job := `for i in 1 2 3 4 5; do (sleep 0.1 &); done
sleep 1
echo "SystemLog: pid1=$(cat /proc/1/comm) zombies=$(grep -l '^State:.Z' /proc/[0-9]*/status 2>/dev/null | wc -l)"`
	cmd := helperCmd(t, helperConfig{Grace: 5 * time.Second, Reap: true}, unsharePID(t), "sh", "-c", job)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	startHelper(t, cmd)
	if err := cmd.Wait(); err != nil {
		t.Fatalf("%v; stderr:\n%s", err, stderr.String())
	}
	want := fmt.Sprintf("SystemLog: pid1=%.15s zombies=0\n", filepath.Base(os.Args[0]))
	if stdout.String() != want {
		t.Errorf("stdout %q, want %q; stderr:\n%s", stdout.String(), want, stderr.String())
	}
	if exit, _, _, _, _, orphans, _ := summary(t, stderr.String()); exit != 0 || orphans != 5 {
		t.Errorf("exit=%d orphans=%d, want 0 and 5:\n%s", exit, orphans, stderr.String())
	}
}

// As PID 1, SIGTERM (docker stop, a pod's deletion) is forwarded to the job,
// every line it writes while it shuts down gets out, and the gate exits with
// the job's status.
func TestPID1ForwardsSIGTERM(t *testing.T) {
	t.Parallel()
	job := writeFile(t, "job.py", `
import signal, sys, time
def on(sig, frame):
    for i in range(1000):
        print("SystemLog: shutdown %d" % i)
    print("SystemLog: bye", flush=True)
    sys.exit(7)
signal.signal(signal.SIGTERM, on)
print("SystemLog: ready", flush=True)
while True: time.sleep(0.05)
`)
	cmd := helperCmd(t, helperConfig{Grace: 5 * time.Second, Reap: true}, unsharePID(t), "python3", job)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	startHelper(t, cmd)
	lines := newLineReader(t, stdout)
	lines.waitFor("SystemLog: ready")
	// unshare forks: PID 1 of the namespace is its child.
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/task/%d/children", cmd.Process.Pid, cmd.Process.Pid))
	var pid1 int
	if _, err2 := fmt.Sscan(string(b), &pid1); err != nil || err2 != nil {
		t.Fatalf("cannot find the namespace's PID 1: %v %v", err, err2)
	}
	syscall.Kill(pid1, syscall.SIGTERM)
	got := lines.rest()
	cmd.Wait()
	if code := cmd.ProcessState.ExitCode(); code != 7 {
		t.Errorf("exit %d, want the job's 7; stderr:\n%s", code, stderr.String())
	}
	for _, want := range []string{"SystemLog: shutdown 0", "SystemLog: shutdown 999", "SystemLog: bye"} {
		if !strings.Contains(got+"\n", want+"\n") {
			t.Errorf("stdout lacks %q", want)
		}
	}
	if exit, passed, _, _, _, _, _ := summary(t, stderr.String()); exit != 7 || passed != 1002 {
		t.Errorf("summary exit=%d passed=%d, want 7 and 1002:\n%s", exit, passed, stderr.String())
	}
}

// What a leftover process writes after the grace period, up to the moment
// the gate has stopped it, goes to the private sink and is counted as late:
// here the line its SIGTERM handler writes, which the gate's SIGTERM (sent
// after the period) makes late by construction. Before, the gate took only
// what the pipe held just after the period, and the handler's line, like
// everything a leftover wrote until SIGKILL, stayed in the pipe: neither in
// the sink nor counted (late=0 for ~300 lines of a leftover that ignored
// SIGTERM for the second before SIGKILL).
func TestLateUntilStopped(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	leftover := `
import os, signal, sys, time
def term(*_):
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    time.sleep(0.2)  # the gate has long taken what the pipe held
    os.write(1, b"private after term\n")
    os._exit(0)
signal.signal(signal.SIGTERM, term)
os.write(int(sys.argv[1]), b"x")
while True:
    time.sleep(1)
`
	job := writeFile(t, "job.py", fmt.Sprintf(`
import os, subprocess, sys
r, w = os.pipe()
subprocess.Popen([sys.executable, "-c", %q, str(w)], pass_fds=[w])
os.close(w)
os.read(r, 1)  # its handler is set
print("SystemLog: job done")
`, leftover))
	private := filepath.Join(dir, "private")
	cmd := helperCmd(t, helperConfig{Reap: true, Private: private}, nil, "python3", job)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	startHelper(t, cmd)
	cmd.Wait()
	exit, passed, _, late, _, _, stopped := summary(t, out.String())
	sink, _ := os.ReadFile(private)
	if want := "private after term\n"; string(sink) != want || late != int64(len(want)) {
		t.Errorf("private sink %q, late=%d: want the handler's line there, counted:\n%s", sink, late, out.String())
	}
	if exit != 0 || passed != 1 || stopped != 1 {
		t.Errorf("exit=%d passed=%d stopped=%d, want 0, 1, 1:\n%s", exit, passed, stopped, out.String())
	}
}

// A child the gate's process had before the job started is not the job's:
// bash's process substitution (conflog run … 2> >(tee log >&2)) makes the
// reader of the gate's own stderr such a child, and so does a wrapper that
// starts a daemon and then execs conflog run. The gate neither waits for it
// nor stops it, nor counts it an orphan. (It was stopped at the end of the
// grace period, as a leftover of the job: the summary, the warnings and
// whatever it had not yet copied were lost, and the run took the whole
// --grace to end.)
func TestInheritedChildIsNotTheJobs(t *testing.T) {
	t.Parallel()
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Fatalf("this test needs bash: %v", err)
	}
	cmd := helperCmd(t, helperConfig{Reap: true}, []string{bash, "-c", `exec "$@" 2> >(exec cat >&2)`, "bash"},
		"sh", "-c", `echo "SystemLog: job done"; echo "SystemLog: err" >&2`)
	var out, errs bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errs
	startHelper(t, cmd)
	cmd.Wait() // and for cat, which holds stderr until the gate has ended
	if out.String() != "SystemLog: job done\n" {
		t.Errorf("stdout %q", out.String())
	}
	exit, passed, _, _, _, orphans, stopped := summary(t, errs.String())
	if exit != 0 || passed != 2 || orphans != 0 || stopped != 0 || !strings.HasPrefix(errs.String(), "SystemLog: err\n") {
		t.Errorf("exit=%d passed=%d orphans=%d stopped=%d, want 0, 2, 0, 0; stderr:\n%s", exit, passed, orphans, stopped, errs.String())
	}
}

// A job, or a process it starts, must not write to the gate's own stdout or
// stderr by opening them through /proc/PID/fd: that is a way round every
// filter. The gate and the
// job have the same user and the same capabilities but CAP_SYS_PTRACE, as
// under Docker's defaults: run as root, both are started without it (a job
// with fewer capabilities than the gate is refused anyway); run as another
// user, they have none.
func TestJobCannotOpenTheGatesDescriptors(t *testing.T) {
	t.Parallel()
	var prefix []string
	if os.Geteuid() == 0 {
		if _, err := exec.LookPath("setpriv"); err != nil {
			t.Fatalf("setpriv (util-linux) drops CAP_SYS_PTRACE: %v", err)
		}
		prefix = []string{"setpriv", "--bounding-set", "-sys_ptrace", "--"}
	}
	job := `for fd in 1 2; do
  echo "SystemLog: LEAK through /proc/$PPID/fd/$fd" >> /proc/$PPID/fd/$fd && echo "SystemLog: opened fd $fd"
done
(exec 3</proc/$PPID/mem) && echo "SystemLog: LEAK: the gate's memory opens"
gate=$PPID sh -c 'echo "SystemLog: LEAK from a child of the job" >> /proc/$gate/fd/1 && echo "SystemLog: a child opened fd 1"'
grep -q '^CapEff:.*[1-9a-f]' /proc/$$/status || echo "SystemLog: no capabilities"
echo "SystemLog: done"`
	cmd := helperCmd(t, helperConfig{}, prefix, "sh", "-c", job)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	startHelper(t, cmd)
	cmd.Wait()
	out := stdout.String() + stderr.String()
	if strings.Contains(out, "LEAK") || strings.Contains(out, "opened fd") || strings.Contains(out, "a child opened") {
		t.Errorf("the job reached the gate's descriptors:\n%s", out)
	}
	if !strings.Contains(stdout.String(), "SystemLog: done\n") {
		t.Errorf("the job's public lines are missing:\n%s", out)
	}
	if os.Geteuid() == 0 && strings.Contains(stdout.String(), "SystemLog: no capabilities\n") {
		t.Errorf("the job has no capabilities; the test wants root without CAP_SYS_PTRACE only:\n%s", out)
	}
}
