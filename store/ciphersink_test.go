package store

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
)

// sinkRoundTrip writes each of writes to a fresh sink in turn and checks the
// sink's promise: the file holds exactly those bytes, in order, and finish
// returns the SHA-256 of exactly what the file holds.
func sinkRoundTrip(t testing.TB, writes [][]byte) {
	f, err := os.Create(filepath.Join(t.TempDir(), "seg.age"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	s := newCipherSink(f)
	var want bytes.Buffer
	for _, p := range writes {
		if n, err := s.Write(p); err != nil || n != len(p) {
			t.Fatalf("Write(%d bytes) = %d, %v", len(p), n, err)
		}
		want.Write(p)
		// Like age, which reuses its chunk buffer: the sink must have
		// copied p before Write returned.
		for i := range p {
			p[i] ^= 0xff
		}
	}
	h, err := s.finish()
	if err != nil {
		t.Fatalf("finish: %v", err)
	}
	got, err := os.ReadFile(f.Name())
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want.Bytes()) {
		t.Fatalf("file holds %d bytes that differ from the %d written", len(got), want.Len())
	}
	if h != sha256.Sum256(got) {
		t.Fatalf("finish returned %x, the file hashes to %x", h, sha256.Sum256(got))
	}
}

// Writes of every size a segment sees (age's header, full 64 KiB chunks, a
// short last chunk), across several batches and several of the sink's own
// fsyncs, arrive whole and in order, and the hash covers exactly them.
func TestCipherSinkOrderAndHash(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	var writes [][]byte
	total := 0
	for total < 2*syncEvery+3*sinkBatch/2 {
		n := chunkCiphertext
		switch r.IntN(4) {
		case 0:
			n = r.IntN(300) // an age header, a final short chunk
		case 1:
			n = r.IntN(3 * sinkBatch / 2) // larger than a batch
		}
		p := make([]byte, n)
		for i := range p {
			p[i] = byte(r.Uint32())
		}
		writes = append(writes, p)
		total += n
	}
	sinkRoundTrip(t, writes)
	sinkRoundTrip(t, nil) // an empty segment: nothing written, SHA-256 of nothing
}

// An fsync failure sticks: Linux reports a writeback error to one fsync
// only, so a sink that forgot it would let the seal's fsync succeed over
// lost ciphertext. A pipe accepts writes but refuses fsync.
func TestCipherSinkSyncErrorSticks(t *testing.T) {
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer pr.Close()
	go io.Copy(io.Discard, pr)
	s := newCipherSink(pw)
	chunk := make([]byte, chunkCiphertext)
	for written := 0; written < 2*syncEvery; written += len(chunk) {
		if _, err := s.Write(chunk); err != nil {
			break // surfaced early: good, finish must still report it
		}
	}
	if _, err := s.finish(); err == nil {
		t.Fatal("finish succeeded although fsync failed")
	}
	pw.Close()
}

// The sink writes whatever sequence of writes it gets, whole and in order.
// Each pair of input bytes is one write's size (up to 64 KiB), and the total
// is capped so that one input stays fast but may cross a batch.
func FuzzCipherSink(f *testing.F) {
	f.Add([]byte{0, 0})
	f.Add([]byte{0xff, 0xff, 0x00, 0x07, 0xff, 0xff})
	f.Add(bytes.Repeat([]byte{0xff, 0xff}, 20))
	f.Fuzz(func(t *testing.T, sizes []byte) {
		var writes [][]byte
		total := 0
		for i := 0; i+1 < len(sizes) && total < 2*sinkBatch; i += 2 {
			n := int(binary.BigEndian.Uint16(sizes[i:]))
			p := make([]byte, n)
			for j := range p {
				p[j] = byte(i + j)
			}
			writes = append(writes, p)
			total += n
		}
		sinkRoundTrip(t, writes)
	})
}
