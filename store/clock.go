package store

import (
	"sync/atomic"
	"time"
)

// A clock stamps appended records. Reading the system clock for each of the
// gate's millions of short lines cost 5% of the store's CPU on the
// benchmark machine (a vDSO clock_gettime, ~30 ns, per record), so while
// records keep coming a goroutine reads it every clockTick and appends read
// that instead; it stops after clockIdle without an append, and the next
// append reads the system clock itself and starts it again. A stamp is the
// time of the latest tick: up to clockTick early, more if the machine is so
// loaded that the goroutine waits for a CPU.
type clock struct {
	ns      atomic.Int64 // Unix nanoseconds at the latest tick
	running atomic.Bool  // the goroutine is ticking: ns is fresh
	used    atomic.Bool  // an append read ns since the last tick
	stop    chan struct{}
}

const (
	clockTick = time.Millisecond
	clockIdle = 100 * time.Millisecond
)

func newClock() *clock {
	return &clock{stop: make(chan struct{})}
}

// now returns the time to stamp a record with, in Unix nanoseconds.
func (c *clock) now() int64 {
	if c.running.Load() {
		if !c.used.Load() {
			c.used.Store(true)
		}
		return c.ns.Load()
	}
	t := time.Now().UnixNano()
	c.ns.Store(t)
	if c.running.CompareAndSwap(false, true) {
		go c.run()
	}
	return t
}

func (c *clock) run() {
	t := time.NewTicker(clockTick)
	defer t.Stop()
	idle := 0
	for {
		select {
		case <-c.stop:
			c.running.Store(false)
			return
		case now := <-t.C:
			c.ns.Store(now.UnixNano())
			if c.used.Swap(false) {
				idle = 0
			} else if idle++; time.Duration(idle)*clockTick >= clockIdle {
				c.running.Store(false)
				return
			}
		}
	}
}

// close stops the goroutine, if it runs.
func (c *clock) close() {
	close(c.stop)
}
