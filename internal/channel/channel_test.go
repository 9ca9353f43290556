//go:build unix

package channel

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

const testPrefix = "SystemLog:"

// collector gathers what each connection sent, one buffer per connection,
// as the gate's per-connection filters would see it.
type collector struct {
	mu    sync.Mutex
	conns []string // what each closed connection sent
}

type connBuf struct {
	c *collector
	bytes.Buffer
}

func (b *connBuf) Close() error {
	b.c.mu.Lock()
	defer b.c.mu.Unlock()
	b.c.conns = append(b.c.conns, b.String())
	return nil
}

func (c *collector) newConn() io.WriteCloser { return &connBuf{c: c} }

// serve starts a listener and its Serve; stop closes it and returns what
// each connection sent.
func serve(t *testing.T) (l *Listener, stop func() []string) {
	t.Helper()
	l, err := Listen(testPrefix)
	if err != nil {
		t.Fatal(err)
	}
	var c collector
	done := make(chan error, 1)
	go func() { done <- l.Serve(c.newConn) }()
	return l, func() []string {
		if err := l.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
		if err := <-done; err != nil {
			t.Errorf("Serve: %v", err)
		}
		if _, err := os.Stat(l.dir); !os.IsNotExist(err) {
			t.Errorf("Close left %s: %v", l.dir, err)
		}
		return c.conns
	}
}

// client returns a client for l, built from l's environment as a job sees it.
func client(t *testing.T, l *Listener) *Client {
	t.Helper()
	c, err := FromEnv(envOf(l.Env(nil)))
	if err != nil || c == nil {
		t.Fatalf("FromEnv: %v, %v", c, err)
	}
	return c
}

func envOf(env []string) func(string) string {
	return func(k string) string {
		for _, kv := range slices.Backward(env) {
			if key, v, _ := strings.Cut(kv, "="); key == k {
				return v
			}
		}
		return ""
	}
}

// TestRoundTrip: records written by a client arrive whole, in order, on one
// connection; the socket and its directory have the modes SPEC.md says.
func TestRoundTrip(t *testing.T) {
	l, stop := serve(t)
	for path, want := range map[string]os.FileMode{l.dir: os.ModeDir | 0o700, l.path(): os.ModeSocket | 0o600} {
		if fi, err := os.Lstat(path); err != nil || fi.Mode() != want {
			t.Errorf("%s: %v, %v; want %v", path, fi.Mode(), err, want)
		}
	}
	c := client(t, l)
	want := ""
	for i := range 3 {
		line := fmt.Sprintf("%srecord %d\n", testPrefix, i)
		if n, err := c.Write([]byte(line)); n != len(line) || err != nil {
			t.Fatalf("Write: %d, %v", n, err)
		}
		want += line
	}
	c.Close()
	if got := stop(); len(got) != 1 || got[0] != want {
		t.Errorf("connections %q, want one with %q", got, want)
	}
}

// TestLongTempDir: under a TMPDIR too deep for a socket's path the channel
// still opens (in /tmp), with the same modes, and a client reaches it.
func TestLongTempDir(t *testing.T) {
	deep := filepath.Join(t.TempDir(), strings.Repeat("d", 60), strings.Repeat("e", 60))
	if err := os.MkdirAll(deep, 0o700); err != nil {
		t.Fatal(err)
	}
	t.Setenv("TMPDIR", deep)
	l, stop := serve(t)
	if p := l.path(); len(p) > sunPathMax || !strings.HasPrefix(p, "/tmp/conflog-channel-") {
		t.Errorf("socket at %q (%d bytes), want one under /tmp of at most %d", p, len(p), sunPathMax)
	}
	if fi, err := os.Lstat(l.dir); err != nil || fi.Mode() != os.ModeDir|0o700 {
		t.Errorf("%s: %v, %v", l.dir, fi, err)
	}
	c := client(t, l)
	if _, err := c.Write([]byte(testPrefix + "record\n")); err != nil {
		t.Fatal(err)
	}
	c.Close()
	if got := stop(); len(got) != 1 || got[0] != testPrefix+"record\n" {
		t.Errorf("connections %q", got)
	}
	if _, err := os.Stat(l.dir); !os.IsNotExist(err) {
		t.Errorf("directory %s left after Close: %v", l.dir, err)
	}
}

// TestEnv: the job's environment loses CONFLOG_PUBLIC_FD and any stale
// channel variables, and gains this run's.
func TestEnv(t *testing.T) {
	l, stop := serve(t)
	defer stop()
	env := l.Env([]string{"HOME=/root", EnvPublicFD + "=3", EnvChannel + "=unix:/tmp/stale/public.sock", EnvToken + "=00", EnvPrefix + "=X:", "CONFLOG_PUBLIC_FDX=1"})
	want := []string{"HOME=/root", "CONFLOG_PUBLIC_FDX=1", EnvPrefix + "=" + testPrefix, EnvChannel + "=unix:" + l.path(), EnvToken + "=" + l.token}
	if !slices.Equal(env, want) {
		t.Errorf("Env = %q, want %q", env, want)
	}
	if err := checkToken(l.token); err != nil {
		t.Error(err)
	}
}

// TestClientRefuses: whatever the client cannot prove is this run's gate, it
// never writes to: a planted socket (no greeting, or another token), a
// socket in a directory others may use, a regular file or a symbolic link
// at the path, malformed variables. Write fails, and keeps failing without
// another try.
func TestClientRefuses(t *testing.T) {
	// A silent socket holds the first record this long, then the client
	// falls back.
	defer func(d time.Duration) { greetingTimeout = d }(greetingTimeout)
	greetingTimeout = 100 * time.Millisecond
	l, stop := serve(t)
	defer stop()

	// A planted socket that accepts and reads but never greets, and one
	// that greets with another token: each records what it received.
	planted := func(dir, greet string) (path string, received func() string) {
		path = filepath.Join(dir, "public.sock")
		ln, err := net.Listen("unix", path)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { ln.Close() })
		var mu sync.Mutex
		var got bytes.Buffer
		go func() {
			for {
				conn, err := ln.Accept()
				if err != nil {
					return
				}
				go func() {
					io.WriteString(conn, greet)
					var b [4096]byte
					for {
						n, err := conn.Read(b[:])
						mu.Lock()
						got.Write(b[:n])
						mu.Unlock()
						if err != nil {
							return
						}
					}
				}()
			}
		}()
		return path, func() string { mu.Lock(); defer mu.Unlock(); return got.String() }
	}
	mkdir := func(mode os.FileMode) string {
		d := t.TempDir()
		if err := os.Chmod(d, mode); err != nil {
			t.Fatal(err)
		}
		return d
	}

	silent, silentGot := planted(mkdir(0o700), "")
	other, otherGot := planted(mkdir(0o700), greeting(strings.Repeat("0", tokenLen)))
	prefixOnly, prefixGot := planted(mkdir(0o700), greeting(l.token)[:20])
	groupDir, groupGot := planted(mkdir(0o750), greeting(l.token))
	worldDir, worldGot := planted(mkdir(0o701), greeting(l.token))
	regular := filepath.Join(mkdir(0o700), "public.sock")
	if err := os.WriteFile(regular, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(mkdir(0o700), "public.sock")
	if err := os.Symlink(l.path(), link); err != nil {
		t.Fatal(err)
	}
	linkDir := filepath.Join(mkdir(0o700), "d")
	if err := os.Symlink(l.dir, linkDir); err != nil {
		t.Fatal(err)
	}

	cases := []struct {
		name, path string
		got        func() string // what the planted socket received
		why        string
		final      bool // no retry (SPEC.md, client step 7)
	}{
		{"no greeting", silent, silentGot, "i/o timeout", false},
		{"another token", other, otherGot, "wrong greeting", true},
		{"cut greeting", prefixOnly, prefixGot, "i/o timeout", false},
		{"group may use the directory", groupDir, groupGot, "mode 0750", true},
		{"others may use the directory", worldDir, worldGot, "mode 0701", true},
		{"regular file", regular, nil, "not a socket", true},
		{"symbolic link to the gate's socket", link, nil, "not a socket", true},
		{"directory is a symbolic link", filepath.Join(linkDir, "public.sock"), nil, "not a directory", true},
		{"missing", filepath.Join(l.dir, "nothing.sock"), nil, "no such file", true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cl, err := NewClient("unix:"+c.path, l.token)
			if err != nil {
				t.Fatal(err)
			}
			line := []byte(testPrefix + "must not arrive\n")
			for range 2 {
				if _, err := cl.Write(line); err == nil || !strings.Contains(err.Error(), c.why) {
					t.Fatalf("Write: %v, want an error with %q", err, c.why)
				} else if Final(err) != c.final {
					t.Errorf("Final(%v) = %v, want %v", err, !c.final, c.final)
				}
			}
			if c.got != nil {
				time.Sleep(10 * time.Millisecond) // let a stray write land, if any
				if got := c.got(); got != "" {
					t.Errorf("the planted socket received %q", got)
				}
			}
		})
	}

	for _, env := range [][2]string{
		{"/tmp/x/public.sock", l.token},
		{"unix:relative/public.sock", l.token},
		{"unix:/tmp/../tmp/x", l.token},
		{"unix:" + l.path(), ""},
		{"unix:" + l.path(), strings.ToUpper(l.token)},
		{"unix:" + l.path(), l.token + "0"},
	} {
		if c, err := NewClient(env[0], env[1]); err == nil {
			t.Errorf("NewClient(%q, %q) = %v, want an error", env[0], env[1], c)
		}
	}
	if c, err := FromEnv(func(string) string { return "" }); c != nil || err != nil {
		t.Errorf("FromEnv without variables = %v, %v; want no client, no error", c, err)
	}
}

// TestClientRetries (SPEC.md, client step 7): after a failure to connect or
// to be greeted, or a failed write, the client falls back at once until the
// backoff has passed (1 s, doubling to 30 s), then connects anew at the next
// record; the record whose write failed is never sent again.
func TestClientRetries(t *testing.T) {
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "public.sock")
	token := strings.Repeat("ab", tokenLen/2)
	// A socket whose gate stopped listening: connecting is refused.
	ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	ln.SetUnlinkOnClose(false)
	ln.Close()

	c, err := NewClient("unix:"+path, token)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Unix(1000, 0)
	c.now = func() time.Time { return now }
	line := func(s string) []byte { return []byte(testPrefix + s + "\n") }
	var last error
	for _, wait := range []time.Duration{1, 2, 4, 8, 16, 30, 30} {
		_, err := c.Write(line("refused"))
		if err == nil || Final(err) || err == last {
			t.Fatalf("Write: %v (last %v), want a new error that is not final", err, last)
		}
		last = err
		now = now.Add(wait*time.Second - 1)
		if _, err := c.Write(line("within the backoff")); err != last {
			t.Fatalf("Write %v after the failure: %v, want the same error without a try", wait*time.Second-1, err)
		}
		now = now.Add(1)
	}

	// The gate serves again (as after a stall): the next record connects.
	os.Remove(path)
	ln, err = net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	conns := make(chan string, 2)
	firstRead := make(chan bool)
	go func() {
		for i := 0; ; i++ {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			io.WriteString(conn, greeting(token))
			if i == 0 {
				// The first connection ends after one record, as when
				// its gate closes it.
				b := make([]byte, len(line("back")))
				io.ReadFull(conn, b)
				conn.Close()
				firstRead <- true
				conns <- string(b)
				continue
			}
			b, _ := io.ReadAll(conn)
			conns <- string(b)
		}
	}()
	if _, err := c.Write(line("back")); err != nil {
		t.Fatalf("Write after the backoff: %v", err)
	}
	<-firstRead
	if _, err := c.Write(line("lost write")); err == nil || Final(err) {
		t.Fatalf("Write on a closed connection: %v, want an error that is not final", err)
	}
	if _, err := c.Write(line("within the backoff")); err == nil {
		t.Fatal("Write within the backoff connected")
	}
	now = now.Add(30 * time.Second) // the backoff does not shrink after a success
	if _, err := c.Write(line("again")); err != nil {
		t.Fatalf("Write after the backoff: %v", err)
	}
	c.Close()
	if got, want := []string{<-conns, <-conns}, []string{string(line("back")), string(line("again"))}; !slices.Equal(got, want) {
		t.Errorf("connections received %q, want %q", got, want)
	}
}

// TestForkedChildReconnects (SPEC.md, client step 5): in a process with
// another pid, the client never writes on the inherited connection: it
// connects anew, so forked workers never share a stream; and a failure in
// the parent does not end the channel for the child.
func TestForkedChildReconnects(t *testing.T) {
	l, stop := serve(t)
	c := client(t, l)
	pid := 100
	c.getpid = func() int { return pid }
	c.Write([]byte(testPrefix + "parent\n"))
	pid = 101
	c.Write([]byte(testPrefix + "child\n"))
	c.Write([]byte(testPrefix + "child again\n"))
	c.Close()
	got := stop()
	slices.Sort(got)
	if want := []string{testPrefix + "child\n" + testPrefix + "child again\n", testPrefix + "parent\n"}; !slices.Equal(got, want) {
		t.Errorf("connections %q, want %q", got, want)
	}

	c.err = fmt.Errorf("failed in the parent")
	c.pid = 101
	pid = 102
	if _, err := c.Write([]byte(testPrefix + "x\n")); err == nil || !strings.Contains(err.Error(), "no such file") {
		t.Errorf("child after the parent's failure: %v, want a new try (the gate is gone)", err)
	}
}

// TestCloseOnExec: the client's connection is not inherited by a program
// the job executes.
func TestCloseOnExec(t *testing.T) {
	l, stop := serve(t)
	defer stop()
	c := client(t, l)
	c.Write([]byte(testPrefix + "x\n"))
	rc, err := c.conn.(*net.UnixConn).SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	var flags int
	rc.Control(func(fd uintptr) {
		r, _, _ := syscall.Syscall(syscall.SYS_FCNTL, fd, syscall.F_GETFD, 0)
		flags = int(r)
	})
	if flags&syscall.FD_CLOEXEC == 0 {
		t.Errorf("connection lacks FD_CLOEXEC: flags %#x", flags)
	}
	c.Close()
}

// TestLargeRecordsConcurrent (SPEC.md, client step 4): records far over
// PIPE_BUF and the socket's buffer, from many goroutines on one client and
// from many clients, arrive whole, never interleaved.
func TestLargeRecordsConcurrent(t *testing.T) {
	l, stop := serve(t)
	const clients, goroutines, records = 4, 4, 8
	var wg sync.WaitGroup
	var cs []*Client
	for ci := range clients {
		c := client(t, l)
		cs = append(cs, c)
		for g := range goroutines {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range records {
					size := 70<<10 + (ci*goroutines+g)*1000 + i*4099
					rec := fmt.Sprintf("%s%d.%d.%d %s\n", testPrefix, ci, g, i, strings.Repeat(string(rune('a'+g)), size))
					if _, err := c.Write([]byte(rec)); err != nil {
						t.Error(err)
						return
					}
				}
			}()
		}
	}
	wg.Wait()
	for _, c := range cs {
		c.Close()
	}
	seen := map[string]bool{}
	for _, conn := range stop() {
		for _, line := range strings.Split(strings.TrimSuffix(conn, "\n"), "\n") {
			var ci, g, i int
			var pad string
			if _, err := fmt.Sscanf(line, testPrefix+"%d.%d.%d %s", &ci, &g, &i, &pad); err != nil ||
				pad != strings.Repeat(string(rune('a'+g)), 70<<10+(ci*goroutines+g)*1000+i*4099) {
				t.Fatalf("torn record %.80q: %v", line, err)
			}
			seen[line[:20]] = true
		}
	}
	if len(seen) != clients*goroutines*records {
		t.Errorf("%d records arrived, want %d", len(seen), clients*goroutines*records)
	}
}

// TestCloseDrains (SPEC.md, the gate's side, step 6): records a client has
// written before Close arrive, though its connection is still open; the
// client's next record fails, and it falls back.
func TestCloseDrains(t *testing.T) {
	l, stop := serve(t)
	c := client(t, l)
	want := ""
	for i := range 50 {
		line := fmt.Sprintf("%s%d %s\n", testPrefix, i, strings.Repeat("x", 4000))
		c.Write([]byte(line))
		want += line
	}
	if got := stop(); len(got) != 1 || got[0] != want {
		t.Errorf("after Close, %d connections; want the %d bytes written", len(got), len(want))
	}
	var err error
	for range 3 { // the first write may still land in the socket's buffer
		if _, err = c.Write([]byte(testPrefix + "late\n")); err != nil {
			break
		}
	}
	if err == nil {
		t.Error("writes after Close succeed")
	}
}

// TestMaxConns: beyond MaxConns open connections, a new one is closed
// without the greeting; once one ends, a new one is served again.
func TestMaxConns(t *testing.T) {
	l, stop := serve(t)
	defer stop()
	dial := func() (net.Conn, string) {
		conn, err := net.Dial("unix", l.path())
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(io.LimitReader(conn, int64(len(greeting(l.token)))))
		return conn, string(b)
	}
	var conns []net.Conn
	for range MaxConns {
		conn, got := dial()
		if got != greeting(l.token) {
			t.Fatalf("connection %d: greeting %q", len(conns), got)
		}
		conns = append(conns, conn)
	}
	extra, got := dial()
	if got != "" {
		t.Errorf("connection beyond MaxConns greeted: %q", got)
	}
	extra.Close()
	conns[0].Close()
	for i := 0; ; i++ { // the server sees the end of conns[0] in its own time
		conn, got := dial()
		conns = append(conns, conn)
		if got == greeting(l.token) {
			break
		}
		if i == 1000 {
			t.Fatal("no connection served after one ended")
		}
		time.Sleep(time.Millisecond)
	}
	for _, c := range conns {
		c.Close()
	}
}

// TestPeerOfAnotherUser (SPEC.md, the gate's side, step 2): a process of
// another uid is closed at once, unread and ungreeted, even if the
// directory and the socket let it in. Needs root, to run as nobody.
func TestPeerOfAnotherUser(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to run a process as another user")
	}
	// The system's python3: one under root's home is not nobody's to run.
	python := "/usr/bin/python3"
	if _, err := os.Stat(python); err != nil {
		t.Skip("no /usr/bin/python3")
	}
	l, stop := serve(t)
	// Open the door wide: only SO_PEERCRED stands in the way now.
	os.Chmod(l.dir, 0o711)
	os.Chmod(l.path(), 0o666)
	cmd := exec.Command(python, "-c", `import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(sys.argv[1])
s.settimeout(5)
sys.stdout.write(repr(s.recv(100)))
try:
    s.sendall(b"SystemLog:from nobody\n")
except OSError:
    pass
`, l.path())
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	out, err := cmd.CombinedOutput()
	if err != nil || string(out) != "b''" {
		t.Errorf("as nobody: %v, received %s; want the connection closed with no greeting", err, out)
	}
	if got := stop(); len(got) != 0 {
		t.Errorf("the gate took %q from another user", got)
	}
}
