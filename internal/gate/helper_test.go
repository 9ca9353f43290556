//go:build unix

package gate

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/conflog/conflog/scrub"
)

// Some rules are about the process the gate runs in: its stdout being
// closed (SIGPIPE), its terminal, its being PID 1. Those tests run this test
// binary again as a small gate, helperMain: Run with the process's own
// stdin, stdout and stderr, configured by $CONFLOG_GATE_HELPER.

const helperEnv = "CONFLOG_GATE_HELPER"

func TestMain(m *testing.M) {
	if cfg := os.Getenv(helperEnv); cfg != "" {
		os.Exit(helperMain(cfg, os.Args[1:]))
	}
	os.Exit(m.Run())
}

// helperConfig is what a test sets of the helper's Config.
type helperConfig struct {
	Grace         time.Duration
	Strict        bool
	Reap          bool
	TerminalInput bool
	Private       string // file:PATH's path; empty drops private lines
}

// helperSummary is the helper's last line, on stderr.
const helperSummary = "SystemLog: gate: exit=%d passed=%d private=%d late=%d undelivered=%d orphans=%d stopped=%d\n"

func helperMain(js string, argv []string) int {
	var hc helperConfig
	if err := json.Unmarshal([]byte(js), &hc); err != nil {
		fmt.Fprintf(os.Stderr, "helper: %v\n", err)
		return 2
	}
	var mu sync.Mutex
	stdout := &lockedWriter{mu: &mu, w: os.Stdout}
	stderr := &lockedWriter{mu: &mu, w: os.Stderr}
	say := func(kind string) func(string, ...any) {
		return func(format string, args ...any) {
			fmt.Fprintf(stderr, "SystemLog: gate: "+kind+": "+format+"\n", args...)
		}
	}
	var sink scrub.Sink = scrub.Discard
	if hc.Private != "" {
		f, err := scrub.OpenFile(hc.Private)
		if err != nil {
			say("error")("%v", err)
			return 1
		}
		defer f.Close()
		sink = f
	}
	signal.Notify(make(chan os.Signal, 1), Forwarded...) // as conflog run does
	res, err := Run(context.Background(), Config{
		Argv:          argv,
		Filter:        scrub.Options{Prefix: "SystemLog:", Private: sink},
		Strict:        hc.Strict,
		Grace:         hc.Grace,
		Stdin:         os.Stdin,
		TerminalInput: hc.TerminalInput,
		Reap:          hc.Reap,
		Stdout:        stdout,
		Stderr:        stderr,
		Warnf:         say("warning"),
		Errorf:        say("error"),
	})
	if err != nil {
		say("error")("%v", err)
		return res.Code
	}
	if f, ok := sink.(*scrub.File); ok {
		f.Close()
	}
	fmt.Fprintf(stderr, helperSummary, res.Code, res.Stats.Passed, res.Stats.Private, res.Late, res.Undelivered, res.Orphans, res.Stopped)
	return res.Code
}

// lockedWriter serialises whole writes, as conflog run's outputs do.
type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// helperCmd returns the command that runs argv behind the helper gate; the
// caller sets its stdio and starts it. prefix, if any, goes before the
// helper itself (unshare and its flags).
func helperCmd(t *testing.T, hc helperConfig, prefix []string, argv ...string) *exec.Cmd {
	t.Helper()
	js, err := json.Marshal(hc)
	if err != nil {
		t.Fatal(err)
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	args := append(append(append([]string{}, prefix...), self), argv...)
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Env = append(os.Environ(), helperEnv+"="+string(js))
	return cmd
}

// startHelper starts cmd, the helper gate, so that it cannot outlive the
// test, with no clock involved: should this test binary die first (its
// -timeout panic names the test that hung), the kernel sends the helper
// SIGTERM (Pdeathsig), which the gate forwards to its job's group; when the
// test ends, its cleanup does the same. cmd runs in a process group of its
// own unless the caller set a session.
func startHelper(t *testing.T, cmd *exec.Cmd) {
	t.Helper()
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	}
	dieWithTest(cmd.SysProcAttr)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Signal(syscall.SIGTERM) }) // "process already finished" once waited
}

// lineReader reads a gate's output line by line, keeping what it read.
type lineReader struct {
	t    *testing.T
	sc   *bufio.Scanner
	seen []string
}

func newLineReader(t *testing.T, r io.Reader) *lineReader {
	return &lineReader{t: t, sc: bufio.NewScanner(r)}
}

// waitFor reads until a line equals want, and fails the test at the end of
// the output.
func (l *lineReader) waitFor(want string) {
	l.t.Helper()
	for l.sc.Scan() {
		l.seen = append(l.seen, l.sc.Text())
		if l.sc.Text() == want {
			return
		}
	}
	l.t.Fatalf("the output ended without %q; it held:\n%s", want, strings.Join(l.seen, "\n"))
}

// rest reads to the end and returns everything read so far.
func (l *lineReader) rest() string {
	for l.sc.Scan() {
		l.seen = append(l.seen, l.sc.Text())
	}
	return strings.Join(l.seen, "\n")
}

// summary parses the helper's summary line out of stderr.
func summary(t *testing.T, stderr string) (exit, passed, private, late, undelivered, orphans, stopped int64) {
	t.Helper()
	for _, line := range strings.Split(stderr, "\n") {
		if _, err := fmt.Sscanf(line+"\n", helperSummary, &exit, &passed, &private, &late, &undelivered, &orphans, &stopped); err == nil {
			return
		}
	}
	t.Fatalf("no summary line in stderr:\n%s", stderr)
	return
}

// writeFile writes a file in a fresh temporary directory and returns its path.
func writeFile(t *testing.T, name, text string) string {
	t.Helper()
	path := t.TempDir() + "/" + name
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// recordSink is a private sink that keeps its lines.
type recordSink struct {
	mu    sync.Mutex
	lines bytes.Buffer
}

func (s *recordSink) Line(line []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.lines.Write(line)
	s.lines.WriteByte('\n')
	return nil
}

func (s *recordSink) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.lines.String()
}
