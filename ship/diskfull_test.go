//go:build linux

package ship

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// mountTmpfs mounts a tmpfs of size bytes on a new directory and unmounts
// it at the test's end. It needs root (CAP_SYS_ADMIN); the test is skipped,
// saying why, only when the kernel refuses the mount.
func mountTmpfs(t *testing.T, size int) string {
	t.Helper()
	dir := t.TempDir()
	if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, fmt.Sprintf("size=%d,mode=0700", size)); err != nil {
		if errors.Is(err, syscall.EPERM) || errors.Is(err, syscall.EACCES) {
			t.Skipf("mount -t tmpfs not permitted here (%v): the disk-full tests need root", err)
		}
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := syscall.Unmount(dir, syscall.MNT_DETACH); err != nil {
			t.Errorf("umount %s: %v", dir, err)
		}
	})
	return dir
}

// fillDisk writes a file until the file system is full.
func fillDisk(t *testing.T, dir string) string {
	t.Helper()
	path := filepath.Join(dir, "filler")
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	buf := make([]byte, 4096)
	for {
		if _, err := f.Write(buf); err != nil {
			if !errors.Is(err, syscall.ENOSPC) {
				t.Fatal(err)
			}
			return path
		}
	}
}

// TestQueueOnAFullDiskNeitherSticksNorLoses: on a real tmpfs filled to the
// last byte, Append drops and counts what it cannot write and keeps every
// segment whole; an Ack whose file cannot be written still frees the
// delivered segments, so the queue takes lines again; and nothing Append
// reported queued is lost or renumbered when the queue is reopened.
func TestQueueOnAFullDiskNeitherSticksNorLoses(t *testing.T) {
	mnt := mountTmpfs(t, 1<<20)
	dir := filepath.Join(mnt, "q")
	o := QueueOptions{SegmentBytes: 16 << 10}
	q := openTestQueue(t, dir, o)
	line := func(i int) []byte { return fmt.Appendf(nil, "SystemLog: line %d %s", i, strings.Repeat("z", 200)) }
	// Queue lines until the disk is full (the budget is 1 GiB: the disk is
	// the limit).
	var queued []string
	for i := 0; ; i++ {
		n, err := q.Append(time.Now(), line(i))
		if n == 1 {
			queued = append(queued, string(line(i)))
			continue
		}
		if err == nil || !errors.Is(err, syscall.ENOSPC) {
			t.Fatalf("line %d: Append = %d, %v; want ENOSPC once the disk is full", i, n, err)
		}
		break
	}
	if q.Dropped() != 1 {
		t.Errorf("dropped %d, want the 1 line that did not fit", q.Dropped())
	}
	// Whatever room the last segment's rename or a partial write left, fill it.
	fillDisk(t, mnt)
	if n, err := q.Append(time.Now(), line(-1)); n != 0 || err == nil {
		t.Fatalf("Append on a full disk = %d, %v", n, err)
	}
	// Deliver half: the ack file cannot be written, the segments must go anyway.
	half := uint64(len(queued) / 2)
	err := q.Ack(1 + half)
	t.Logf("Ack on a full disk: %v", err)
	if _, size := q.Depth(); size == 0 {
		t.Fatal("no segment left")
	}
	var after []string
	for i := range 20 {
		l := fmt.Appendf(nil, "SystemLog: after %d", i)
		if n, err := q.Append(time.Now(), l); n != 1 {
			t.Fatalf("after the ack, Append = %d, %v: the queue is stuck", n, err)
		}
		after = append(after, string(l))
	}
	want := append(queued[half:], after...)
	check := func(q *Queue, from uint64) {
		t.Helper()
		got := readAll(t, q)
		// The ack file may be older than the ack (it could not be written):
		// lines before the acked one may come again, never fewer.
		for len(got) > 0 && got[0].Seq < from {
			if !bytes.Equal(got[0].Line, []byte(queued[got[0].Seq-1])) {
				t.Fatalf("seq %d holds %q, not the line queued under it", got[0].Seq, got[0].Line)
			}
			got = got[1:]
		}
		if len(got) != len(want) {
			t.Fatalf("%d lines from seq %d, want %d", len(got), from, len(want))
		}
		for i, r := range got {
			if r.Seq != from+uint64(i) || string(r.Line) != want[i] {
				t.Fatalf("record %d: seq %d %.30q, want seq %d %.30q", i, r.Seq, r.Line, from+uint64(i), want[i])
			}
		}
	}
	check(q, 1+half)
	q.Close()
	// Reopened, on the disk still full.
	q = openTestQueue(t, dir, o)
	defer q.Close()
	check(q, 1+half)
}

// TestQueueBlocksOnAFullDiskUntilAnAck: with Block, a full disk makes
// Append wait for the delivery of queued lines, as a full budget does,
// instead of dropping.
func TestQueueBlocksOnAFullDiskUntilAnAck(t *testing.T) {
	mnt := mountTmpfs(t, 256<<10)
	q := openTestQueue(t, filepath.Join(mnt, "q"), QueueOptions{SegmentBytes: 8 << 10, Block: true})
	defer q.Close()
	line := []byte("SystemLog: " + strings.Repeat("b", 500))
	done := make(chan error)
	go func() {
		for range 2000 { // 1 MB: four times the disk
			if n, err := q.Append(time.Now(), line); n != 1 {
				done <- fmt.Errorf("Append = %d, %v", n, err)
				return
			}
		}
		done <- nil
	}()
	acks := 0
	for {
		select {
		case err := <-done:
			if err != nil {
				t.Fatal(err)
			}
			if q.Dropped() != 0 || acks == 0 {
				t.Fatalf("dropped %d with Block; %d acks", q.Dropped(), acks)
			}
			return
		case <-time.After(20 * time.Millisecond):
			q.Ack(q.Next())
			acks++
		}
	}
}

// TestQueueNeverReusesASeq: a queue whose every line was delivered and
// whose segments are all deleted goes on numbering after the last line,
// also when reopened: a receiver that de-duplicates on (queue, seq) would
// otherwise drop the new lines as copies of old ones.
func TestQueueNeverReusesASeq(t *testing.T) {
	dir := t.TempDir()
	o := QueueOptions{SegmentBytes: 100}
	q := openTestQueue(t, dir, o)
	for i := range 30 {
		q.Append(time.Now(), fmt.Appendf(nil, "SystemLog: %d", i))
	}
	if err := q.Ack(q.Next()); err != nil {
		t.Fatal(err)
	}
	if lines, size := q.Depth(); lines != 0 || size != 0 {
		t.Fatalf("after the last ack the queue holds %d lines, %d bytes", lines, size)
	}
	q.Close()
	for round := range 3 {
		q = openTestQueue(t, dir, o)
		if q.Next() != uint64(31+round) {
			t.Fatalf("reopen %d: next seq %d, want %d", round, q.Next(), 31+round)
		}
		q.Append(time.Now(), []byte("SystemLog: new"))
		if round%2 == 0 {
			q.Ack(q.Next())
		}
		q.Close()
	}
	// The ack file alone, its segments gone, still carries the numbering.
	segs, _ := filepath.Glob(filepath.Join(dir, "*.seg"))
	for _, s := range segs {
		os.Remove(s)
	}
	q = openTestQueue(t, dir, o)
	defer q.Close()
	if q.Next() < 33 {
		t.Fatalf("without segments: next seq %d, want at least 33", q.Next())
	}
}
