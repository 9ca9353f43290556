package ship

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/conflog/conflog/internal/otlptest"
	"github.com/conflog/conflog/internal/rsyslogtest"
	"github.com/prometheus/client_golang/prometheus"
)

// These tests send to a real HTTPS server on 127.0.0.1 that decodes OTLP
// with the protocol's own protobuf types (internal/otlptest), requiring a
// client certificate and a bearer token, through the OpenTelemetry Go
// SDK's otlploghttp exporter.

// otlpURL is the destination URL scheme://addr (otlp+https or otlp+grpc)
// with the PKI's client certificate, a token file holding token (mode
// 0600), and the extra parameters.
func otlpURL(t *testing.T, p *rsyslogtest.PKI, scheme, addr, token string, extra url.Values) string {
	t.Helper()
	tok := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(tok, []byte(token+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	v := url.Values{"ca": {p.CA.File}, "cert": {p.ClientCert}, "key": {p.ClientKey}, "bearer_file": {tok}}
	for k, x := range extra {
		v[k] = x
	}
	return scheme + "://" + addr + "?" + v.Encode()
}

// startOTLP starts a receiver requiring the PKI's client certificate and
// token, and returns it with the destination that reaches it.
func startOTLP(t *testing.T, token string) (*otlptest.Receiver, *Destination) {
	t.Helper()
	p := rsyslogtest.NewPKI(t)
	r := otlptest.Start(t, p.CA.File, p.ServerCert, p.ServerKey, token)
	d, err := ParseDestination(otlpURL(t, p, "otlp+https", r.Addr(), token, nil))
	if err != nil {
		t.Fatal(err)
	}
	return r, d
}

// TestOTLPLogsMutualTLSAndBearer: lines arrive as OTLP log records, each
// once, body unchanged, with its severity, conflog.queue and conflog.seq,
// under a resource naming the job; a notice of a blocked line arrives as
// the event conflog.blocked; private lines never arrive.
func TestOTLPLogsMutualTLSAndBearer(t *testing.T) {
	t.Parallel() // its own receiver, queue and keys; mostly waiting
	r, d := startOTLP(t, "s3cret-token")
	s, err := New(d, t.TempDir(), Options{Prefix: "SystemLog:", Job: "train", JobID: "slurm-4242"})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 300 {
		fmt.Fprintf(s, "SystemLog: level=WARN step=%d\nPRIVATE customer %d\n", i, i)
	}
	s.Blocked(Blocked{Detector: "email", Column: 20, Stream: "stdout"})
	if err := s.Close(10 * time.Second); err != nil {
		t.Fatal(err)
	}
	got := r.Distinct(t)
	if len(got) != 301 || len(r.Logs()) != 301 {
		t.Fatalf("%d distinct records (%d in all), want 301", len(got), len(r.Logs()))
	}
	host, _ := os.Hostname()
	for i, l := range r.Logs() {
		if l.Resource["service.name"] != "train" || l.Resource["host.name"] != headerName(host, 255) || l.Resource["service.instance.id"] != "slurm-4242" || l.Resource["conflog.queue"] != s.q.ID() {
			t.Fatalf("resource %v", l.Resource)
		}
		if l.Attrs["conflog.seq"] != fmt.Sprint(i+1) || l.Attrs["conflog.queue"] != s.q.ID() {
			t.Fatalf("record %d: attributes %v", i, l.Attrs)
		}
		body := l.Record.GetBody().GetStringValue()
		if strings.Contains(body, "PRIVATE") {
			t.Fatalf("a private line arrived: %q", body)
		}
		if i < 300 {
			if want := fmt.Sprintf("SystemLog: level=WARN step=%d", i); body != want || l.Record.GetSeverityText() != "WARN" || l.Record.GetSeverityNumber() != 13 || l.Record.GetEventName() != "" {
				t.Fatalf("record %d: %q %s %d %q", i, body, l.Record.GetSeverityText(), l.Record.GetSeverityNumber(), l.Record.GetEventName())
			}
			continue
		}
		if l.Record.GetEventName() != EventBlocked || l.Attrs["conflog.detector"] != "email" || l.Attrs["conflog.column"] != "20" ||
			l.Attrs["conflog.stream"] != "stdout" || l.Attrs["conflog.job"] != "train" || l.Record.GetSeverityText() != "WARN" {
			t.Fatalf("the blocked notice arrived as %q %v event %q", body, l.Attrs, l.Record.GetEventName())
		}
	}
}

// An otlpServer is a receiver of either protocol as the tests below see
// it: its address, the records and metric exports it took, and how many
// calls it refused for their token.
type otlpServer struct {
	scheme, addr string
	bodies       func() []string
	metrics      func() int
	denied       func() int
}

// startOTLPServers starts a receiver of each protocol, both requiring the
// PKI's client certificate and token: internal/otlptest's HTTPS server and
// a grpc-go server (startGRPC).
func startOTLPServers(t *testing.T, p *rsyslogtest.PKI, token string) []otlpServer {
	h := otlptest.Start(t, p.CA.File, p.ServerCert, p.ServerKey, token)
	g, addr := startGRPC(t, p, token)
	return []otlpServer{
		{
			scheme: "otlp+https", addr: h.Addr(),
			bodies: func() (b []string) {
				for _, l := range h.Logs() {
					b = append(b, l.Record.GetBody().GetStringValue())
				}
				return b
			},
			metrics: func() int { return len(h.Metrics()) },
			denied:  h.Denied,
		},
		{
			scheme: "otlp+grpc", addr: addr,
			bodies: func() []string {
				g.mu.Lock()
				defer g.mu.Unlock()
				return slices.Clone(g.bodies)
			},
			metrics: func() int {
				g.mu.Lock()
				defer g.mu.Unlock()
				return g.metrics
			},
			denied: func() int {
				g.mu.Lock()
				defer g.mu.Unlock()
				return g.denied
			},
		},
	}
}

// TestOTLPRefusesWrongCredentials, over HTTPS and gRPC alike: a wrong
// token is refused by the receiver (401, Unauthenticated), a wrong peer
// name (name=) and a client without a certificate by TLS; each delivers
// nothing and leaves the lines queued. A token file others may read is
// refused before any job.
func TestOTLPRefusesWrongCredentials(t *testing.T) {
	t.Parallel() // its own receivers, queues and keys; mostly waiting
	p := rsyslogtest.NewPKI(t)
	for _, srv := range startOTLPServers(t, p, "right") {
		for _, tc := range []struct{ name, url, why string }{
			{"a wrong token", otlpURL(t, p, srv.scheme, srv.addr, "wrong", nil), map[string]string{"otlp+https": "401", "otlp+grpc": "Unauthenticated"}[srv.scheme]},
			{"a wrong peer name", otlpURL(t, p, srv.scheme, srv.addr, "right", url.Values{"name": {"other.example"}}), "other.example"},
			// Under TLS 1.3 the server refuses after the client's handshake
			// ended: the client sees "certificate required" or a broken pipe.
			{"no client certificate", srv.scheme + "://" + srv.addr + "?" + url.Values{"ca": {p.CA.File}}.Encode(), ""},
		} {
			t.Run(srv.scheme+"/"+tc.name, func(t *testing.T) {
				d, err := ParseDestination(tc.url)
				if err != nil {
					t.Fatal(err)
				}
				s, err := New(d, t.TempDir(), Options{Prefix: "SystemLog:"})
				if err != nil {
					t.Fatal(err)
				}
				fmt.Fprintf(s, "SystemLog: refused one\nSystemLog: refused two\n")
				// Until the refusal is seen, however slow the machine: a
				// Close before it would only report its own cancellation.
				for e := s.LastError(); e == nil || !strings.Contains(e.Error(), tc.why); e = s.LastError() {
					time.Sleep(10 * time.Millisecond)
				}
				err = s.Close(500 * time.Millisecond)
				if err == nil || !strings.Contains(err.Error(), "2 line(s) not yet delivered") || !strings.Contains(err.Error(), tc.why) {
					t.Fatalf("Close: %v, want the lines queued and %q", err, tc.why)
				}
				t.Logf("%v", err)
			})
		}
		if b := srv.bodies(); len(b) != 0 {
			t.Errorf("%s: %d records arrived from refused clients", srv.scheme, len(b))
		}
		if srv.denied() == 0 {
			t.Errorf("%s: the receiver never refused the wrong token", srv.scheme)
		}
	}
	tok := filepath.Join(t.TempDir(), "open-token")
	os.WriteFile(tok, []byte("right"), 0o644)
	_, err := ParseDestination("otlp+https://127.0.0.1:4318?ca=" + p.CA.File + "&bearer_file=" + tok)
	if err == nil || !strings.Contains(err.Error(), "mode 0644 lets others read it") {
		t.Errorf("a token file others may read: %v", err)
	}
}

// shipWithMetrics ships n public lines, each followed by a private one,
// to d with the shipper's counters exported as OTLP metrics every 50 ms,
// and stops both: every line delivered, the last export sent.
func shipWithMetrics(t *testing.T, d *Destination, job Job, n int, during func()) *Shipper {
	t.Helper()
	s, err := New(d, t.TempDir(), Options{Prefix: "SystemLog:", Job: job.Name})
	if err != nil {
		t.Fatal(err)
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(s.Collectors()...)
	stop, err := ExportMetrics(d, reg, job, 50*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	for i := range n {
		fmt.Fprintf(s, "SystemLog: level=INFO %d\nPRIVATE customer %d\n", i, i)
	}
	if during != nil {
		during()
	}
	if err := s.Close(10 * time.Second); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := stop(ctx); err != nil {
		t.Fatal(err)
	}
	return s
}

// TestOTLPReceiverRestartLosesNothing: the receiver dies in the middle of
// a job and comes back; every public line arrives, exactly once after
// de-duplication on (conflog.queue, conflog.seq).
func TestOTLPReceiverRestartLosesNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("restarts the OTLP receiver mid-job: seconds; go test without -short runs it")
	}
	t.Parallel() // its own receiver, queue and keys; mostly waiting
	r, d := startOTLP(t, "tok")
	s, err := New(d, t.TempDir(), Options{Prefix: "SystemLog:"})
	if err != nil {
		t.Fatal(err)
	}
	const n = 3000
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := range n {
			fmt.Fprintf(s, "SystemLog: line %d\nPRIVATE %d\n", i, i)
			if i%10 == 0 {
				time.Sleep(time.Millisecond)
			}
		}
	}()
	time.Sleep(150 * time.Millisecond)
	r.Stop()
	time.Sleep(500 * time.Millisecond)
	r.Start()
	<-done
	if err := s.Close(20 * time.Second); err != nil {
		t.Fatal(err)
	}
	got := r.Distinct(t)
	if len(got) != n {
		t.Fatalf("%d distinct lines arrived, want %d", len(got), n)
	}
	for i := range n {
		if w := fmt.Sprintf("SystemLog: line %d", i); got[fmt.Sprintf("%s/%d", s.q.ID(), i+1)] != w {
			t.Fatalf("seq %d: got %q, want %q", i+1, got[fmt.Sprintf("%s/%d", s.q.ID(), i+1)], w)
		}
	}
	if s.retries.Load() == 0 {
		t.Errorf("no retry counted although the receiver was down")
	}
	t.Logf("%d lines, %d records arrived (%d sent again), %d retries", n, len(r.Logs()), s.resent.Load(), s.retries.Load())
}

// TestOTLPMetrics: the shipper's Prometheus counters go out as OTLP
// metrics, with the same names and labels, over mutual TLS with the bearer
// token, and the last export at stop carries the final totals.
func TestOTLPMetrics(t *testing.T) {
	r, d := startOTLP(t, "tok")
	shipWithMetrics(t, d, Job{Name: "train", ID: "run-7"}, 40, func() {
		for deadline := time.Now().Add(10 * time.Second); len(r.Metrics()) == 0; time.Sleep(10 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatal("no periodic export in 10s")
			}
		}
	})
	last := map[string]float64{}
	exports := 0
	for _, rm := range r.Metrics() {
		res := map[string]string{}
		for _, kv := range rm.GetResource().GetAttributes() {
			res[kv.GetKey()] = kv.GetValue().GetStringValue()
		}
		host, _ := os.Hostname()
		if res["service.name"] != "train" || res["service.instance.id"] != "run-7" || res["host.name"] != headerName(host, 255) {
			t.Fatalf("resource %v", res)
		}
		exports++
		for _, sm := range rm.GetScopeMetrics() {
			for _, m := range sm.GetMetrics() {
				for _, dp := range m.GetSum().GetDataPoints() {
					dest := ""
					for _, kv := range dp.GetAttributes() {
						if kv.GetKey() == "destination" {
							dest = kv.GetValue().GetStringValue()
						}
					}
					if dest != d.Name() {
						t.Fatalf("%s: destination %q, want %q", m.GetName(), dest, d.Name())
					}
					last[m.GetName()] = dp.GetAsDouble()
				}
			}
		}
	}
	if exports < 2 {
		t.Errorf("%d exports, want one per interval and one at stop", exports)
	}
	for name, want := range map[string]float64{"conflog_ship_queued_lines_total": 40, "conflog_ship_refused_lines_total": 40, "conflog_ship_delivered_lines_total": 40} {
		if last[name] != want {
			t.Errorf("%s = %v at the last export, want %v (all: %v)", name, last[name], want, last)
		}
	}
}

// TestSlowDestinationNeitherSlowsNorGrows: with a destination that takes
// 200ms to answer each export, the writer (the gate) queues 48 MiB of
// public lines without waiting for it: every Write has returned while
// most lines are still undelivered, the heap grows by far less than the
// lines (they wait on disk, not in memory), and what was delivered
// arrived in order without loss.
func TestSlowDestinationNeitherSlowsNorGrows(t *testing.T) {
	r, d := startOTLP(t, "tok")
	hold := make(chan struct{})
	r.Hold = hold
	s, err := New(d, t.TempDir(), Options{Prefix: "SystemLog:"})
	if err != nil {
		t.Fatal(err)
	}
	const n, size = 240_000, 200
	pad := strings.Repeat("p", size-30)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	buf := make([]byte, 0, 64<<10)
	for i := range n {
		buf = fmt.Appendf(buf, "SystemLog: %08d %s\n", i, pad)
		if len(buf) > 60<<10 || i == n-1 {
			s.Write(buf)
			buf = buf[:0]
		}
	}
	delivered := s.confirmed.Load()
	runtime.GC()
	runtime.ReadMemStats(&after)
	growth := int64(after.HeapInuse) - int64(before.HeapInuse)
	t.Logf("queued %d lines (%d MiB); %d delivered when the last Write returned; heap grew %d KiB", n, n*size>>20, delivered, growth>>10)
	if delivered != 0 {
		t.Errorf("%d of %d lines confirmed by a destination that answers nothing: did Write wait for it?", delivered, n)
	}
	if growth > 16<<20 {
		t.Errorf("the heap grew by %d MiB while %d MiB of lines were queued", growth>>20, n*size>>20)
	}
	if lines, _ := s.q.Depth(); lines+uint64(delivered) < n || s.q.Dropped() != 0 {
		t.Errorf("queue holds %d, %d delivered, %d dropped, of %d", lines, delivered, s.q.Dropped(), n)
	}
	close(hold)
	s.Close(0)
	got := r.Distinct(t)
	for k, body := range got {
		_, seq, _ := strings.Cut(k, "/")
		i, _ := strconv.Atoi(seq)
		if want := fmt.Sprintf("SystemLog: %08d %s", i-1, pad); body != want {
			t.Fatalf("%s: %.30q, want %.30q", k, body, want)
		}
	}
}
