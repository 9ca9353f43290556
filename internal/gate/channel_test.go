//go:build unix

package gate

import (
	"io"
	"sync"
	"testing"

	"github.com/conflog/conflog/scrub"
)

// BenchmarkChannelWriteMetrics: the public channel's Write with metrics on
// (conflog run --metrics), as connections write records side by side: one
// record per Write, as the handlers send them, 8 connections at once.
func BenchmarkChannelWriteMetrics(b *testing.B) {
	p := &publicChannel{open: map[*channelConn]struct{}{}}
	stats := p.Stats // as cmd/conflog's metrics take it, to read at a scrape
	record := []byte("SystemLog: level=INFO msg=\"epoch finished\" epoch=3 loss=0.251\n")
	b.SetBytes(int64(len(record)))
	b.SetParallelism(4)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		f, err := scrub.New(io.Discard, scrub.Options{Prefix: "SystemLog:"})
		if err != nil {
			b.Error(err)
			return
		}
		c := p.newConn(f)
		for pb.Next() {
			c.Write(record)
		}
		c.Close()
	})
	b.StopTimer()
	if got := stats().Passed; got != int64(b.N) {
		b.Errorf("the channel counts %d lines passed, want %d", got, b.N)
	}
}

// A record on the public channel takes no lock that a scrape, or another
// connection, holds: with the channel's lock held elsewhere, a connection
// still writes (before, each Write waited for it to sum every connection's
// counts; a hang here is the test's -timeout to report). A scrape then
// sees the record.
func TestChannelWriteTakesNoSharedLock(t *testing.T) {
	t.Parallel()
	p := &publicChannel{open: map[*channelConn]struct{}{}}
	f, err := scrub.New(io.Discard, scrub.Options{Prefix: "SystemLog:"})
	if err != nil {
		t.Fatal(err)
	}
	c := p.newConn(f)
	p.mu.Lock() // a scrape, or another connection's end, under way
	c.Write([]byte("SystemLog: one\nprivate\n"))
	p.mu.Unlock()
	if s := p.Stats(); s.Passed != 1 || s.Private != 1 {
		t.Errorf("a scrape sees %+v, want 1 passed and 1 private", s)
	}
}

// Scrapes during writes on several connections, some of which end, see
// each count only grow, and the last sees every line.
func TestChannelStatsGrowAndAddUp(t *testing.T) {
	t.Parallel()
	p := &publicChannel{open: map[*channelConn]struct{}{}}
	const conns, lines = 6, 3000
	var wg sync.WaitGroup
	for range conns {
		f, err := scrub.New(io.Discard, scrub.Options{Prefix: "SystemLog:"})
		if err != nil {
			t.Fatal(err)
		}
		c := p.newConn(f)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range lines {
				c.Write([]byte("SystemLog: x\nprivate\n"))
			}
			c.Close()
		}()
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	var last scrub.Stats
	for finished := false; !finished; {
		select {
		case <-done:
			finished = true
		default:
		}
		s := p.Stats()
		if s.Passed < last.Passed || s.Private < last.Private || s.Bytes < last.Bytes {
			t.Fatalf("a count went down: %+v after %+v", s, last)
		}
		last = s
	}
	if s := p.Stats(); s.Passed != conns*lines || s.Private != conns*lines || s.Bytes != conns*lines*int64(len("SystemLog: x\nprivate\n")) {
		t.Errorf("the channel counts %+v, want %d passed and private", s, conns*lines)
	}
}
