package ship

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/conflog/conflog/internal/rsyslogtest"
)

// collector is a real OpenTelemetry Collector (otelcol/, built once by
// otelcol/build.sh and cached) receiving OTLP/HTTP with mutual TLS and
// writing what it receives with the file exporter.
type collector struct {
	t    testing.TB
	bin  string
	conf string
	addr string
	out  string
	cmd  *exec.Cmd
}

func startCollector(t testing.TB, p *rsyslogtest.PKI) *collector {
	t.Helper()
	build := exec.Command("bash", "../otelcol/build.sh")
	build.Stderr = os.Stderr
	bin, err := build.Output()
	if err != nil {
		t.Fatalf("otelcol/build.sh: %v", err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	dir := t.TempDir()
	c := &collector{t: t, bin: strings.TrimSpace(string(bin)), conf: filepath.Join(dir, "config.yaml"), addr: addr, out: filepath.Join(dir, "logs.json")}
	conf := fmt.Sprintf(`receivers:
  otlp:
    protocols:
      http:
        endpoint: %q
        tls:
          cert_file: %q
          key_file: %q
          client_ca_file: %q
          min_version: "1.2"
exporters:
  file:
    path: %q
    flush_interval: 10ms
service:
  telemetry:
    metrics:
      level: none
  pipelines:
    logs:
      receivers: [otlp]
      exporters: [file]
`, addr, p.ServerCert, p.ServerKey, p.CA.File, c.out)
	if err := os.WriteFile(c.conf, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	c.start()
	t.Cleanup(c.stop)
	return c
}

func (c *collector) start() {
	c.t.Helper()
	c.cmd = exec.Command(c.bin, "--config", c.conf)
	var log bytes.Buffer
	c.cmd.Stdout, c.cmd.Stderr = &log, &log
	if err := c.cmd.Start(); err != nil {
		c.t.Fatal(err)
	}
	for range 400 {
		if conn, err := net.Dial("tcp", c.addr); err == nil {
			conn.Close()
			return
		}
		time.Sleep(25 * time.Millisecond)
	}
	c.t.Fatalf("the Collector did not listen on %s:\n%s", c.addr, log.String())
}

// stop ends the Collector with SIGTERM: it flushes what it acknowledged.
func (c *collector) stop() {
	if c.cmd == nil {
		return
	}
	c.cmd.Process.Signal(syscall.SIGTERM)
	c.cmd.Wait()
	c.cmd = nil
}

// otlpLine is one log record as the file exporter writes it.
type otlpLine struct {
	body, severity, service string
	seq                     uint64
}

// received returns the Collector's records by seq (de-duplicated) and the
// number of copies.
func (c *collector) received(t testing.TB) (map[uint64]otlpLine, int) {
	t.Helper()
	b, err := os.ReadFile(c.out)
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	type kv struct {
		Key   string `json:"key"`
		Value struct {
			String string `json:"stringValue"`
			Int    string `json:"intValue"`
		} `json:"value"`
	}
	var req struct {
		ResourceLogs []struct {
			Resource struct {
				Attributes []kv `json:"attributes"`
			} `json:"resource"`
			ScopeLogs []struct {
				LogRecords []struct {
					SeverityText string `json:"severityText"`
					Body         struct {
						String string `json:"stringValue"`
					} `json:"body"`
					Attributes []kv `json:"attributes"`
				} `json:"logRecords"`
			} `json:"scopeLogs"`
		} `json:"resourceLogs"`
	}
	got := map[uint64]otlpLine{}
	copies := 0
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(nil, 64<<20)
	for sc.Scan() {
		if err := json.Unmarshal(sc.Bytes(), &req); err != nil {
			t.Fatalf("the Collector's file: %v", err)
		}
		for _, rl := range req.ResourceLogs {
			service := ""
			for _, a := range rl.Resource.Attributes {
				if a.Key == "service.name" {
					service = a.Value.String
				}
			}
			for _, sl := range rl.ScopeLogs {
				for _, r := range sl.LogRecords {
					l := otlpLine{body: r.Body.String, severity: r.SeverityText, service: service}
					for _, a := range r.Attributes {
						if a.Key == "conflog.seq" {
							l.seq, _ = strconv.ParseUint(a.Value.Int, 10, 64)
						}
					}
					got[l.seq] = l
					copies++
				}
			}
		}
	}
	return got, copies
}

func (c *collector) url(p *rsyslogtest.PKI) string {
	return "otlp+https://" + c.addr + "?ca=" + p.CA.File + "&cert=" + p.ClientCert + "&key=" + p.ClientKey
}

// TestCollectorReceivesEveryLineOnceAcrossARestart: the Collector is
// stopped in the middle of a job and started again; every public line
// arrives, once after de-duplication on seq, with its severity and the
// job as service.name; no private line.
func TestCollectorReceivesEveryLineOnceAcrossARestart(t *testing.T) {
	p := rsyslogtest.NewPKI(t)
	c := startCollector(t, p)
	d, err := ParseDestination(c.url(p))
	if err != nil {
		t.Fatal(err)
	}
	s, err := New(d, t.TempDir(), Options{Prefix: "SystemLog:", Job: "train"})
	if err != nil {
		t.Fatal(err)
	}
	const n = 2000
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := range n {
			lvl := "INFO"
			if i%10 == 0 {
				lvl = "WARN"
			}
			fmt.Fprintf(s, "SystemLog: level=%s step=%d\nPRIVATE %d\n", lvl, i, i)
			time.Sleep(time.Millisecond)
		}
	}()
	time.Sleep(700 * time.Millisecond)
	c.stop()
	time.Sleep(500 * time.Millisecond)
	c.start()
	<-done
	if err := s.Close(30 * time.Second); err != nil {
		t.Fatal(err)
	}
	c.stop() // flush
	got, copies := c.received(t)
	for i := range n {
		l := got[uint64(i+1)]
		lvl := "INFO"
		if i%10 == 0 {
			lvl = "WARN"
		}
		if want := fmt.Sprintf("SystemLog: level=%s step=%d", lvl, i); l.body != want || l.severity != lvl || l.service != "train" {
			t.Fatalf("seq %d: got %+v, want body %q severity %s service train", i+1, l, want, lvl)
		}
	}
	if len(got) != n {
		t.Errorf("%d distinct records, want %d", len(got), n)
	}
	if b, _ := os.ReadFile(c.out); bytes.Contains(b, []byte("PRIVATE")) {
		t.Fatal("a private line reached the Collector")
	}
	if s.retries.Load()+s.errors.Load() == 0 {
		t.Errorf("no delivery error although the Collector restarted")
	}
	t.Logf("%d lines, %d copies arrived, %d errors", n, copies, s.errors.Load())
}

// TestCollectorRefusesAClientWithoutCertificate: mutual TLS is enforced.
func TestCollectorRefusesAClientWithoutCertificate(t *testing.T) {
	p := rsyslogtest.NewPKI(t)
	c := startCollector(t, p)
	d, err := ParseDestination("otlp+https://" + c.addr + "?ca=" + p.CA.File)
	if err != nil {
		t.Fatal(err)
	}
	s, err := New(d, t.TempDir(), Options{Prefix: "SystemLog:"})
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(s, "SystemLog: hello\n")
	if err := s.Close(time.Second); err == nil || !strings.Contains(err.Error(), "1 line(s) not yet delivered") {
		t.Errorf("Close: %v", err)
	}
	c.stop()
	if got, _ := c.received(t); len(got) != 0 {
		t.Errorf("the Collector received %d records from a client without a certificate", len(got))
	}
}
