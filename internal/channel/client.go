package channel

import (
	"bytes"
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

// greetingTimeout bounds the wait for the gate's greeting (SPEC.md, client
// step 3): a socket nobody serves must not hang the job's first record.
var greetingTimeout = 2 * time.Second

// The wait before the channel is tried again after a failure that may pass
// (SPEC.md, client step 7): firstRetry after the first, doubling with each
// later failure of the process up to maxRetry.
const (
	firstRetry = time.Second
	maxRetry   = 30 * time.Second
)

// A finalError is a failure that no retry can mend (SPEC.md, client step
// 7): the socket is not one this user may trust, or it is gone, or it
// greeted with another run's token.
type finalError struct{ error }

func (e finalError) Unwrap() error { return e.error }

// Final reports whether err, from Write, ended the channel for good in this
// process; otherwise a later Write tries the channel again once the backoff
// has passed.
func Final(err error) bool {
	var f finalError
	return errors.As(err, &f)
}

// A Client writes public records on the channel. One is enough per process:
// it serialises writes under a lock, connects at its first record, and
// follows the process across a fork (SPEC.md, "The client's side").
type Client struct {
	path, token string
	getpid      func() int       // syscall.Getpid; tests pretend to be a forked child
	now         func() time.Time // time.Now; tests move the clock

	mu      sync.Mutex
	pid     int           // the process conn and the failure state belong to
	conn    net.Conn      // nil: not connected in pid
	err     error         // the last failure in pid, while not connected
	retryAt time.Time     // no new try before this, unless err is final
	delay   time.Duration // the backoff after the next failure; 0: firstRetry
}

// FromEnv returns a client for the channel the environment names, as getenv
// reads it: nil and nil when EnvChannel is unset or empty (the process is
// not under the gate), an error when the variables are malformed.
func FromEnv(getenv func(string) string) (*Client, error) {
	addr := getenv(EnvChannel)
	if addr == "" {
		return nil, nil
	}
	return NewClient(addr, getenv(EnvToken))
}

// NewClient returns a client for addr, "unix:" and an absolute path, proven
// by token. It checks the two only; the socket is checked at the first
// record.
func NewClient(addr, token string) (*Client, error) {
	path, ok := strings.CutPrefix(addr, scheme)
	if !ok || !filepath.IsAbs(path) || filepath.Clean(path) != path {
		return nil, fmt.Errorf("%s=%q: want %q and a clean absolute path", EnvChannel, addr, scheme)
	}
	if err := checkToken(token); err != nil {
		return nil, err
	}
	return &Client{path: path, token: token, getpid: syscall.Getpid, now: time.Now}, nil
}

// Write writes p, which must be one whole line (the prefix, the record and
// '\n'), on this process's connection, connecting first if it has none. It
// writes every byte before it returns, so records never interleave, whatever
// their size.
//
// An error means the channel cannot be proven the gate's, or that connecting,
// the greeting or a write failed: the caller writes this record elsewhere
// (SPEC.md, "Fallback"), never again here. Final tells whether the failure
// ended the channel for this process. If not, Writes return the same error
// at once until the backoff has passed (SPEC.md, client step 7); the next
// Write then connects anew.
func (c *Client) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if pid := c.getpid(); pid != c.pid {
		// A forked child: the connection, and any failure, are its
		// parent's. Close our copy of the descriptor (the parent's stays
		// open) and start afresh.
		if c.conn != nil {
			c.conn.Close()
		}
		c.pid, c.conn, c.err, c.retryAt, c.delay = pid, nil, nil, time.Time{}, 0
	}
	if c.conn == nil {
		if c.err != nil && (Final(c.err) || c.now().Before(c.retryAt)) {
			return 0, c.err
		}
		conn, err := dial(c.path, c.token)
		if err != nil {
			return 0, c.fail(err)
		}
		c.conn, c.err = conn, nil
	}
	n, err := c.conn.Write(p)
	if err != nil {
		// The gate closed the connection (its end, or a crash). The
		// record, whole or cut at n, is not written again here: the
		// caller takes the fallback for it (SPEC.md, client step 7).
		c.conn.Close()
		c.conn = nil
		return n, c.fail(fmt.Errorf("%s: %w", c.path, err))
	}
	return n, nil
}

// fail records err and, unless it is final, when the channel may be tried
// again.
func (c *Client) fail(err error) error {
	c.err = err
	if !Final(err) {
		if c.delay == 0 {
			c.delay = firstRetry
		}
		c.retryAt = c.now().Add(c.delay)
		c.delay = min(2*c.delay, maxRetry)
	}
	return err
}

// Close closes this process's connection, if it has one. A later Write
// reports the channel closed.
func (c *Client) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	var err error
	if c.conn != nil && c.pid == c.getpid() {
		err = c.conn.Close()
	}
	c.conn = nil
	c.err = finalError{fmt.Errorf("%s: %w", c.path, net.ErrClosed)}
	return err
}

// dial connects to the socket at path after checking, without following
// symbolic links, that it is a socket in a directory only this user can
// enter, and returns the connection once the gate has greeted it with token.
func dial(path, token string) (net.Conn, error) {
	if err := checkPath(path); err != nil {
		return nil, finalError{err}
	}
	// net's sockets are close-on-exec: a program the job executes does
	// not inherit the connection, it makes its own.
	conn, err := net.DialTimeout("unix", path, greetingTimeout)
	if err != nil {
		if errors.Is(err, syscall.ENOENT) {
			// Removed since checkPath: the gate has ended.
			err = finalError{err}
		}
		return nil, err
	}
	want := []byte(greeting(token))
	got := make([]byte, len(want))
	conn.SetReadDeadline(time.Now().Add(greetingTimeout))
	n, err := io.ReadFull(conn, got)
	conn.SetReadDeadline(time.Time{})
	if !bytes.Equal(got[:n], want[:n]) {
		// Another run's gate, or not a gate: no retry makes it ours.
		err = finalError{errors.New("wrong greeting: not this run's gate")}
	}
	if err != nil {
		// Short of the greeting (a gate too slow, or over its
		// connection limit): a later try may succeed.
		conn.Close()
		return nil, wrapPath(path, "greeting", err)
	}
	return conn, nil
}

// wrapPath names path and the step in err, keeping it final if it was.
func wrapPath(path, step string, err error) error {
	w := fmt.Errorf("%s: %s: %w", path, step, err)
	if Final(err) {
		return finalError{w}
	}
	return w
}

// checkPath is client step 2: without following symbolic links, path is a
// socket in a directory only this user can enter. A failure is final: the
// environment names a file this process must not trust, or the gate has
// ended and removed its directory.
func checkPath(path string) error {
	fi, err := os.Lstat(path)
	if err != nil {
		return err
	}
	if fi.Mode().Type() != os.ModeSocket {
		return fmt.Errorf("%s: not a socket (%v)", path, fi.Mode().Type())
	}
	dir := filepath.Dir(path)
	di, err := os.Lstat(dir)
	if err != nil {
		return err
	}
	if !di.IsDir() {
		return fmt.Errorf("%s: not a directory (%v)", dir, di.Mode().Type())
	}
	if uid, ok := owner(di); !ok || uid != os.Geteuid() {
		return fmt.Errorf("%s: not owned by this user (uid %d)", dir, os.Geteuid())
	}
	if perm := di.Mode().Perm(); perm&0o077 != 0 {
		return fmt.Errorf("%s: mode %#o: others than its owner may use it", dir, perm)
	}
	return nil
}
