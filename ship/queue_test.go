//go:build unix

package ship

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

func openTestQueue(t *testing.T, dir string, o QueueOptions) *Queue {
	t.Helper()
	q, err := OpenQueue(dir, "SystemLog:", "syslog+tls://127.0.0.1:1", o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { q.Close() }) // before a test's tmpfs is unmounted
	return q
}

func readAll(t *testing.T, q *Queue) []Record {
	t.Helper()
	var all []Record
	for pos := q.Acked(); ; {
		recs, err := q.Read(pos, 7, 1<<20)
		if err != nil {
			t.Fatal(err)
		}
		if len(recs) == 0 {
			return all
		}
		all = append(all, recs...)
		pos = recs[len(recs)-1].Seq + 1
	}
}

// TestQueueOnlyItsOwnerCanRead: the directory is 0700 and every file 0600,
// whatever the umask; a directory others can read is refused.
func TestQueueOnlyItsOwnerCanRead(t *testing.T) {
	old := syscall.Umask(0)
	defer syscall.Umask(old)
	dir := filepath.Join(t.TempDir(), "q")
	q := openTestQueue(t, dir, QueueOptions{SegmentBytes: 64})
	for i := range 10 {
		q.Append(time.Now(), fmt.Appendf(nil, "SystemLog: line %d", i))
	}
	q.Ack(3)
	q.Close()
	fi, _ := os.Stat(dir)
	if perm := fi.Mode().Perm(); perm != 0o700 {
		t.Errorf("queue dir mode %#o, want 0700", perm)
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		fi, _ := e.Info()
		if perm := fi.Mode().Perm(); perm != 0o600 {
			t.Errorf("%s: mode %#o, want 0600", e.Name(), perm)
		}
	}
	os.Chmod(dir, 0o755)
	if _, err := OpenQueue(dir, "SystemLog:", "syslog+tls://127.0.0.1:1", QueueOptions{}); err == nil || !strings.Contains(err.Error(), "0700") {
		t.Errorf("a 0755 queue directory was opened (err %v)", err)
	}
}

// TestQueueKeepsOrderAndSeqAcrossReopen: lines come back in order with
// consecutive seqs; an ack removes whole segments; a reopened queue goes on
// from the acked line and numbers new lines after the old.
func TestQueueKeepsOrderAndSeqAcrossReopen(t *testing.T) {
	dir := t.TempDir()
	q := openTestQueue(t, dir, QueueOptions{SegmentBytes: 100})
	var want []string
	for i := range 50 {
		l := fmt.Sprintf("SystemLog: line %d", i)
		want = append(want, l)
		if n, err := q.Append(time.Now(), []byte(l)); n != 1 || err != nil {
			t.Fatal(n, err)
		}
	}
	got := readAll(t, q)
	if len(got) != 50 {
		t.Fatalf("read %d records, want 50", len(got))
	}
	for i, r := range got {
		if r.Seq != uint64(i+1) || string(r.Line) != want[i] {
			t.Fatalf("record %d: seq %d %q, want seq %d %q", i, r.Seq, r.Line, i+1, want[i])
		}
	}
	segsBefore, _ := filepath.Glob(filepath.Join(dir, "*.seg"))
	if err := q.Ack(31); err != nil {
		t.Fatal(err)
	}
	segsAfter, _ := filepath.Glob(filepath.Join(dir, "*.seg"))
	if len(segsAfter) >= len(segsBefore) {
		t.Errorf("ack removed no segment: %d before, %d after", len(segsBefore), len(segsAfter))
	}
	id := q.ID()
	q.Close()

	q = openTestQueue(t, dir, QueueOptions{SegmentBytes: 100})
	defer q.Close()
	if q.ID() != id {
		t.Errorf("reopened queue id %s, want %s", q.ID(), id)
	}
	q.Append(time.Now(), []byte("SystemLog: after"))
	got = readAll(t, q)
	if len(got) != 21 || got[0].Seq != 31 || string(got[0].Line) != want[30] || got[20].Seq != 51 || string(got[20].Line) != "SystemLog: after" {
		t.Fatalf("after reopen: %d records from seq %d; want 21 from 31 ending with seq 51", len(got), got[0].Seq)
	}
}

// TestQueueTruncatesATornRecord: a record cut short by a crash is dropped
// at the next open; the whole ones before it stay.
func TestQueueTruncatesATornRecord(t *testing.T) {
	dir := t.TempDir()
	q := openTestQueue(t, dir, QueueOptions{})
	q.Append(time.Now(), []byte("SystemLog: one"), []byte("SystemLog: two"))
	q.Close()
	segs, _ := filepath.Glob(filepath.Join(dir, "*.seg"))
	f, _ := os.OpenFile(segs[0], os.O_WRONLY|os.O_APPEND, 0)
	f.WriteString("1700000000000000 SystemLog: thr")
	f.Close()
	q = openTestQueue(t, dir, QueueOptions{})
	defer q.Close()
	q.Append(time.Now(), []byte("SystemLog: four"))
	got := readAll(t, q)
	var lines []string
	for _, r := range got {
		lines = append(lines, fmt.Sprintf("%d %s", r.Seq, r.Line))
	}
	if strings.Join(lines, "|") != "1 SystemLog: one|2 SystemLog: two|3 SystemLog: four" {
		t.Errorf("after a torn record: %q", lines)
	}
}

// TestQueueFullDropsAndCounts: with the default policy a full budget drops
// lines and counts them, the queue never grows past its budget, and an ack
// makes room again.
func TestQueueFullDropsAndCounts(t *testing.T) {
	dir := t.TempDir()
	q := openTestQueue(t, dir, QueueOptions{MaxBytes: 1000, SegmentBytes: 200})
	defer q.Close()
	line := []byte("SystemLog: " + strings.Repeat("x", 40))
	queued := 0
	for range 100 {
		n, err := q.Append(time.Now(), line)
		if err != nil {
			t.Fatal(err)
		}
		queued += n
	}
	if _, size := q.Depth(); size > 1000 {
		t.Errorf("queue holds %d bytes, over its budget of 1000", size)
	}
	if q.Dropped() != int64(100-queued) || queued == 0 || queued == 100 {
		t.Errorf("queued %d, dropped %d of 100", queued, q.Dropped())
	}
	q.Ack(q.Next())
	if n, _ := q.Append(time.Now(), line); n != 1 {
		t.Errorf("after the ack freed the queue, Append queued %d lines", n)
	}
}

// TestQueueBlockWaitsForRoom: with Block, Append waits for an ack instead
// of dropping.
func TestQueueBlockWaitsForRoom(t *testing.T) {
	q := openTestQueue(t, t.TempDir(), QueueOptions{MaxBytes: 300, SegmentBytes: 100, Block: true})
	defer q.Close()
	line := []byte("SystemLog: " + strings.Repeat("y", 40))
	done := make(chan int)
	go func() {
		total := 0
		for range 20 {
			n, _ := q.Append(time.Now(), line)
			total += n
		}
		done <- total
	}()
	for acked := false; !acked; {
		select {
		case n := <-done:
			if n != 20 || q.Dropped() != 0 {
				t.Fatalf("queued %d of 20, dropped %d", n, q.Dropped())
			}
			acked = true
		case <-time.After(10 * time.Millisecond):
			q.Ack(q.Next())
		}
	}
}

// TestQueueIsExclusive: a second process (or Shipper) cannot open a queue
// in use; the lock dies with its holder.
func TestQueueIsExclusive(t *testing.T) {
	dir := t.TempDir()
	q := openTestQueue(t, dir, QueueOptions{})
	if _, err := OpenQueue(dir, "SystemLog:", "syslog+tls://127.0.0.1:1", QueueOptions{}); err == nil || !strings.Contains(err.Error(), "in use") {
		t.Errorf("second open: %v, want in use", err)
	}
	q.Close()
	q = openTestQueue(t, dir, QueueOptions{})
	q.Close()
	if _, err := OpenQueue(dir, "Public:", "syslog+tls://127.0.0.1:1", QueueOptions{}); err == nil {
		t.Errorf("a queue made for SystemLog: opened for Public:")
	}
}

// TestQueueSurvivesKill9: a process appending lines is killed with SIGKILL
// at a random moment; every line whose Append had returned is in the queue
// when it is reopened, in order, once.
func TestQueueSurvivesKill9(t *testing.T) {
	if os.Getenv("SHIP_KILL_CHILD") != "" {
		q, err := OpenQueue(os.Getenv("SHIP_KILL_CHILD"), "SystemLog:", "syslog+tls://127.0.0.1:1", QueueOptions{SegmentBytes: 4096})
		if err != nil {
			fmt.Println("error", err)
			os.Exit(1)
		}
		w := bufio.NewWriter(os.Stdout)
		for i := 0; ; i++ {
			lines := [][]byte{fmt.Appendf(nil, "SystemLog: %d a", i), fmt.Appendf(nil, "SystemLog: %d b", i)}
			if n, err := q.Append(time.Now(), lines...); n != 2 || err != nil {
				fmt.Println("error", n, err)
				os.Exit(1)
			}
			fmt.Fprintf(w, "%d\n", i)
			w.Flush()
		}
	}
	dir := filepath.Join(t.TempDir(), "q")
	cmd := exec.Command(os.Args[0], "-test.run=^TestQueueSurvivesKill9$")
	cmd.Env = append(os.Environ(), "SHIP_KILL_CHILD="+dir)
	out, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(out)
	last := -1
	for sc.Scan() {
		n, err := strconv.Atoi(sc.Text())
		if err != nil {
			t.Fatalf("child: %s", sc.Text())
		}
		last = n
		if n == 3000 {
			cmd.Process.Signal(syscall.SIGKILL)
			break
		}
	}
	cmd.Wait()
	if last < 3000 {
		t.Fatalf("the child stopped at %d", last)
	}
	q := openTestQueue(t, dir, QueueOptions{SegmentBytes: 4096})
	defer q.Close()
	got := readAll(t, q)
	if len(got) < 2*(last+1) {
		t.Fatalf("after kill -9: %d lines in the queue, the child had queued at least %d", len(got), 2*(last+1))
	}
	for i, r := range got {
		want := fmt.Sprintf("SystemLog: %d %c", i/2, "ab"[i%2])
		if string(r.Line) != want || r.Seq != uint64(i+1) {
			t.Fatalf("line %d: seq %d %q, want seq %d %q", i, r.Seq, r.Line, i+1, want)
		}
	}
}

// TestQueueOpensWithAnEmptyJobFile: a job file a power cut left empty (it
// is fsynced by the queue's syncer, after Append) costs the segment its
// job, not the queue: the queue opens, its lines read back in order with
// no job, so they go out as the deliverer's; a job file with content that
// is not a job is still refused.
func TestQueueOpensWithAnEmptyJobFile(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "q")
	q := openTestQueue(t, dir, QueueOptions{Job: Job{"a", "1", "h"}})
	q.Append(time.Now(), []byte("SystemLog: one"), []byte("SystemLog: two"))
	q.Close()
	jobs, _ := filepath.Glob(filepath.Join(dir, "*.job"))
	if len(jobs) != 1 {
		t.Fatalf("job files %v, want one", jobs)
	}
	if err := os.Truncate(jobs[0], 0); err != nil {
		t.Fatal(err)
	}
	q = openTestQueue(t, dir, QueueOptions{})
	recs := readAll(t, q)
	if len(recs) != 2 || string(recs[1].Line) != "SystemLog: two" || recs[0].Job != nil {
		t.Fatalf("records %v, want both lines with no job", recs)
	}
	q.Close()
	if err := os.WriteFile(jobs[0], []byte("{not json"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := OpenQueue(dir, "SystemLog:", "syslog+tls://127.0.0.1:1", QueueOptions{}); err == nil {
		t.Error("a queue with a malformed job file opened")
	}
}

// TestQueueBatchLinesSurviveTheRefill: the deliverer's batches (read with
// reuse) hold their lines in the reader's buffer, not in a copy. A batch
// ends where the buffer's complete records do; the record that goes on
// past the buffer's end starts the next batch, whose refill moves it.
// Every line of every batch must be intact when the batch is returned (its
// memory is not touched again before the next read), whatever the
// records' sizes: across several refills,
// with a record larger than the buffer (which grows it), and with events
// among the lines.
func TestQueueBatchLinesSurviveTheRefill(t *testing.T) {
	q := openTestQueue(t, filepath.Join(t.TempDir(), "q"), QueueOptions{SegmentBytes: 64 << 20})
	var want []string
	for i := 0; len(want) < 40_000; i++ {
		n := 20 + i*7919%300 // sizes that fall across the buffer's end at many offsets
		if i == 17_000 {
			n = readBufSize + readBufSize/3
		}
		line := fmt.Sprintf("SystemLog: %d %s", i, strings.Repeat(string(rune('a'+i%26)), n))
		if i%1000 == 999 {
			if _, err := q.AppendEvent(time.UnixMicro(int64(i)), EventBlocked, []byte(line)); err != nil {
				t.Fatal(err)
			}
		} else if _, err := q.Append(time.UnixMicro(int64(i)), []byte(line)); err != nil {
			t.Fatal(err)
		}
		want = append(want, line)
	}
	batches := 0
	for pos := q.Acked(); pos < q.Next(); batches++ {
		recs, err := q.read(pos, 1024, 1<<20, true)
		if err != nil {
			t.Fatal(err)
		}
		if len(recs) == 0 {
			t.Fatalf("no record read at %d of %d", pos, q.Next())
		}
		for i, r := range recs {
			if r.Seq != pos+uint64(i) {
				t.Fatalf("record %d of the batch at %d: seq %d", i, pos, r.Seq)
			}
			k := r.Seq - 1
			if string(r.Line) != want[k] {
				t.Fatalf("seq %d, record %d of a batch of %d: %.60q…, want %.60q…", r.Seq, i, len(recs), r.Line, want[k])
			}
			if r.Time != time.UnixMicro(int64(k)) || (r.Event == EventBlocked) != (k%1000 == 999) {
				t.Fatalf("seq %d: time %v, event %q", r.Seq, r.Time, r.Event)
			}
		}
		pos = recs[len(recs)-1].Seq + 1
	}
	// Each batch is at most a buffer's worth of records, so there are more
	// batches than the 1024-record limit alone would make.
	if min := (len(want) + 1023) / 1024; batches <= min {
		t.Errorf("%d batches for %d records: the buffer never ended one", batches, len(want))
	}
}
