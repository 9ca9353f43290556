//go:build unix

package gate

import (
	"errors"
	"io"
	"sync"
)

// A WriteBehind passes each Write to a goroutine that writes it on, so that
// what the next writer does with it overlaps the caller's own work. conflog
// scrub puts one between its filter and the tripwire: the filter frames the
// next block on one core while the detectors check the last one on another
// (on one goroutine, the tripwire nearly halved scrub's throughput).
//
// Order is kept; at most two blocks are in flight, so memory stays bounded by
// two of the caller's writes. Write copies p and returns before it is written:
// an error of the underlying writer surfaces on a later Write, or at Close.
type WriteBehind struct {
	w    io.Writer
	free chan []byte // empty buffers, ours to fill
	full chan []byte // filled buffers, the goroutine's to write
	done chan struct{}
	// closed is the caller's: Write and Close come from one goroutine.
	closed bool

	mu  sync.Mutex
	err error // the underlying writer's first error
}

var ErrWriteBehindClosed = errors.New("write after close")

func NewWriteBehind(w io.Writer) *WriteBehind {
	b := &WriteBehind{w: w, free: make(chan []byte, 2), full: make(chan []byte, 2), done: make(chan struct{})}
	b.free <- nil
	b.free <- nil
	go b.loop()
	return b
}

func (b *WriteBehind) loop() {
	defer close(b.done)
	for p := range b.full {
		if b.error() == nil {
			if _, err := b.w.Write(p); err != nil {
				b.mu.Lock()
				b.err = err
				b.mu.Unlock()
			}
		}
		b.free <- p[:0]
	}
}

func (b *WriteBehind) error() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.err
}

// Write hands a copy of p to the goroutine, waiting while two blocks are
// already in flight.
func (b *WriteBehind) Write(p []byte) (int, error) {
	if b.closed {
		return 0, ErrWriteBehindClosed
	}
	if err := b.error(); err != nil {
		return 0, err
	}
	buf := <-b.free
	b.full <- append(buf, p...)
	return len(p), nil
}

// Close waits until every block is written and returns the underlying
// writer's first error. It does not close the underlying writer.
func (b *WriteBehind) Close() error {
	if !b.closed {
		b.closed = true
		close(b.full)
		<-b.done
	}
	return b.error()
}
