//go:build unix

package gate

import (
	"bytes"
	"errors"
	"io"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

func newTestPipe(t *testing.T) (*jobPipes, *pipeReader, *os.File) {
	t.Helper()
	pipes, err := newJobPipes()
	if err != nil {
		t.Fatal(err)
	}
	r, w, err := pipes.pipe()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		r.Close()
		w.Close()
		pipes.Close()
	})
	return pipes, r, w
}

// Whatever the sizes of the job's writes, the gate reads every byte, in
// order, and then EOF: batching may delay a read, never lose or reorder one.
func TestPipeReaderKeepsEveryByte(t *testing.T) {
	t.Parallel()
	_, r, w := newTestPipe(t)
	var want bytes.Buffer
	rng := rand.New(rand.NewPCG(1, 2))
	var writes [][]byte
	for i := 0; want.Len() < 3*pipeSize; i++ {
		var b []byte
		switch rng.IntN(3) {
		case 0: // a line, as PYTHONUNBUFFERED writes them
			b = []byte("SystemLog: step=" + strconv.Itoa(i) + "\n")
		case 1: // a buffered block
			b = bytes.Repeat([]byte{byte('a' + i%26)}, 8<<10)
		default: // more than the pipe holds at once
			b = bytes.Repeat([]byte{byte('A' + i%26)}, pipeSize+rng.IntN(4096))
		}
		want.Write(b)
		writes = append(writes, b)
	}
	go func() {
		for _, b := range writes {
			if _, err := w.Write(b); err != nil {
				panic(err)
			}
		}
		w.Close()
	}()
	got, err := io.ReadAll(r)
	if err != nil {
		t.Fatalf("ReadAll: %v", err)
	}
	if !bytes.Equal(got, want.Bytes()) {
		t.Fatalf("read %d bytes, want %d, identical: %v", len(got), want.Len(), bytes.Equal(got, want.Bytes()))
	}
}

// stopReading ends a read that waits on a pipe whose writer is still alive
// (a daemon the job left behind), and every read after it, even one that
// would find data.
func TestPipeReaderStops(t *testing.T) {
	t.Parallel()
	pipes, r, w := newTestPipe(t)
	done := make(chan error, 1)
	go func() {
		_, err := r.Read(make([]byte, 64))
		done <- err
	}()
	pipes.stopReading()
	if err := <-done; !errors.Is(err, errStopped) {
		t.Fatalf("blocked read after stopReading: %v, want errStopped", err)
	}
	if _, err := w.Write([]byte("late line\n")); err != nil {
		t.Fatal(err)
	}
	if n, err := r.Read(make([]byte, 64)); n != 0 || !errors.Is(err, errStopped) {
		t.Fatalf("read after stopReading = %d, %v; want 0, errStopped", n, err)
	}
	pipes.stopReading() // twice is harmless
}

// The job's end is an ordinary blocking descriptor, as a child expects of
// its stdout, and the pipe holds a batch's worth when the kernel allows it.
func TestPipeShape(t *testing.T) {
	t.Parallel()
	_, r, w := newTestPipe(t)
	fl, err := unix.FcntlInt(w.Fd(), unix.F_GETFL, 0)
	if err != nil {
		t.Fatal(err)
	}
	if fl&unix.O_NONBLOCK != 0 {
		t.Errorf("the job's write end is non-blocking: a child would get EAGAIN")
	}
	max, err := os.ReadFile("/proc/sys/fs/pipe-max-size")
	if err != nil {
		t.Fatalf("cannot read the kernel's pipe size limit: %v", err)
	}
	if limit, _ := strconv.Atoi(strings.TrimSpace(string(max))); limit < pipeSize {
		t.Logf("this kernel limits pipes to %d bytes: F_SETPIPE_SZ fails and the pipe keeps 64 KiB", limit)
		return
	}
	size, err := unix.FcntlInt(uintptr(r.fd), unix.F_GETPIPE_SZ, 0)
	if err != nil {
		t.Fatal(err)
	}
	if size < pipeSize {
		t.Errorf("pipe holds %d bytes, want %d", size, pipeSize)
	}
}

// conflog scrub reads a piped stdin in batches, every byte in order; a file
// is read as it is.
func TestBatchedInput(t *testing.T) {
	t.Parallel()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	in := BatchedInput(r)
	if _, ok := in.(*pipeReader); !ok {
		t.Fatalf("a pipe is read as %T, not in batches", in)
	}
	var want bytes.Buffer
	go func() {
		for i := range 20000 {
			line := "SystemLog: step=" + strconv.Itoa(i) + "\n"
			w.WriteString(line)
		}
		w.Close()
	}()
	for i := range 20000 {
		want.WriteString("SystemLog: step=" + strconv.Itoa(i) + "\n")
	}
	got, err := io.ReadAll(in)
	if err != nil || !bytes.Equal(got, want.Bytes()) {
		t.Fatalf("read %d bytes (err %v), want %d identical", len(got), err, want.Len())
	}
	f, err := os.Open("pipe_linux_test.go")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if BatchedInput(f) != io.Reader(f) {
		t.Errorf("a regular file is not read as it is")
	}
}
