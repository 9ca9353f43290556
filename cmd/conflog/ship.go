//go:build unix

package main

import (
	"context"
	"errors"
	"flag"
	"io"
	"io/fs"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync/atomic"
	"time"

	"github.com/conflog/conflog/internal/gate"
	"github.com/conflog/conflog/ship"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

var shipCommand = &command{
	name:    "ship",
	exits:   "0 every line delivered; 1 lines left queued (how many and where on stderr) or a file refused; 2 usage error.",
	summary: "send public lines to central logging; deliver what a gate left queued",
	main:    shipMain,
}

const shipUsage = `Usage: conflog ship --prefix PREFIX [flags] URL... < FILE
       conflog ship --resume DIR

Examples:
  conflog ship --prefix SystemLog: \
      'syslog+tls://logs.example:6514?ca=ca.pem&cert=me.pem&key=me.key' < job.log
  conflog ship --resume ~/.local/state/conflog/queue

Sends the public lines of stdin, judged as 'conflog scrub' judges them
(tripwire included), to each URL, through a queue on disk, and waits for
their delivery. Only public lines enter the queue or leave it. What is not
delivered within --wait stays queued; the exit code is then 1.

--resume DIR delivers what a gate (conflog run --ship) or an earlier ship
left in the queue DIR, or in every queue under DIR, to the destination it
was queued for, with the prefix it was queued under.

Destinations:
  syslog+tls://HOST:PORT?ca=CA.pem[&cert=CLIENT.pem&key=CLIENT.key][&name=NAME]
      RFC 5424 over RFC 5425 (TLS 1.2+), the server verified against CA.pem
      for HOST (or NAME); cert and key for mutual TLS. Refused before
      anything is read: a key its group or others may read, an expired
      certificate, a client certificate not for TLS clients.
  otlp+https://HOST:PORT[/PATH]?ca=CA.pem[&cert=…&key=…][&name=NAME][&bearer_file=FILE]
      OTLP logs over HTTPS (PATH default /v1/logs) through the OpenTelemetry
      SDK, with FILE's token as "Authorization: Bearer"; the gate's counters
      go there too as OTLP metrics. FILE must be readable by its owner only.
  otlp+grpc://HOST:PORT?ca=CA.pem[&cert=…&key=…][&name=NAME][&bearer_file=FILE]
      OTLP logs and metrics over gRPC with TLS, the same checks, the token as
      "authorization" metadata.

Flags:
  --prefix PREFIX     the public marker (default: $CONFLOG_PREFIX)
  --queue DIR         the root of the queues, one per destination (default
                      $XDG_STATE_HOME/conflog/queue, or ~/.local/state/…)
  --queue-size SIZE   the disk budget of each queue (default 1GiB)
  --queue-full MODE   when a queue is full: block (default for ship: wait for
                      the destination) or drop (count the line and go on)
  --wait DURATION     how long to wait for delivery at the end (default 30s)
  --job NAME          the job's name in each message (default conflog)
  --job-id ID         this run's id in each message (syslog job="ID", OTLP
                      service.instance.id; default: 16 random hex digits)
  --max-line, --keep-ansi, --traces, --allow, --detect, --detectors
                      as for 'conflog scrub'
  --resume DIR        deliver the queue(s) in DIR; no URL, no stdin
`

// shipRunHelp is the shipping part of run's help.
const shipRunHelp = `  --ship URL          also send the public lines (those that reach stdout and
                      stderr, run's own included) to URL, through a queue on
                      disk; repeatable. See 'conflog ship --help' for URLs
  --queue DIR         the root of the queues (default
                      $XDG_STATE_HOME/conflog/queue, or ~/.local/state/…);
                      lines a run could not deliver wait there for the next
                      run or 'conflog ship --resume DIR'
  --queue-size SIZE   the disk budget of each queue (default 1GiB)
  --queue-full MODE   when a queue is full: drop (default: count the line, the
                      job never waits for central logging) or block
  --ship-wait D       how long to wait for delivery after the job (default 10s)
  --job NAME          the job's name in shipped messages (default: COMMAND's)
  --job-id ID         this run's id in shipped messages and OTLP metrics
                      (default: 16 random hex digits); lines delivered later
                      by another run or --resume keep their job's name and id
  --metrics ADDR      serve Prometheus metrics on ADDR (/metrics) while the
                      job runs: the gate's counts, the queues' depth and age,
                      delivery errors
`

// shipFlags are the shipping flags of run and ship.
type shipFlags struct {
	verb      string
	urls      []string
	queue     string
	queueSize int
	full      string
	wait      time.Duration
	job       string
	jobID     string
	metrics   string // run only: --metrics ADDR
	dests     []*ship.Destination

	started *shipping
	plain   *cli // run's cli before wire teed it, for unwire's warnings
}

// wire starts run's shipping and metrics, if asked for, and tees c's
// outputs into them. It returns -1 to go on, or run's exit code.
func (f *shipFlags) wire(c *cli, d *detectFlags, prefix, command string) int {
	if len(f.dests) == 0 && f.metrics == "" {
		return -1
	}
	s, ok := f.start(c, prefix, filepath.Base(command))
	if !ok {
		return exitFail
	}
	plain := *c
	f.started, f.plain = s, &plain
	c.stdout, c.stderr, c.metrics = s.tee(c.stdout), s.tee(c.stderr), s.gate
	d.onBlock = s.block
	return -1
}

// shipping reports whether wire teed the outputs into shipping queues.
func (f *shipFlags) shipping() bool {
	return f.started != nil && f.started.out != nil
}

// unwire waits for delivery and stops what wire started.
func (f *shipFlags) unwire() {
	if f.started != nil {
		f.started.close(f.plain, f.wait)
	}
}

func (f *shipFlags) register(fs *flag.FlagSet) {
	f.verb = fs.Name()
	fs.StringVar(&f.queue, "queue", "", "")
	fs.StringVar(&f.jobID, "job-id", "", "")
	f.queueSize = ship.DefaultMaxBytes
	fs.Func("queue-size", "", func(s string) error {
		n, err := parseSize(s)
		f.queueSize = n
		return err
	})
	if f.verb == "run" {
		fs.Func("ship", "", func(s string) error { f.urls = append(f.urls, s); return nil })
		fs.StringVar(&f.full, "queue-full", "drop", "")
		fs.DurationVar(&f.wait, "ship-wait", 10*time.Second, "")
		fs.StringVar(&f.metrics, "metrics", "", "")
		fs.StringVar(&f.job, "job", "", "")
		return
	}
	fs.StringVar(&f.full, "queue-full", "block", "")
	fs.DurationVar(&f.wait, "wait", 30*time.Second, "")
	fs.StringVar(&f.job, "job", "conflog", "")
}

// check validates the flags and parses the destinations, which checks
// their certificates and keys: before any job starts.
func (f *shipFlags) check(c *cli) bool {
	if f.full != "drop" && f.full != "block" {
		c.errorf("%s: --queue-full %q: want drop or block", f.verb, f.full)
		return false
	}
	if f.wait < 0 {
		c.errorf("%s: --wait %v: negative", f.verb, f.wait)
		return false
	}
	if f.queue == "" {
		f.queue = defaultQueueRoot()
	}
	if f.jobID == "" {
		f.jobID = ship.NewJobID()
	} else if err := ship.CheckJobID(f.jobID); err != nil {
		c.errorf("%s: --job-id: %v", f.verb, err)
		return false
	}
	for _, u := range f.urls {
		d, err := ship.ParseDestination(u)
		if err != nil {
			c.errorf("%s: %v", f.verb, err)
			c.hintf("see 'conflog ship --help' for the destination URLs")
			return false
		}
		f.dests = append(f.dests, d)
	}
	return true
}

// defaultQueueRoot is $XDG_STATE_HOME/conflog/queue, or its usual default.
func defaultQueueRoot() string {
	if d := os.Getenv("XDG_STATE_HOME"); d != "" {
		return filepath.Join(d, "conflog", "queue")
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return filepath.Join(os.TempDir(), "conflog-queue")
	}
	return filepath.Join(home, ".local", "state", "conflog", "queue")
}

// shipping is what a verb started: the shippers, the metrics server.
type shipping struct {
	flags    *shipFlags
	shippers []*ship.Shipper
	out      io.Writer // every shipper, or nil
	srv      *http.Server
	reg      *prometheus.Registry
	gate     *gateMetrics
	job      string
	stops    []func(context.Context) error // the OTLP metrics exports
}

// block tells the metrics and every destination of a line the tripwire
// withheld: a counter, and a structured notice (detector, column, stream,
// job; never the value) that the central log receives as an event.
func (s *shipping) block(detector string, column int, stream string) {
	s.gate.block(detector, stream)
	for _, sh := range s.shippers {
		sh.Blocked(ship.Blocked{Detector: detector, Column: column, Stream: stream, Job: s.job})
	}
}

// start opens a shipper per destination and, for run's --metrics, the
// metrics server. It reports its own errors.
func (f *shipFlags) start(c *cli, prefix, job string) (*shipping, bool) {
	if f.job != "" {
		job = f.job
	}
	s := &shipping{flags: f, job: job}
	opts := ship.Options{Prefix: prefix, Job: job, JobID: f.jobID, Queue: ship.QueueOptions{MaxBytes: int64(f.queueSize), Block: f.full == "block"}}
	var ws []io.Writer
	for _, d := range f.dests {
		sh, err := ship.NewIn(f.queue, d, opts)
		if err != nil {
			c.errorf("%s: %v", f.verb, err)
			s.close(c, 0)
			return nil, false
		}
		s.shippers = append(s.shippers, sh)
		ws = append(ws, sh)
	}
	if len(ws) > 0 {
		s.out = io.MultiWriter(ws...)
	}
	otlp := false
	for _, d := range f.dests {
		otlp = otlp || d.IsOTLP()
	}
	if f.metrics != "" || otlp {
		s.gate = newGateMetrics()
		s.reg = newRegistry(s)
	}
	// The same counters go to every OTLP destination as OTLP metrics.
	for _, d := range f.dests {
		if !d.IsOTLP() {
			continue
		}
		stop, err := ship.ExportMetrics(d, s.reg, ship.Job{Name: job, ID: f.jobID}, otlpMetricsInterval)
		if err != nil {
			c.errorf("%s: %s: metrics: %v", f.verb, d.Name(), err)
			s.close(c, 0)
			return nil, false
		}
		s.stops = append(s.stops, stop)
	}
	if f.metrics != "" {
		if !s.serveMetrics(c, f.metrics) {
			s.close(c, 0)
			return nil, false
		}
	}
	return s, true
}

// otlpMetricsInterval is how often the counters go to an OTLP destination.
var otlpMetricsInterval = 10 * time.Second

// tee returns w, copying to the shippers first: a line is in every queue
// (one write(2) into the page cache) before it reaches w, so a line the
// gate printed survives a kill -9 of the gate. The shippers never fail a
// write.
func (s *shipping) tee(w io.Writer) io.Writer {
	if s.out == nil {
		return w
	}
	return io.MultiWriter(s.out, w)
}

// close waits up to wait for delivery, closes the shippers and the metrics
// server, and warns of what is left queued. It reports whether all went.
func (s *shipping) close(c *cli, wait time.Duration) bool {
	ok := true
	for _, sh := range s.shippers {
		if err := sh.Close(wait); err != nil {
			c.warningf("%s: %v", s.flags.verb, err)
			ok = false
		}
	}
	// The last export of the metrics carries the final counts.
	for _, stop := range s.stops {
		ctx, cancel := context.WithTimeout(context.Background(), max(wait, time.Second))
		if err := stop(ctx); err != nil {
			c.warningf("%s: metrics: %v", s.flags.verb, err)
		}
		cancel()
	}
	if s.srv != nil {
		s.srv.Close()
	}
	return ok
}

func (s *shipping) serveMetrics(c *cli, addr string) bool {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		c.errorf("%s: --metrics %s: %v", s.flags.verb, addr, err)
		return false
	}
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(s.reg, promhttp.HandlerOpts{}))
	s.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go s.srv.Serve(l)
	return true
}

// newRegistry holds the gate's and the shippers' metrics.
func newRegistry(s *shipping) *prometheus.Registry {
	reg := prometheus.NewRegistry()
	reg.MustRegister(s.gate)
	for _, sh := range s.shippers {
		reg.MustRegister(sh.Collectors()...)
	}
	return reg
}

func shipMain(c *cli, args []string) int {
	fs := newFlagSet("ship")
	var g gateFlags
	g.register(fs)
	d := detectFlags{verb: "ship"}
	d.register(func(p *string, name, value string) { fs.StringVar(p, name, value, "") })
	var sf shipFlags
	sf.register(fs)
	resume := fs.String("resume", "", "")
	if _, code, ok := parseArgs(c, fs, shipUsage, args); !ok {
		return code
	}
	if *resume != "" {
		if fs.NArg() > 0 {
			c.errorf("ship: --resume delivers queued lines to the destination they were queued for; no URL with it")
			return exitUsage
		}
		if !sf.check(c) {
			return exitUsage
		}
		return shipResume(c, &sf, *resume)
	}
	if !g.check(c, fs) || !d.check(c) {
		return exitUsage
	}
	if fs.NArg() == 0 {
		c.errorf("ship: no destination")
		c.hintf("name one, e.g. 'conflog ship --prefix %s \"syslog+tls://logs:6514?ca=ca.pem\" < job.log'", g.prefix)
		return exitUsage
	}
	sf.urls = fs.Args()
	if !sf.check(c) {
		return exitUsage
	}
	s, ok := sf.start(c, g.prefix, sf.job)
	if !ok {
		return exitFail
	}
	d.onBlock = s.block
	var blocked atomic.Int64
	err := scrubInput(&cli{stdin: c.stdin, stdout: s.out, stderr: c.stderr, verb: c.verb}, &g, &d, gate.BatchedInput(c.stdin), "stdin", &blocked)
	if err != nil {
		c.errorf("ship: stdin: %v", err)
	}
	if n := blocked.Load(); n > 0 {
		c.warningf("ship: blocked %d public line(s) holding personal data or a secret; notices went in their place (--detect block)", n)
	}
	if !s.close(c, sf.wait) || err != nil {
		return exitFail
	}
	return exitOK
}

// shipResume delivers the queue in dir, or every queue under it.
func shipResume(c *cli, sf *shipFlags, dir string) int {
	dirs := []string{dir}
	if _, err := os.Stat(filepath.Join(dir, "queue.json")); errors.Is(err, fs.ErrNotExist) {
		dirs, _ = filepath.Glob(filepath.Join(dir, "*", "queue.json"))
		for i := range dirs {
			dirs[i] = filepath.Dir(dirs[i])
		}
		if len(dirs) == 0 {
			c.errorf("ship: --resume %s: no queue there", dir)
			c.hintf("a queue is a directory holding queue.json, as 'conflog run --ship' makes under --queue")
			return exitFail
		}
	}
	code := exitOK
	for _, q := range dirs {
		prefix, url, err := ship.ReadQueueMeta(q)
		if err != nil {
			c.errorf("ship: %v", err)
			code = exitFail
			continue
		}
		d, err := ship.ParseDestination(url)
		if err != nil {
			c.errorf("ship: %s: %v", q, err)
			code = exitFail
			continue
		}
		sh, err := ship.New(d, q, ship.Options{Prefix: prefix, Job: sf.job, JobID: sf.jobID,
			Queue: ship.QueueOptions{MaxBytes: int64(sf.queueSize), Block: sf.full == "block"}})
		if err != nil {
			c.errorf("ship: %v", err)
			code = exitFail
			continue
		}
		if err := sh.Close(sf.wait); err != nil {
			c.warningf("ship: %v", err)
			code = exitFail
		}
	}
	return code
}
