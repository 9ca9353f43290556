//go:build unix

// Package gate runs a job behind the egress gate: the engine of conflog run.
//
// [Run] starts the job with its stdout and stderr on pipes of the gate's own
// and serves its public channel (internal/channel/SPEC.md), a socket each of
// the job's processes connects to on its own; it passes each through a
// [scrub.Filter] (so only lines that start with the prefix get out, each on
// the stream it came from), forwards signals to the job's process group, and
// ends when the job has exited and what it left behind has ended or been
// stopped. The CLI in cmd/conflog parses flags and wires a [Config]. The
// gate's rules, each checked by a test on real processes:
//
//   - Nothing the job writes reaches the gate's stdout or stderr but through
//     a filter. The job runs in a session of its own without a controlling
//     terminal (/dev/tty does not open), never gets a terminal, a socket
//     or a writable file as stdin ([Config.Stdin]), and inherits no
//     descriptor but stdin, stdout and stderr. (An output the job's user
//     can open by name, a terminal's /dev/pts/N or a file, is beyond any
//     descriptor rule: docs/gate.md's trust model.) The channel's records are judged per connection, so writers
//     never mix, and drained when the grace period ends.
//   - Every byte the job wrote before it exited is judged: passed, re-emitted
//     scrubbed (crash traces) or given to the private sink, however slow the
//     gate's own reader. After the job exits, the gate waits up to
//     [Config.Grace] for the processes it left behind to close their output
//     (and, with [Config.Reap], to exit); at the end of the period it judges
//     exactly what the pipes hold, sends what arrives later to the private
//     sink ([Result.Late]), and stops the leftovers: SIGTERM, SIGKILL a
//     second later ([Result.Stopped]). SIGTERM, SIGINT or SIGHUP after the
//     job's exit end the period at once.
//   - Signals (Forwarded) go to the job's process group; the result's code is
//     the job's, as a shell reports it.
//   - A closed output (| head -1) stops neither the gate nor the job: public
//     lines are counted as undelivered, private lines still reach the sink.
//     A failed private sink stops nothing either: the private lines from
//     then on are dropped and counted, public lines still pass.
//   - With Reap, the gate is the only waiter for this process's children
//     (one wait4(-1) loop; os/exec's Wait is not called), so the job's status
//     is never lost to it, and orphans are reaped, counted ([Result.Orphans])
//     and never left as zombies, as PID 1 of a container must.
package gate

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/conflog/conflog/scrub"
	"golang.org/x/sys/unix"
)

// A Config says what to run and how to judge its output. Prefix and Argv are
// required; a zero value of every other field is a sensible default.
type Config struct {
	// Argv is the job: its program and arguments.
	Argv []string

	// Filter configures the filters: Prefix, MaxLine, KeepANSI and Private
	// are used as given; Strict and Trace are set per stream by the gate.
	Filter scrub.Options

	// Strict makes the job's stdout and stderr untrusted: only the public
	// channel carries public lines (and crash traces are re-emitted).
	Strict bool

	// NewTracer returns a crash-trace scrubber for one stream; nil re-emits
	// no traces.
	NewTracer func() scrub.Tracer

	// Check, when set, wraps a stream's public output: the tripwire. The
	// gate runs it behind a [WriteBehind], so it checks one block while the
	// filter frames the next. stream is "stdout", "stderr" or
	// "public channel".
	Check func(out io.Writer, stream string) io.Writer

	// OutputBehind runs the writes of each stream's public lines to
	// Stdout or Stderr on a goroutine of their own, behind the check (or
	// the filter): conflog run --ship sets it, for its outputs copy each
	// block into the shipping queues (a write(2) each) before printing it,
	// and that work then overlaps the check of the next block instead of
	// adding to it. Order is kept, at most two blocks wait, and a block is
	// still queued before it is printed. The public channel's lines are
	// written as before.
	OutputBehind bool

	// Observe, when set, wraps what a stream's filter reads from the job
	// (stream is "stdout" or "stderr"): metrics take the filter's counts
	// as it goes. The wrapper must pass reads and their errors through.
	Observe func(stream string, r io.Reader, f *scrub.Filter) io.Reader

	// ObserveChannel, when set, is called once, as the public channel
	// opens, with a function that returns the channel's counts (its
	// connections' totals, ended and open, each as of the last record its
	// filter judged), safe to call from any goroutine at any time, after
	// the run too: metrics call it at a scrape, to tell the channel's lines
	// from the prefixed ones. A record costs the channel no lock for it.
	ObserveChannel func(stats func() scrub.Stats)

	// Grace is how long the gate keeps reading after the job exits while a
	// process it started still holds an output open.
	Grace time.Duration

	// Stdin is the job's stdin. A terminal is never given to the job: it
	// could write to it around the filters. The job gets /dev/null instead,
	// or, with TerminalInput, a pipe that the gate fills with what is typed.
	// Nor is any other *os.File the job could write through (a socket, a
	// file open for writing): the job reads it through a pipe the gate fills.
	Stdin io.Reader

	// TerminalInput forwards a terminal Stdin to the job through a pipe.
	TerminalInput bool

	// Reap makes the gate the waiter of every child of this process: it
	// becomes a child subreaper (PID 1 is one already), so the processes the
	// job leaves behind are reparented here, reaps them, and stops those
	// still alive at the end of the grace period. Set it only in a process
	// that starts no other children: conflog run.
	Reap bool

	// Stdout and Stderr receive the public lines, each Write whole lines.
	// The gate writes to them from several goroutines; if they may be one
	// pipe (2>&1), the caller serialises them under one lock, as the kernel
	// keeps only writes of at most PIPE_BUF bytes apart.
	Stdout, Stderr io.Writer

	// Warnf and Errorf report the gate's own facts (never the job's output);
	// nil drops them.
	Warnf, Errorf func(format string, args ...any)
}

// A Result is how a run ended.
type Result struct {
	// Code is the job's exit code as a shell reports it: 128+n when signal n
	// killed it, 127 when it could not be found, 126 when it could not be
	// executed.
	Code int
	// Stats totals the filters of every stream.
	Stats scrub.Stats
	// Late counts the bytes cut at the end of the grace period: written by
	// a process the job left behind after the period ended. They went to
	// the private sink, never out.
	Late int64
	// Undelivered counts the public lines that could not be written because
	// the gate's stdout or stderr was closed (conflog run … | head -1) or
	// failed (a full disk): from the line the first failing write ended in,
	// torn there, to the last. Lines written before it are delivered as far
	// as the gate can know (a reader that leaves loses what its pipe held).
	Undelivered int64
	// Orphans counts the processes the job left behind that the gate reaped
	// (with Config.Reap), and Stopped those it killed at the end.
	Orphans, Stopped int64
	// Failed is set when a stream's output or the private sink failed; the
	// failure was reported through Errorf.
	Failed bool
}

// Forwarded are the signals the gate passes on to the job's process group.
var Forwarded = []os.Signal{syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGQUIT, syscall.SIGUSR1, syscall.SIGUSR2}

// A stream is one pipe from the child and the filter that judges it.
type stream struct {
	name   string
	r      *pipeReader // our read end
	w      *os.File    // the child's write end, closed once it has started
	filter *scrub.Filter
	behind *WriteBehind // between the filter and the check, if there is one
	out    *WriteBehind // in front of the output, with OutputBehind
	err    error        // the filter's failure (sink or output), reported at the end
	late   int64        // bytes cut at the end of the grace period
}

// Run runs the job behind the gate until it has exited and its output is
// judged. The error is set only when the job could not be started; Result.Code
// says why (126 or 127). Cancelling ctx sends SIGTERM to the job's group, as
// a signal received does, and ends the grace period.
//
// While Run runs, it catches the Forwarded signals and SIGPIPE for the whole
// process: a closed output is counted (Result.Undelivered), not fatal.
func Run(ctx context.Context, cfg Config) (Result, error) {
	g := &run{cfg: cfg}
	if g.cfg.Warnf == nil {
		g.cfg.Warnf = func(string, ...any) {}
	}
	if g.cfg.Errorf == nil {
		g.cfg.Errorf = func(string, ...any) {}
	}
	g.stdout = &output{name: "stdout", w: cfg.Stdout}
	g.stderr = &output{name: "stderr", w: cfg.Stderr}
	if cfg.Filter.Private != nil {
		g.sink = &privateSink{s: cfg.Filter.Private}
		g.sink.flusher, _ = cfg.Filter.Private.(interface{ Flush() error })
		g.cfg.Filter.Private = g.sink
	}
	return g.run(ctx)
}

// A privateSink is the private sink as the filters see it: one that never
// fails. A filter stops at its sink's first error, and every public line
// after it would be lost (never judged), with the lines it had passed and
// not yet written; a full disk under --private must cost private lines
// only. So the first error is kept, reported at the end, and the private
// lines from then on are dropped and counted.
type privateSink struct {
	s       scrub.Sink
	flusher interface{ Flush() error } // s's, if it has one

	down atomic.Bool  // err is set: a load per line, no lock
	lost atomic.Int64 // private lines dropped since err
	mu   sync.Mutex
	err  error
}

func (p *privateSink) Line(line []byte) error {
	if p.down.Load() {
		p.lost.Add(1)
		return nil
	}
	if err := p.s.Line(line); err != nil {
		p.fail(err)
		p.lost.Add(1)
	}
	return nil
}

func (p *privateSink) Flush() error {
	if p.flusher != nil && !p.down.Load() {
		if err := p.flusher.Flush(); err != nil {
			p.fail(err)
		}
	}
	return nil
}

func (p *privateSink) fail(err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.err == nil {
		p.err = err
		p.down.Store(true)
	}
}

// failure returns the private lines dropped since the sink's first error,
// and that error.
func (p *privateSink) failure() (int64, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.lost.Load(), p.err
}

// run is one Run.
type run struct {
	cfg            Config
	stdout, stderr *output
	pipes          *jobPipes
	streams        []*stream
	public         *publicChannel
	sink           *privateSink // nil without a private sink
	stdin          *os.File     // the pipe's write end when the gate forwards its stdin (see jobStdin)
}

func (g *run) run(ctx context.Context) (Result, error) {
	pipes, err := newJobPipes()
	if err != nil {
		return Result{Code: 1}, err
	}
	g.pipes = pipes
	defer g.release()
	if err := g.openStreams(); err != nil {
		return Result{Code: 1}, err
	}

	cmd := exec.Command(g.cfg.Argv[0], g.cfg.Argv[1:]...)
	if cmd.Stdin, err = g.jobStdin(); err != nil {
		return Result{Code: 1}, err
	}
	cmd.Stdout = g.streams[0].w
	cmd.Stderr = g.streams[1].w
	g.jobFiles(cmd)
	// A session of its own, with no controlling terminal: /dev/tty does not
	// open in the job, and nothing it does reaches a terminal but through
	// the filters. Its session is its process group, whose id is its pid.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	keepInheritedFromJob()
	if err := hideFromJob(); err != nil {
		return Result{Code: 1}, err
	}

	// Catch the signals before the child exists, so none is lost in between;
	// until it has started, they are simply held. SIGPIPE is caught so that
	// a write to a closed stdout returns EPIPE rather than kill the gate.
	sigs := make(chan os.Signal, 8)
	signal.Notify(sigs, Forwarded...)
	defer signal.Stop(sigs)
	pipeSigs := make(chan os.Signal, 1)
	signal.Notify(pipeSigs, syscall.SIGPIPE)
	defer signal.Stop(pipeSigs)

	reap := g.cfg.Reap
	var inherited map[int]bool // this process's children before the job's start
	if reap {
		if err := becomeSubreaper(); err != nil {
			g.cfg.Warnf("%v: processes the job leaves behind are not waited for", err)
			reap = false
		} else {
			inherited = children()
		}
	}
	if err := cmd.Start(); err != nil {
		code := 126
		if errors.Is(err, exec.ErrNotFound) || errors.Is(err, os.ErrNotExist) {
			code = 127
		}
		return Result{Code: code}, fmt.Errorf("cannot start %s: %w", g.cfg.Argv[0], unwrapExec(err))
	}
	defer cmd.Process.Release()
	pgid := cmd.Process.Pid
	for _, s := range g.streams {
		s.w.Close() // the child holds its copies; EOF comes when every holder is gone
	}
	if g.stdin != nil {
		go g.forwardTerminal()
	}

	var pumps sync.WaitGroup
	for _, s := range g.streams {
		pumps.Add(1)
		go func() {
			defer pumps.Done()
			var r io.Reader = s.r
			if g.cfg.Observe != nil {
				r = g.cfg.Observe(s.name, s.r, s.filter)
			}
			s.pump(r, g.private())
		}()
	}
	finished := make(chan struct{}) // every stream has ended, or been stopped
	go func() { pumps.Wait(); close(finished) }()

	// The job's status comes from the reaper, the one waiter for every child
	// of this process, or from os/exec, the one waiter for the job.
	var rp *reaper
	exited := make(chan syscall.WaitStatus, 1)
	if reap {
		rp = startReaper(pgid, inherited)
		exited = rp.exited
	} else {
		go func() {
			cmd.Wait()
			exited <- cmd.ProcessState.Sys().(syscall.WaitStatus)
		}()
	}

	// Forward signals to the job's group until the end; once the job has
	// exited, SIGTERM, SIGINT, SIGHUP or ctx also end the grace period.
	var jobDone atomic.Bool
	interrupt := make(chan string, 1)
	quit := make(chan struct{})
	defer close(quit)
	go func() {
		ctxDone := ctx.Done()
		for {
			var why string
			select {
			case sig := <-sigs:
				// To the whole group: the job's own children (data loader
				// workers, a shell's commands) must hear it too. Once the
				// job is reaped, only while the group id is still the
				// job's (jobsGroup).
				if !jobDone.Load() || jobsGroup(pgid) {
					syscall.Kill(-pgid, sig.(syscall.Signal))
				}
				if sig == syscall.SIGTERM || sig == syscall.SIGINT || sig == syscall.SIGHUP {
					why = unix.SignalName(sig.(syscall.Signal))
				}
			case <-ctxDone:
				if !jobDone.Load() || jobsGroup(pgid) {
					syscall.Kill(-pgid, syscall.SIGTERM)
				}
				ctxDone, why = nil, "cancel"
			case <-quit:
				return
			}
			if why != "" && jobDone.Load() {
				select {
				case interrupt <- why:
				default:
				}
			}
		}
	}()
	ws := <-exited
	jobDone.Store(true)

	// The job is gone, but a process it started may still hold a pipe open,
	// or still run. Wait for the streams to end and, with a reaper, for those
	// processes to exit, up to the grace period or a signal to stop.
	var gone <-chan struct{}
	if rp != nil {
		gone = rp.done
	}
	grace := time.NewTimer(g.cfg.Grace)
	defer grace.Stop()
	for open := finished; open != nil || gone != nil; {
		var why string
		select {
		case <-open:
			open = nil
			continue
		case <-gone:
			gone = nil
			continue
		case <-grace.C:
		case why = <-interrupt:
		}
		if open != nil && !g.writersGone() {
			// Exact: what the pipes hold now, all the job wrote among it,
			// is still judged; only what comes later is cut.
			g.pipes.stopReading()
			if why == "" {
				g.cfg.Warnf("a process started by the job still held its output open %v after the job exited; stopped reading it", g.cfg.Grace)
			} else {
				g.cfg.Warnf("%s after the job exited: stopped reading the output a process it started still held open", why)
			}
		}
		break
	}
	res := Result{Code: exitCode(ws)}
	res.Stopped = g.stopLeftovers(pgid, rp)
	g.pipes.endLate() // what they wrote until now is late; the pumps end
	<-finished
	if rp != nil {
		res.Orphans = rp.orphans.Load()
	}
	g.closeFilters(&res, exitStatus(ws))
	return res, nil
}

// writersGone reports whether no process holds the write end of any
// stream's pipe any more: the streams then end by themselves, however far
// behind their reading is, and nothing can come late. (The period may end
// before the reads reach the pipes' end: --grace 0 always does.)
func (g *run) writersGone() bool {
	for _, s := range g.streams {
		if !s.r.hungUp() {
			return false
		}
	}
	return true
}

// stopWait is how long the processes the job left behind have, after
// SIGTERM at the end of the grace period, before they are killed.
const stopWait = time.Second

// stopLeftovers stops what the job left behind once the grace period is
// over: its process group and, with a reaper, every child of this process
// (orphans reparented here, whatever their group) until none is left. Each
// gets SIGTERM, then SIGKILL after stopWait; one that outlives SIGKILL by
// stopWait more (stuck in the kernel) is reported and left. It returns how
// many processes it found.
//
// A process found is pinned at once by an os.Process, which on Linux holds a
// pidfd (os.FindProcess opens one), and checked again in /proc after: its
// signals, the SIGKILL a second later included, reach that process or none,
// never one that took its pid after it was reaped. The group is signalled
// by its id only while a pinned member is alive and still in it, and while
// no process has the job's pid, its id (jobsGroup): a live member keeps the
// id from being reused, and the job, reaped, cannot hold it. (Between those
// checks and kill(2) the id could be freed and taken, which needs the
// kernel to hand out every other pid in that instant.) Elsewhere than Linux
// there is no /proc to list the group: it is signalled by its id, and a
// group that took the id of the job's, emptied, gets the signals.
func (g *run) stopLeftovers(pgid int, rp *reaper) int64 {
	var gone <-chan struct{}
	if rp != nil {
		gone = rp.done
	}
	pinned := map[int]*os.Process{}
	defer func() {
		for _, p := range pinned {
			p.Release()
		}
	}()
	seen := map[int]bool{}
	start := time.Now()
	for round := 0; ; round++ {
		// Without a reaper, this process's other children are not the
		// job's: only its group is looked at.
		var inherited map[int]bool
		if rp != nil {
			inherited = rp.inherited
		}
		pids := leftovers(pgid, rp != nil, inherited)
		var member *os.Process // a pinned, live member of the group
		var live []int
		for _, pid := range pids {
			p := pinned[pid]
			if p != nil && p.Signal(syscall.Signal(0)) != nil {
				// The process pinned has ended: pid is another's now.
				p.Release()
				delete(pinned, pid)
				p = nil
			}
			if p == nil {
				p, _ = os.FindProcess(pid) // never fails on Unix
				pinned[pid] = p
			}
			ok, inGroup := stillLeftover(pid, pgid, rp != nil, inherited)
			if !ok {
				// Ended or left between the scan and the pin: the pin
				// may hold whoever took the pid. The next round sees.
				p.Release()
				delete(pinned, pid)
				continue
			}
			live = append(live, pid)
			if inGroup && member == nil {
				member = p
			}
		}
		killing := time.Since(start) > stopWait
		if !seesLeftovers || member != nil {
			switch {
			case round == 0:
				signalGroup(pgid, syscall.SIGTERM, member)
			case killing:
				signalGroup(pgid, syscall.SIGKILL, member)
			}
		}
		if gone == nil && len(pids) == 0 {
			return int64(len(seen))
		}
		if time.Since(start) > 2*stopWait {
			g.cfg.Warnf("%d process(es) left by the job did not end after SIGKILL", len(pids))
			return int64(len(seen))
		}
		for _, pid := range live {
			switch {
			case !seen[pid]:
				seen[pid] = true
				pinned[pid].Signal(syscall.SIGTERM)
			case killing:
				pinned[pid].Signal(syscall.SIGKILL)
			}
		}
		select {
		case <-gone:
			return int64(len(seen))
		case <-time.After(10 * time.Millisecond):
			// An ended process's children are reparented here: next round.
		}
	}
}

// signalGroup sends sig to the process group pgid, once member (when there
// is one: see stopLeftovers) is still alive and in it.
func signalGroup(pgid int, sig syscall.Signal, member *os.Process) {
	if member != nil && member.Signal(syscall.Signal(0)) != nil || !jobsGroup(pgid) {
		return
	}
	syscall.Kill(-pgid, sig)
}

// jobStdin returns the job's stdin: Stdin as it is, unless it is a
// terminal, which the job never holds (see Config.Stdin), or another
// descriptor the job could write through, which it reads through a pipe.
func (g *run) jobStdin() (io.Reader, error) {
	f, ok := g.cfg.Stdin.(*os.File)
	if !ok {
		return g.cfg.Stdin, nil
	}
	if !isTerminal(f.Fd()) {
		if !writableInput(f) {
			return f, nil
		}
	} else if !g.cfg.TerminalInput {
		return nil, nil // os/exec opens /dev/null
	}
	r, w, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	g.stdin = w
	return r, nil // os/exec closes our copy of r once the job has it
}

// writableInput reports whether the job could write through f, were it its
// stdin: a socket (inetd, socat's EXEC and socket-activated services give
// one socket as stdin and stdout, so fd 0 would reach the gate's own
// reader unjudged) or a descriptor open for writing (0<>file). /dev/null
// takes nothing anywhere and is passed as it is.
func writableInput(f *os.File) bool {
	fl, err := unix.FcntlInt(f.Fd(), unix.F_GETFL, 0)
	if err != nil {
		return true // fails closed: the pipe gives the job an empty stdin
	}
	var st unix.Stat_t
	if err := unix.Fstat(int(f.Fd()), &st); err != nil {
		return true
	}
	if st.Mode&unix.S_IFMT == unix.S_IFSOCK {
		return true
	}
	if fl&unix.O_ACCMODE == unix.O_RDONLY {
		return false
	}
	fi, err := f.Stat()
	null, nerr := os.Stat(os.DevNull)
	return err != nil || nerr != nil || !os.SameFile(fi, null)
}

// forwardTerminal copies what is typed (or what a stdin the job could write
// through holds) into the job's stdin pipe until the
// terminal's end of file (^D), the job's end, or the gate's. The read waits
// in poll(2) beside the gate's stop pipe, so it never outlives Run.
func (g *run) forwardTerminal() {
	defer g.stdin.Close()
	fd, err := syscall.Dup(int(g.cfg.Stdin.(*os.File).Fd()))
	if err != nil {
		return
	}
	syscall.CloseOnExec(fd)
	in := g.pipes.reader(fd)
	defer in.Close()
	io.Copy(g.stdin, in)
}

// openStreams makes the two pipes and their filters, the job's stdout and
// stderr, and serves the public channel, whose lines go out on stderr.
func (g *run) openStreams() error {
	for _, spec := range []struct {
		name   string
		out    io.Writer
		strict bool
		trace  bool
	}{
		// Strict: of the traces only the crash that ends the job, the
		// last output on stderr, is re-emitted (scrub.Options.FinalTraceOnly).
		{"stdout", g.stdout, g.cfg.Strict, !g.cfg.Strict},
		{"stderr", g.stderr, g.cfg.Strict, true},
	} {
		r, w, err := g.pipes.pipe()
		if err != nil {
			return err
		}
		s := &stream{name: spec.name, r: r, w: w}
		g.streams = append(g.streams, s)
		o := g.cfg.Filter
		o.Strict, o.FinalTraceOnly = spec.strict, spec.strict
		o.Trace = nil
		if spec.trace && g.cfg.NewTracer != nil {
			o.Trace = g.cfg.NewTracer()
		}
		out := spec.out
		if g.cfg.OutputBehind {
			s.out = NewWriteBehind(out)
			out = s.out
		}
		if g.cfg.Check != nil {
			// The check runs on a goroutine of its own, one block behind
			// the filter: a job that prints fast gets two cores' worth of gate.
			out = g.cfg.Check(out, spec.name)
			s.behind = NewWriteBehind(out)
			out = s.behind
		}
		if s.filter, err = scrub.New(out, o); err != nil {
			return err
		}
	}
	public, err := servePublicChannel(g.cfg.Filter, func() io.Writer {
		if g.cfg.Check != nil {
			return g.cfg.Check(g.stderr, "public channel")
		}
		return g.stderr
	})
	if err != nil {
		return fmt.Errorf("public channel: %w", err)
	}
	g.public = public
	if g.cfg.ObserveChannel != nil {
		g.cfg.ObserveChannel(public.Stats)
	}
	return nil
}

// jobFiles gives the job its public channel: the environment that names
// its socket, its token and the prefix (internal/channel/SPEC.md). The job
// inherits no descriptor for it: each process connects on its own.
func (g *run) jobFiles(cmd *exec.Cmd) {
	cmd.Env = g.public.l.Env(os.Environ())
}

// pump reads the stream, through r (s.r itself or an Observe wrapper of it),
// into its filter until the stream ends or the gate stops reading it.
func (s *stream) pump(r io.Reader, private scrub.Sink) {
	_, err := s.filter.ReadFrom(r)
	if errors.Is(err, errStopped) {
		// What the pipe gets after the grace period, until the processes
		// left behind are stopped: no filter judges it, so it goes to the
		// private sink, counted.
		s.late = s.r.late(func(line []byte) { private.Line(line) }, pipeSize)
		return
	}
	if err != nil {
		s.err = err
		// Keep draining, so the job never blocks on a full pipe; nothing
		// more passes.
		io.Copy(io.Discard, s.r)
	}
}

// closeFilters judges each stream's last line, waits for its check, totals
// the counts and reports each stream's failure.
func (g *run) closeFilters(res *Result, status scrub.ExitStatus) {
	// The job has exited and the grace period has ended: what its processes
	// sent on the channel before now is judged; the channel then closes.
	publicStats, err := g.public.close()
	g.public = nil
	res.Stats.Add(publicStats)
	if err != nil {
		res.Failed = true
		g.cfg.Errorf("public channel: %v", err)
	}
	for _, s := range g.streams {
		if s.err == nil {
			s.err = s.filter.CloseExit(status) // a held crash trace needs the job's fate
		}
		if s.behind != nil {
			if err := s.behind.Close(); s.err == nil {
				s.err = err
			}
		}
		if s.out != nil {
			// After the check's last write: every line is out before the
			// outputs' counts are read.
			if err := s.out.Close(); s.err == nil {
				s.err = err
			}
		}
		res.Stats.Add(s.filter.Stats())
		res.Late += s.late
		if s.err != nil {
			res.Failed = true
			g.cfg.Errorf("%s: %v", s.name, s.err)
		}
	}
	if g.sink != nil {
		if lost, err := g.sink.failure(); err != nil {
			// Lines the sink had buffered when it failed may be lost too:
			// the count is of the lines given to it from its first error.
			res.Failed = true
			g.cfg.Errorf("private sink: %v; %d private line(s) from then on were dropped (public lines still passed)", err, lost)
		}
	}
	if n := publicStats.Private; n > 0 {
		g.cfg.Warnf("%d line(s) on the public channel lacked the prefix; they went to the private sink", n)
	}
	if res.Late > 0 {
		g.cfg.Warnf("%d byte(s) written after the grace period went to the private sink", res.Late)
	}
	for _, o := range []*output{g.stdout, g.stderr} {
		if o.err == nil {
			continue
		}
		res.Undelivered += o.undelivered
		if errors.Is(o.err, syscall.EPIPE) {
			// The reader went away (| head -1): the job ran on, its private
			// lines still went to the sink; its public ones are counted.
			g.cfg.Warnf("%s was closed: %d public line(s) could not be delivered", o.name, o.undelivered)
			continue
		}
		res.Failed = true
		g.cfg.Errorf("%s: %v; %d public line(s) could not be delivered", o.name, o.err, o.undelivered)
	}
}

// private returns the private sink, never nil.
func (g *run) private() scrub.Sink {
	if g.cfg.Filter.Private == nil {
		return scrub.Discard
	}
	return g.cfg.Filter.Private
}

// An output is the gate's stdout or stderr. After its first write error
// (EPIPE when the reader is gone) it writes nothing more and counts the
// public lines it could not deliver (from the one the failing write ended
// in: those it wrote whole are out), so that the filters go on: the job is
// not stopped, nor its private lines lost, because a reader went away.
type output struct {
	name        string
	w           io.Writer
	mu          sync.Mutex
	err         error
	undelivered int64
}

func (o *output) Write(p []byte) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.err == nil {
		var n int
		n, o.err = o.w.Write(p)
		if o.err == nil {
			return len(p), nil
		}
		// A failing write may have taken its first bytes (a full disk
		// takes what fits): the lines written whole are out, the line it
		// ended in (torn) and those after it are not.
		p = p[min(max(n, 0), len(p)):]
	}
	o.undelivered += int64(bytes.Count(p, []byte("\n")))
	return len(p), nil
}

// release closes every descriptor of the run.
func (g *run) release() {
	for _, s := range g.streams {
		s.r.Close()
		s.w.Close()
		if s.behind != nil {
			s.behind.Close()
		}
		if s.out != nil {
			s.out.Close()
		}
	}
	g.pipes.Close()
	if g.public != nil {
		g.public.close()
	}
}

// exitStatus is how the job ended, as a held crash trace is judged by it.
func exitStatus(ws syscall.WaitStatus) scrub.ExitStatus {
	if ws.Signaled() {
		return scrub.ExitStatus{Code: -1, Signal: ws.Signal()}
	}
	return scrub.ExitStatus{Code: ws.ExitStatus()}
}

// exitCode maps how the job ended to an exit code, as shells do.
func exitCode(ws syscall.WaitStatus) int {
	if ws.Signaled() {
		return 128 + int(ws.Signal())
	}
	return ws.ExitStatus()
}

// unwrapExec drops exec's "exec: \"name\": " decoration, which repeats the name.
func unwrapExec(err error) error {
	var ee *exec.Error
	if errors.As(err, &ee) {
		return ee.Err
	}
	return err
}
