//go:build unix && !linux

package gate

import (
	"errors"
	"io"
	"os"
	"sync"
	"time"
)

// Elsewhere than Linux the gate reads Go's own pipes; the batching that
// pipe_linux.go explains is a Linux measurement and uses Linux's pipe sizes.

var errStopped = errors.New("stopped reading: the grace period is over")

const pipeSize = 1 << 20 // the most a late read takes (pipe_linux.go sizes pipes so)

type jobPipes struct {
	mu      sync.Mutex
	readers []*os.File
	stopped bool
}

func newJobPipes() (*jobPipes, error) { return &jobPipes{}, nil }

func (p *jobPipes) pipe() (*pipeReader, *os.File, error) {
	r, w, err := os.Pipe()
	if err != nil {
		return nil, nil, err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.readers = append(p.readers, r)
	if p.stopped {
		r.SetReadDeadline(time.Now())
	}
	return &pipeReader{f: r}, w, nil
}

func (p *jobPipes) reader(fd int) *pipeReader {
	r := os.NewFile(uintptr(fd), "")
	p.mu.Lock()
	defer p.mu.Unlock()
	p.readers = append(p.readers, r)
	if p.stopped {
		r.SetReadDeadline(time.Now())
	}
	return &pipeReader{f: r}
}

func (p *jobPipes) stopReading() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.stopped = true
	for _, r := range p.readers {
		r.SetReadDeadline(time.Now())
	}
}

func (p *jobPipes) Close() error { return nil }

func (p *jobPipes) endLate() {}

type pipeReader struct{ f *os.File }

func (r *pipeReader) Read(b []byte) (int, error) {
	n, err := r.f.Read(b)
	if errors.Is(err, os.ErrDeadlineExceeded) {
		err = errStopped
	}
	return n, err
}

// late cuts nothing here: stopReading cuts at once, and what the pipes held
// is lost (pipe_linux.go reads it first).
func (r *pipeReader) late(func([]byte), int) int64 { return 0 }

func (r *pipeReader) Close() error { return r.f.Close() }

// hungUp does not know here: the period's end stops the reads.
func (r *pipeReader) hungUp() bool { return false }

func BatchedInput(in io.Reader) io.Reader { return in }
