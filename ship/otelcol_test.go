//go:build unix

package ship

import (
	"bufio"
	"bytes"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/conflog/conflog/internal/rsyslogtest"
	collogs "go.opentelemetry.io/proto/otlp/collector/logs/v1"
	"google.golang.org/protobuf/encoding/protojson"
)

// otelcolBinary returns a real OpenTelemetry Collector: $CONFLOG_OTELCOL
// (.ci/run builds conflog's distribution and exports it), else the one
// ../otelcol/distribution/build.sh builds (cached after the first build).
// Under -short without $CONFLOG_OTELCOL it skips; under CI=true it fails
// when it cannot have one.
func otelcolBinary(t *testing.T) string {
	t.Helper()
	fail := t.Skipf
	if os.Getenv("CI") == "true" {
		fail = t.Fatalf
	}
	if bin := os.Getenv("CONFLOG_OTELCOL"); bin != "" {
		if _, err := os.Stat(bin); err != nil {
			t.Fatalf("$CONFLOG_OTELCOL: %v", err)
		}
		return bin
	}
	if testing.Short() {
		fail("-short, and no $CONFLOG_OTELCOL: building the Collector takes minutes")
	}
	script, err := filepath.Abs("../otelcol/distribution/build.sh")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(script); err != nil {
		fail("no $CONFLOG_OTELCOL and no Collector build script: %v", err)
	}
	var stderr bytes.Buffer
	cmd := exec.Command(script)
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		fail("%s: %v\n%s", script, err, stderr.Bytes())
	}
	return strings.TrimSpace(string(out))
}

// collector is a real Collector process: the otlp receiver over HTTPS,
// requiring a client certificate from the test's CA, and the file
// exporter, writing OTLP JSON to a file of its own at each start.
type collector struct {
	t       *testing.T
	bin     string
	dir     string
	addr    string
	p       *rsyslogtest.PKI
	cmd     *exec.Cmd
	starts  int
	outputs []string
}

func startCollector(t *testing.T, p *rsyslogtest.PKI) *collector {
	bin := otelcolBinary(t)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	c := &collector{t: t, bin: bin, dir: t.TempDir(), addr: l.Addr().String(), p: p}
	l.Close()
	c.start()
	t.Cleanup(c.stop)
	return c
}

func (c *collector) start() {
	c.t.Helper()
	c.starts++
	out := filepath.Join(c.dir, fmt.Sprintf("out-%d.json", c.starts))
	c.outputs = append(c.outputs, out)
	conf := filepath.Join(c.dir, fmt.Sprintf("config-%d.yaml", c.starts))
	yaml := fmt.Sprintf(`receivers:
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
    format: json
    flush_interval: 50ms
service:
  telemetry:
    metrics:
      level: none
  pipelines:
    logs:
      receivers: [otlp]
      exporters: [file]
`, c.addr, c.p.ServerCert, c.p.ServerKey, c.p.CA.File, out)
	if err := os.WriteFile(conf, []byte(yaml), 0o600); err != nil {
		c.t.Fatal(err)
	}
	log, err := os.OpenFile(filepath.Join(c.dir, "collector.log"), os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		c.t.Fatal(err)
	}
	defer log.Close()
	c.cmd = exec.Command(c.bin, "--config", conf)
	c.cmd.Stdout, c.cmd.Stderr = log, log
	if err := c.cmd.Start(); err != nil {
		c.t.Fatal(err)
	}
	// Generous: a loaded 2-core machine is slow to start a Collector.
	for end := time.Now().Add(2 * time.Minute); time.Now().Before(end); time.Sleep(50 * time.Millisecond) {
		if conn, err := net.Dial("tcp", c.addr); err == nil {
			conn.Close()
			return
		}
	}
	b, _ := os.ReadFile(filepath.Join(c.dir, "collector.log"))
	c.t.Fatalf("the Collector did not listen on %s:\n%s", c.addr, b)
}

// stop ends the Collector as a restart or a node drain does: SIGTERM, and
// SIGKILL if it has not exited within 30 s. (A SIGKILL would lose what the
// file exporter had acknowledged and not yet flushed: the Collector's loss,
// not the shipper's, which a test of the shipper cannot count on.)
func (c *collector) stop() {
	if c.cmd == nil {
		return
	}
	c.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { c.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		c.cmd.Process.Kill()
		<-done
	}
	c.cmd = nil
}

// received returns every record the file exporter wrote, in every output,
// decoded with the OTLP protobuf types' JSON mapping: (queue/seq → body),
// and the copies counted.
func (c *collector) received() (got map[string]string, copies int, resources []map[string]string) {
	c.t.Helper()
	got = map[string]string{}
	for _, out := range c.outputs {
		b, err := os.ReadFile(out)
		if os.IsNotExist(err) {
			continue
		}
		if err != nil {
			c.t.Fatal(err)
		}
		if i := bytes.LastIndexByte(b, '\n'); i >= 0 {
			b = b[:i+1] // the last line may be mid-write
		} else {
			continue
		}
		sc := bufio.NewScanner(bytes.NewReader(b))
		sc.Buffer(nil, 64<<20)
		for sc.Scan() {
			var req collogs.ExportLogsServiceRequest
			if err := protojson.Unmarshal(sc.Bytes(), &req); err != nil {
				c.t.Fatalf("%s: %v", out, err)
			}
			for _, rl := range req.GetResourceLogs() {
				res := map[string]string{}
				for _, kv := range rl.GetResource().GetAttributes() {
					res[kv.GetKey()] = kv.GetValue().GetStringValue()
				}
				resources = append(resources, res)
				for _, sl := range rl.GetScopeLogs() {
					for _, lr := range sl.GetLogRecords() {
						var q, seq string
						for _, kv := range lr.GetAttributes() {
							switch kv.GetKey() {
							case "conflog.queue":
								q = kv.GetValue().GetStringValue()
							case "conflog.seq":
								seq = fmt.Sprint(kv.GetValue().GetIntValue())
							}
						}
						body := lr.GetBody().GetStringValue()
						if q == "" || seq == "0" {
							c.t.Fatalf("a record without conflog.queue and conflog.seq: %q", body)
						}
						if old, ok := got[q+"/"+seq]; ok && old != body {
							c.t.Fatalf("%s/%s arrived as %q and as %q", q, seq, old, body)
						}
						got[q+"/"+seq] = body
						copies++
					}
				}
			}
		}
	}
	return got, copies, resources
}

// waitFor waits until the Collector has exported at least n distinct lines.
func (c *collector) waitFor(n int) map[string]string {
	c.t.Helper()
	var got map[string]string
	for end := time.Now().Add(2 * time.Minute); time.Now().Before(end); time.Sleep(50 * time.Millisecond) {
		if got, _, _ = c.received(); len(got) >= n {
			break
		}
	}
	return got
}

// syncBuffer is a bytes.Buffer that a command writes while the test reads.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// buildConflog builds the conflog command into dir.
func buildConflog(t *testing.T, dir string) string {
	t.Helper()
	bin := filepath.Join(dir, "conflog")
	out, err := exec.Command("go", "build", "-o", bin, "github.com/conflog/conflog/cmd/conflog").CombinedOutput()
	if err != nil {
		t.Fatalf("go build conflog: %v\n%s", err, out)
	}
	return bin
}

// TestCollectorReceivesAJobAcrossARestart: a job shipped with `conflog run
// --ship otlp+https://…` to a real OpenTelemetry Collector (conflog's
// builder distribution: the otlp receiver over mutual TLS, the file
// exporter), the Collector stopped in the middle of the job and started
// again while the job goes on. Every public line the job printed is
// counted at the receiver exactly once after de-duplication by
// (conflog.queue, conflog.seq), under a resource naming the job; no
// private line ever arrives; a client without a certificate delivers
// nothing.
func TestCollectorReceivesAJobAcrossARestart(t *testing.T) {
	t.Parallel()
	p := rsyslogtest.NewPKI(t)
	col := startCollector(t, p)
	work := t.TempDir()
	conflog := buildConflog(t, work)
	u := "otlp+https://" + col.addr + "?" + url.Values{"ca": {p.CA.File}, "cert": {p.ClientCert}, "key": {p.ClientKey}}.Encode()

	// The job prints in three parts, each after the test's go-ahead: before
	// the stop, while the Collector is down, after it is back.
	const per = 400
	job := fmt.Sprintf(`part() { i=0; while [ $i -lt %d ]; do echo "SystemLog: level=INFO part=$1 line=$i"; echo "PRIVATE customer $1.$i"; i=$((i+1)); done; }
part 1; while [ ! -e go2 ]; do sleep 0.05; done
part 2; while [ ! -e go3 ]; do sleep 0.05; done
part 3`, per)
	cmd := exec.Command(conflog, "run", "--prefix", "SystemLog:", "--ship", u, "--queue", filepath.Join(work, "queue"),
		"--ship-wait", "2m", "--job", "train", "--job-id", "otelcol-1", "--", "sh", "-c", job)
	cmd.Dir = work
	var stdout, stderr syncBuffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	if got := col.waitFor(per); len(got) < per {
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatalf("part 1: %d of %d lines reached the Collector\n%s", len(got), per, stderr.String())
	}
	col.stop()
	os.WriteFile(filepath.Join(work, "go2"), nil, 0o600)
	// Part 2 goes to a Collector that is down: the lines wait in the queue.
	for end := time.Now().Add(2 * time.Minute); time.Now().Before(end); time.Sleep(50 * time.Millisecond) {
		if strings.Count(stdout.String(), "part=2") >= per {
			break
		}
	}
	col.start()
	os.WriteFile(filepath.Join(work, "go3"), nil, 0o600)
	if err := cmd.Wait(); err != nil {
		t.Fatalf("conflog run: %v\n%s", err, stderr.String())
	}

	printed := map[string]bool{}
	for _, l := range strings.Split(strings.TrimSuffix(stdout.String(), "\n"), "\n") {
		printed[l] = true
	}
	got, copies, resources := col.received()
	arrived := map[string]bool{}
	for _, body := range got {
		if strings.Contains(body, "PRIVATE") || !strings.HasPrefix(body, "SystemLog:") {
			t.Fatalf("%q reached the Collector", body)
		}
		arrived[body] = true
	}
	want := 0
	for part := 1; part <= 3; part++ {
		for i := range per {
			l := fmt.Sprintf("SystemLog: level=INFO part=%d line=%d", part, i)
			if !printed[l] {
				t.Fatalf("%q was not printed by the gate", l)
			}
			if !arrived[l] {
				t.Fatalf("%q never reached the Collector (%d distinct did)", l, len(got))
			}
			want++
		}
	}
	// The job's lines, and the gate's summary line.
	if len(got) != want+1 {
		t.Errorf("%d distinct lines at the Collector, want %d and the summary", len(got), want)
	}
	for _, res := range resources {
		if res["service.name"] != "train" || res["service.instance.id"] != "otelcol-1" || res["host.name"] == "" {
			t.Fatalf("a resource %v, want service.name train, service.instance.id otelcol-1", res)
		}
	}
	t.Logf("%d distinct lines arrived, %d copies, over %d Collector starts", len(got), copies, col.starts)

	// No client certificate: the Collector's TLS refuses it, and the lines
	// stay queued.
	noCert := "otlp+https://" + col.addr + "?" + url.Values{"ca": {p.CA.File}}.Encode()
	run := exec.Command(conflog, "run", "--prefix", "SystemLog:", "--ship", noCert, "--queue", filepath.Join(work, "queue2"),
		"--ship-wait", "2s", "--", "echo", "SystemLog: without a certificate")
	// The exit code is the job's; its line and the summary stay queued.
	out, _ := run.CombinedOutput()
	if !strings.Contains(string(out), "2 line(s) not yet delivered") {
		t.Errorf("a client without a certificate: no line left queued\n%s", out)
	}
	after, _, _ := col.received()
	for _, body := range after {
		if strings.Contains(body, "without a certificate") {
			t.Fatal("a client without a certificate delivered a line")
		}
	}
}
