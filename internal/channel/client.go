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

// A Client writes public records on the channel. One is enough per process:
// it serialises writes under a lock, connects at its first record, and
// follows the process across a fork (SPEC.md, "The client's side").
type Client struct {
	path, token string
	getpid      func() int // syscall.Getpid; tests pretend to be a forked child

	mu   sync.Mutex
	pid  int      // the process conn and err belong to
	conn net.Conn // nil: not connected in pid
	err  error    // why the channel ended in pid
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
	return &Client{path: path, token: token, getpid: syscall.Getpid}, nil
}

// Write writes p, which must be one whole line (the prefix, the record and
// '\n'), on this process's connection, connecting first if it has none. It
// writes every byte before it returns, so records never interleave, whatever
// their size.
//
// An error means the channel cannot be proven the gate's, or that a write
// failed: the channel has ended for this process, and every later Write
// returns the same error at once. The caller then writes its records
// elsewhere (SPEC.md, "Fallback").
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
		c.pid, c.conn, c.err = pid, nil, nil
	}
	if c.err != nil {
		return 0, c.err
	}
	if c.conn == nil {
		conn, err := dial(c.path, c.token)
		if err != nil {
			c.err = err
			return 0, err
		}
		c.conn = conn
	}
	n, err := c.conn.Write(p)
	if err != nil {
		c.conn.Close()
		c.conn = nil
		c.err = fmt.Errorf("%s: %w", c.path, err)
		return n, c.err
	}
	return n, nil
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
	c.err = fmt.Errorf("%s: %w", c.path, net.ErrClosed)
	return err
}

// dial connects to the socket at path after checking, without following
// symbolic links, that it is a socket in a directory only this user can
// enter, and returns the connection once the gate has greeted it with token.
func dial(path, token string) (net.Conn, error) {
	fi, err := os.Lstat(path)
	if err != nil {
		return nil, err
	}
	if fi.Mode().Type() != os.ModeSocket {
		return nil, fmt.Errorf("%s: not a socket (%v)", path, fi.Mode().Type())
	}
	dir := filepath.Dir(path)
	di, err := os.Lstat(dir)
	if err != nil {
		return nil, err
	}
	if !di.IsDir() {
		return nil, fmt.Errorf("%s: not a directory (%v)", dir, di.Mode().Type())
	}
	if uid, ok := owner(di); !ok || uid != os.Geteuid() {
		return nil, fmt.Errorf("%s: not owned by this user (uid %d)", dir, os.Geteuid())
	}
	if perm := di.Mode().Perm(); perm&0o077 != 0 {
		return nil, fmt.Errorf("%s: mode %#o: others than its owner may use it", dir, perm)
	}
	// net's sockets are close-on-exec: a program the job executes does
	// not inherit the connection, it makes its own.
	conn, err := net.DialTimeout("unix", path, greetingTimeout)
	if err != nil {
		return nil, err
	}
	want := greeting(token)
	got := make([]byte, len(want))
	conn.SetReadDeadline(time.Now().Add(greetingTimeout))
	_, err = io.ReadFull(conn, got)
	conn.SetReadDeadline(time.Time{})
	if err == nil && !bytes.Equal(got, []byte(want)) {
		err = errors.New("wrong greeting: not this run's gate")
	}
	if err != nil {
		conn.Close()
		return nil, fmt.Errorf("%s: greeting: %w", path, err)
	}
	return conn, nil
}
