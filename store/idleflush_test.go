//go:build unix

package store

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestIdleWriterHandsOnItsBurst: a job that writes a burst and then goes
// quiet must not leave its records in memory until its next line or the
// next checkpoint. No append comes after the burst, yet the open block is
// closed and every whole chunk of ciphertext, with the index lines of the
// blocks it completes, reaches the files, so that a kill -9 in the pause
// loses only the records in the chunk still being filled (which age cannot
// write before it is full or the segment is sealed). Before the writer's
// idle timers the open block stayed open and up to 1 MiB of ciphertext
// unwritten, and this test waited until its -timeout.
func TestIdleWriterHandsOnItsBurst(t *testing.T) {
	k := newTestKeys(t)
	dir := t.TempDir()
	w, err := Open(dir, k.options())
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	const n, size = 3000, 1000
	line := func(i int) string { return fmt.Sprintf("%06d %s", i, strings.Repeat("y", size-7)) }
	for i := range n {
		appendT(t, w, line(i))
	}

	// Poll the files, bounded by the test's -timeout only.
	ageName, idxName := filepath.Join(dir, segmentName(1, "age")), filepath.Join(dir, segmentName(1, "idx"))
	// The records not listed after the pause can only be those of blocks
	// ending in the last, partial chunk: at most a chunk and a block.
	const slack = (2*chunkPlaintext+size)/size + 2
	var state string
	for {
		w.mu.Lock()
		s := w.seg
		open, whole := s.blockN, s.sink.header+(s.hdr+s.plain)/chunkPlaintext*chunkCiphertext
		w.mu.Unlock()
		fi, err := os.Stat(ageName)
		if err != nil {
			t.Fatal(err)
		}
		data, err := os.ReadFile(idxName)
		if err != nil {
			t.Fatal(err)
		}
		x, err := parseIndex(data)
		if err != nil {
			t.Fatal(err)
		}
		state = fmt.Sprintf("%d records in the open block, %d of %d bytes of whole chunks written, %d of %d records indexed", open, fi.Size(), whole, x.records, n)
		if open == 0 && fi.Size() == whole && x.records >= n-slack {
			break
		}
		if d, ok := t.Deadline(); ok && time.Until(d) < 5*time.Second {
			t.Fatalf("the burst never reached the files: %s", state)
		}
		time.Sleep(5 * time.Millisecond)
	}

	// What recovery finds in a copy of the files as they are now, as after
	// a kill -9: every indexed record, in order.
	cp := t.TempDir()
	for _, name := range []string{manifestName, manifestsName, checkpointsName, segmentName(1, "age"), segmentName(1, "idx")} {
		data, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(cp, name), data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	r, err := Open(cp, k.options())
	if err != nil {
		t.Fatal(err)
	}
	got := r.Recovered()
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	if got < n-slack {
		t.Fatalf("recovery found %d of %d records (%s)", got, n, state)
	}
	recs := readAll(t, cp, k)
	if int64(len(recs)) != got {
		t.Fatalf("read %d records, recovery said %d", len(recs), got)
	}
	for i, r := range recs {
		if string(r.Data) != line(i) {
			t.Fatalf("record %d is %.20q, want %.20q", i, r.Data, line(i))
		}
	}
}
