package ship

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// The queue directory (mode 0700, every file 0600):
//
//	lock         held with flock(2) by the one process using the queue; the
//	             kernel drops it when that process dies, even by kill -9
//	queue.json   {"id": "…", "prefix": "…", "destination": "…"}, written once
//	acked        the decimal sequence number of the first line not yet known
//	             delivered; replaced by rename
//	SEQ.seg      SEQ is the 20-digit sequence number of its first line; one
//	             record per line: UNIXMICRO SP LINE LF, or for an event the
//	             gate made itself (a notice of a blocked line):
//	             UNIXMICRO "," EVENT SP LINE LF
//
// A line's sequence number is its segment's SEQ plus its index there. With
// the queue's id it names the line for ever: a receiver de-duplicates on the
// pair. A record cut short by a crash (no LF) is truncated at the next open.

// Defaults of [QueueOptions].
const (
	DefaultMaxBytes     = 1 << 30
	DefaultSegmentBytes = 16 << 20
)

// ErrQueueInUse is the error of OpenQueue on a queue another process holds.
var ErrQueueInUse = errors.New("in use by another conflog process")

// QueueOptions bound a [Queue].
type QueueOptions struct {
	// MaxBytes is the disk budget of the queue's segments; 0 is DefaultMaxBytes.
	MaxBytes int64
	// SegmentBytes is the size at which a segment is closed and a new one
	// started; 0 is DefaultSegmentBytes.
	SegmentBytes int64
	// Block makes Append wait for room when the budget is full, so the job
	// waits for the destination. The default drops the line and counts it
	// (Queue.Dropped): the job is never slowed by central logging.
	Block bool
	// Job is who appends: kept with each segment, so a later deliverer
	// sends the lines as this job's. A segment holds one job's lines.
	Job Job
}

// A Record is one queued line.
type Record struct {
	Seq  uint64
	Time time.Time // when the gate queued it
	Line []byte    // without its line end
	// Event names a record the gate made itself, not a line of the job's
	// ([EventBlocked]); "" for a line. Only AppendEvent sets it: no line
	// a job writes can pass for an event.
	Event string
	// Job is the job that queued it, or nil if the queue does not know.
	Job *Job
}

// meta is queue.json.
type meta struct {
	ID          string `json:"id"`
	Prefix      string `json:"prefix"`
	Destination string `json:"destination"`
}

type segment struct {
	first uint64 // seq of its first record
	n     uint64 // records
	size  int64
	job   *Job // who queued its lines, nil if unknown
}

// A Queue is a bounded, disk-backed FIFO of public lines with sequence
// numbers. One goroutine appends, one reads; Ack may come from the reader.
//
// Durability: Append writes its records with one write(2) before it
// returns, so they survive a kill -9 of the process (they are in the page
// cache). A goroutine of the queue's fsyncs them: every second, and at
// once when a segment is closed, with the job file and the directory entry
// of the segment begun (Append itself never waits for the disk: the fsyncs
// of a segment change under its lock were 0.54 s of a 2 s job of 1 GiB),
// so a power loss loses at most about the last second. Sync, which a
// Shipper also calls, does the same work.
type Queue struct {
	dir  string
	meta meta
	opts QueueOptions
	lock *os.File

	mu      sync.Mutex
	room    *sync.Cond // signalled when Ack frees space or the queue closes
	segs    []segment  // oldest first; the last is the one appended to
	tail    *os.File
	next    uint64 // seq of the next line appended
	acked   uint64 // seq of the first line not known delivered
	bytes   int64  // size of all segments
	dropped int64
	closed  bool
	// ackStale: the acked file is behind acked (it could not be written).
	ackStale bool
	buf      []byte

	// What the syncer is to fsync, besides the tail: the segments closed
	// since (open until then), the job files written since, and the
	// directory (segments made or deleted).
	unsynced []*os.File
	jobs     []string
	dirty    bool
	dirDirty bool
	syncErr  error // the syncer's last failure, for the next Sync to report
	syncWake chan struct{}
	syncStop chan struct{}
	syncDone chan struct{}

	// The reader's position: an open segment and the seq it reads next.
	rd     *os.File
	rdSeg  uint64
	rdNext uint64
	rdBuf  []byte   // bytes read from rd, not yet parsed: a window of rdMem
	rdMem  []byte   // the reader's buffer, reused; the last read's lines are in it
	recs   []Record // the last read's records, reused by the next
}

// OpenQueue opens the queue in dir, creating it (mode 0700) if needed, and
// takes its lock. prefix and destination are recorded at creation; an
// existing queue must have been made for the same prefix and destination.
func OpenQueue(dir, prefix, destination string, opts QueueOptions) (*Queue, error) {
	if opts.MaxBytes <= 0 {
		opts.MaxBytes = DefaultMaxBytes
	}
	if opts.SegmentBytes <= 0 {
		opts.SegmentBytes = DefaultSegmentBytes
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("queue: %w", err)
	}
	fi, err := os.Lstat(dir)
	if err != nil {
		return nil, fmt.Errorf("queue: %w", err)
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("queue %s: not a directory", dir)
	}
	if perm := fi.Mode().Perm(); perm&0o077 != 0 {
		// A directory that holds no queue yet has nothing to have leaked:
		// make it the queue's (chmod also undoes a umask).
		if _, err := os.Lstat(filepath.Join(dir, "queue.json")); !errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("queue %s: mode %#o lets others read the queue; want 0700", dir, perm)
		}
		if err := os.Chmod(dir, 0o700); err != nil {
			return nil, fmt.Errorf("queue: %w", err)
		}
	}
	q := &Queue{dir: dir, opts: opts}
	q.room = sync.NewCond(&q.mu)
	lock, err := lockQueue(dir)
	if err != nil {
		return nil, err
	}
	q.lock = lock
	if err := q.load(prefix, destination); err != nil {
		q.lock.Close()
		return nil, fmt.Errorf("queue %s: %w", dir, err)
	}
	q.syncWake, q.syncStop, q.syncDone = make(chan struct{}, 1), make(chan struct{}), make(chan struct{})
	go q.syncer()
	return q, nil
}

// ReadQueueMeta returns the prefix and destination a queue was made for,
// without opening it.
func ReadQueueMeta(dir string) (prefix, destination string, err error) {
	b, err := os.ReadFile(filepath.Join(dir, "queue.json"))
	if err != nil {
		return "", "", fmt.Errorf("queue: %w", err)
	}
	var m meta
	if err := json.Unmarshal(b, &m); err != nil {
		return "", "", fmt.Errorf("queue %s: queue.json: %w", dir, err)
	}
	return m.Prefix, m.Destination, nil
}

func (q *Queue) load(prefix, destination string) error {
	mpath := filepath.Join(q.dir, "queue.json")
	b, err := os.ReadFile(mpath)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		id := make([]byte, 8)
		rand.Read(id)
		q.meta = meta{ID: hex.EncodeToString(id), Prefix: prefix, Destination: destination}
		b, _ := json.Marshal(q.meta)
		if err := replaceFile(q.dir, "queue.json", append(b, '\n'), true); err != nil {
			return err
		}
	case err != nil:
		return err
	default:
		if err := json.Unmarshal(b, &q.meta); err != nil || q.meta.ID == "" {
			return fmt.Errorf("queue.json: malformed (%v)", err)
		}
		if q.meta.Prefix != prefix {
			return fmt.Errorf("made for prefix %q, not %q", q.meta.Prefix, prefix)
		}
		if q.meta.Destination != destination {
			return fmt.Errorf("made for destination %s, not %s", q.meta.Destination, destination)
		}
	}

	entries, err := os.ReadDir(q.dir)
	if err != nil {
		return err
	}
	for _, e := range entries {
		name, ok := strings.CutSuffix(e.Name(), ".seg")
		if !ok {
			continue
		}
		first, err := strconv.ParseUint(name, 10, 64)
		if err != nil || len(name) != 20 {
			return fmt.Errorf("%s: not a segment name", e.Name())
		}
		q.segs = append(q.segs, segment{first: first})
	}
	sort.Slice(q.segs, func(i, j int) bool { return q.segs[i].first < q.segs[j].first })
	for i := range q.segs {
		if err := q.scan(&q.segs[i]); err != nil {
			return err
		}
		if q.segs[i].job, err = q.readJob(q.segs[i].first); err != nil {
			return err
		}
		q.bytes += q.segs[i].size
	}
	// The numbering goes on after the last line ever queued: the last
	// segment's end (an empty segment keeps it when every line was
	// delivered), and at least the acked file's, which no line can be
	// beyond. A seq used twice would make a receiver drop the second line
	// as a copy of the first.
	q.next = 1
	if n := len(q.segs); n > 0 {
		last := q.segs[n-1]
		q.next = last.first + last.n
	}
	q.acked = q.next
	if len(q.segs) > 0 {
		q.acked = q.segs[0].first
	}
	if b, err := os.ReadFile(filepath.Join(q.dir, "acked")); err == nil {
		a, err := strconv.ParseUint(strings.TrimSpace(string(b)), 10, 64)
		if err != nil {
			return fmt.Errorf("acked: malformed")
		}
		if len(q.segs) == 0 {
			q.next = max(q.next, a)
		}
		q.acked = min(max(a, q.acked), q.next)
	} else if !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	q.rdNext = q.acked
	return q.collect()
}

// scan counts a segment's records and truncates a record cut short by a crash.
func (q *Queue) scan(s *segment) error {
	path := q.segPath(s.first)
	f, err := os.OpenFile(path, os.O_RDWR|oNoFollow, 0)
	if err != nil {
		return err
	}
	defer f.Close()
	if fi, err := f.Stat(); err != nil {
		return err
	} else if fi.Mode().Perm()&0o077 != 0 {
		return fmt.Errorf("%s: mode %#o lets others read queued lines", path, fi.Mode().Perm())
	}
	b, err := io.ReadAll(f)
	if err != nil {
		return err
	}
	whole := bytes.LastIndexByte(b, '\n') + 1
	if whole < len(b) {
		if err := f.Truncate(int64(whole)); err != nil {
			return err
		}
	}
	s.n = uint64(bytes.Count(b[:whole], []byte{'\n'}))
	s.size = int64(whole)
	return nil
}

func (q *Queue) segPath(first uint64) string {
	return filepath.Join(q.dir, fmt.Sprintf("%020d.seg", first))
}

// ID names the queue in every message, beside each line's sequence number.
func (q *Queue) ID() string { return q.meta.ID }

// Dir is the queue's directory.
func (q *Queue) Dir() string { return q.dir }

// Append queues lines, each without its line end, stamped with t. It
// returns how many it queued; the others were dropped because the budget
// was full (without Block), the queue was closed or the disk failed, and
// are counted in Dropped.
func (q *Queue) Append(t time.Time, lines ...[]byte) (int, error) {
	return q.append(t, "", lines)
}

// AppendEvent queues line as the gate's own event, named event (a word of
// letters, digits, '.' and '_').
func (q *Queue) AppendEvent(t time.Time, event string, line []byte) (int, error) {
	if event == "" || strings.IndexFunc(event, func(r rune) bool { return !isEventRune(r) }) >= 0 {
		return 0, fmt.Errorf("queue: event name %q", event)
	}
	return q.append(t, event, [][]byte{line})
}

func isEventRune(r rune) bool {
	return r == '.' || r == '_' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z'
}

func (q *Queue) append(t time.Time, event string, lines [][]byte) (int, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	stamp := strconv.AppendInt(nil, t.UnixMicro(), 10)
	if event != "" {
		stamp = append(append(stamp, ','), event...)
	}
	buf, n, queued := q.buf[:0], 0, 0
	var err error
	flush := func() {
		for n > 0 && err == nil {
			werr := q.write(buf, uint64(n))
			if werr == nil {
				queued += n
				break
			}
			// A full disk is a full budget: with Block, wait for the
			// delivery of queued lines to free a segment. With nothing
			// queued, no delivery can free anything: drop.
			if q.opts.Block && !q.closed && errors.Is(werr, syscall.ENOSPC) && q.acked < q.next {
				q.room.Wait()
				continue
			}
			err = werr
			q.dropped += int64(n)
		}
		buf, n = buf[:0], 0
	}
	for _, l := range lines {
		rec := int64(len(stamp) + 2 + len(l))
		for q.opts.Block && !q.closed && err == nil && rec <= q.opts.MaxBytes && q.bytes+int64(len(buf))+rec > q.opts.MaxBytes {
			flush()
			if q.bytes+rec > q.opts.MaxBytes {
				q.room.Wait()
			}
		}
		if q.closed || err != nil || q.bytes+int64(len(buf))+rec > q.opts.MaxBytes {
			q.dropped++
			continue
		}
		if n > 0 && q.tail != nil && q.segs[len(q.segs)-1].size+int64(len(buf))+rec > q.opts.SegmentBytes {
			flush() // the rest starts a new segment
		}
		buf = append(buf, stamp...)
		buf = append(buf, ' ')
		buf = append(buf, l...)
		buf = append(buf, '\n')
		n++
	}
	flush()
	q.buf = buf
	return queued, err
}

// write appends n records in buf with one write(2), to the tail segment or,
// when that is full, a new one.
func (q *Queue) write(buf []byte, n uint64) error {
	if q.tail == nil || (q.segs[len(q.segs)-1].size > 0 && q.segs[len(q.segs)-1].size+int64(len(buf)) > q.opts.SegmentBytes) {
		if err := q.rotate(); err != nil {
			return err
		}
	}
	s := &q.segs[len(q.segs)-1]
	w, err := q.tail.Write(buf)
	if err != nil {
		// Take back a partial record, so the segment stays whole.
		q.tail.Truncate(s.size)
		return fmt.Errorf("queue: %w", err)
	}
	s.n += n
	s.size += int64(w)
	q.bytes += int64(w)
	q.next += n
	q.dirty = true
	return nil
}

// rotate closes the tail segment and opens a new one. The syncer fsyncs
// the closed segment and the new one's job file and directory entry.
func (q *Queue) rotate() error {
	if q.tail != nil {
		q.unsynced = append(q.unsynced, q.tail)
		q.tail = nil
		q.wakeSyncer()
	}
	// A reopened queue appends to its last segment while it has room and
	// holds this job's lines; an empty one (the numbering's placeholder)
	// becomes this job's. Another job's lines stay in a segment of their
	// own, which keeps their job.
	if n := len(q.segs); q.tail == nil && n > 0 && q.segs[n-1].size < q.opts.SegmentBytes {
		last := &q.segs[n-1]
		if last.n == 0 && (last.job == nil || *last.job != q.opts.Job) {
			if err := q.writeJob(last.first); err != nil {
				return fmt.Errorf("queue: %w", err)
			}
			last.job = &q.opts.Job
		}
		if last.job != nil && *last.job == q.opts.Job {
			f, err := os.OpenFile(q.segPath(last.first), os.O_WRONLY|os.O_APPEND|oNoFollow, 0)
			if err != nil {
				return fmt.Errorf("queue: %w", err)
			}
			q.tail = f
			return nil
		}
	}
	if err := q.writeJob(q.next); err != nil {
		return fmt.Errorf("queue: %w", err)
	}
	f, err := os.OpenFile(q.segPath(q.next), os.O_WRONLY|os.O_APPEND|os.O_CREATE|os.O_EXCL|oNoFollow, 0o600)
	if err != nil {
		os.Remove(q.jobPath(q.next))
		return fmt.Errorf("queue: %w", err)
	}
	q.dirDirty = true
	q.wakeSyncer()
	q.tail = f
	q.segs = append(q.segs, segment{first: q.next, job: &q.opts.Job})
	return nil
}

// Sync fsyncs what was appended since the last Sync: the tail segment's
// records, the segments closed since (then closes them), the job files
// written since, the directory. The fsyncs run outside the queue's lock:
// under it, Append (the gate's output) would wait for the disk, which in
// the gate benchmark cost more than all the rest of shipping. It returns
// the first failure, or the syncer's since the last Sync.
func (q *Queue) Sync() error {
	q.mu.Lock()
	var tail *os.File
	if q.dirty {
		tail = q.tail
	}
	closed, jobs, dir := q.unsynced, q.jobs, q.dirDirty
	q.dirty, q.unsynced, q.jobs, q.dirDirty = false, nil, nil, false
	err := q.syncErr
	q.syncErr = nil
	q.mu.Unlock()
	if e := q.sync(tail, closed, jobs, dir); err == nil {
		err = e
	}
	return err
}

// sync fsyncs the closed segments (and closes them), then the job files,
// the tail and the directory. A file is fsynced before the directory
// entry that names it, as a file replaced by rename must be.
func (q *Queue) sync(tail *os.File, closed []*os.File, jobs []string, dir bool) error {
	var err error
	keep := func(e error) {
		if err == nil && e != nil {
			err = fmt.Errorf("queue: %w", e)
		}
	}
	for _, f := range closed {
		keep(f.Sync())
		f.Close()
	}
	for _, j := range jobs {
		f, e := os.Open(j)
		if errors.Is(e, fs.ErrNotExist) {
			continue // its segment was delivered and deleted meanwhile
		}
		if e == nil {
			e = f.Sync()
			f.Close()
		}
		keep(e)
	}
	if tail != nil {
		if e := tail.Sync(); !errors.Is(e, os.ErrClosed) { // rotated or emptied meanwhile: the closed list has it
			keep(e)
		}
	}
	if dir {
		keep(syncDir(q.dir))
	}
	return err
}

// syncer is the queue's goroutine that fsyncs: every second, and when a
// segment is closed or begun.
func (q *Queue) syncer() {
	defer close(q.syncDone)
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case <-q.syncStop:
			return
		case <-q.syncWake:
		case <-t.C:
		}
		if err := q.Sync(); err != nil {
			q.mu.Lock()
			q.syncErr = err
			q.mu.Unlock()
		}
	}
}

// wakeSyncer asks the syncer for a Sync now. Called with mu held.
func (q *Queue) wakeSyncer() {
	select {
	case q.syncWake <- struct{}{}:
	default:
	}
}

// Read returns up to maxRecs records from seq from on (from >= the acked
// position), reading at most about maxBytes of lines. It returns none when
// nothing from on is queued yet.
func (q *Queue) Read(from uint64, maxRecs, maxBytes int) ([]Record, error) {
	return q.read(from, maxRecs, maxBytes, false)
}

// read is Read; with reuse, the records and their lines are valid only
// until the next read: their memory is reused (the deliverer, which
// allocated afresh for every batch, spent a tenth of the gate's CPU time
// collecting it; the records' slice, grown to 1024 for each batch, was
// still 3% of the gate's samples), and a line is where the reader read it,
// in its buffer: a batch ends where the buffer's complete records do, so
// that no refill moves a line of it (copying each line into a batch of its
// own was a tenth of the deliverer's time).
func (q *Queue) read(from uint64, maxRecs, maxBytes int, reuse bool) ([]Record, error) {
	q.mu.Lock()
	end := q.next
	var seg segment
	found := false
	for _, s := range q.segs {
		if from >= s.first && from < s.first+s.n {
			seg, found = s, true
			break
		}
	}
	q.mu.Unlock()
	if from >= end || !found {
		return nil, nil
	}
	if q.rd == nil || q.rdSeg != seg.first || q.rdNext != from {
		if err := q.seek(seg, from); err != nil {
			return nil, err
		}
	}
	var recs []Record
	var arena []byte // the batch's lines, without reuse
	if reuse {
		recs = q.recs[:0]
	}
	size := 0
	for len(recs) < maxRecs && size < maxBytes && q.rdNext < seg.first+seg.n {
		// With reuse, the buffer is refilled only for a batch's first
		// record: a refill moves what it holds.
		line, err := q.readLine(!reuse || len(recs) == 0)
		if line == nil && err == nil {
			break
		}
		if err != nil {
			q.closeReader()
			return nil, fmt.Errorf("queue: segment %d: %w", seg.first, err)
		}
		us, event, body, ok := parseRecord(line)
		if !ok {
			q.closeReader()
			return nil, fmt.Errorf("queue: segment %d: record %d malformed", seg.first, q.rdNext)
		}
		if !reuse {
			if cap(arena)-len(arena) < len(body) {
				// The records before keep the old chunk.
				arena = make([]byte, 0, max(min(maxBytes, 1<<20)+64<<10, len(body)))
			}
			arena = append(arena, body...)
			body = arena[len(arena)-len(body) : len(arena) : len(arena)]
		}
		recs = append(recs, Record{Seq: q.rdNext, Time: time.UnixMicro(us), Line: body[:len(body):len(body)], Event: event, Job: seg.job})
		size += len(line)
		q.rdNext++
	}
	if reuse {
		q.recs = recs[:0]
	}
	return recs, nil
}

// parseRecord cuts a record, without its LF, into its time stamp, event
// name ("" for a line) and line: UNIXMICRO SP LINE or UNIXMICRO "," EVENT
// SP LINE.
func parseRecord(rec []byte) (us int64, event string, line []byte, ok bool) {
	i := 0
	for ; i < len(rec) && rec[i] >= '0' && rec[i] <= '9'; i++ {
		us = us*10 + int64(rec[i]-'0')
	}
	if i == 0 || i > 18 || i == len(rec) {
		return 0, "", nil, false
	}
	if rec[i] == ',' {
		sp := bytes.IndexByte(rec[i:], ' ')
		if sp < 0 {
			return 0, "", nil, false
		}
		if sp > 1 {
			event = string(rec[i+1 : i+sp])
		}
		i += sp
	}
	if rec[i] != ' ' {
		return 0, "", nil, false
	}
	return us, event, rec[i+1:], true
}

// seek opens seg for reading and skips to seq from.
func (q *Queue) seek(seg segment, from uint64) error {
	q.closeReader()
	f, err := os.Open(q.segPath(seg.first))
	if err != nil {
		return fmt.Errorf("queue: %w", err)
	}
	q.rd, q.rdSeg, q.rdNext, q.rdBuf = f, seg.first, seg.first, q.rdBuf[:0]
	for q.rdNext < from {
		if _, err := q.readLine(true); err != nil {
			q.closeReader()
			return fmt.Errorf("queue: segment %d: %w", seg.first, err)
		}
		q.rdNext++
	}
	return nil
}

// readBufSize is the reader's buffer, a batch's most (Shipper reads 1 MiB).
const readBufSize = 1 << 20

// readLine returns the next record of the reader's segment, without its LF,
// in the reader's buffer. The record is known complete: its seq is below
// next. If it is not all in the buffer, readLine refills the buffer, which
// moves what it holds, or with refill false returns nil, nil.
func (q *Queue) readLine(refill bool) ([]byte, error) {
	for {
		if i := bytes.IndexByte(q.rdBuf, '\n'); i >= 0 {
			line := q.rdBuf[:i]
			q.rdBuf = q.rdBuf[i+1:]
			return line, nil
		}
		if !refill {
			return nil, nil
		}
		// Move the partial record to the front of the buffer (a bigger
		// one if it fills it) and read more.
		if len(q.rdMem) < readBufSize || len(q.rdBuf) == len(q.rdMem) {
			q.rdMem = append(make([]byte, 0, max(readBufSize, 2*len(q.rdBuf))), q.rdBuf...)[:max(readBufSize, 2*len(q.rdBuf))]
		} else {
			copy(q.rdMem, q.rdBuf)
		}
		k := len(q.rdBuf)
		n, err := q.rd.Read(q.rdMem[k:])
		q.rdBuf = q.rdMem[:k+n]
		if n == 0 {
			if err == nil || err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return nil, err
		}
	}
}

func (q *Queue) closeReader() {
	if q.rd != nil {
		q.rd.Close()
		q.rd = nil
	}
}

// Ack records that every line before seq was delivered, and deletes the
// segments that hold only such lines.
func (q *Queue) Ack(seq uint64) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	if seq <= q.acked && !q.ackStale {
		return nil
	}
	q.acked = max(q.acked, min(seq, q.next))
	// Not fsynced: an acknowledgement lost to a power cut only means lines
	// sent twice, which the sequence numbers let the receiver notice.
	// On a full disk the file cannot be written (its replacement needs a
	// block): the delivered segments are deleted all the same, which is
	// what frees the disk, and the next Ack tries again. A reopened queue
	// then starts at its first segment: at worst lines sent twice.
	werr := replaceFile(q.dir, "acked", []byte(strconv.FormatUint(q.acked, 10)+"\n"), false)
	q.ackStale = werr != nil
	if err := q.collect(); err != nil {
		return err
	}
	if werr != nil {
		return fmt.Errorf("queue: %w", werr)
	}
	return nil
}

// collect deletes fully acknowledged segments. The last one, once fully
// acknowledged, is replaced by an empty segment named for the next seq
// (made before the old one goes, and needing no block of a full disk), so
// the directory always says where the numbering is. Called with mu held.
func (q *Queue) collect() error {
	freed := false
	defer func() {
		if freed {
			q.room.Broadcast()
		}
	}()
	for len(q.segs) > 0 && (q.segs[0].n > 0 || len(q.segs) > 1) && q.segs[0].first+q.segs[0].n <= q.acked {
		first := q.segs[0].first
		if len(q.segs) == 1 {
			f, err := os.OpenFile(q.segPath(q.next), os.O_WRONLY|os.O_APPEND|os.O_CREATE|os.O_EXCL|oNoFollow, 0o600)
			if err != nil {
				return fmt.Errorf("queue: %w", err)
			}
			if q.tail != nil {
				// Its lines are delivered: nothing of it to fsync.
				q.tail.Close()
			}
			q.dirDirty = true
			q.wakeSyncer()
			// Its job file needs a block a full disk may not have: without
			// one, the next append writes it (see rotate).
			var job *Job
			if q.writeJob(q.next) == nil {
				job = &q.opts.Job
			}
			q.tail = f
			q.segs = append(q.segs, segment{first: q.next, job: job})
		}
		if q.rd != nil && q.rdSeg == first {
			q.closeReader()
		}
		if err := os.Remove(q.segPath(first)); err != nil {
			return fmt.Errorf("queue: %w", err)
		}
		os.Remove(q.jobPath(first))
		q.dirDirty = true
		q.bytes -= q.segs[0].size
		q.segs = q.segs[1:]
		freed = true
	}
	return nil
}

// Depth returns the lines and bytes not yet known delivered.
func (q *Queue) Depth() (lines uint64, size int64) {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.next - q.acked, q.bytes
}

// Acked is the seq of the first line not known delivered.
func (q *Queue) Acked() uint64 {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.acked
}

// Next is the seq the next appended line will get.
func (q *Queue) Next() uint64 {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.next
}

// Dropped counts the lines Append could not queue.
func (q *Queue) Dropped() int64 {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.dropped
}

// Close fsyncs and closes the queue and releases its lock. What is not
// acknowledged stays on disk for the next process that opens it.
func (q *Queue) Close() error {
	q.mu.Lock()
	if q.closed {
		q.mu.Unlock()
		return nil
	}
	q.closed = true
	q.room.Broadcast()
	q.mu.Unlock()
	close(q.syncStop)
	<-q.syncDone
	q.mu.Lock()
	defer q.mu.Unlock()
	err := q.syncErr
	if e := q.sync(q.tail, q.unsynced, q.jobs, q.dirDirty); err == nil {
		err = e
	}
	q.unsynced, q.jobs = nil, nil
	if q.tail != nil {
		q.tail.Close()
	}
	q.closeReader()
	q.lock.Close()
	return err
}

// replaceFile replaces dir/name with data (mode 0600), by a rename; durably
// if sync.
func replaceFile(dir, name string, data []byte, sync bool) error {
	tmp, err := os.CreateTemp(dir, name+".tmp*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if sync {
		if err := tmp.Sync(); err != nil {
			tmp.Close()
			return err
		}
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), filepath.Join(dir, name)); err != nil || !sync {
		return err
	}
	return syncDir(dir)
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
