package bench

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/conflog/conflog/internal/otlptest"
	"github.com/conflog/conflog/internal/rsyslogtest"
	"github.com/conflog/conflog/ship"
)

// Shipping, against a real rsyslog on loopback (mutual TLS):
//
//	BenchmarkGateShip: `conflog run -- cat LOG` on the gate's 1 GiB log
//	  (4 MiB under -short), without shipping and with one --ship
//	  destination. --ship-wait 0: the job's time, what the gate adds to it;
//	  the lines it has not delivered at the end wait in the queue (the next
//	  run delivers them), so the measure is the queue's cost, not the
//	  network's. Destinations: rsyslog; a port nothing listens on (the
//	  queue alone); a receiver that discards what it reads over the same
//	  mutual TLS (all the gate's own delivery work, without a receiver's),
//	  and the same with --ship-wait 10m, until every line is delivered
//	  (the deliverer's whole CPU time for the job's lines).
//	BenchmarkShipDelivery: 200,000 public lines (20,000 under -short)
//	  delivered from a queue to rsyslog (mutual TLS) and to a real
//	  OpenTelemetry Collector until each confirmed them all, beside
//	  rsyslog's own forwarding of the same lines (imfile -> omfwd, the
//	  same TLS) to the same rsyslog; lines/s.

func BenchmarkGateShip(b *testing.B) {
	s := gateFixtures(b)
	p := rsyslogtest.NewPKI(b)
	r := rsyslogtest.Start(b, p)
	url := r.URL(p, p.ClientCert, p.ClientKey)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	down := strings.Replace(url, "127.0.0.1:"+strings.Split(strings.Split(url, "127.0.0.1:")[1], "?")[0], l.Addr().String(), 1)
	l.Close() // nothing listens there now
	devnull, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		b.Fatal(err)
	}
	defer devnull.Close()
	type impl struct {
		name string
		bin  string
		args []string
	}
	sink, received := discardReceiver(b, p, url)
	impls := []impl{
		{"conflog-run", s.bin, nil},
		{"conflog-run-ship", s.bin, []string{"--ship", url, "--ship-wait", "0s"}},
		// The destination down: the queue's cost alone, no delivery
		// competing for the CPU.
		{"conflog-run-ship-down", s.bin, []string{"--ship", down, "--ship-wait", "0s"}},
		// A receiver that reads and discards, over the same mutual TLS:
		// everything the gate does to deliver, with the receiver's own
		// work (rsyslog's parsing and writing, which on 2 shared cores
		// costs more than the gate) taken away, as a central receiver on
		// another machine takes it away.
		{"conflog-run-ship-sink", s.bin, []string{"--ship", sink, "--ship-wait", "0s"}},
		// The same, until every line is delivered: the deliverer's whole
		// cost for the job's public lines (its wall time is not the
		// goal's, which is the job's).
		{"conflog-run-ship-sink-all", s.bin, []string{"--ship", sink, "--ship-wait", "10m"}},
	}
	// CONFLOG_BENCH_BASE, a conflog binary built from an earlier commit,
	// runs beside: before and after in one run.
	if base := os.Getenv("CONFLOG_BENCH_BASE"); base != "" {
		impls = append(impls, impl{"base-conflog-run-ship", base, []string{"--ship", url, "--ship-wait", "0s"}},
			impl{"base-conflog-run-ship-down", base, []string{"--ship", down, "--ship-wait", "0s"}},
			impl{"base-conflog-run-ship-sink", base, []string{"--ship", sink, "--ship-wait", "0s"}},
			impl{"base-conflog-run-ship-sink-all", base, []string{"--ship", sink, "--ship-wait", "10m"}})
	}
	for _, impl := range impls {
		b.Run("impl="+impl.name, func(b *testing.B) {
			b.SetBytes(s.size)
			var cpu, rsCPU time.Duration
			var split cpuSplit
			var sent int64
			for b.Loop() {
				rs0 := rsyslogCPU(b, r)
				recv0 := received.Load()
				args := append([]string{"run", "--prefix", gatePrefix, "--queue", b.TempDir()}, impl.args...)
				cmd := exec.Command(impl.bin, append(args, "--", s.catPath, s.log)...)
				cmd.Stdout, cmd.Stderr = devnull, devnull
				if err := cmd.Start(); err != nil {
					b.Fatal(err)
				}
				stop := make(chan struct{})
				sampled := make(chan cpuSplit)
				go func() { sampled <- sampleGate(cmd.Process.Pid, stop) }()
				if err := cmd.Wait(); err != nil {
					b.Fatal(err)
				}
				close(stop)
				split.add(<-sampled)
				cpu += cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
				rsCPU += rsyslogCPU(b, r) - rs0
				os.Truncate(r.Out, 0) // rsyslog's copy of the lines is not the point
				// What the discarding receiver read: the gate has exited,
				// the receiver reads the rest of its socket.
				for n := int64(-1); n != received.Load(); time.Sleep(20 * time.Millisecond) {
					n = received.Load()
				}
				sent += received.Load() - recv0
			}
			// By process and thread, sampled from /proc every 10 ms (what a
			// thread used in its last 10 ms is missed): the deliverer's
			// thread (the one at nice 10), the gate's other threads, and
			// the job (cat).
			b.ReportMetric(split.deliverer.Seconds()/float64(b.N), "deliverer-cpu-sec/op")
			b.ReportMetric(split.gate.Seconds()/float64(b.N), "gate-cpu-sec/op")
			b.ReportMetric(split.job.Seconds()/float64(b.N), "job-cpu-sec/op")
			// The gate's and cat's CPU time (the gate reaps its children):
			// less noisy than the wall clock on a shared machine, but blind
			// to rsyslog's share of the cores, which rsyslog-cpu-sec/op is
			// (what rsyslogd used while the job ran: receiving, parsing
			// and writing the lines delivered meanwhile).
			// With --ship-wait 0s the deliverer sends what it can while
			// the job runs, more when the run is slower: its CPU time per
			// op follows the wall time. Per GB the discarding receiver
			// read (TLS records of RFC 5425 frames), it is the cost of
			// delivery itself.
			if sent > 0 {
				b.ReportMetric(split.deliverer.Seconds()/(float64(sent)/1e9), "deliverer-cpu-sec/GB-sent")
				b.ReportMetric(float64(sent)/1e6/float64(b.N), "sent-MB/op")
			}
			b.ReportMetric(cpu.Seconds()/float64(b.N), "cpu-sec/op")
			b.ReportMetric(rsCPU.Seconds()/float64(b.N), "rsyslog-cpu-sec/op")
		})
	}
}

// discardReceiver serves syslog over TLS on 127.0.0.1 as rsyslog does
// for url (its certificate, a client certificate from the same CA
// required, TLS 1.2 or later) and discards what it reads. It returns url
// pointing at it, and the count of bytes it has read (decrypted).
func discardReceiver(b *testing.B, p *rsyslogtest.PKI, rsyslogURL string) (string, *atomic.Int64) {
	cert, err := tls.LoadX509KeyPair(p.ServerCert, p.ServerKey)
	if err != nil {
		b.Fatal(err)
	}
	caPEM, err := os.ReadFile(p.CA.File)
	if err != nil {
		b.Fatal(err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(caPEM) {
		b.Fatal("discardReceiver: no CA certificate in ", p.CA.File)
	}
	l, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{
		Certificates: []tls.Certificate{cert},
		ClientCAs:    pool,
		ClientAuth:   tls.RequireAndVerifyClientCert,
		MinVersion:   tls.VersionTLS12,
	})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { l.Close() })
	received := new(atomic.Int64)
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				io.Copy(countingDiscard{received}, c)
			}()
		}
	}()
	u, err := url.Parse(rsyslogURL)
	if err != nil {
		b.Fatal(err)
	}
	u.Host = l.Addr().String()
	return u.String(), received
}

// countingDiscard discards what is written to it and counts it.
type countingDiscard struct{ n *atomic.Int64 }

func (c countingDiscard) Write(p []byte) (int, error) {
	c.n.Add(int64(len(p)))
	return len(p), nil
}

// cpuSplit is the CPU time of a conflog run by part: its deliverer's
// thread, its other threads, and the job.
type cpuSplit struct{ deliverer, gate, job time.Duration }

func (c *cpuSplit) add(o cpuSplit) {
	c.deliverer += o.deliverer
	c.gate += o.gate
	c.job += o.job
}

// sampleGate reads the CPU time of the gate pid's threads and of its
// children from /proc every 10 ms until stop, and returns the last seen of
// each. A thread once seen at nice 10 counts as the deliverer's (ship runs
// delivery on a thread of its own at nice 10, and puts the nice value back
// when it ends).
func sampleGate(pid int, stop <-chan struct{}) cpuSplit {
	threads := map[string]time.Duration{}
	deliverer := map[string]bool{}
	children := map[string]time.Duration{}
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for {
		dir := fmt.Sprintf("/proc/%d/task", pid)
		tids, _ := os.ReadDir(dir)
		for _, t := range tids {
			if cpu, nice, ok := procCPU(filepath.Join(dir, t.Name(), "stat")); ok {
				threads[t.Name()] = cpu
				deliverer[t.Name()] = deliverer[t.Name()] || nice == 10
			}
			kids, _ := os.ReadFile(filepath.Join(dir, t.Name(), "children"))
			for _, k := range strings.Fields(string(kids)) {
				if cpu, _, ok := procCPU(filepath.Join("/proc", k, "stat")); ok {
					children[k] = cpu
				}
			}
		}
		select {
		case <-stop:
			var c cpuSplit
			for t, cpu := range threads {
				if deliverer[t] {
					c.deliverer += cpu
				} else {
					c.gate += cpu
				}
			}
			for _, cpu := range children {
				c.job += cpu
			}
			return c
		case <-tick.C:
		}
	}
}

// procCPU reads utime+stime and the nice value from a /proc stat file.
func procCPU(path string) (cpu time.Duration, nice int64, ok bool) {
	stat, err := os.ReadFile(path)
	i := bytes.LastIndexByte(stat, ')')
	if err != nil || i < 0 {
		return 0, 0, false
	}
	f := strings.Fields(string(stat[i+1:]))
	if len(f) < 17 {
		return 0, 0, false
	}
	u, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	nice, _ = strconv.ParseInt(f[16], 10, 64)
	return time.Duration(u+st) * time.Second / clockTicks, nice, true
}

// rsyslogCPU is the user and system time rsyslogd (r's, found by its pid
// file beside its output) has used so far, from /proc/PID/stat.
func rsyslogCPU(b *testing.B, r *rsyslogtest.Server) time.Duration {
	pid, err := os.ReadFile(filepath.Join(filepath.Dir(r.Out), "pid"))
	if err != nil {
		b.Fatalf("rsyslogd's pid: %v", err)
	}
	stat, err := os.ReadFile(filepath.Join("/proc", strings.TrimSpace(string(pid)), "stat"))
	if err != nil {
		b.Fatalf("rsyslogd's CPU time: %v", err)
	}
	// The fields after the command's name, which is in parentheses and
	// may hold spaces: utime and stime are the 14th and 15th of the line.
	f := strings.Fields(string(stat[bytes.LastIndexByte(stat, ')')+1:]))
	if len(f) < 13 {
		b.Fatalf("/proc/%s/stat: %q", pid, stat)
	}
	var ticks int64
	for _, s := range f[11:13] {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			b.Fatalf("/proc/%s/stat: %q", pid, stat)
		}
		ticks += n
	}
	return time.Duration(ticks) * time.Second / clockTicks
}

// clockTicks is USER_HZ, the unit of /proc/PID/stat's times: 100 on every
// Linux architecture Go supports.
const clockTicks = 100

func BenchmarkShipDelivery(b *testing.B) {
	n := 200_000
	if testing.Short() {
		n = 20_000
	}
	p := rsyslogtest.NewPKI(b)
	r := rsyslogtest.Start(b, p)
	rsDest, err := ship.ParseDestination(r.URL(p, p.ClientCert, p.ClientKey))
	if err != nil {
		b.Fatal(err)
	}
	lines := make([][]byte, n)
	for i := range lines {
		lines[i] = fmt.Appendf(nil, "SystemLog: level=INFO step=%d epoch=%d loss=%.4f lr=3.0e-04 throughput=%d samples/s", i, i/1000, 1/float64(i+1), 900+i%200)
	}
	// ours delivers a queue of the n lines, until the destination has
	// confirmed them all (rsyslog: it closed after our close_notify, having
	// read everything; the Collector: it accepted every export).
	ours := func(b *testing.B, d *ship.Destination) {
		var total time.Duration
		for b.Loop() {
			b.StopTimer()
			dir := filepath.Join(b.TempDir(), "q")
			q, err := ship.OpenQueue(dir, gatePrefix, d.String(), ship.QueueOptions{})
			if err != nil {
				b.Fatal(err)
			}
			if k, err := q.Append(time.Now(), lines...); k != n || err != nil {
				b.Fatal(k, err)
			}
			q.Close()
			os.Truncate(r.Out, 0)
			b.StartTimer()
			start := time.Now()
			s, err := ship.New(d, dir, ship.Options{Prefix: gatePrefix})
			if err != nil {
				b.Fatal(err)
			}
			if err := s.Close(10 * time.Minute); err != nil {
				b.Fatal(err)
			}
			total += time.Since(start)
		}
		b.ReportMetric(float64(n)*float64(b.N)/total.Seconds(), "lines/s")
	}
	b.Run("dest=rsyslog-tls/impl=conflog", func(b *testing.B) { ours(b, rsDest) })
	// rsyslog's own forwarding of the same lines: imfile reading them from
	// a file, omfwd over the same mutual TLS with octet counting, until the
	// receiving rsyslog has written them all.
	b.Run("dest=rsyslog-tls/impl=rsyslog-omfwd", func(b *testing.B) {
		var total time.Duration
		for b.Loop() {
			b.StopTimer()
			file := filepath.Join(b.TempDir(), "train.log")
			var buf bytes.Buffer
			for _, l := range lines {
				buf.Write(l)
				buf.WriteByte('\n')
			}
			if err := os.WriteFile(file, buf.Bytes(), 0o600); err != nil {
				b.Fatal(err)
			}
			os.Truncate(r.Out, 0)
			b.StartTimer()
			start := time.Now()
			rsyslogtest.StartForwarder(b, p, r, file)
			for deadline := time.Now().Add(10 * time.Minute); r.Lines(b) < n; time.Sleep(20 * time.Millisecond) {
				if time.Now().After(deadline) {
					b.Fatalf("rsyslog forwarded %d of %d lines in 10 min", r.Lines(b), n)
				}
			}
			total += time.Since(start)
		}
		b.ReportMetric(float64(n)*float64(b.N)/total.Seconds(), "lines/s")
	})
	// A real OpenTelemetry Collector (conflog's distribution: the otlp
	// receiver over mutual TLS, the file exporter).
	b.Run("dest=otelcol/impl=conflog", func(b *testing.B) {
		col := otlptest.StartCollector(b, otlptest.CollectorBinary(b, "../otelcol/distribution/build.sh"), p.CA.File, p.ServerCert, p.ServerKey)
		d, err := ship.ParseDestination("otlp+https://" + col.Addr() + "?" + url.Values{"ca": {p.CA.File}, "cert": {p.ClientCert}, "key": {p.ClientKey}}.Encode())
		if err != nil {
			b.Fatal(err)
		}
		ours(b, d)
	})
	// The same Collector's otlp receiver over gRPC (same TLS settings).
	b.Run("dest=otelcol-grpc/impl=conflog", func(b *testing.B) {
		col := otlptest.StartCollector(b, otlptest.CollectorBinary(b, "../otelcol/distribution/build.sh"), p.CA.File, p.ServerCert, p.ServerKey)
		d, err := ship.ParseDestination("otlp+grpc://" + col.GRPCAddr() + "?" + url.Values{"ca": {p.CA.File}, "cert": {p.ClientCert}, "key": {p.ClientKey}}.Encode())
		if err != nil {
			b.Fatal(err)
		}
		ours(b, d)
	})
}
