//go:build unix

package gate

import (
	"bytes"
	"errors"
	"io"
	"os"
	"sync"
	"time"

	"golang.org/x/sys/unix"
)

// The gate reads a job's output in batches, because on Linux the cost of a
// pipe is the wake-ups, not the copies. A job that writes line by line (any
// Python job under PYTHONUNBUFFERED=1, as containers usually set it) makes
// one write(2) per line; a reader that is always waiting in read(2), or in
// epoll as Go's own pipes are, is woken for each of them. Measured with a
// Python job writing 256 MiB line by line: 2.6 s to /dev/null, 6–6.7 s
// piped into cat or into a Go reader, 3.4 s into a reader that batches as
// below (bench/README.md, "Egress gate", has the gate's figures).
//
// So the read end is a plain blocking descriptor that never joins an epoll
// set, the pipe holds up to pipeSize bytes, and after a read that found
// less than batchBytes waiting, the reader sleeps for linger before the next:
// meanwhile the job's writes land in the pipe without waking anybody. A job
// that writes a line now and then sees no delay at all (the reader is
// waiting in poll(2) and takes the line at once); a busy one, at most
// linger per batch. The job never blocks for longer than that unless it
// writes more than pipeSize per linger, at which rate reads are full and
// the reader no longer sleeps.
const (
	pipeSize   = 1 << 20 // F_SETPIPE_SZ; the kernel's default limit for unprivileged users
	batchBytes = 64 << 10
	linger     = time.Millisecond
)

// errStopped is what a read returns once it has read what the pipe held
// when stopReading was called.
var errStopped = errors.New("stopped reading: the grace period is over")

// A jobPipes makes the pipes of one run and can stop every read on them at
// once: the grace period's end, when a process the job started still holds
// an output open after the job has exited.
//
// Stopping is exact: every byte in a pipe at that moment, which holds all
// the job wrote before it exited, is still read and judged; only bytes
// written later are cut (see pipeReader.late). The reader may be far behind,
// its output slower than the grace period, and lose nothing of the job's.
type jobPipes struct {
	once     sync.Once
	stopR    int // becomes readable (hang-up) when stopW is closed
	stopW    int
	stopping chan struct{}

	endOnce    sync.Once
	endR, endW int // the same, for endLate: the leftovers are stopped

	mu      sync.Mutex
	readers []*pipeReader
}

func newJobPipes() (*jobPipes, error) {
	var fds, end [2]int
	if err := unix.Pipe2(fds[:], unix.O_CLOEXEC); err != nil {
		return nil, os.NewSyscallError("pipe2", err)
	}
	if err := unix.Pipe2(end[:], unix.O_CLOEXEC); err != nil {
		unix.Close(fds[0])
		unix.Close(fds[1])
		return nil, os.NewSyscallError("pipe2", err)
	}
	return &jobPipes{stopR: fds[0], stopW: fds[1], stopping: make(chan struct{}), endR: end[0], endW: end[1]}, nil
}

// endLate tells the late reads (pipeReader.late) that the processes left
// behind are stopped: they take what is there and end, without waiting for
// the end of a pipe that something still holds.
func (p *jobPipes) endLate() {
	p.endOnce.Do(func() { unix.Close(p.endW) })
}

// pipe returns a new pipe: the reader for the gate and the write end for
// the job (blocking, as a child expects its stdout to be).
func (p *jobPipes) pipe() (*pipeReader, *os.File, error) {
	var fds [2]int
	if err := unix.Pipe2(fds[:], unix.O_CLOEXEC); err != nil {
		return nil, nil, os.NewSyscallError("pipe2", err)
	}
	// Best effort: without it the pipe keeps its 64 KiB, and batches shrink.
	unix.FcntlInt(uintptr(fds[0]), unix.F_SETPIPE_SZ, pipeSize)
	return p.reader(fds[0]), os.NewFile(uintptr(fds[1]), "|job"), nil
}

// reader reads fd (the gate's own copy, which Close closes) until it ends
// or the gate stops reading.
func (p *jobPipes) reader(fd int) *pipeReader {
	r := &pipeReader{fd: fd, pipes: p}
	p.mu.Lock()
	p.readers = append(p.readers, r)
	p.mu.Unlock()
	return r
}

// stopReading marks, in every pipe, the bytes it holds now: reads go on
// until those are read, then return errStopped.
func (p *jobPipes) stopReading() {
	p.once.Do(func() {
		p.mu.Lock()
		for _, r := range p.readers {
			r.stop()
		}
		p.mu.Unlock()
		close(p.stopping)
		unix.Close(p.stopW)
	})
}

// Close releases the stop pipe, after every reader is done.
func (p *jobPipes) Close() error {
	p.stopReading()
	p.endLate()
	unix.Close(p.endR)
	return unix.Close(p.stopR)
}

// BatchedInput returns in, read in batches as above when it is a pipe: a
// platform that pipes a job into conflog scrub spares the job the same
// wake-ups. Anything else (a file, a terminal, a socket) is returned as is.
func BatchedInput(in io.Reader) io.Reader {
	f, ok := in.(*os.File)
	if !ok {
		return in
	}
	fi, err := f.Stat()
	if err != nil || fi.Mode()&os.ModeNamedPipe == 0 {
		return in
	}
	unix.FcntlInt(f.Fd(), unix.F_SETPIPE_SZ, pipeSize) // best effort, as in pipe
	return &pipeReader{fd: int(f.Fd()), file: f}
}

// A pipeReader is the gate's read end of one pipe from the job. One
// goroutine reads it.
type pipeReader struct {
	fd    int
	pipes *jobPipes // nil: nothing stops the reads
	file  *os.File  // the reader's owner, if any, kept from the collector
	short bool      // the last read found less than batchBytes: linger first

	// mu orders the reads against stop, so that stop counts exactly the
	// bytes no read has taken yet.
	mu      sync.Mutex
	stopped bool
	left    int // after stop: bytes still to read of those the pipe held
}

// stop records how many bytes the pipe holds now: what is left to read.
func (r *pipeReader) stop() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.stopped || r.fd < 0 {
		return
	}
	r.stopped = true
	if n, err := unix.IoctlGetInt(r.fd, unix.TIOCINQ); err == nil {
		r.left = n
	}
}

func (r *pipeReader) Read(b []byte) (int, error) {
	if len(b) == 0 {
		return 0, nil
	}
	var stopping <-chan struct{} // nil, and never ready, without pipes
	fds := []unix.PollFd{{Fd: int32(r.fd), Events: unix.POLLIN}}
	if r.pipes != nil {
		stopping = r.pipes.stopping
		fds = append(fds, unix.PollFd{Fd: int32(r.pipes.stopR), Events: unix.POLLIN})
	}
	if r.short {
		select {
		case <-time.After(linger):
		case <-stopping:
		}
	}
	for {
		if n, err, done := r.readLeft(b); done {
			return n, err
		}
		// Wait for data, or for the stop pipe's hang-up. poll(2), unlike
		// epoll, watches the pipe only while the reader waits in it.
		fds[0].Revents = 0
		if _, err := unix.Poll(fds, -1); err != nil {
			if err == unix.EINTR {
				continue // Go's own signals (preemption) and forwarded ones
			}
			return 0, os.NewSyscallError("poll", err)
		}
		if fds[0].Revents == 0 {
			continue // the stop pipe: readLeft tells
		}
		r.mu.Lock()
		if r.stopped {
			r.mu.Unlock()
			continue
		}
		n, err := unix.Read(r.fd, b)
		r.mu.Unlock()
		switch {
		case err == unix.EINTR || err == unix.EAGAIN:
			continue
		case err != nil:
			return 0, os.NewSyscallError("read", err)
		case n == 0:
			return 0, io.EOF // every holder of the write end is gone
		}
		r.short = n < batchBytes && n < len(b)
		return n, nil
	}
}

// readLeft serves a read once the pipe is stopped: the bytes it held then,
// which are there to read without waiting, then errStopped.
func (r *pipeReader) readLeft(b []byte) (n int, err error, done bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.stopped {
		return 0, nil, false
	}
	if r.left == 0 {
		return 0, errStopped, true
	}
	n, err = unix.Read(r.fd, b[:min(len(b), r.left)])
	switch {
	case err == unix.EINTR:
		return 0, nil, false
	case err != nil:
		return 0, os.NewSyscallError("read", err), true
	case n == 0:
		return 0, io.EOF, true
	}
	r.left -= n
	return n, nil, true
}

// late reads what is written to the pipe after it was stopped and gives
// it to private line by line, until the pipe ends (every writer is gone)
// or, once the gate has stopped the processes left behind (endLate), what
// the pipe holds then, at most max bytes more. Those processes write until
// they are stopped, and all of it is theirs: it goes to the sink, counted,
// not left unread in the pipe. It returns the byte count: bytes no filter
// judged, so none of them may pass.
func (r *pipeReader) late(private func(line []byte), max int) int64 {
	buf := make([]byte, 64<<10)
	var total int64
	ended, after := false, 0 // after endLate: bytes read since
	for !ended || after < max {
		fds := []unix.PollFd{{Fd: int32(r.fd), Events: unix.POLLIN}}
		if !ended {
			fds = append(fds, unix.PollFd{Fd: int32(r.pipes.endR), Events: unix.POLLIN})
		}
		timeout := -1
		if ended {
			timeout = 0
		}
		n, err := unix.Poll(fds, timeout)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			break
		}
		if !ended && fds[1].Revents != 0 {
			ended = true
			continue // one more look at the pipe, without waiting
		}
		if n == 0 || fds[0].Revents == 0 {
			break
		}
		size := len(buf)
		if ended {
			size = min(size, max-after)
		}
		n, err = unix.Read(r.fd, buf[:size])
		if err == unix.EINTR || err == unix.EAGAIN {
			continue
		}
		if err != nil || n <= 0 {
			break // the end of the pipe: every writer is gone
		}
		total += int64(n)
		if ended {
			after += n
		}
		for line := range bytes.Lines(buf[:n]) {
			private(bytes.TrimSuffix(line, []byte("\n")))
		}
	}
	return total
}

// hungUp reports whether every holder of the pipe's write end is gone: a
// hang-up is for good, as nothing can open an anonymous pipe anew.
func (r *pipeReader) hungUp() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.fd < 0 {
		return true
	}
	fds := []unix.PollFd{{Fd: int32(r.fd)}}
	for {
		_, err := unix.Poll(fds, 0)
		if err == unix.EINTR {
			continue
		}
		return err == nil && fds[0].Revents&unix.POLLHUP != 0
	}
}

// Close closes the read end; a second Close does nothing.
func (r *pipeReader) Close() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.fd < 0 {
		return nil
	}
	fd := r.fd
	r.fd = -1
	return unix.Close(fd)
}
