//go:build unix

package gate

import (
	"io"
	"sync"

	"github.com/conflog/conflog/internal/channel"
	"github.com/conflog/conflog/scrub"
)

// A publicChannel is the gate's side of the job's public channel
// (internal/channel/SPEC.md): every connection gets a filter of its own, so
// records from different writers never mix, and what they pass goes out on
// stderr. Channel lines are trusted in strict mode too, and carry no traces:
// the handlers scrub errors and panics in process.
type publicChannel struct {
	l    *channel.Listener
	done chan error // Serve's result

	observe func(scrub.Stats) // Config.ObserveChannel, or nil

	mu    sync.Mutex
	stats scrub.Stats // of the connections ended so far
	open  map[*channelConn]scrub.Stats
	err   error // the first filter error (sink or output)
}

// servePublicChannel listens and serves; newOut returns the writer of one
// connection's filter (a tripwire of its own, as each stream has); observe,
// when not nil, gets the totals as they change.
func servePublicChannel(opts scrub.Options, observe func(scrub.Stats), newOut func() io.Writer) (*publicChannel, error) {
	if _, err := scrub.New(io.Discard, opts); err != nil {
		return nil, err // checked once here, so that each connection's New cannot fail
	}
	l, err := channel.Listen(opts.Prefix)
	if err != nil {
		return nil, err
	}
	opts.Strict, opts.Trace = false, nil
	p := &publicChannel{l: l, done: make(chan error, 1), observe: observe, open: map[*channelConn]scrub.Stats{}}
	go func() {
		p.done <- l.Serve(func() io.WriteCloser {
			f, _ := scrub.New(newOut(), opts)
			return &channelConn{p: p, f: f}
		})
	}()
	return p, nil
}

// close drains the connections (see channel.Listener.Close), ends their
// filters and removes the socket; it returns their stats and first error.
func (p *publicChannel) close() (scrub.Stats, error) {
	err := p.l.Close()
	if serr := <-p.done; err == nil {
		err = serr
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.err != nil {
		err = p.err
	}
	return p.stats, err
}

// A channelConn is the filter of one connection.
type channelConn struct {
	p *publicChannel
	f *scrub.Filter
}

func (c *channelConn) Write(b []byte) (int, error) {
	n, err := c.f.Write(b)
	if c.p.observe != nil {
		// The filter's counts are read on its own goroutine, this one.
		c.p.mu.Lock()
		c.p.open[c] = c.f.Stats()
		t := c.p.total()
		c.p.mu.Unlock()
		c.p.observe(t)
	}
	return n, err
}

func (c *channelConn) Close() error {
	err := c.f.Close()
	c.p.mu.Lock()
	c.p.stats.Add(c.f.Stats())
	delete(c.p.open, c)
	if err != nil && c.p.err == nil {
		c.p.err = err
	}
	t := c.p.total()
	c.p.mu.Unlock()
	if c.p.observe != nil {
		c.p.observe(t)
	}
	return nil // reported once, by close
}

// total is the counts of every connection, ended and open; called with mu held.
func (p *publicChannel) total() scrub.Stats {
	t := p.stats
	for _, s := range p.open {
		t.Add(s)
	}
	return t
}
