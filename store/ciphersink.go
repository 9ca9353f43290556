package store

import (
	"crypto/sha256"
	"hash"
	"os"
	"sync"
)

// A cipherSink writes a segment's ciphertext to its file and hashes it (for
// the index trailer) on a goroutine of its own, so the appending goroutine
// only commits and encrypts. Profiled on 1 KiB records, that hash and the
// write(2)s were about 40% of Append's CPU (bench/README.md).
//
// Ciphertext it has accepted but not yet written is lost if the process
// dies; like the plaintext still in age's 64 KiB chunk buffer, it belongs to
// records after the last checkpoint, which a crash may lose by design.
type cipherSink struct {
	file *os.File
	hash hash.Hash
	buf  []byte      // ciphertext gathered for the next batch
	ch   chan []byte // batches to write, in order
	free chan []byte // spent buffers, reused
	done chan struct{}

	mu  sync.Mutex
	err error // the first write error
}

// sinkBatch is how much ciphertext the sink gathers before it hands it to its
// goroutine. Handing over each 64 KiB age chunk cost two goroutine wake-ups
// per chunk (3,400 context switches per 64 MiB, measured with perf stat); on
// a busy machine every wake-up waits for a CPU, and the 64 MiB benchmark ran
// at half a CPU's worth of work per second of wall time. A 1 MiB batch makes
// that sixteen times rarer, and each write(2) sixteen times larger.
const sinkBatch = 1 << 20

// sinkQueue is how many batches may wait for the sink's goroutine: enough to
// ride out a scheduling hiccup, while bounding the memory to a few MiB.
const sinkQueue = 2

func newCipherSink(f *os.File) *cipherSink {
	s := &cipherSink{
		file: f,
		hash: sha256.New(),
		buf:  make([]byte, 0, sinkBatch+chunkCiphertext),
		ch:   make(chan []byte, sinkQueue),
		free: make(chan []byte, sinkQueue+2),
		done: make(chan struct{}),
	}
	go s.run()
	return s
}

// chunkCiphertext is the size of a full age STREAM chunk on disk: 64 KiB of
// plaintext and its 16-byte Poly1305 tag. A batch overflows by at most one.
const chunkCiphertext = 64<<10 + 16

func (s *cipherSink) run() {
	defer close(s.done)
	for b := range s.ch {
		if s.failed() == nil {
			s.hash.Write(b)
			if _, err := s.file.Write(b); err != nil {
				s.mu.Lock()
				s.err = err
				s.mu.Unlock()
			}
		}
		select {
		case s.free <- b[:0]:
		default:
		}
	}
}

func (s *cipherSink) failed() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}

// Write queues a copy of p. A write error surfaces at a later Write or at
// finish, never silently.
func (s *cipherSink) Write(p []byte) (int, error) {
	if err := s.failed(); err != nil {
		return 0, err
	}
	s.buf = append(s.buf, p...)
	if len(s.buf) >= sinkBatch {
		s.flush()
	}
	return len(p), nil
}

// flush hands the gathered ciphertext to the sink's goroutine.
func (s *cipherSink) flush() {
	if len(s.buf) == 0 {
		return
	}
	s.ch <- s.buf
	select {
	case s.buf = <-s.free:
	default:
		s.buf = make([]byte, 0, sinkBatch+chunkCiphertext)
	}
}

// finish waits until every queued chunk is written and returns the SHA-256 of
// all of them. The sink must not be used afterwards.
func (s *cipherSink) finish() ([32]byte, error) {
	s.flush()
	close(s.ch)
	<-s.done
	var h [32]byte
	s.hash.Sum(h[:0])
	return h, s.failed()
}
