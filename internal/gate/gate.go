// Package gate runs a job behind the egress gate: the engine of conflog run.
//
// [Run] starts the job with its stdout and stderr on pipes of the gate's own
// and a third pipe for its public channel, passes each through a
// [scrub.Filter] (so only lines that start with the prefix get out, each on
// the stream it came from), forwards signals to the job's process group, and
// ends when the job has exited and its streams have ended or the grace period
// is over. The CLI in cmd/conflog parses flags and wires a [Config]; the
// rules below are the gate's, and its tests check them on real processes.
//
//   - Nothing the job writes reaches the gate's stdout or stderr but through
//     a filter.
//   - Once the job has started, every line it wrote is judged: passed,
//     re-emitted scrubbed (crash traces) or given to the private sink.
package gate

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/conflog/conflog/scrub"
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

	// Grace is how long the gate keeps reading after the job exits while a
	// process it started still holds an output open.
	Grace time.Duration

	// Stdin is the job's stdin.
	Stdin io.Reader

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
	// Failed is set when a stream's output or the private sink failed; the
	// failure was reported through Errorf.
	Failed bool
}

// publicFD is the descriptor number of the public channel in the child: the
// first of exec.Cmd.ExtraFiles, after stdin, stdout and stderr.
const publicFD = 3

// Forwarded are the signals the gate passes on to the job's process group.
var Forwarded = []os.Signal{syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGQUIT, syscall.SIGUSR1, syscall.SIGUSR2}

// A stream is one pipe from the child and the filter that judges it.
type stream struct {
	name   string
	r      *pipeReader // our read end
	w      *os.File    // the child's write end, closed once it has started
	filter *scrub.Filter
	behind *WriteBehind // between the filter and the check, if there is one
	err    error        // the filter's failure (sink or output), reported at the end
}

// Run runs the job behind the gate until it has exited and its output is
// judged. The error is set only when the job could not be started; Result.Code
// says why (126 or 127). Cancelling ctx sends SIGTERM to the job's group.
func Run(ctx context.Context, cfg Config) (Result, error) {
	g := &run{cfg: cfg}
	if g.cfg.Warnf == nil {
		g.cfg.Warnf = func(string, ...any) {}
	}
	if g.cfg.Errorf == nil {
		g.cfg.Errorf = func(string, ...any) {}
	}
	return g.run(ctx)
}

// run is one Run.
type run struct {
	cfg     Config
	pipes   *jobPipes
	streams []*stream
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
	cmd.Stdin = g.cfg.Stdin
	cmd.Stdout = g.streams[0].w
	cmd.Stderr = g.streams[1].w
	g.jobFiles(cmd)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}

	// Catch the signals before the child exists, so none is lost in between;
	// until it has started, they are simply held.
	sigs := make(chan os.Signal, 8)
	signal.Notify(sigs, Forwarded...)
	defer signal.Stop(sigs)

	if err := cmd.Start(); err != nil {
		code := 126
		if errors.Is(err, exec.ErrNotFound) || errors.Is(err, os.ErrNotExist) {
			code = 127
		}
		return Result{Code: code}, fmt.Errorf("cannot start %s: %w", g.cfg.Argv[0], unwrapExec(err))
	}
	for _, s := range g.streams {
		s.w.Close() // the child holds its copies; EOF comes when every holder is gone
	}

	var pumps sync.WaitGroup
	for _, s := range g.streams {
		pumps.Add(1)
		go func() {
			defer pumps.Done()
			s.pump()
		}()
	}

	done := make(chan struct{})
	go func() {
		for {
			select {
			case sig := <-sigs:
				// To the whole group: the job's own children (data loader
				// workers, a shell's commands) must hear it too.
				syscall.Kill(-cmd.Process.Pid, sig.(syscall.Signal))
			case <-ctx.Done():
				syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
				return
			case <-done:
				return
			}
		}
	}()
	waitErr := cmd.Wait()
	close(done)

	// The job is gone, but a process it started may still hold a pipe open.
	// Wait for the streams to end, up to the grace period; then stop reading.
	// Whatever such a process writes later is dropped, never passed.
	finished := make(chan struct{})
	go func() { pumps.Wait(); close(finished) }()
	select {
	case <-finished:
	case <-time.After(g.cfg.Grace):
		g.pipes.stopReading()
		<-finished
		g.cfg.Warnf("a process started by the job still held its output open %v after the job exited; stopped reading it", g.cfg.Grace)
	}

	res := Result{Code: exitCode(cmd.ProcessState, waitErr)}
	g.closeFilters(&res)
	return res, nil
}

// openStreams makes the three pipes and their filters: the job's stdout and
// stderr, and the public channel, whose lines go out on stderr.
func (g *run) openStreams() error {
	for _, spec := range []struct {
		name   string
		out    io.Writer
		strict bool
		trace  bool
	}{
		{"stdout", g.cfg.Stdout, g.cfg.Strict, true},
		{"stderr", g.cfg.Stderr, g.cfg.Strict, true},
		{"public channel", g.cfg.Stderr, false, false},
	} {
		r, w, err := g.pipes.pipe()
		if err != nil {
			return err
		}
		s := &stream{name: spec.name, r: r, w: w}
		g.streams = append(g.streams, s)
		o := g.cfg.Filter
		o.Strict = spec.strict
		o.Trace = nil
		if spec.trace && g.cfg.NewTracer != nil {
			o.Trace = g.cfg.NewTracer()
		}
		out := spec.out
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
	return nil
}

// jobFiles gives the job its public channel: the descriptor, and the
// environment that names it and the prefix.
func (g *run) jobFiles(cmd *exec.Cmd) {
	cmd.ExtraFiles = []*os.File{g.streams[2].w}
	cmd.Env = append(os.Environ(), "CONFLOG_PUBLIC_FD="+strconv.Itoa(publicFD), "CONFLOG_PREFIX="+g.cfg.Filter.Prefix)
}

// pump reads the stream into its filter until the stream ends or the gate
// stops reading it.
func (s *stream) pump() {
	_, err := s.filter.ReadFrom(s.r)
	if err != nil && !errors.Is(err, errStopped) {
		s.err = err
		// Keep draining, so the job never blocks on a full pipe; nothing
		// more passes.
		io.Copy(io.Discard, s.r)
	}
}

// closeFilters judges each stream's last line, waits for its check, totals
// the counts and reports each stream's failure.
func (g *run) closeFilters(res *Result) {
	for _, s := range g.streams {
		if s.err == nil {
			s.err = s.filter.Close()
		}
		if s.behind != nil {
			if err := s.behind.Close(); s.err == nil {
				s.err = err
			}
		}
		res.Stats.Add(s.filter.Stats())
		if s.err != nil {
			res.Failed = true
			g.cfg.Errorf("%s: %v", s.name, s.err)
		}
	}
	if n := g.streams[2].filter.Stats().Private; n > 0 {
		g.cfg.Warnf("%d line(s) on the public channel lacked the prefix; they went to the private sink", n)
	}
}

// release closes every descriptor of the run.
func (g *run) release() {
	for _, s := range g.streams {
		s.r.Close()
		s.w.Close()
		if s.behind != nil {
			s.behind.Close()
		}
	}
	g.pipes.Close()
}

// exitCode maps how the job ended to an exit code, as shells do.
func exitCode(ps *os.ProcessState, err error) int {
	if ps == nil {
		return 1
	}
	if ws, ok := ps.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return 128 + int(ws.Signal())
	}
	return ps.ExitCode()
}

// unwrapExec drops exec's "exec: \"name\": " decoration, which repeats the name.
func unwrapExec(err error) error {
	var ee *exec.Error
	if errors.As(err, &ee) {
		return ee.Err
	}
	return err
}
