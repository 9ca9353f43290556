//go:build unix

package gate

import (
	"io"
	"sync"
	"sync/atomic"

	"github.com/conflog/conflog/internal/channel"
	"github.com/conflog/conflog/scrub"
)

// A publicChannel is the gate's side of the job's public channel
// (internal/channel/SPEC.md): every connection gets a filter of its own, so
// records from different writers never mix, and what they pass goes out on
// stderr. Channel lines are trusted in strict mode too, and carry no traces:
// the handlers scrub errors and panics in process.
//
// Its counts are read at a scrape, not pushed at each record: a
// connection's Write stores its filter's counts in atomics of its own
// (no lock, nothing shared with the other connections), and [Stats]
// sums them with those of the connections that ended.
type publicChannel struct {
	l    *channel.Listener
	done chan error // Serve's result

	mu    sync.Mutex
	stats scrub.Stats // of the connections ended so far
	open  map[*channelConn]struct{}
	err   error // the first filter error (sink or output)
}

// servePublicChannel listens and serves; newOut returns the writer of one
// connection's filter (a tripwire of its own, as each stream has).
func servePublicChannel(opts scrub.Options, newOut func() io.Writer) (*publicChannel, error) {
	if _, err := scrub.New(io.Discard, opts); err != nil {
		return nil, err // checked once here, so that each connection's New cannot fail
	}
	l, err := channel.Listen(opts.Prefix)
	if err != nil {
		return nil, err
	}
	opts.Strict, opts.Trace = false, nil
	p := &publicChannel{l: l, done: make(chan error, 1), open: map[*channelConn]struct{}{}}
	go func() {
		p.done <- l.Serve(func() io.WriteCloser {
			f, _ := scrub.New(newOut(), opts)
			return p.newConn(f)
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

// Stats totals the counts of every connection, ended and open, each as of
// the last record its filter judged. Safe for concurrent use: metrics call
// it at a scrape. Each count only grows: a connection's counts move from
// its atomics to the ended total under the lock this takes.
func (p *publicChannel) Stats() scrub.Stats {
	p.mu.Lock()
	defer p.mu.Unlock()
	t := p.stats
	for c := range p.open {
		t.Add(c.live.load())
	}
	return t
}

// A channelConn is the filter of one connection.
type channelConn struct {
	p    *publicChannel
	f    *scrub.Filter
	live liveStats // f's counts after its last Write, for Stats
}

// newConn registers the connection whose records f judges.
func (p *publicChannel) newConn(f *scrub.Filter) *channelConn {
	c := &channelConn{p: p, f: f}
	p.mu.Lock()
	p.open[c] = struct{}{}
	p.mu.Unlock()
	return c
}

func (c *channelConn) Write(b []byte) (int, error) {
	n, err := c.f.Write(b)
	// The filter's counts may be read only on its own goroutine, this one.
	c.live.store(c.f.Stats())
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
	c.p.mu.Unlock()
	return nil // reported once, by close
}

// liveStats are a filter's counts, written by its goroutine and read by
// any: one atomic per count. A reader may see one count a record ahead of
// another; each count alone only grows.
type liveStats struct {
	bytes, passed, private, cut, cutBytes, held, traces, traceLines atomic.Int64
}

func (l *liveStats) store(s scrub.Stats) {
	l.bytes.Store(s.Bytes)
	l.passed.Store(s.Passed)
	l.private.Store(s.Private)
	l.cut.Store(s.Cut)
	l.cutBytes.Store(s.CutBytes)
	l.held.Store(s.Held)
	l.traces.Store(s.Traces)
	l.traceLines.Store(s.TraceLines)
}

func (l *liveStats) load() scrub.Stats {
	return scrub.Stats{
		Bytes: l.bytes.Load(), Passed: l.passed.Load(), Private: l.private.Load(), Cut: l.cut.Load(),
		CutBytes: l.cutBytes.Load(), Held: l.held.Load(), Traces: l.traces.Load(), TraceLines: l.traceLines.Load(),
	}
}
