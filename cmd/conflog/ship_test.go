//go:build unix

package main

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/conflog/conflog/internal/rsyslogtest"
)

// conflogIn runs the CLI in process with stdin in and returns its exit code and outputs.
func conflogIn(in string, args ...string) (code int, stdout, stderr string) {
	var o, e bytes.Buffer
	code = conflogMain(&cli{stdin: strings.NewReader(in), stdout: &o, stderr: &e}, args)
	return code, o.String(), e.String()
}

// checkArrived fails unless rsyslog holds exactly want (by seq order of
// arrival, de-duplicated) and nothing private.
func checkArrived(t *testing.T, r *rsyslogtest.Server, want []string) {
	t.Helper()
	got := r.WaitReceived(t, len(want))
	seen := map[string]bool{}
	for _, l := range got {
		seen[l] = true
	}
	for _, w := range want {
		if !seen[w] {
			t.Fatalf("%q never arrived (%d of %d lines did)", w, len(got), len(want))
		}
	}
	if len(got) != len(want) {
		t.Errorf("%d distinct lines arrived, want %d", len(got), len(want))
	}
	if b, _ := os.ReadFile(r.Out); bytes.Contains(b, []byte("PRIVATE")) {
		t.Fatal("a private line reached rsyslog")
	}
}

// TestShipSendsOnlyPublicLines: conflog ship URL < file sends the file's
// public lines, judged as scrub judges them, and nothing else.
func TestShipSendsOnlyPublicLines(t *testing.T) {
	t.Parallel()
	p := rsyslogtest.NewPKI(t)
	r := rsyslogtest.Start(t, p)
	var in strings.Builder
	var want []string
	for i := range 300 {
		fmt.Fprintf(&in, "SystemLog: step %d\nPRIVATE row %d\n  SystemLog: PRIVATE indented %d\n", i, i, i)
		want = append(want, fmt.Sprintf("SystemLog: step %d", i))
	}
	in.WriteString("PRIVATE\rSystemLog: after a carriage return\n")
	want = append(want, "SystemLog: after a carriage return")
	code, _, stderr := conflogIn(in.String(), "ship", "--prefix", "SystemLog:", "--queue", t.TempDir(), r.URL(p, p.ClientCert, p.ClientKey))
	if code != exitOK {
		t.Fatalf("ship exited %d: %s", code, stderr)
	}
	checkArrived(t, r, want)
}

// TestShipRefusesBadFilesBeforeReading: a key others may read stops ship
// with a clear error and a hint, before stdin is read.
func TestShipRefusesBadFilesBeforeReading(t *testing.T) {
	t.Parallel()
	p := rsyslogtest.NewPKI(t)
	os.Chmod(p.ClientKey, 0o644)
	url := "syslog+tls://127.0.0.1:6514?ca=" + p.CA.File + "&cert=" + p.ClientCert + "&key=" + p.ClientKey
	code, _, stderr := conflogIn("SystemLog: x\n", "ship", "--prefix", "SystemLog:", "--queue", t.TempDir(), url)
	if code != exitUsage || !strings.Contains(stderr, "mode 0644 lets others read it") || !strings.Contains(stderr, "chmod 600") {
		t.Errorf("exit %d, stderr %q", code, stderr)
	}
}

// TestShipResumeDeliversWhatWaited: with rsyslog down, ship leaves the
// lines queued, says where and exits 1; --resume delivers them later.
func TestShipResumeDeliversWhatWaited(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("starts rsyslog twice and waits for ship to give up: seconds; go test without -short runs it")
	}
	p := rsyslogtest.NewPKI(t)
	r := rsyslogtest.Start(t, p)
	r.Stop()
	root := t.TempDir()
	code, _, stderr := conflogIn("SystemLog: one\nPRIVATE\nSystemLog: two\n", "ship", "--prefix", "SystemLog:", "--queue", root, "--wait", "300ms", r.URL(p, p.ClientCert, p.ClientKey))
	if code != exitFail || !strings.Contains(stderr, "2 line(s) not yet delivered") || !strings.Contains(stderr, "conflog ship --resume "+root) {
		t.Fatalf("ship with rsyslog down: exit %d, stderr %q", code, stderr)
	}
	r.Start()
	code, _, stderr = conflogIn("", "ship", "--resume", root)
	if code != exitOK {
		t.Fatalf("ship --resume: exit %d: %s", code, stderr)
	}
	checkArrived(t, r, []string{"SystemLog: one", "SystemLog: two"})
}

// TestRunShipSurvivesKill9: a gate killed with SIGKILL in the middle of a
// job loses no public line it had printed: the gate queues a line before
// it prints it, so every line on its stdout, those still in the pipe at the
// kill included (all but a line cut short), arrives after ship --resume,
// once after de-duplication, and no private line.
func TestRunShipSurvivesKill9(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("starts rsyslog, kills a gate mid-job and resumes its queue: seconds; go test without -short runs it")
	}
	p := rsyslogtest.NewPKI(t)
	r := rsyslogtest.Start(t, p)
	root := t.TempDir()
	job := `i=0; while [ $i -lt 100000 ]; do echo "SystemLog: line $i"; echo "PRIVATE $i"; i=$((i+1)); done`
	// Kill it and its job at once, with no time to catch up; then what it
	// had printed into the pipe meanwhile counts too.
	passed := killGateMidJob(t, 20000, job, "--prefix", "SystemLog:", "--ship", r.URL(p, p.ClientCert, p.ClientKey), "--queue", root)
	code, _, stderr := conflogIn("", "ship", "--resume", root)
	if code != exitOK {
		t.Fatalf("ship --resume: exit %d: %s", code, stderr)
	}
	// ship --resume ends once rsyslog has the lines; rsyslog writes them to
	// its file a little later.
	r.WaitReceived(t, len(passed))
	got, copies := r.Received(t)
	seen := map[string]bool{}
	for _, l := range got {
		seen[l] = true
	}
	for _, l := range passed {
		if !seen[l] {
			t.Fatalf("%q passed the gate but never arrived (%d of %d did)", l, len(got), len(passed))
		}
	}
	if b, _ := os.ReadFile(r.Out); bytes.Contains(b, []byte("PRIVATE")) {
		t.Fatal("a private line reached rsyslog")
	}
	t.Logf("%d lines passed before kill -9; %d distinct arrived, %d copies", len(passed), len(got), copies)
	// What is left is the empty segment that keeps the numbering.
	entries, _ := filepath.Glob(filepath.Join(root, "*", "*.seg"))
	for _, e := range entries {
		if fi, err := os.Stat(e); err != nil || fi.Size() != 0 {
			t.Errorf("a segment holds lines after resume: %s", e)
		}
	}
}

// killGateMidJob starts conflog run --ship with job, reads its stdout
// until it has printed n public lines, and kills the gate and its job with
// SIGKILL, with no time to catch up: the gate is mid-write, a block on its
// way to the queues and the output. It returns every line the gate printed,
// those still in the pipe at the kill included (a last line cut short is
// not one).
func killGateMidJob(t *testing.T, n int, job string, args ...string) []string {
	t.Helper()
	cmd := exec.Command(os.Args[0], append(append([]string{"run"}, args...), "--", "sh", "-c", job)...)
	cmd.Env = append(os.Environ(), "CONFLOG_TEST_MAIN=1")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	out, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var printed []string
	br := bufio.NewReader(out)
	for len(printed) < n {
		l, err := br.ReadString('\n')
		if err != nil {
			t.Fatalf("the gate's stdout ended after %d lines: %v", len(printed), err)
		}
		printed = append(printed, strings.TrimSuffix(l, "\n"))
	}
	syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	syscall.Kill(cmd.Process.Pid, syscall.SIGKILL)
	for {
		l, err := br.ReadString('\n')
		if err != nil {
			break
		}
		printed = append(printed, strings.TrimSuffix(l, "\n"))
	}
	cmd.Wait()
	return printed
}

// TestRunShipKill9TwiceThenTheNextRunDelivers: two gates on one queue are
// killed with SIGKILL mid-write, one after the other, the second while it
// also delivers what the first left; the next conflog run on that queue
// delivers every public line either gate had printed, each exactly once
// after de-duplication on the sequence numbers (one seq per line: a line
// queued twice, or a seq given to two lines, would fail it), and no private
// line ever arrives.
func TestRunShipKill9TwiceThenTheNextRunDelivers(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("starts rsyslog and kills two gates mid-job: seconds; go test without -short runs it")
	}
	p := rsyslogtest.NewPKI(t)
	r := rsyslogtest.Start(t, p)
	root := t.TempDir()
	args := []string{"--prefix", "SystemLog:", "--ship", r.URL(p, p.ClientCert, p.ClientKey), "--queue", root, "--ship-wait", "2m"}
	job := func(name string) string {
		return `i=0; while [ $i -lt 100000 ]; do echo "SystemLog: ` + name + ` line $i"; echo "PRIVATE ` + name + ` $i"; i=$((i+1)); done`
	}
	var printed []string
	printed = append(printed, killGateMidJob(t, 15000, job("first"), args...)...)
	printed = append(printed, killGateMidJob(t, 7000, job("second"), args...)...)

	// The next run: its own line, and what the killed gates left.
	cmd := exec.Command(os.Args[0], append(append([]string{"run"}, args...), "--", "echo", "SystemLog: third")...)
	cmd.Env = append(os.Environ(), "CONFLOG_TEST_MAIN=1")
	out, err := cmd.CombinedOutput()
	if err != nil || strings.Contains(string(out), "not yet delivered") {
		t.Fatalf("the next run: %v\n%s", err, out)
	}
	printed = append(printed, "SystemLog: third")

	// The next run's summary is its last line: sent after every line the
	// killed gates left, on the connection that confirmed them all. Once
	// rsyslog has written it, what is missing stays missing (a wait for the
	// count instead would hang, not fail).
	var got map[uint64]string
	var copies int
	for summary := false; !summary; time.Sleep(25 * time.Millisecond) {
		got, copies = r.Received(t) // fails on a seq that arrived as two lines
		for _, l := range got {
			summary = summary || strings.HasPrefix(l, "SystemLog: conflog run: exit=0 passed=1 ")
		}
	}
	seqs := map[string]int{}
	for _, l := range got {
		seqs[l]++
	}
	for _, l := range printed {
		if seqs[l] != 1 {
			t.Fatalf("%q was printed and arrived under %d sequence numbers, want 1 (%d of %d lines arrived)", l, seqs[l], len(got), len(printed))
		}
	}
	for l, n := range seqs {
		if n != 1 {
			t.Fatalf("%q arrived under %d sequence numbers, want 1", l, n)
		}
	}
	if b, _ := os.ReadFile(r.Out); bytes.Contains(b, []byte("PRIVATE")) {
		t.Fatal("a private line reached rsyslog")
	}
	t.Logf("%d lines printed by two killed gates and the next run; %d distinct arrived, %d copies", len(printed), len(got), copies)
}
