package channel

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"
)

// MaxConns is how many connections the gate serves at once (SPEC.md, the
// gate's side, step 5). Beyond it a connection is closed without the
// greeting, and its client falls back.
const MaxConns = 1024

// readSize is the buffer each connection is read with.
const readSize = 32 << 10

// A Listener is the gate's side of the channel: a socket in a directory of
// its own, and the connections it serves.
type Listener struct {
	prefix, token, dir string
	ln                 *net.UnixListener

	mu      sync.Mutex
	closing bool
	conns   map[*net.UnixConn]bool // open connections, greeted or not
	served  sync.WaitGroup         // one per entry in conns
	err     error                  // the first error of a connection's writer
}

// Listen makes the channel of one run for a gate whose prefix is prefix: a
// directory made by mkdtemp (mode 0700) under os.TempDir and a socket in it
// (mode 0600), and a new token.
func Listen(prefix string) (*Listener, error) {
	if err := CheckPrefix(prefix); err != nil {
		return nil, err
	}
	var b [tokenLen / 2]byte
	rand.Read(b[:]) // never fails (crypto/rand)
	dir, err := mkdir()
	if err != nil {
		return nil, fmt.Errorf("public channel: %w", err)
	}
	l := &Listener{prefix: prefix, token: hex.EncodeToString(b[:]), dir: dir, conns: map[*net.UnixConn]bool{}}
	if err := l.listen(); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("public channel: %w", err)
	}
	return l, nil
}

// sunPathMax is the longest socket path every Unix takes: sockaddr_un's
// sun_path holds 108 bytes on Linux and 104 on the BSDs and macOS, the
// terminating NUL included.
const sunPathMax = 103

// mkdir makes the channel's directory under os.TempDir, or under /tmp when
// the socket's path there would be too long for sun_path (a deep TMPDIR,
// such as a build sandbox's or a test harness's, would otherwise keep every
// job under the gate from starting).
func mkdir() (string, error) {
	for _, parent := range []string{os.TempDir(), "/tmp"} {
		// MkdirTemp's suffix is at most 10 digits.
		if len(filepath.Join(parent, "conflog-channel-0123456789", "public.sock")) <= sunPathMax {
			return os.MkdirTemp(parent, "conflog-channel-")
		}
	}
	return "", fmt.Errorf("TMPDIR %q is too long for a socket's path (at most %d bytes)", os.TempDir(), sunPathMax)
}

func (l *Listener) listen() error {
	// mkdtemp's mode is 0700 already; say it, whatever the umask.
	if err := os.Chmod(l.dir, 0o700); err != nil {
		return err
	}
	ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: l.path(), Net: "unix"})
	if err != nil {
		return err
	}
	l.ln = ln
	// The directory already keeps others out; the socket's mode says so too.
	return os.Chmod(l.path(), 0o600)
}

func (l *Listener) path() string { return filepath.Join(l.dir, "public.sock") }

// Env returns environ, the job's environment, with the channel's variables
// set and EnvPublicFD removed, ready for exec.Cmd.Env.
func (l *Listener) Env(environ []string) []string {
	env := make([]string, 0, len(environ)+3)
	for _, kv := range environ {
		switch k, _, _ := strings.Cut(kv, "="); k {
		case EnvPrefix, EnvChannel, EnvToken, EnvPublicFD:
		default:
			env = append(env, kv)
		}
	}
	return append(env, EnvPrefix+"="+l.prefix, EnvChannel+"="+scheme+l.path(), EnvToken+"="+l.token)
}

// Serve accepts connections until Close. It passes the bytes of each to a
// writer of its own from newConn, so that each connection is framed on its
// own (a scrub.Filter per connection), and closes that writer at the
// connection's end. A connection from a process of another user is closed
// unread; one beyond MaxConns is closed without the greeting. newConn and
// the writers it returns are called from the connections' goroutines. Serve
// returns nil after Close, or the error that stopped it accepting.
func (l *Listener) Serve(newConn func() io.WriteCloser) error {
	for {
		conn, err := l.ln.AcceptUnix()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return nil
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() || errors.Is(err, syscall.EMFILE) || errors.Is(err, syscall.ENFILE) {
				// Out of descriptors for a moment: the client waits for
				// its greeting, then falls back.
				time.Sleep(10 * time.Millisecond)
				continue
			}
			return fmt.Errorf("public channel: %w", err)
		}
		if !l.admit(conn) {
			conn.Close()
			continue
		}
		go l.serve(conn, newConn)
	}
}

// admit registers conn if it may be served.
func (l *Listener) admit(conn *net.UnixConn) bool {
	if uid, err := peerUID(conn); err != nil || uid != os.Geteuid() {
		return false
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closing || len(l.conns) >= MaxConns {
		return false
	}
	l.conns[conn] = true
	l.served.Add(1)
	return true
}

// serve greets conn and copies what it sends to a writer of its own until
// the connection ends, or until Close, which makes it take what conn holds
// and stop.
func (l *Listener) serve(conn *net.UnixConn, newConn func() io.WriteCloser) {
	defer func() {
		conn.Close()
		l.mu.Lock()
		delete(l.conns, conn)
		l.mu.Unlock()
		l.served.Done()
	}()
	if _, err := io.WriteString(conn, greeting(l.token)); err != nil {
		return // the client is gone before its first record
	}
	w := newConn()
	var werr error
	write := func(p []byte) {
		if werr == nil {
			if _, werr = w.Write(p); werr != nil {
				l.fail(werr)
			}
		}
		// After a failure, keep reading: a client must never block on
		// a full socket. Nothing more passes.
	}
	buf := make([]byte, readSize)
	for {
		n, err := conn.Read(buf)
		write(buf[:n])
		if err == nil {
			continue
		}
		if errors.Is(err, os.ErrDeadlineExceeded) {
			drain(conn, buf, write)
		}
		break
	}
	if err := w.Close(); err != nil && werr == nil {
		l.fail(err)
	}
}

func (l *Listener) fail(err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.err == nil {
		l.err = err
	}
}

// Close stops accepting, passes on what every open connection holds at this
// moment without waiting for more, closes the connections and their
// writers, and removes the socket's directory. The gate calls it once the job
// has exited and the grace period has ended (SPEC.md, the gate's side, step
// 6). It returns the first error of a connection's writer, if any.
func (l *Listener) Close() error {
	l.mu.Lock()
	l.closing = true
	l.ln.Close()
	past := time.Unix(1, 0)
	for conn := range l.conns {
		// Wakes the reader, which drains what is there and stops.
		conn.SetReadDeadline(past)
	}
	l.mu.Unlock()
	l.served.Wait()
	if err := os.RemoveAll(l.dir); err != nil && l.err == nil {
		return err
	}
	return l.err
}
