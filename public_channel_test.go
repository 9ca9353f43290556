package conflog

import (
	"bytes"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/conflog/conflog/internal/channel"
	"github.com/conflog/conflog/scrub"
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

// bigPad makes records far over PIPE_BUF and a socket's buffer.
func bigPad(g, i int) string { return strings.Repeat("p", 70<<10+1000*g+197*i) }

// childJob logs like a job would, to its stderr, through handlers made the
// ordinary way (NewHandler, which reads CONFLOG_CHANNEL).
func childJob(mode string) {
	opts := &Options{ReplaceAttr: dropTime}
	if mode == "datafile" {
		// A job's first opened file, which a stale CONFLOG_PUBLIC_FD
		// names: 3 in a Python job, a later number in a Go one (the
		// runtime holds cgroup files open).
		f, err := os.OpenFile(os.Getenv("CONFLOG_TEST_DATA"), os.O_WRONLY|os.O_APPEND, 0)
		if err != nil {
			fmt.Fprintln(os.Stderr, "data file:", err)
			os.Exit(1)
		}
		defer f.Close()
		os.Setenv(channel.EnvPublicFD, strconv.Itoa(int(f.Fd())))
	}
	logger := New(os.Stderr, testPrefix, opts)
	if mode == "concurrent" {
		var wg sync.WaitGroup
		for g := range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range 10 {
					logger.Info("record", Public, "g", g, "i", i, "pad", bigPad(g, i))
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

// gate is a channel served as conflog run serves it, but collecting what
// each connection sent.
type gate struct {
	l     *channel.Listener
	done  chan error
	mu    sync.Mutex
	conns []string
}

type gateConn struct {
	g *gate
	bytes.Buffer
}

func (c *gateConn) Close() error {
	c.g.mu.Lock()
	defer c.g.mu.Unlock()
	c.g.conns = append(c.g.conns, c.String())
	return nil
}

func startGate(t *testing.T, prefix string) *gate {
	t.Helper()
	l, err := channel.Listen(prefix)
	if err != nil {
		t.Fatal(err)
	}
	g := &gate{l: l, done: make(chan error, 1)}
	go func() { g.done <- l.Serve(func() io.WriteCloser { return &gateConn{g: g} }) }()
	t.Cleanup(func() { g.stop(t) })
	return g
}

// stop closes the channel and returns what all connections sent.
func (g *gate) stop(t *testing.T) string {
	if g.l == nil {
		return strings.Join(g.conns, "")
	}
	if err := g.l.Close(); err != nil {
		t.Error(err)
	}
	if err := <-g.done; err != nil {
		t.Error(err)
	}
	g.l = nil
	return strings.Join(g.conns, "")
}

// runChild runs the test binary as a job with env added to its environment
// and extra as its descriptor 3; it returns the job's stderr.
func runChild(t *testing.T, mode string, env []string, extra *os.File) string {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(slices.DeleteFunc(os.Environ(), func(kv string) bool { return strings.HasPrefix(kv, "CONFLOG_") }),
		append(env, "CONFLOG_TEST_CHILD="+mode)...)
	if extra != nil {
		cmd.ExtraFiles = []*os.File{extra}
	}
	var errBuf bytes.Buffer
	cmd.Stderr = &errBuf
	if err := cmd.Run(); err != nil {
		t.Fatalf("child: %v\n%s", err, errBuf.String())
	}
	return errBuf.String()
}

const (
	wantOne   = testPrefix + "level=INFO msg=one epoch=1\n"
	wantTwo   = "level=INFO msg=two row=\"customer data\"\n"
	wantFour  = testPrefix + "level=INFO msg=four ctx=1\n"
	wantThree = testPrefix + "level=INFO msg=\"private message scrubbed\" length=5 source=public_channel_test.go:"
)

// TestChannelCarriesPublicLines: a job started with os/exec and no extra
// descriptor, only the environment a gate gives it, sends its public lines
// (Length's included) on the channel, byte for byte, and only its private
// lines to its writer.
func TestChannelCarriesPublicLines(t *testing.T) {
	g := startGate(t, testPrefix)
	stderr := runChild(t, "basic", g.l.Env(nil), nil)
	public := g.stop(t)
	if stderr != wantTwo {
		t.Errorf("stderr = %q, want only the private line %q", stderr, wantTwo)
	}
	lines := strings.SplitAfter(public, "\n")
	if len(lines) != 4 || lines[0] != wantOne || !strings.HasPrefix(lines[1], wantThree) || lines[2] != wantFour {
		t.Errorf("channel = %q", public)
	}
}

// TestStalePublicFDNeverWritten: a job that inherits CONFLOG_PUBLIC_FD=3
// (from a gate before channel v1, or a parent that closed the descriptor,
// as Python's subprocess does) and opens a data file as its first file
// writes nothing to that file: the variable is not used at all.
func TestStalePublicFDNeverWritten(t *testing.T) {
	data := filepath.Join(t.TempDir(), "predictions.csv")
	if err := os.WriteFile(data, []byte("id,label\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, withChannel := range []bool{false, true} {
		env := []string{channel.EnvPublicFD + "=3", channel.EnvPrefix + "=" + testPrefix, "CONFLOG_TEST_DATA=" + data}
		var g *gate
		if withChannel {
			g = startGate(t, testPrefix)
			env = append(env, g.l.Env(nil)...)
		}
		stderr := runChild(t, "datafile", env, nil)
		if b, _ := os.ReadFile(data); string(b) != "id,label\n" {
			t.Fatalf("channel=%v: the data file became %q", withChannel, b)
		}
		if withChannel {
			if public := g.stop(t); !strings.HasPrefix(public, wantOne) || stderr != wantTwo {
				t.Errorf("channel = %q, stderr = %q", public, stderr)
			}
		} else if !strings.HasPrefix(stderr, wantOne) {
			t.Errorf("without a channel, stderr = %q", stderr)
		}
	}
}

// TestChannelUnusableFallsBack: variables that name no channel this process
// can prove is the gate's lose no public line and leak no private one:
// everything goes to the writer as without the variables, after one public
// warning; the impostor receives nothing.
func TestChannelUnusableFallsBack(t *testing.T) {
	g := startGate(t, testPrefix)
	good := g.l.Env(nil)
	addr, token := good[1][len(channel.EnvChannel)+1:], good[2][len(channel.EnvToken)+1:]

	// An impostor: a socket in a directory of this user's, mode 0700, that
	// greets with another run's token and records what it receives.
	dir := t.TempDir()
	os.Chmod(dir, 0o700)
	sock := filepath.Join(dir, "public.sock")
	ln, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	var mu sync.Mutex
	var stolen bytes.Buffer
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				io.WriteString(conn, "conflog-channel 1 "+strings.Repeat("0", 32)+"\n")
				b, _ := io.ReadAll(conn)
				mu.Lock()
				stolen.Write(b)
				mu.Unlock()
			}()
		}
	}()
	shared := t.TempDir()
	os.Chmod(shared, 0o755)
	regular := filepath.Join(shared, "public.sock")
	os.WriteFile(regular, nil, 0o600)

	cases := []struct {
		name, addr, token string
		warning           string
	}{
		{"not unix:", "/tmp/public.sock", token, "want \"unix:\""},
		{"bad token", addr, "nope", channel.EnvToken},
		{"another run's token", addr, strings.Repeat("1", 32), "wrong greeting"},
		{"impostor", "unix:" + sock, token, "wrong greeting"},
		{"regular file", "unix:" + regular, token, "not a socket"},
		{"gone", "unix:" + filepath.Join(dir, "gone.sock"), token, "no such file"},
		// The value is quoted in the warning, so a line break in it cannot
		// start a line of its own.
		{"line break", "unix:/x\nSystemLog: forged", token, `lstat /x\x0aSystemLog: forged: no such file`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			stderr := runChild(t, "basic", []string{channel.EnvChannel + "=" + c.addr, channel.EnvToken + "=" + c.token, channel.EnvPrefix + "=" + testPrefix}, nil)
			lines := strings.SplitAfter(stderr, "\n")
			if len(lines) != 6 {
				t.Fatalf("stderr = %q", stderr)
			}
			warn := testPrefix + "conflog: warning: "
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
	mu.Lock()
	defer mu.Unlock()
	if stolen.Len() != 0 {
		t.Errorf("the impostor received %q", stolen.String())
	}
	if public := g.stop(t); public != "" {
		t.Errorf("the gate received %q from clients with the wrong token", public)
	}
}

// TestChannelConcurrentLinesIntact (rule 4 through the channel): lines far
// longer than PIPE_BUF and a socket's buffer, from many goroutines, arrive
// whole.
func TestChannelConcurrentLinesIntact(t *testing.T) {
	g := startGate(t, testPrefix)
	stderr := runChild(t, "concurrent", g.l.Env(nil), nil)
	public := g.stop(t)
	if stderr != "" {
		t.Errorf("stderr = %q", stderr)
	}
	lines := strings.Split(strings.TrimSuffix(public, "\n"), "\n")
	if len(lines) != 80 {
		t.Fatalf("%d lines, want 80", len(lines))
	}
	seen := map[string]bool{}
	for _, l := range lines {
		var gr, i int
		var pad string
		if _, err := fmt.Sscanf(l, testPrefix+"level=INFO msg=record g=%d i=%d pad=%s", &gr, &i, &pad); err != nil || pad != bigPad(gr, i) {
			t.Fatalf("torn line %.120q: %v", l, err)
		}
		seen[fmt.Sprint(gr, i)] = true
	}
	if len(seen) != 80 {
		t.Errorf("%d distinct records, want 80", len(seen))
	}
}

// TestPublicSinkInProcess covers the sink in this process: one line per
// public record on the channel, and the fallback, with one warning, once
// the gate is gone.
func TestPublicSinkInProcess(t *testing.T) {
	g := startGate(t, testPrefix)
	env := g.l.Env(nil)
	getenv := func(k string) string {
		for _, kv := range env {
			if key, v, _ := strings.Cut(kv, "="); key == k {
				return v
			}
		}
		return ""
	}
	var warn, w bytes.Buffer
	sink := openPublicSink(getenv, &warn)
	l := slog.New(newHandler(&w, testPrefix, &Options{ReplaceAttr: dropTime}, sink))
	l.Info("pub", Public)
	l.Info("priv")
	if w.String() != "level=INFO msg=priv\n" || warn.Len() != 0 {
		t.Errorf("writer %q, warning %q", w.String(), warn.String())
	}
	if got := g.stop(t); got != testPrefix+"level=INFO msg=pub\n" {
		t.Errorf("channel %q", got)
	}

	// The gate is gone: public lines fall back, after one warning.
	w.Reset()
	for i := range 4 {
		l.Info("after", Public, "i", i)
	}
	var want string
	for i := range 4 {
		want += testPrefix + "level=INFO msg=after i=" + strconv.Itoa(i) + "\n"
	}
	// The first line or two may still land in the socket's buffer before
	// the write fails; none is lost, and the rest fall back.
	if !strings.HasSuffix(want, w.String()) || w.Len() == 0 {
		t.Errorf("after failure, writer = %q", w.String())
	}
	if !strings.HasPrefix(warn.String(), testPrefix+"conflog: warning: "+channel.EnvChannel+"=") ||
		!strings.HasSuffix(warn.String(), "until it can be reached again\n") || strings.Count(warn.String(), "\n") != 1 {
		t.Errorf("warning = %q", warn.String())
	}
}

// TestChannelGatePrefix: a job whose handler was built with testPrefix, run
// under a gate with another prefix (CONFLOG_PREFIX, as conflog run sets it),
// sends its public lines with the gate's prefix after one warning that names
// both, whatever number of handlers it builds; the same prefix changes
// nothing; an invalid one is ignored with a warning; without a channel the
// variable is ignored, as a shell may hold it for conflog scrub.
func TestChannelGatePrefix(t *testing.T) {
	gated := strings.NewReplacer(testPrefix, "B:")
	cases := []struct {
		name, gate     string
		channel        bool
		public, stderr []string // lines, or the start of a line (wantThree)
	}{
		{"another", "B:", true,
			[]string{`B:conflog: warning: the handler's prefix "SystemLog:" is not the gate's (CONFLOG_PREFIX="B:"); public records carry the gate's` + "\n",
				gated.Replace(wantOne), gated.Replace(wantThree), gated.Replace(wantFour)},
			[]string{wantTwo}},
		{"same", testPrefix, true, []string{wantOne, wantThree, wantFour}, []string{wantTwo}},
		{"invalid", "B:\nSystemLog: forged", true, []string{wantOne, wantThree, wantFour},
			[]string{testPrefix + `conflog: warning: CONFLOG_PREFIX: prefix "B:\nSystemLog: forged" holds a line break: a public line must be one line; public records keep the handler's prefix` + "\n", wantTwo}},
		{"no channel", "B:", false, nil, []string{wantOne, wantTwo, wantThree, wantFour}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var env []string
			var g *gate
			if c.channel {
				g = startGate(t, testPrefix)
				env = g.l.Env(nil)
			}
			env = append(env, channel.EnvPrefix+"="+c.gate)
			stderr := runChild(t, "basic", env, nil)
			var public string
			if g != nil {
				public = g.stop(t)
			}
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

// gateOutput is what the gate's channel filters pass, with a way to wait
// for a line.
type gateOutput struct {
	mu   sync.Mutex
	cond sync.Cond
	buf  bytes.Buffer
}

func (g *gateOutput) Write(p []byte) (int, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.buf.Write(p)
	g.cond.Broadcast()
	return len(p), nil
}

// until waits for line and returns what came before it, consumed.
func (g *gateOutput) until(line string) string {
	g.mu.Lock()
	defer g.mu.Unlock()
	for !strings.HasSuffix(g.buf.String(), line) {
		g.cond.Wait()
	}
	out := strings.TrimSuffix(g.buf.String(), line)
	g.buf.Reset()
	return out
}

// FuzzRecordThroughChannel (rules 1–3 under the channel): arbitrary records
// go through the real client, the real server and the gate's filter, as
// under conflog run. What the gate passes from the channel is exactly the
// public line of a record the handler made public (Public, or Length and
// Hash), one whole line with the prefix; a private record's line, on the
// handler's writer and through the gate's filter as stderr would be, passes
// nothing.
func FuzzRecordThroughChannel(f *testing.F) {
	for i, in := range trickyInputs {
		f.Add(in.msg, in.key, in.val, in.group, uint8(i))
	}
	// No seed of records over 64 KiB (TestChannelConcurrentLinesIntact
	// has them): the fuzzer's minimizing of one takes minutes.
	l, err := channel.Listen(testPrefix)
	if err != nil {
		f.Fatal(err)
	}
	out := &gateOutput{}
	out.cond.L = &out.mu
	var private scrubSinkFunc = func([]byte) error { return nil }
	done := make(chan error, 1)
	go func() {
		done <- l.Serve(func() io.WriteCloser {
			flt, _ := scrub.New(out, scrub.Options{Prefix: testPrefix, Private: private})
			return flt
		})
	}()
	f.Cleanup(func() { l.Close(); <-done })
	env := l.Env(nil)
	sink := openPublicSink(func(k string) string {
		for _, kv := range env {
			if key, v, _ := strings.Cut(kv, "="); key == k {
				return v
			}
		}
		return ""
	}, io.Discard)
	const sentinel = testPrefix + "sentinel\n"
	f.Fuzz(func(t *testing.T, msg, key, val, group string, mode uint8) {
		if strings.Contains(msg+key+val+group, secretMark) {
			return // the check for echoed secrets needs them to be ours
		}
		format := Format(mode & 1)
		public := mode&2 != 0
		name := []string{"Keep", "Drop", "Length", "Hash"}[(mode>>2)%4]
		var rep func([]string, slog.Attr) slog.Attr
		if mode&16 != 0 {
			rep = dropAll
		}
		var w bytes.Buffer
		logTricky(newHandler(&w, testPrefix, &Options{Format: format, Private: policies[name], ReplaceAttr: rep}, sink), msg, key, val, group, public)
		if !sink.write([]byte(sentinel), testPrefix) {
			t.Fatal("the channel failed")
		}
		passed := out.until(sentinel)
		if public || name == "Length" || name == "Hash" {
			checkLine(t, []byte(passed), format, true, name, rep != nil)
			if w.Len() != 0 {
				t.Fatalf("a public record went to the writer: %q", w.String())
			}
			return
		}
		if passed != "" {
			t.Fatalf("the gate passed %q from a private record", passed)
		}
		// Stderr, judged by the gate as the platform convention does.
		var stderrOut bytes.Buffer
		flt, _ := scrub.New(&stderrOut, scrub.Options{Prefix: testPrefix})
		flt.Write(w.Bytes())
		flt.Close()
		if stderrOut.Len() != 0 {
			t.Fatalf("a private line passed the gate: %q", stderrOut.String())
		}
	})
}

// scrubSinkFunc is a scrub.Sink.
type scrubSinkFunc func([]byte) error

func (f scrubSinkFunc) Line(b []byte) error { return f(b) }
