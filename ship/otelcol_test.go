//go:build unix

package ship

import (
	"bytes"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/conflog/conflog/internal/otlptest"
	"github.com/conflog/conflog/internal/rsyslogtest"
)

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
// exporter), the Collector ended in the middle of the job and started
// again while the job goes on: stopped in order (SIGTERM), or killed
// (SIGKILL: exports in flight cut off unanswered). Every public line the
// job printed is counted at the receiver exactly once after de-duplication
// by (conflog.queue, conflog.seq), under a resource naming the job; no
// private line ever arrives; a client without a certificate delivers
// nothing.
func TestCollectorReceivesAJobAcrossARestart(t *testing.T) {
	if testing.Short() {
		t.Skip("starts and restarts a real OpenTelemetry Collector: seconds; go test without -short runs it")
	}
	t.Parallel()
	bin := otlptest.CollectorBinary(t, "../otelcol/distribution/build.sh")
	work := t.TempDir()
	conflog := buildConflog(t, work)
	for _, end := range []string{"SIGTERM", "SIGKILL"} {
		t.Run(end, func(t *testing.T) {
			t.Parallel()
			collectorAcrossARestart(t, bin, conflog, end)
		})
	}
}

func collectorAcrossARestart(t *testing.T, bin, conflog, end string) {
	p := rsyslogtest.NewPKI(t)
	col := otlptest.StartCollector(t, bin, p.CA.File, p.ServerCert, p.ServerKey)
	work := t.TempDir()
	u := "otlp+https://" + col.Addr() + "?" + url.Values{"ca": {p.CA.File}, "cert": {p.ClientCert}, "key": {p.ClientKey}}.Encode()

	// The job prints in three parts, each after the test's go-ahead: before
	// the Collector ends, while it is down, after it is back. Part 1 comes
	// in paced, 10 lines every 20 ms, so that the Collector ends while
	// exports stream in: a SIGKILL cuts one off unanswered.
	const per = 400
	job := fmt.Sprintf(`part() { i=0; while [ $i -lt %d ]; do echo "SystemLog: level=INFO part=$1 line=$i"; echo "PRIVATE customer $1.$i"; i=$((i+1)); if [ $1 = 1 ] && [ $((i%%10)) = 0 ]; then sleep 0.02; fi; done; }
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
	col.WaitFor(per / 4) // part 1 is arriving
	if end == "SIGKILL" {
		col.Kill()
	} else {
		col.Stop()
	}
	for strings.Count(stdout.String(), "part=1") < per { // a hang is the test's -timeout to report
		time.Sleep(50 * time.Millisecond)
	}
	os.WriteFile(filepath.Join(work, "go2"), nil, 0o600)
	// Part 2 goes to a Collector that is down: the lines wait in the queue.
	for strings.Count(stdout.String(), "part=2") < per { // a hang is the test's -timeout to report
		time.Sleep(50 * time.Millisecond)
	}
	col.Start()
	os.WriteFile(filepath.Join(work, "go3"), nil, 0o600)
	if err := cmd.Wait(); err != nil {
		t.Fatalf("conflog run: %v\n%s", err, stderr.String())
	}
	if strings.Contains(stderr.String(), "not yet delivered") {
		t.Fatalf("lines left queued:\n%s", stderr.String())
	}

	printed := map[string]bool{}
	for _, l := range strings.Split(strings.TrimSuffix(stdout.String(), "\n"), "\n") {
		printed[l] = true
	}
	// The gate's --ship-wait ended once every line was confirmed, and the
	// file exporter wrote each export before the Collector confirmed it.
	got, copies, resources := col.Received()
	perBody := map[string]int{}
	for _, body := range got {
		if strings.Contains(body, "PRIVATE") || !strings.HasPrefix(body, "SystemLog:") {
			t.Fatalf("%q reached the Collector", body)
		}
		perBody[body]++
	}
	want := 0
	for part := 1; part <= 3; part++ {
		for i := range per {
			l := fmt.Sprintf("SystemLog: level=INFO part=%d line=%d", part, i)
			if !printed[l] {
				t.Fatalf("%q was not printed by the gate", l)
			}
			if perBody[l] != 1 {
				t.Fatalf("%q reached the Collector under %d (queue, seq) keys, want 1 (%d distinct did)", l, perBody[l], len(got))
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
	t.Logf("%s: %d distinct lines arrived, %d copies, over %d Collector starts", end, len(got), copies, col.Starts())
	if end == "SIGKILL" {
		return
	}

	// No client certificate: the Collector's TLS refuses it, and the lines
	// stay queued.
	noCert := "otlp+https://" + col.Addr() + "?" + url.Values{"ca": {p.CA.File}}.Encode()
	run := exec.Command(conflog, "run", "--prefix", "SystemLog:", "--ship", noCert, "--queue", filepath.Join(work, "queue2"),
		"--ship-wait", "2s", "--", "echo", "SystemLog: without a certificate")
	// The exit code is the job's; its line and the summary stay queued.
	out, _ := run.CombinedOutput()
	if !strings.Contains(string(out), "2 line(s) not yet delivered") {
		t.Errorf("a client without a certificate: no line left queued\n%s", out)
	}
	after, _, _ := col.Received()
	for _, body := range after {
		if strings.Contains(body, "without a certificate") {
			t.Fatal("a client without a certificate delivered a line")
		}
	}
}

// TestCollectorReceivesAJobOverGRPC: the same real Collector, its otlp
// receiver's gRPC endpoint (TLS 1.2+, client certificates required), and
// `conflog run --ship otlp+grpc://…`. Every public line the job printed
// arrives exactly once after de-duplication by (conflog.queue,
// conflog.seq), and under one key only; no private line arrives; the
// resource names the job; a client without a certificate delivers nothing.
func TestCollectorReceivesAJobOverGRPC(t *testing.T) {
	t.Parallel()
	p := rsyslogtest.NewPKI(t)
	col := otlptest.StartCollector(t, otlptest.CollectorBinary(t, "../otelcol/distribution/build.sh"), p.CA.File, p.ServerCert, p.ServerKey)
	work := t.TempDir()
	conflog := buildConflog(t, work)
	u := "otlp+grpc://" + col.GRPCAddr() + "?" + url.Values{"ca": {p.CA.File}, "cert": {p.ClientCert}, "key": {p.ClientKey}}.Encode()

	const per = 500
	job := fmt.Sprintf(`i=0; while [ $i -lt %d ]; do echo "SystemLog: level=WARN grpc line=$i"; echo "PRIVATE customer $i"; i=$((i+1)); done`, per)
	cmd := exec.Command(conflog, "run", "--prefix", "SystemLog:", "--ship", u, "--queue", filepath.Join(work, "queue"),
		"--ship-wait", "2m", "--job", "train", "--job-id", "grpc-1", "--", "sh", "-c", job)
	var stdout, stderr syncBuffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("conflog run: %v\n%s", err, stderr.String())
	}
	if strings.Contains(stderr.String(), "not yet delivered") {
		t.Fatalf("lines left queued:\n%s", stderr.String())
	}
	got := col.WaitFor(per + 1) // the job's lines and the gate's summary
	_, copies, resources := col.Received()
	perBody := map[string]int{}
	for _, body := range got {
		if strings.Contains(body, "PRIVATE") || !strings.HasPrefix(body, "SystemLog:") {
			t.Fatalf("%q reached the Collector", body)
		}
		perBody[body]++
	}
	printed := strings.Count(stdout.String(), "SystemLog: level=WARN grpc line=")
	if printed != per {
		t.Fatalf("the gate printed %d public lines, want %d", printed, per)
	}
	for i := range per {
		l := fmt.Sprintf("SystemLog: level=WARN grpc line=%d", i)
		if perBody[l] != 1 {
			t.Fatalf("%q arrived under %d (queue, seq) keys, want 1", l, perBody[l])
		}
	}
	if len(got) != per+1 {
		t.Errorf("%d distinct lines at the Collector, want %d and the summary", len(got), per)
	}
	if len(resources) == 0 {
		t.Fatal("no resource at the Collector")
	}
	for _, res := range resources {
		if res["service.name"] != "train" || res["service.instance.id"] != "grpc-1" || res["host.name"] == "" {
			t.Fatalf("a resource %v, want service.name train, service.instance.id grpc-1", res)
		}
	}
	t.Logf("%d distinct lines arrived over gRPC, %d copies", len(got), copies)

	// No client certificate: the gRPC receiver's TLS refuses it.
	noCert := "otlp+grpc://" + col.GRPCAddr() + "?" + url.Values{"ca": {p.CA.File}}.Encode()
	run := exec.Command(conflog, "run", "--prefix", "SystemLog:", "--ship", noCert, "--queue", filepath.Join(work, "queue2"),
		"--ship-wait", "2s", "--", "echo", "SystemLog: over gRPC without a certificate")
	out, _ := run.CombinedOutput()
	if !strings.Contains(string(out), "2 line(s) not yet delivered") {
		t.Errorf("a gRPC client without a certificate: no line left queued\n%s", out)
	}
	after, _, _ := col.Received()
	for _, body := range after {
		if strings.Contains(body, "without a certificate") {
			t.Fatal("a gRPC client without a certificate delivered a line")
		}
	}
}
