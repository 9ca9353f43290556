//go:build unix

package otlptest

import (
	"bufio"
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	collogs "go.opentelemetry.io/proto/otlp/collector/logs/v1"
	"google.golang.org/protobuf/encoding/protojson"
)

// CollectorBinary returns a real OpenTelemetry Collector: $CONFLOG_OTELCOL
// (.ci/run builds conflog's distribution and exports it), else the one
// script (otelcol/distribution/build.sh) builds, cached after the first build.
// Under -short without $CONFLOG_OTELCOL it skips; under CI=true it fails
// when it cannot have one.
func CollectorBinary(t testing.TB, script string) string {
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
	script, err := filepath.Abs(script)
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

// A Collector is a real Collector process: the otlp receiver over HTTPS
// (Addr) and over gRPC (GRPCAddr), both with TLS 1.2+ and requiring a client certificate from the test's CA, and the file
// exporter, writing OTLP JSON to a file of its own at each start. One
// started by StartCollectorToken also requires a bearer token.
//
// The file exporter writes each export to its file (write(2), the page
// cache) before the receiver answers it: its "rotation" setting makes it
// write through, where without one it fills a buffer in memory and flushes
// it every flush_interval. So what the Collector acknowledged survives a
// SIGKILL of it ([Collector.Kill]), and a test of the shipper can count on
// it.
type Collector struct {
	t       testing.TB
	bin     string
	dir     string
	addr    string
	grpc    string
	ca      string
	cert    string
	key     string
	token   string // the bearer token file, or ""
	cmd     *exec.Cmd
	exited  chan struct{} // closed when cmd has exited
	starts  int
	outputs []string
}

// StartCollector starts bin on a free port of 127.0.0.1 with the server
// certificate and key, requiring client certificates signed by caFile.
// The test's cleanup stops it.
func StartCollector(t testing.TB, bin, caFile, certFile, keyFile string) *Collector {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	g, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	c := &Collector{t: t, bin: bin, dir: t.TempDir(), addr: l.Addr().String(), grpc: g.Addr().String(), ca: caFile, cert: certFile, key: keyFile}
	l.Close()
	g.Close()
	c.Start()
	t.Cleanup(c.Stop)
	return c
}

// StartCollectorToken starts a Collector as StartCollector does whose otlp
// receiver, over HTTP and gRPC, also requires "Authorization: Bearer
// token": contrib's bearertokenauth extension, in conflog's distribution.
// A request without it, or with another token, is refused (HTTP 401, gRPC
// Unauthenticated) and nothing of it is exported.
func StartCollectorToken(t testing.TB, bin, caFile, certFile, keyFile, token string) *Collector {
	c := &Collector{t: t, bin: bin, dir: t.TempDir(), ca: caFile, cert: certFile, key: keyFile}
	c.token = filepath.Join(c.dir, "token")
	if err := os.WriteFile(c.token, []byte(token), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, a := range []*string{&c.addr, &c.grpc} {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		*a = l.Addr().String()
		l.Close()
	}
	c.Start()
	t.Cleanup(c.Stop)
	return c
}

// Addr is HOST:PORT of the OTLP/HTTP receiver.
func (c *Collector) Addr() string { return c.addr }

// GRPCAddr is HOST:PORT of the OTLP/gRPC receiver.
func (c *Collector) GRPCAddr() string { return c.grpc }

// Starts counts the Collector's starts.
func (c *Collector) Starts() int { return c.starts }

// Start starts the Collector (again) on its address.
func (c *Collector) Start() {
	c.t.Helper()
	c.starts++
	out := filepath.Join(c.dir, fmt.Sprintf("out-%d.json", c.starts))
	c.outputs = append(c.outputs, out)
	conf := filepath.Join(c.dir, fmt.Sprintf("config-%d.yaml", c.starts))
	// With a token, the extension and each protocol's auth; without, the
	// two lines are empty and the configuration is as before.
	ext, auth, svcExt := "", "", ""
	if c.token != "" {
		ext = fmt.Sprintf("extensions:\n  bearertokenauth:\n    filename: %q\n", c.token)
		auth = "        auth:\n          authenticator: bearertokenauth\n"
		svcExt = "  extensions: [bearertokenauth]\n"
	}
	yaml := fmt.Sprintf(`%[7]sreceivers:
  otlp:
    protocols:
      grpc:
        endpoint: %[1]q
        tls:
          cert_file: %[3]q
          key_file: %[4]q
          client_ca_file: %[5]q
          min_version: "1.2"
%[8]s      http:
        endpoint: %[2]q
        tls:
          cert_file: %[3]q
          key_file: %[4]q
          client_ca_file: %[5]q
          min_version: "1.2"
%[8]sexporters:
  file:
    path: %[6]q
    format: json
    rotation:
      max_megabytes: 4096
service:
%[9]s  telemetry:
    metrics:
      level: none
  pipelines:
    logs:
      receivers: [otlp]
      exporters: [file]
`, c.grpc, c.addr, c.cert, c.key, c.ca, out, ext, auth, svcExt)
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
	exited := make(chan struct{})
	c.exited = exited
	go func(cmd *exec.Cmd) { cmd.Wait(); close(exited) }(c.cmd)
	// Until it listens or exits, with no limit of its own: a loaded 2-core
	// machine is slow to start a Collector, and a hang is the test's
	// -timeout to report (as rsyslogtest waits for rsyslogd).
	for _, addr := range []string{c.addr, c.grpc} {
		for {
			if conn, err := net.Dial("tcp", addr); err == nil {
				conn.Close()
				break
			}
			select {
			case <-exited:
				b, _ := os.ReadFile(filepath.Join(c.dir, "collector.log"))
				c.t.Fatalf("the Collector exited before it listened on %s (%v):\n%s", addr, c.cmd.ProcessState, b)
			case <-time.After(50 * time.Millisecond):
			}
		}
	}
}

// Kill ends the Collector with SIGKILL, as the OOM killer or a node's
// loss does: no shutdown, exports in flight cut off unanswered.
func (c *Collector) Kill() {
	if c.cmd == nil {
		return
	}
	c.cmd.Process.Kill()
	<-c.exited
	c.cmd = nil
}

// Stop ends the Collector as a restart or a node drain does: SIGTERM, and
// SIGKILL if it has not exited within 30 s.
func (c *Collector) Stop() {
	if c.cmd == nil {
		return
	}
	c.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-c.exited:
	case <-time.After(30 * time.Second): // not a verdict: a stuck Collector is killed
		c.cmd.Process.Kill()
		<-c.exited
	}
	c.cmd = nil
}

// Received returns every record the file exporter wrote, in every output,
// decoded with the OTLP protobuf types' JSON mapping: (queue/seq → body),
// and the copies counted.
func (c *Collector) Received() (got map[string]string, copies int, resources []map[string]string) {
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

// WaitFor waits until the Collector has exported at least n distinct
// lines, with no limit of its own: lines that never arrive are the test's
// -timeout to report, not a clock's guess of how slow the machine may be.
func (c *Collector) WaitFor(n int) map[string]string {
	c.t.Helper()
	for {
		if got, _, _ := c.Received(); len(got) >= n {
			return got
		}
		time.Sleep(50 * time.Millisecond)
	}
}
