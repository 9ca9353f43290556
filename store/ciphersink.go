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
	ch   chan []byte // chunks to write, in order
	free chan []byte // spent buffers, reused
	done chan struct{}

	mu  sync.Mutex
	err error // the first write error
}

func newCipherSink(f *os.File) *cipherSink {
	s := &cipherSink{
		file: f,
		hash: sha256.New(),
		ch:   make(chan []byte, 4), // 4 age chunks (256 KiB) in flight at most
		free: make(chan []byte, 5),
		done: make(chan struct{}),
	}
	go s.run()
	return s
}

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
	var b []byte
	select {
	case b = <-s.free:
	default:
	}
	s.ch <- append(b, p...)
	return len(p), nil
}

// finish waits until every queued chunk is written and returns the SHA-256 of
// all of them. The sink must not be used afterwards.
func (s *cipherSink) finish() ([32]byte, error) {
	close(s.ch)
	<-s.done
	var h [32]byte
	s.hash.Sum(h[:0])
	return h, s.failed()
}
