package gate

import (
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

// errStopped is what a read returns after stopReading.
var errStopped = errors.New("stopped reading: the grace period is over")

// A jobPipes makes the pipes of one run and can stop every read on them at
// once: the grace period's end, when a process the job started still holds
// an output open after the job has exited.
type jobPipes struct {
	once     sync.Once
	stopR    int // becomes readable (hang-up) when stopW is closed
	stopW    int
	stopping chan struct{}
}

func newJobPipes() (*jobPipes, error) {
	var fds [2]int
	if err := unix.Pipe2(fds[:], unix.O_CLOEXEC); err != nil {
		return nil, os.NewSyscallError("pipe2", err)
	}
	return &jobPipes{stopR: fds[0], stopW: fds[1], stopping: make(chan struct{})}, nil
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
	return &pipeReader{fd: fds[0], pipes: p}, os.NewFile(uintptr(fds[1]), "|job"), nil
}

// stopReading makes every pending and later read of these pipes return
// errStopped.
func (p *jobPipes) stopReading() {
	p.once.Do(func() {
		close(p.stopping)
		unix.Close(p.stopW)
	})
}

// Close releases the stop pipe, after every reader is done.
func (p *jobPipes) Close() error {
	p.stopReading()
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
		select {
		case <-stopping:
			return 0, errStopped
		default:
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
			continue // the stop pipe: checked at the top
		}
		n, err := unix.Read(r.fd, b)
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

// Close closes the read end; a second Close does nothing.
func (r *pipeReader) Close() error {
	if r.fd < 0 {
		return nil
	}
	fd := r.fd
	r.fd = -1
	return unix.Close(fd)
}
