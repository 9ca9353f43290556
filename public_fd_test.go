package conflog

import (
	"bytes"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
)

// TestMain lets the test binary play a job run by conflog run: with
// CONFLOG_TEST_CHILD set, it logs and exits instead of running tests.
func TestMain(m *testing.M) {
	if mode := os.Getenv("CONFLOG_TEST_CHILD"); mode != "" {
		childJob(mode)
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// childJob logs like a job would, to its stderr, through handlers made the
// ordinary way (NewHandler, which reads CONFLOG_PUBLIC_FD).
func childJob(mode string) {
	opts := &Options{ReplaceAttr: dropTime}
	logger := New(os.Stderr, testPrefix, opts)
	if mode == "concurrent" {
		var wg sync.WaitGroup
		for g := range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range 50 {
					logger.Info("record", Public, "g", g, "i", i, "pad", strings.Repeat("p", 197*i+1))
				}
			}()
		}
		wg.Wait()
		return
	}
	logger.Info("one", Public, "epoch", 1)
	logger.Info("two", "row", "customer data")
	New(os.Stderr, testPrefix, &Options{ReplaceAttr: dropTime, Private: Length}).Info("three")
	logger.With("ctx", 1).Info("four", Public)
}

// runChild runs the test binary as a job with CONFLOG_PUBLIC_FD=env and the
// given file as its descriptor 3; it returns what the job wrote to the
// pipe's read end (if any) and to stderr.
func runChild(t *testing.T, mode, env string, fd3 *os.File, pipe *os.File) (public, stderr string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "CONFLOG_TEST_CHILD="+mode, envPublicFD+"="+env)
	if fd3 != nil {
		cmd.ExtraFiles = []*os.File{fd3}
	}
	var errBuf bytes.Buffer
	cmd.Stderr = &errBuf
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	if fd3 != nil {
		fd3.Close() // the child holds its own copy
	}
	var pub []byte
	if pipe != nil {
		var err error
		if pub, err = io.ReadAll(pipe); err != nil {
			t.Fatal(err)
		}
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("child: %v\n%s", err, errBuf.String())
	}
	return string(pub), errBuf.String()
}

const (
	wantOne   = testPrefix + "level=INFO msg=one epoch=1\n"
	wantTwo   = "level=INFO msg=two row=\"customer data\"\n"
	wantFour  = testPrefix + "level=INFO msg=four ctx=1\n"
	wantThree = testPrefix + "level=INFO msg=\"private message scrubbed\" length=5 source=public_fd_test.go:"
)

// TestPublicFDCarriesPublicLines: with a real pipe as CONFLOG_PUBLIC_FD,
// public lines (Length's included) go to the pipe, byte for byte, and only
// private lines to the writer.
func TestPublicFDCarriesPublicLines(t *testing.T) {
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer pr.Close()
	public, stderr := runChild(t, "basic", "3", pw, pr)
	if stderr != wantTwo {
		t.Errorf("stderr = %q, want only the private line %q", stderr, wantTwo)
	}
	lines := strings.SplitAfter(public, "\n")
	if len(lines) != 4 || lines[0] != wantOne || !strings.HasPrefix(lines[1], wantThree) || lines[2] != wantFour {
		t.Errorf("pipe = %q", public)
	}
}

// TestPublicFDUnusableFallsBack: a variable that names no usable
// descriptor loses no public line and leaks no private one: everything goes
// to the writer as without the variable, after one public warning.
func TestPublicFDUnusableFallsBack(t *testing.T) {
	cases := []struct {
		name, env string
		readEnd   bool // pass a pipe's read end as fd 3: writes fail
		warning   string
	}{
		{"not a number", "three", false, "not a file descriptor"},
		{"negative", "-1", false, "not a file descriptor"},
		{"closed", "9", false, "bad file descriptor"},
		{"read-only", "3", true, "from now on"},
		// The value is quoted in the warning, so a line break in it cannot
		// start a line of its own.
		{"line break", "3\nSystemLog: forged", false, "not a file descriptor"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var fd3 *os.File
			if c.readEnd {
				pr, pw, err := os.Pipe()
				if err != nil {
					t.Fatal(err)
				}
				defer pw.Close()
				fd3 = pr
			}
			_, stderr := runChild(t, "basic", c.env, fd3, nil)
			lines := strings.SplitAfter(stderr, "\n")
			if len(lines) != 6 {
				t.Fatalf("stderr = %q", stderr)
			}
			warn := testPrefix + "conflog: warning: " + envPublicFD + "=" + strconv.Quote(c.env) + ": "
			var warned int
			var rest []string
			for _, l := range lines[:5] {
				if strings.HasPrefix(l, warn) && strings.Contains(l, c.warning) {
					warned++
				} else {
					rest = append(rest, l)
				}
			}
			if warned != 1 || len(rest) != 4 || rest[0] != wantOne || rest[1] != wantTwo ||
				!strings.HasPrefix(rest[2], wantThree) || rest[3] != wantFour {
				t.Errorf("stderr = %q", stderr)
			}
		})
	}
}

// TestPublicFDConcurrentLinesIntact (rule 4 through the channel): lines far
// longer than PIPE_BUF, from many goroutines, arrive whole.
func TestPublicFDConcurrentLinesIntact(t *testing.T) {
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer pr.Close()
	public, stderr := runChild(t, "concurrent", "3", pw, pr)
	if stderr != "" {
		t.Errorf("stderr = %q", stderr)
	}
	lines := strings.Split(strings.TrimSuffix(public, "\n"), "\n")
	if len(lines) != 400 {
		t.Fatalf("%d lines, want 400", len(lines))
	}
	seen := map[string]bool{}
	for _, l := range lines {
		var g, i int
		var pad string
		if _, err := fmt.Sscanf(l, testPrefix+"level=INFO msg=record g=%d i=%d pad=%s", &g, &i, &pad); err != nil ||
			pad != strings.Repeat("p", 197*i+1) {
			t.Fatalf("torn line %.120q: %v", l, err)
		}
		seen[fmt.Sprint(g, i)] = true
	}
	if len(seen) != 400 {
		t.Errorf("%d distinct records, want 400", len(seen))
	}
}

// TestPublicSinkInProcess covers the sink with a pipe in this process: one
// Write per public line, and the fallback when writes fail.
func TestPublicSinkInProcess(t *testing.T) {
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer pr.Close()
	defer pw.Close()
	// Each sink gets its own duplicate: an *os.File closes its descriptor
	// when collected, and the pipe's files own theirs.
	dup := func(f *os.File) string {
		fd, err := syscall.Dup(int(f.Fd()))
		if err != nil {
			t.Fatal(err)
		}
		return fmt.Sprint(fd)
	}
	var warn bytes.Buffer
	var w bytes.Buffer
	l := slog.New(newHandler(&w, testPrefix, &Options{ReplaceAttr: dropTime}, openPublicSink(dup(pw), "", &warn)))
	l.Info("pub", Public)
	l.Info("priv")
	got := make([]byte, 100)
	n, _ := pr.Read(got)
	if string(got[:n]) != testPrefix+"level=INFO msg=pub\n" || w.String() != "level=INFO msg=priv\n" || warn.Len() != 0 {
		t.Errorf("pipe %q, writer %q, warning %q", got[:n], w.String(), warn.String())
	}

	// A read end cannot be written: public lines fall back, one warning.
	w.Reset()
	l = slog.New(newHandler(&w, testPrefix, &Options{ReplaceAttr: dropTime}, openPublicSink(dup(pr), "", &warn)))
	l.Info("a", Public)
	l.Info("b", Public)
	if w.String() != testPrefix+"level=INFO msg=a\n"+testPrefix+"level=INFO msg=b\n" {
		t.Errorf("after failure, writer = %q", w.String())
	}
	if !strings.HasPrefix(warn.String(), testPrefix+"conflog: warning: CONFLOG_PUBLIC_FD=") || strings.Count(warn.String(), "\n") != 1 {
		t.Errorf("warning = %q", warn.String())
	}
}

// TestPublicFDGatePrefix: a job whose handler was built with testPrefix,
// run under a gate with another prefix (CONFLOG_PREFIX, as conflog run sets
// it), writes its public lines with the gate's prefix after one warning
// that names both, whatever number of handlers it builds; the same prefix
// changes nothing; an invalid one is ignored with a warning; without a
// channel the variable is ignored, as a shell may hold it for conflog scrub.
func TestPublicFDGatePrefix(t *testing.T) {
	gated := strings.NewReplacer(testPrefix, "B:")
	cases := []struct {
		name, gate, fd string
		public, stderr []string // lines, or the start of a line (wantThree)
	}{
		{"another", "B:", "3",
			[]string{`B:conflog: warning: the handler's prefix "SystemLog:" is not the gate's (CONFLOG_PREFIX="B:"); public records carry the gate's` + "\n",
				gated.Replace(wantOne), gated.Replace(wantThree), gated.Replace(wantFour)},
			[]string{wantTwo}},
		{"same", testPrefix, "3", []string{wantOne, wantThree, wantFour}, []string{wantTwo}},
		{"invalid", "B:\nSystemLog: forged", "3", []string{wantOne, wantThree, wantFour},
			[]string{testPrefix + `conflog: warning: CONFLOG_PREFIX: prefix "B:\nSystemLog: forged" holds a line break: a public line must be one line; public records keep the handler's prefix` + "\n", wantTwo}},
		{"no channel", "B:", "", nil, []string{wantOne, wantTwo, wantThree, wantFour}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Setenv(envPrefix, c.gate)
			var pr, pw *os.File
			if c.fd != "" {
				var err error
				if pr, pw, err = os.Pipe(); err != nil {
					t.Fatal(err)
				}
				defer pr.Close()
			}
			public, stderr := runChild(t, "basic", c.fd, pw, pr)
			for what, got := range map[string][]string{"channel": lines(public), "stderr": lines(stderr)} {
				want := c.public
				if what == "stderr" {
					want = c.stderr
				}
				if len(got) != len(want) {
					t.Fatalf("%s = %q, want %q", what, got, want)
				}
				for i := range want {
					if !strings.HasPrefix(got[i], want[i]) {
						t.Errorf("%s line %d = %q, want %q", what, i+1, got[i], want[i])
					}
				}
			}
		})
	}
}

// lines splits s after each newline.
func lines(s string) []string {
	l := strings.SplitAfter(s, "\n")
	return l[:len(l)-1] // "" after the last newline, or all of s if it has none
}
