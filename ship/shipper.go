package ship

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// Options configure a [Shipper]. Prefix is required; the zero value of the
// others is a default.
type Options struct {
	// Prefix marks public lines; a line without it is never queued nor sent.
	Prefix string
	// Job names the job: the APP-NAME of syslog messages, OTLP's
	// service.name. Default "conflog".
	Job string
	// JobID names this run of it (see [Job]); default [NewJobID]'s.
	JobID string
	// Queue bounds the disk-backed queue.
	Queue QueueOptions
	// ConfirmAfter is how long a syslog connection must stay sound after a
	// line was written for the line to count as delivered. Default 2s.
	ConfirmAfter time.Duration
}

// A Shipper sends public lines to one destination through a disk-backed
// queue: Write queues them (it never blocks on the network and never
// fails), a goroutine delivers them, reconnecting with backoff, and Close
// waits a while for the rest. Lines not delivered stay in the queue for the
// next Shipper on the same directory (conflog run, or conflog ship --resume).
type Shipper struct {
	dest   *Destination
	q      *Queue
	prefix []byte
	h      header
	opts   Options

	wake chan struct{}
	// idle is set while the deliverer waits for lines, having sent all it
	// had: only then does Write wake it. A wake-up is a switch to the
	// deliverer's own thread; when Write woke it for every block, a
	// deliverer waiting out a backoff cost the gate more CPU time than
	// queueing the lines did (perf: thread wake-ups, 1 GiB job).
	idle atomic.Bool
	stop chan time.Duration // Close's wait
	// ctx ends when Close's wait does: it cuts a dial or a write short.
	ctx    context.Context
	cancel context.CancelFunc
	done   chan struct{}
	close  sync.Once

	wmu   sync.Mutex
	lines [][]byte // Write's scratch, under wmu

	// Counters, read by the metrics.
	queued, refused, sent, confirmed, errors, retries, resent atomic.Int64
	wakeups                                                   atomic.Int64 // the deliverer woken by a Write, for tests
	oldest                                                    atomic.Int64 // unix µs of the oldest line not known delivered; 0 none

	mu      sync.Mutex
	lastErr error
}

// New opens (or resumes) the queue in dir for dest and starts delivering.
func New(dest *Destination, dir string, opts Options) (*Shipper, error) {
	if opts.Prefix == "" {
		return nil, errors.New("ship: no prefix")
	}
	if opts.Job == "" {
		opts.Job = "conflog"
	}
	if opts.JobID == "" {
		opts.JobID = NewJobID()
	}
	if err := CheckJobID(opts.JobID); err != nil {
		return nil, fmt.Errorf("ship: %w", err)
	}
	opts.Queue.Job = Job{Name: opts.Job, ID: opts.JobID, Host: hostName()}
	if opts.ConfirmAfter <= 0 {
		opts.ConfirmAfter = 2 * time.Second
	}
	q, err := OpenQueue(dir, opts.Prefix, dest.String(), opts.Queue)
	if err != nil {
		return nil, err
	}
	s := &Shipper{
		dest: dest, q: q, prefix: []byte(opts.Prefix), opts: opts,
		h:    newHeader(opts.Queue.Job, q.ID()),
		wake: make(chan struct{}, 1), stop: make(chan time.Duration, 1), done: make(chan struct{}),
	}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	go s.deliver()
	return s, nil
}

// hostName is this host's name as a syslog HOSTNAME.
func hostName() string {
	host, _ := os.Hostname()
	return headerName(host, 255)
}

// NewIn is New on the first queue for dest under root that no other
// process holds: root/NAME, else root/NAME.2, root/NAME.3… So jobs running
// side by side each get a queue of their own, and a later job takes over
// (and delivers) the queue of one that died.
func NewIn(root string, dest *Destination, opts Options) (*Shipper, error) {
	for i := 1; ; i++ {
		dir := filepath.Join(root, dest.dirName())
		if i > 1 {
			dir += "." + strconv.Itoa(i)
		}
		s, err := New(dest, dir, opts)
		if !errors.Is(err, ErrQueueInUse) || i == 64 {
			return s, err
		}
	}
}

// Write queues the public lines in p, which holds whole lines, each ending
// in '\n' (the last may lack it). A line that does not start with the
// prefix is refused: counted, never queued. Write always reports success:
// shipping must never stop the gate. It is safe for concurrent use.
func (s *Shipper) Write(p []byte) (int, error) {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	lines := s.lines[:0]
	for rest := p; len(rest) > 0; {
		line := rest
		if i := bytes.IndexByte(rest, '\n'); i >= 0 {
			line, rest = rest[:i], rest[i+1:]
		} else {
			rest = nil
		}
		if !bytes.HasPrefix(line, s.prefix) {
			s.refused.Add(1)
			continue
		}
		lines = append(lines, line)
	}
	s.lines = lines[:0]
	if len(lines) == 0 {
		return len(p), nil
	}
	n, err := s.q.Append(time.Now(), lines...)
	s.queued.Add(int64(n))
	if err != nil {
		s.fail(err)
	}
	// After the append: the deliverer sets idle before it looks at the
	// queue a last time, so either it sees these lines or this sees idle.
	if s.idle.Load() {
		s.wakeUp()
	}
	return len(p), nil
}

func (s *Shipper) wakeUp() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// waitIdle is wait, announced to Write, unless the queue holds lines
// after pos (the next to send) by the time it is announced.
func (s *Shipper) waitIdle(wait func(time.Duration), pos uint64) {
	s.idle.Store(true)
	if pos >= s.q.Next() {
		wait(time.Hour)
	}
	s.idle.Store(false)
}

func (s *Shipper) fail(err error) {
	s.errors.Add(1)
	s.mu.Lock()
	// Once Close's deadline has cancelled the context, a dial or a send
	// fails for that alone: it would hide the error that kept the lines
	// queued (a refused token, a wrong peer name) from Close's message.
	if s.lastErr == nil || s.ctx.Err() == nil {
		s.lastErr = err
	}
	s.mu.Unlock()
}

// deliver is the one goroutine that reads the queue and sends.
//
// It runs on a thread of its own at a lower priority (nice 10, on Linux):
// the gate's output path goes first when the CPU is short, as on the
// 2-core machine where the benchmark's rsyslog competes for it too. At the
// end the thread's priority is put back and the thread unlocked; where that
// is refused (no CAP_SYS_NICE) the thread ends with the goroutine, its nice
// value with it. Ending a thread is not free for a program that embeds
// ship: Linux sends a child's Pdeathsig when the thread that forked it
// ends, and this goroutine may have been scheduled on such a thread.
func (s *Shipper) deliver() {
	runtime.LockOSThread()
	restore := lowerPriority()
	defer func() {
		if restore() {
			runtime.UnlockOSThread()
		}
	}()
	defer close(s.done)
	var (
		c        conn
		pos      = s.q.Acked() // the next seq to send
		backoff  = 100 * time.Millisecond
		batches  []mark // batches read and not yet confirmed: end and first line's time, for the age
		draining bool
		deadline time.Time
		tick     = time.NewTicker(250 * time.Millisecond)
		lastSync = time.Now()
		retryAt  time.Time // no dial before
	)
	defer tick.Stop()
	// wait sleeps until there may be work, and notices Close.
	wait := func(d time.Duration) {
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-s.wake:
			s.wakeups.Add(1)
		case <-tick.C:
		case <-t.C:
		case w := <-s.stop:
			draining, deadline = true, time.Now().Add(w)
		}
		if time.Since(lastSync) >= time.Second {
			lastSync = time.Now()
			if err := s.q.Sync(); err != nil {
				s.fail(err)
			}
		}
	}
	ack := func(a uint64) {
		if old := s.q.Acked(); a > old {
			s.confirmed.Add(int64(a - old))
			if err := s.q.Ack(a); err != nil {
				s.fail(err)
			}
		}
		acked := s.q.Acked()
		for len(batches) > 0 && batches[0].end <= acked {
			batches = batches[1:]
		}
		if len(batches) > 0 {
			s.oldest.Store(batches[0].at.UnixMicro())
		} else if acked >= s.q.Next() {
			s.oldest.Store(0)
		}
	}
	for {
		if draining && (s.q.Acked() >= s.q.Next() || time.Now().After(deadline)) {
			if c != nil {
				ack(c.close(max(time.Until(deadline), 0)))
			}
			return
		}
		if c == nil {
			if s.q.Acked() >= s.q.Next() {
				s.waitIdle(wait, s.q.Acked())
				continue
			}
			// Backing off: a destination that is down must not be dialled
			// for every block the gate queues (that cost the gate a sixth
			// of its CPU time).
			if d := time.Until(retryAt); d > 0 {
				wait(d)
				continue
			}
			if len(batches) == 0 {
				// Down before reading anything: the age is the first line's.
				if recs, _ := s.q.Read(s.q.Acked(), 1, 1); len(recs) > 0 {
					s.oldest.Store(recs[0].Time.UnixMicro())
				}
			}
			var err error
			c, err = s.dest.dial(s.ctx, s.h, s.opts.ConfirmAfter)
			if err != nil {
				c = nil
				s.fail(fmt.Errorf("%s: %w", s.dest.Name(), err))
				retryAt = time.Now().Add(backoff)
				backoff = min(2*backoff, 10*time.Second)
				continue
			}
			// Everything not confirmed goes again.
			if acked := s.q.Acked(); acked < pos {
				s.resent.Add(int64(pos - acked))
			}
			pos = s.q.Acked()
			batches = batches[:0]
		}
		// A connection that breaks, or a send that fails (an OTLP receiver
		// refusing the token), waits the backoff too: a destination that
		// accepts connections but not lines must not make this loop spin,
		// nor keep it from noticing Close.
		retry := func(err error) {
			s.fail(fmt.Errorf("%s: %w", s.dest.Name(), err))
			c.close(0)
			c = nil
			s.retries.Add(1)
			retryAt = time.Now().Add(backoff)
			backoff = min(2*backoff, 10*time.Second)
		}
		if err := c.broken(); err != nil {
			retry(err)
			continue
		}
		recs, err := s.q.read(pos, 1024, 1<<20, true) // sent before the next read
		if err != nil {
			s.fail(err)
			wait(time.Second)
			continue
		}
		if len(recs) > 0 {
			end := recs[len(recs)-1].Seq + 1
			batches = append(batches, mark{end: end, at: recs[0].Time})
			// The queue is ours alone, but a line is checked again before
			// it leaves: whatever put it there, no line without the prefix
			// goes out.
			keep := recs[:0]
			for _, r := range recs {
				if bytes.HasPrefix(r.Line, s.prefix) {
					keep = append(keep, r)
				} else {
					s.refused.Add(1)
				}
			}
			if err := c.send(keep, end); err != nil {
				retry(err)
				continue
			}
			backoff = 100 * time.Millisecond
			s.sent.Add(int64(len(keep)))
			pos = end
		}
		ack(c.confirmed(time.Now()))
		if len(recs) == 0 {
			if draining {
				// All sent: close in order, which confirms it all.
				ack(c.close(max(time.Until(deadline), 0)))
				c = nil
				if s.q.Acked() < s.q.Next() {
					return // not confirmed in time: it stays queued for the next run
				}
				continue
			}
			s.waitIdle(wait, pos)
		}
	}
}

// Close stops accepting lines, waits up to wait for the queue to be
// delivered, and closes it. It returns an error naming what is left in the
// queue, if anything: those lines wait on disk for the next Shipper.
func (s *Shipper) Close(wait time.Duration) error {
	s.close.Do(func() {
		s.stop <- wait
		time.AfterFunc(wait, s.cancel)
	})
	<-s.done
	s.cancel()
	lines, _ := s.q.Depth()
	dropped := s.q.Dropped()
	err := s.q.Close()
	if lines > 0 || dropped > 0 {
		msg := fmt.Sprintf("%s: %d line(s) not yet delivered wait in %s (deliver them with 'conflog ship --resume %s')", s.dest.Name(), lines, s.q.Dir(), s.q.Dir())
		if dropped > 0 {
			msg += fmt.Sprintf("; %d line(s) dropped, the queue's disk budget being full", dropped)
		}
		if last := s.LastError(); last != nil {
			msg += "; last error: " + last.Error()
		}
		return errors.New(msg)
	}
	return err
}

// LastError is the last delivery or queue error, or nil.
func (s *Shipper) LastError() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.lastErr
}
