package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/conflog/conflog/scrub"
)

var runCommand = &command{
	name:    "run",
	summary: "run a job behind the egress gate: only its public lines get out",
	main:    runMain,
}

const runUsage = `Usage: conflog run --prefix PREFIX [flags] -- COMMAND [ARG...]

Examples:
  conflog run --prefix SystemLog: -- python3 train.py --epochs 3
  conflog run --prefix SystemLog: --private file:private.log -- ./serve
  conflog run --prefix SystemLog: --strict -- go run ./cmd/train
  conflog run --prefix SystemLog: --private store:/data/private \
      --recipient keys/recipient --signer keys/signer -- python3 train.py
  conflog run --prefix SystemLog: --private store:/data/private \
      --recipient keys/recipient --signer keys/signer \
      --segment-size 16MiB --keep-for 720h -- python3 train.py

Runs COMMAND and passes its public lines, those starting with PREFIX, to this
process's stdout and stderr, each on the stream it came from. Every other
line goes to the private sink, except that Go panics and Python tracebacks
on stdout and stderr are re-emitted scrubbed (frames and types kept,
messages, values and arguments removed). At the end one public summary line
goes to stderr:
  SystemLog: conflog run: exit=0 passed=12 private=30 bytes=4242 traces=0 cut=0 held=0 blocked=0
Once its flags are sound, run's own errors, warnings and hints are public
lines too ("SystemLog: conflog: warning: …", one line each): they carry the
gate's facts, never the job's output.

The public channel: COMMAND finds a socket for its public records in
$CONFLOG_CHANNEL, proven by the token in $CONFLOG_CHANNEL_TOKEN (and the
prefix in $CONFLOG_PREFIX); internal/channel/SPEC.md is the contract. Each
process connects on its own, so child processes reach it too. conflog's Go
handler, and the Python handler in examples/conflog_public.py, write public
lines there; the Go handler uses PREFIX even if it was built with another,
after one warning line naming both. Lines from the channel go out on stderr;
a channel line without the prefix is private all the same.

Flags:
  --prefix PREFIX     the public marker (default: $CONFLOG_PREFIX; one is required)
  --private SINK      where private lines go: drop (default), file:PATH
                      (appended, created 0600), store:DIR (the sealed store:
                      see 'conflog keygen --help' and 'conflog verify --help')
  --strict            only the public channel may carry public lines; prefixed
                      lines on stdout/stderr are private (and counted as held)
  --max-line SIZE     longest line kept whole (default 1MiB); longer ones are cut:
                      the first SIZE bytes are judged, the rest goes to the
                      private sink in pieces of at most SIZE bytes, never out
  --keep-ansi         keep the escape sequences that follow the prefix
  --traces=false      do not re-emit crash traces (Go panics, Python tracebacks)
  --allow REGEX       keep the message of exception/panic types matching REGEX
  --max-message-lines N
                      after a Python traceback, every line of its stream is
                      held as a possible continuation of the exception message
                      until the trace provably ends (a new trace, the end of the
                      stream): safe, but a job that prints a handled traceback
                      and carries on loses its later prefixed lines on that
                      stream. N > 0 holds at most N lines after the exception
                      line, at the risk of passing a longer message's line. Public records
                      on the public channel are never affected.
  --grace DURATION    how long to keep reading after COMMAND exits while a
                      process it started still holds its output open (default 5s)
  --recipient R       with store:DIR: the age recipient the store is encrypted
                      to, or a file of them (default: $CONFLOG_STORE_RECIPIENT)
  --signer FILE       with store:DIR: the checkpoint signing key file
                      (default: $CONFLOG_STORE_SIGNER)
  --checkpoint-every D  with store:DIR: seal the store and print its signed
                      checkpoint as a public "conflog checkpoint" line this
                      often (default 1m), and at exit
  --segment-size SIZE with store:DIR: seal the segment and start a new one once
                      it holds SIZE of plaintext, in bytes or with KiB/MiB/GiB
                      (default 64MiB, at most 2GiB: purge holds one in memory)
  --segment-age D     with store:DIR: seal a segment, too, once it is D old
                      (default 1h)
  --keep-segments N   with store:DIR: at each seal, delete the ciphertext of
                      all but the newest N segments (default 0: keep all)
  --keep-for D        with store:DIR: at each seal, delete the ciphertext of
                      segments sealed more than D ago (default 0: forever).
                      Retired segments' indexes stay, so the store and every
                      checkpoint still verify; their records are gone for good
` + detectHelp + `
COMMAND runs in its own process group; SIGINT, SIGTERM, SIGHUP, SIGQUIT,
SIGUSR1 and SIGUSR2 sent to conflog are forwarded to that group.

Exit codes: COMMAND's own code; 128+n when signal n killed it; 127 when it
cannot be found, 126 when it cannot be executed; 2 usage error; 1 when the
private sink or the output failed and COMMAND itself succeeded.
`

// forwarded are the signals run passes on to the job's process group.
var forwarded = []os.Signal{syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGQUIT, syscall.SIGUSR1, syscall.SIGUSR2}

func runMain(c *cli, args []string) int {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	var g gateFlags
	g.register(fs)
	private := fs.String("private", "drop", "")
	strict := fs.Bool("strict", false, "")
	grace := fs.Duration("grace", 5*time.Second, "")
	var sf storeFlags
	sf.register(fs)
	var d detectFlags
	d.register(func(p *string, name, value string) { fs.StringVar(p, name, value, "") })
	if code := parseFlags(c, fs, runUsage, args); code >= 0 {
		return code
	}
	if !g.check(c, fs) || !d.check(c) {
		return exitUsage
	}
	if fs.NArg() == 0 {
		c.errorf("run: no command to run")
		c.hintf("put the job after '--', e.g. 'conflog run --prefix %s -- python3 train.py'", g.prefix)
		return exitUsage
	}
	if *grace < 0 {
		c.errorf("run: --grace %v: negative", *grace)
		return exitUsage
	}
	kind, arg, _ := strings.Cut(*private, ":")
	switch {
	case *private == "drop":
	case kind == "file" && arg != "":
	case kind == "store" && arg != "":
	default:
		c.errorf("run: --private %q: want drop, file:PATH or store:DIR", *private)
		return exitUsage
	}
	if !sf.check(c, fs, kind == "store") {
		return exitUsage
	}

	// Flags are sound; from here on, I/O.
	var sink scrub.Sink = scrub.Discard
	if kind == "file" {
		f, err := scrub.OpenFile(arg)
		if err != nil {
			c.errorf("run: %v", err)
			c.hintf("the private file must be a regular file only its owner can read (chmod 600)")
			return exitFail
		}
		defer f.Close()
		sink = f
	}
	// From here on every write to stdout and stderr takes one lock: the
	// filters, the witness lines and run's own messages write whole lines,
	// and the two outputs may be one pipe (2>&1, as a platform collects a
	// job's log), where the kernel keeps only writes of at most PIPE_BUF
	// bytes apart.
	var outMu sync.Mutex
	c = &cli{stdin: c.stdin, stdout: &lockedWriter{mu: &outMu, w: c.stdout}, stderr: &lockedWriter{mu: &outMu, w: c.stderr},
		public: g.prefix + " "}
	if kind == "store" {
		s, err := sf.open(arg, g.prefix, c.stderr)
		if err != nil {
			c.errorf("run: --private store:%s: %v", arg, err)
			c.hintf("the store needs the recipient and signer from 'conflog keygen', and no other writer")
			return exitFail
		}
		sink = s // gate closes it: the final checkpoint
	}
	return gate(c, &g, &d, sink, *strict, *grace, fs.Args())
}

// lockedWriter serialises whole writes under a lock it may share with
// another lockedWriter; each filter writes whole lines per Write.
type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// A stream is one pipe from the child and the filter that judges it.
type stream struct {
	name   string
	r      *pipeReader // our read end
	w      *os.File    // the child's write end, closed once it has started
	filter *scrub.Filter
	behind *writeBehind // between the filter and the tripwire, if there is one
	err    error        // the filter's failure (sink or output), reported at the end
}

func gate(c *cli, g *gateFlags, d *detectFlags, sink scrub.Sink, strict bool, grace time.Duration, argv []string) int {
	opts := scrub.Options{Prefix: g.prefix, MaxLine: g.maxLine, KeepANSI: g.keepANSI, Private: sink}
	pipes, err := newJobPipes()
	if err != nil {
		c.errorf("run: %v", err)
		return exitFail
	}
	var streams []*stream
	var blocked atomic.Int64
	defer func() {
		for _, s := range streams {
			s.r.Close()
			s.w.Close()
			if s.behind != nil {
				s.behind.Close()
			}
		}
		pipes.Close()
	}()
	for _, spec := range []struct {
		name   string
		out    io.Writer
		strict bool
		trace  bool
	}{
		{"stdout", c.stdout, strict, true},
		{"stderr", c.stderr, strict, true},
	} {
		r, w, err := pipes.pipe()
		if err != nil {
			c.errorf("run: %v", err)
			return exitFail
		}
		o := opts
		o.Strict = spec.strict
		if spec.trace {
			o.Trace = g.newTracer()
		}
		// Warnings through the locked stderr: the streams' goroutines share it.
		out := d.wrap(spec.out, g.prefix, spec.name, sink, &blocked, c.warningf)
		var behind *writeBehind
		if d.set != nil {
			// The detectors check one block while the filter frames the
			// next: a job that prints fast gets two cores' worth of gate.
			behind = newWriteBehind(out)
			out = behind
		}
		f, err := scrub.New(out, o)
		if err != nil { // flags were checked; this cannot happen
			c.errorf("run: %v", err)
			return exitUsage
		}
		streams = append(streams, &stream{name: spec.name, r: r, w: w, filter: f, behind: behind})
	}

	public, err := servePublicChannel(opts, func() io.Writer {
		return d.wrap(c.stderr, g.prefix, "public channel", sink, &blocked, c.warningf)
	})
	if err != nil {
		c.errorf("run: %v", err)
		c.hintf("the channel is a socket under $TMPDIR (default /tmp): it must be writable, its path short")
		return exitFail
	}
	var publicStats scrub.Stats
	var publicErr error
	closePublic := sync.OnceFunc(func() { publicStats, publicErr = public.close() })
	defer closePublic()

	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Stdin = c.stdin
	cmd.Stdout = streams[0].w
	cmd.Stderr = streams[1].w
	cmd.Env = public.l.Env(os.Environ())
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}

	// Catch the signals before the child exists, so none is lost in between;
	// until it has started, they are simply held.
	sigs := make(chan os.Signal, 8)
	signal.Notify(sigs, forwarded...)
	defer signal.Stop(sigs)

	if err := cmd.Start(); err != nil {
		code := 126
		if errors.Is(err, exec.ErrNotFound) || errors.Is(err, os.ErrNotExist) {
			code = 127
		}
		c.errorf("run: cannot start %s: %v", argv[0], unwrapExec(err))
		c.hintf("check the command name and that it is executable; it runs after '--'")
		return code
	}
	for _, s := range streams {
		s.w.Close() // the child holds its copies; EOF comes when every holder is gone
	}

	var pumps sync.WaitGroup
	for _, s := range streams {
		pumps.Add(1)
		go func() {
			defer pumps.Done()
			_, err := s.filter.ReadFrom(s.r)
			if err == nil || errors.Is(err, errStopped) {
				err = s.filter.Close()
			}
			if s.behind != nil {
				if berr := s.behind.Close(); err == nil {
					err = berr
				}
			}
			if err != nil {
				s.err = err
				// Keep draining, so the job never blocks on a full pipe;
				// nothing more passes.
				io.Copy(io.Discard, s.r)
			}
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
	case <-time.After(grace):
		pipes.stopReading()
		<-finished
		c.warningf("run: a process started by the job still held its output open %v after the job exited; stopped reading it", grace)
	}

	closePublic() // what the job wrote before it exited is there: drained
	code := exitCode(cmd.ProcessState, waitErr)
	total := publicStats
	failed := false
	if publicErr != nil {
		failed = true
		c.errorf("run: public channel: %v", publicErr)
	}
	for _, s := range streams {
		total.Add(s.filter.Stats())
		if s.err != nil {
			failed = true
			c.errorf("run: %s: %v", s.name, s.err)
		}
	}
	if n := publicStats.Private; n > 0 {
		c.warningf("run: %d line(s) on the public channel lacked the prefix; they went to the private sink", n)
	}
	if cl, ok := sink.(io.Closer); ok {
		if err := cl.Close(); err != nil {
			failed = true
			c.errorf("run: private sink: %v", err)
		}
	}
	fmt.Fprintf(c.stderr, "%s conflog run: exit=%d passed=%d private=%d bytes=%d traces=%d cut=%d held=%d blocked=%d\n",
		g.prefix, code, total.Passed, total.Private, total.Bytes, total.Traces, total.Cut, total.Held, blocked.Load())
	if failed && code == 0 {
		return exitFail
	}
	return code
}

// exitCode maps how the job ended to run's exit code, as shells do.
func exitCode(ps *os.ProcessState, err error) int {
	if ps == nil {
		return exitFail
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
