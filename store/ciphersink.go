package store

import (
	"crypto/sha256"
	"hash"
	"os"
	"sync"
	"time"
)

// A cipherSink writes a segment's ciphertext to its file and hashes it (for
// the index trailer) on a goroutine of its own, so the segment's sealing
// goroutine (Writer.sealBlocks) only commits and encrypts. Profiled on 1 KiB records, that hash and the
// write(2)s were about 40% of Append's CPU (bench/README.md).
//
// Ciphertext it has accepted but not yet written is lost if the process
// dies; like the plaintext still in age's 64 KiB chunk buffer, it belongs to
// records after the last checkpoint, which a crash may lose by design.
type cipherSink struct {
	file *os.File
	hash hash.Hash
	buf  []byte     // ciphertext gathered for the next batch
	ch   chan batch // batches to write, in order
	free chan batch // spent buffers, reused
	done chan struct{}

	// The segment's index, when the sink carries it: with each batch of
	// ciphertext go the index lines of the records it completes, written
	// after it, so that every record an index lists after a crash is in
	// whole STREAM chunks on disk (FORMAT.md, "Recovery").
	idx      *os.File
	lines    func(dst []byte, covered int64) []byte // appends to dst the lines of records ending by plaintext offset covered
	header   int64                                  // bytes of age header before the first chunk
	received int64                                  // ciphertext bytes received so far
	sync     SyncPolicy
	flushed  time.Time // when the last batch was handed over

	mu  sync.Mutex
	err error // the first write or fsync error
}

// sinkBatch is how much ciphertext the sink gathers before it hands it to its
// goroutine. Handing over each 64 KiB age chunk cost about two goroutine
// wake-ups per chunk (perf stat: 3,400 context switches per 64 MiB segment,
// 1,100 with 1 MiB batches), and on a busy machine each wake-up may wait for
// a CPU.
const sinkBatch = 1 << 20

// sinkWrite is the size of the sink's write(2)s: a batch is hashed and
// written in pieces of this size, each right after it is hashed. Written
// whole, each 1 MiB write(2) spent about 1.1 s per GiB of ciphertext copying
// into the page cache (copy_folio_from_iter_atomic, perf on `conflog run`'s
// 1 GiB benchmark: a fifth of the run's CPU), against 0.09 s in 64 KiB
// pieces and 0.1 s in the file sink's 4 KiB ones. The piece size, not the
// hashing beside it, made the difference (hashing the whole batch first and
// then writing 64 KiB pieces cost about the same); ext4 backs a large write
// with large folios, which on the benchmark's virtual machine were slow to
// fill. 4 KiB pieces cost as little in the copy and 16 times the syscalls.
const sinkWrite = 64 << 10

// sinkLinger is how long whole chunks may wait in the batch of a writer's
// sink before it is handed over anyway: by the next Write, or by the
// sealing goroutine's timer when no Write comes (Writer.sealBlocks).
const sinkLinger = 20 * time.Millisecond

// syncEvery is how much ciphertext the sink writes between fsyncs of its
// own, on its goroutine. Left to the seal, the fsync of a 64 MiB segment took
// 90-120 ms on the benchmark machine (mostly the virtual disk flushing what
// it had cached: sync_file_range(2) to start writeback early cut only 30 ms
// of it), with the writer blocked for all of it. Synced every 8 MiB while the
// writer encrypts, the seal took 30-35 ms. These fsyncs make nothing durable
// that a checkpoint relies on; that is still the seal's fsync alone.
const syncEvery = 8 << 20

// sinkQueue is how many batches may wait for the sink's goroutine: enough to
// cover one of its fsyncs (8 MiB), so the writer rarely waits for the disk.
// Measured per 64 MiB segment, the writer waited 65-95 ms on a queue of 2,
// 6-43 ms on 4 and mostly under 5 ms on 8. The cost is memory: up to about
// 11 MiB of ciphertext buffers per open segment.
const sinkQueue = 8

// A batch is ciphertext and the index lines of the records it completes.
type batch struct {
	cipher, index []byte
}

func newCipherSink(f *os.File) *cipherSink {
	s := &cipherSink{
		file: f,
		hash: sha256.New(),
		// buf grows as needed: a segment sealed after a few records (a
		// quiet job, checkpointed every minute) needs a few KiB, not 1 MiB.
		ch:   make(chan batch, sinkQueue),
		free: make(chan batch, sinkQueue+2),
		done: make(chan struct{}),
	}
	go s.run()
	return s
}

// covered returns how much plaintext the ciphertext received so far holds
// in whole STREAM chunks: what a reader can authenticate if the file ends
// there.
func (s *cipherSink) covered() int64 {
	if s.received < s.header {
		return 0
	}
	return (s.received - s.header) / chunkCiphertext * chunkPlaintext
}

// chunkCiphertext is the size of a full age STREAM chunk on disk: 64 KiB of
// plaintext and its 16-byte Poly1305 tag. A batch overflows by at most one.
const (
	chunkPlaintext  = 64 << 10
	chunkCiphertext = chunkPlaintext + 16
)

func (s *cipherSink) run() {
	defer close(s.done)
	unsynced := 0
	for b := range s.ch {
		if s.failed() == nil {
			err := s.write(b.cipher)
			unsynced += len(b.cipher)
			if err == nil && s.sync != SyncNone && (unsynced >= syncEvery || s.sync == SyncBatch && len(b.index) > 0) {
				// An fsync error must stick: Linux reports it once,
				// and the seal's own fsync may then succeed.
				err = s.file.Sync()
				unsynced = 0
			}
			if err == nil && len(b.index) > 0 {
				// Only after the ciphertext: see idx.
				_, err = s.idx.Write(b.index)
				if err == nil && s.sync == SyncBatch {
					err = s.idx.Sync()
				}
			}
			if err != nil {
				s.mu.Lock()
				s.err = err
				s.mu.Unlock()
			}
		}
		select {
		case s.free <- batch{b.cipher[:0], b.index[:0]}:
		default:
		}
	}
}

// write hashes p and writes it to the file, sinkWrite bytes at a time.
func (s *cipherSink) write(p []byte) error {
	for len(p) > 0 {
		k := min(len(p), sinkWrite)
		s.hash.Write(p[:k])
		if _, err := s.file.Write(p[:k]); err != nil {
			return err
		}
		p = p[k:]
	}
	return nil
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
	s.received += int64(len(p))
	// A writer carrying index lines also hands over whole chunks that have
	// waited sinkLinger, so that a slow job's records reach the files (and
	// survive a kill) within about that long, not only each MiB.
	if len(s.buf) >= sinkBatch || s.lines != nil && time.Since(s.flushed) >= sinkLinger {
		s.flush()
	}
	return len(p), nil
}

// flush hands the gathered ciphertext to the sink's goroutine.
func (s *cipherSink) flush() {
	if len(s.buf) == 0 {
		return
	}
	var spare batch
	select {
	case spare = <-s.free:
	default:
		spare.cipher = make([]byte, 0, sinkBatch+chunkCiphertext)
	}
	b := batch{cipher: s.buf}
	s.flushed = time.Now()
	if s.lines != nil {
		b.index = s.lines(spare.index[:0], s.covered())
	}
	s.ch <- b
	s.buf = spare.cipher
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
