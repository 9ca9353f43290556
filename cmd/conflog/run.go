//go:build unix

package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/conflog/conflog/internal/gate"
	"github.com/conflog/conflog/scrub"
)

var runCommand = &command{
	name:    "run",
	exits:   "COMMAND's own code; 128+n when signal n killed it; 127 when it cannot be found, 126 when it cannot be executed; 2 usage error; 1 when the private sink or the output failed (other than by being closed) and COMMAND itself succeeded.",
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
  SystemLog: conflog run: exit=0 passed=12 private=30 bytes=4242 traces=0 cut=0 held=0 blocked=0 late=0 undelivered=0 orphans=0 stopped=0
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
                      lines on stdout/stderr are private (and counted as held),
                      and of the traces only the crash that ends the job
                      (the last output on stderr) is re-emitted
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
  --grace DURATION    how long to wait after COMMAND exits for the processes it
                      left behind to close their output and exit (default 5s).
                      Then the gate judges what the pipes hold, all COMMAND
                      wrote among it, however slow its reader; sends the rest
                      (counted as late bytes) to the private sink; and kills
                      what is left. SIGTERM, SIGINT or SIGHUP end it at once
  --stdin             when conflog's stdin is a terminal, pass what is typed to
                      COMMAND through a pipe; without it COMMAND's stdin is
                      /dev/null. A stdin that is no terminal is COMMAND's as is,
                      or, if COMMAND could write through it (a socket, a file
                      open for writing), read through a pipe all the same
  --recipient R       with store:DIR: the age recipient the store is encrypted
                      to, a file of them, or such a file's text (default:
                      $CONFLOG_STORE_RECIPIENT)
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
  --sync POLICY       with store:DIR: when to fsync (seal, the default: at each
                      checkpoint; batch: every MiB too; none); see store.SyncPolicy
` + detectHelp + shipRunHelp + `
Processes: COMMAND runs in a session of its own, with no controlling
terminal: it cannot open /dev/tty, and never holds conflog's terminal (see
--stdin). SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1 and SIGUSR2 sent to conflog
are forwarded to its process group. conflog reaps the processes COMMAND
leaves behind (it is their subreaper, or PID 1 in a container: see
docs/container.md), counted as orphans, and kills those still alive at the
end of --grace, counted as stopped.

A closed output (conflog run … | head -1) does not stop COMMAND: its public
lines are counted as undelivered, its private lines still go to the sink,
and the exit code is still COMMAND's.
`

func runMain(c *cli, args []string) int {
	fs := newFlagSet("run")
	var g gateFlags
	g.register(fs)
	private := fs.String("private", "drop", "")
	strict := fs.Bool("strict", false, "")
	grace := fs.Duration("grace", 5*time.Second, "")
	stdin := fs.Bool("stdin", false, "")
	var sf storeFlags
	sf.register(fs)
	var d detectFlags
	d.register(func(p *string, name, value string) { fs.StringVar(p, name, value, "") })
	var sh shipFlags
	sh.register(fs)
	if _, code, ok := parseArgsCommand(c, fs, runUsage, args); !ok {
		return code
	}
	if !g.check(c, fs) || !d.check(c) || !sh.check(c) {
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

	// Flags are sound; from here on, I/O. A closed stdout or stderr (conflog
	// run … 2>&1 | head -1) must not kill run with SIGPIPE: the gate counts
	// the lines it cannot deliver, and run's own last lines are lost quietly.
	signal.Notify(make(chan os.Signal, 1), syscall.SIGPIPE)
	var sink scrub.Sink = scrub.Discard
	if kind == "file" {
		f, err := scrub.OpenFile(arg)
		if err != nil {
			c.errorf("run: %v", err)
			c.hintf("the private file must be a regular file only its owner can read (chmod 600)")
			return exitFail
		}
		defer f.Close()
		if name := outputNamed(arg, c.stdout, c.stderr); name != "" {
			c.errorf("run: --private file:%s is conflog's own %s: private lines, the prefixed ones --strict holds among them, would reach the public output", arg, name)
			c.hintf("give the private lines a file of their own, or --private drop")
			return exitUsage
		}
		sink = f
	}
	// From here on every write to stdout and stderr takes one lock: the
	// filters, the witness lines and run's own messages write whole lines,
	// and the two outputs may be one pipe (2>&1, as a platform collects a
	// job's log), where the kernel keeps only writes of at most PIPE_BUF
	// bytes apart.
	var outMu sync.Mutex
	c = &cli{stdin: c.stdin, stdout: &lockedWriter{mu: &outMu, w: c.stdout}, stderr: &lockedWriter{mu: &outMu, w: c.stderr},
		public: g.prefix + " ", verb: c.verb}
	if code := sh.wire(c, &d, g.prefix, fs.Arg(0)); code >= 0 {
		return code
	}
	defer sh.unwire()
	if kind == "store" {
		s, err := sf.open(arg, g.prefix, c.stderr)
		if err != nil {
			c.errorf("run: --private store:%s: %v", arg, err)
			c.hintf("%s", sf.openHint(arg, err))
			return exitFail
		}
		sink = s // closed after the gate: the final checkpoint
	}
	var blocked atomic.Int64
	cfg := gate.Config{
		Argv:          fs.Args(),
		Filter:        scrub.Options{Prefix: g.prefix, MaxLine: g.maxLine, KeepANSI: g.keepANSI, Private: sink},
		Strict:        *strict,
		Grace:         *grace,
		Stdin:         c.stdin,
		TerminalInput: *stdin,
		Reap:          true, // conflog run starts no other children
		OutputBehind:  sh.shipping(),
		Stdout:        c.stdout,
		Stderr:        c.stderr,
		Warnf:         func(format string, args ...any) { c.warningf("run: "+format, args...) },
		Errorf:        func(format string, args ...any) { c.errorf("run: "+format, args...) },
	}
	if g.traces {
		cfg.NewTracer = g.newTracer
	}
	if c.metrics != nil {
		cfg.Observe = c.metrics.reader
		cfg.ObserveChannel = c.metrics.channel
	}
	if d.set != nil {
		// Warnings through the locked stderr: the streams' goroutines share it.
		cfg.Check = func(out io.Writer, stream string) io.Writer {
			return d.wrap(out, g.prefix, stream, sink, &blocked, c.warningf)
		}
	}
	// Once the job is over, a late SIGTERM or SIGINT (a second docker stop)
	// must not cut run short: the store's last checkpoint and the summary
	// are still to be written, and the exit code is the job's.
	signal.Notify(make(chan os.Signal, 1), gate.Forwarded...)
	res, err := gate.Run(context.Background(), cfg)
	if err != nil {
		c.errorf("run: %v", err)
		if res.Code == 126 || res.Code == 127 {
			c.hintf("check the command name and that it is executable; it runs after '--'")
		}
		return res.Code
	}
	failed := res.Failed
	if cl, ok := sink.(io.Closer); ok {
		if err := cl.Close(); err != nil {
			failed = true
			c.errorf("run: private sink: %v", err)
		}
	}
	t := res.Stats
	fmt.Fprintf(c.stderr, "%s conflog run: exit=%d passed=%d private=%d bytes=%d traces=%d cut=%d held=%d blocked=%d late=%d undelivered=%d orphans=%d stopped=%d\n",
		g.prefix, res.Code, t.Passed, t.Private, t.Bytes, t.Traces, t.Cut, t.Held, blocked.Load(), res.Late, res.Undelivered, res.Orphans, res.Stopped)
	if failed && res.Code == 0 {
		return exitFail
	}
	return res.Code
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

// outputNamed returns "stdout" or "stderr" if the file at path is that
// output of this process, else "". A private file that is the public
// output would put every private line there, raw: a held line that starts
// with the prefix would pass as a public one.
func outputNamed(path string, stdout, stderr io.Writer) string {
	fi, err := os.Stat(path)
	if err != nil {
		return ""
	}
	for _, o := range []struct {
		name string
		w    io.Writer
	}{{"stdout", stdout}, {"stderr", stderr}} {
		if f, ok := o.w.(interface{ Stat() (os.FileInfo, error) }); ok {
			if ofi, err := f.Stat(); err == nil && os.SameFile(fi, ofi) {
				return o.name
			}
		}
	}
	return ""
}
