//go:build unix

package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/conflog/conflog/internal/rsyslogtest"
)

// TestAlertRules runs the alert rules' own tests with the real promtool
// (Debian's prometheus package, installed by .ci/run).
func TestAlertRules(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("promtool"); err != nil {
		t.Fatal("promtool not found: install Debian's prometheus package (.ci/run does)")
	}
	out, err := exec.Command("promtool", "test", "rules", "../../deploy/alerts_test.yml").CombinedOutput()
	if err != nil {
		t.Fatalf("promtool test rules: %v\n%s", err, out)
	}
}

func freePort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// promQuery returns the value of a PromQL query with one result, or "".
func promQuery(prom, q string) string {
	resp, err := http.Get("http://" + prom + "/api/v1/query?query=" + url.QueryEscape(q))
	if err != nil {
		return ""
	}
	defer resp.Body.Close()
	var r struct {
		Data struct {
			Result []struct {
				Value [2]any `json:"value"`
			} `json:"result"`
		} `json:"data"`
	}
	if json.NewDecoder(resp.Body).Decode(&r) != nil || len(r.Data.Result) != 1 {
		return ""
	}
	v, _ := r.Data.Result[0].Value[1].(string)
	return v
}

// TestPrometheusScrapesARunningGate: a real Prometheus scrapes conflog run
// --metrics while the job runs, and sees the gate's counts, the blocked
// line's detector, and the shipping queue.
func TestPrometheusScrapesARunningGate(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("starts a Prometheus server and waits for its scrapes: tens of seconds")
	}
	if _, err := exec.LookPath("prometheus"); err != nil {
		t.Fatal("prometheus not found: install Debian's prometheus package (.ci/run does)")
	}
	p := rsyslogtest.NewPKI(t)
	r := rsyslogtest.Start(t, p)
	dir := t.TempDir()
	metrics, prom := freePort(t), freePort(t)
	conf := fmt.Sprintf("global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: conflog\n    static_configs:\n      - targets: [%q]\n", metrics)
	os.WriteFile(filepath.Join(dir, "prometheus.yml"), []byte(conf), 0o600)
	pc := exec.Command("prometheus", "--config.file="+filepath.Join(dir, "prometheus.yml"),
		"--storage.tsdb.path="+filepath.Join(dir, "data"), "--web.listen-address="+prom)
	var plog bytes.Buffer
	pc.Stdout, pc.Stderr = &plog, &plog
	if err := pc.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		pc.Process.Kill()
		pc.Wait()
		if t.Failed() {
			t.Logf("prometheus:\n%s", plog.String())
		}
	}()

	done := filepath.Join(dir, "done")
	job := `i=0; while [ $i -lt 100 ]; do echo "SystemLog: step $i"; echo "PRIVATE $i"; i=$((i+1)); done
echo "SystemLog: contact alice@example.com"
while [ ! -e ` + done + ` ]; do sleep 0.1; done`
	// A conflog process of its own (not conflogMain in this one, whose
	// reaper would wait for other tests' children), so the test can be
	// parallel.
	cmd := exec.Command("conflog", "run", "--prefix", "SystemLog:", "--metrics", metrics, "--ship", r.URL(p, p.ClientCert, p.ClientKey),
		"--queue", filepath.Join(dir, "queue"), "--", "sh", "-c", job)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	startConflog(t, cmd)
	exit := make(chan int)
	go func() { cmd.Wait(); exit <- cmd.ProcessState.ExitCode() }()
	want := map[string]string{
		// The blocked line passed the prefix rule, then the tripwire withheld it.
		`conflog_gate_lines_total{stream="stdout",verdict="passed"}`:         "101",
		`conflog_gate_lines_total{stream="stdout",verdict="private"}`:        "100",
		`conflog_gate_blocked_lines_total{detector="email",stream="stdout"}`: "1",
		`conflog_ship_queued_lines_total`:                                    "102", // 100, the notice and its event
		`conflog_ship_refused_lines_total`:                                   "0",
	}
	// Until Prometheus has scraped each figure, with no limit of its own: a
	// figure that never comes is the test's -timeout to report.
	for q, v := range want {
		for promQuery(prom, q) != v {
			time.Sleep(200 * time.Millisecond)
		}
	}
	os.WriteFile(done, nil, 0o600)
	if code := <-exit; code != 0 {
		t.Fatalf("run exited %d: %s", code, stderr.String())
	}
	// The blocked line's notice reached the central log, its value did not.
	got := r.WaitReceived(t, 102) // as queued: the 100 steps, the notice and its event
	notice := false
	for _, l := range got {
		if strings.Contains(l, "alice@") {
			t.Fatalf("the blocked value reached rsyslog: %q", l)
		}
		notice = notice || strings.Contains(l, "blocked a public line: email")
	}
	if !notice {
		t.Errorf("no blocked-line notice among the %d lines rsyslog received", len(got))
	}
	if b, _ := os.ReadFile(r.Out); !bytes.Contains(b, []byte(`[blocked@32473 detector="email" column="`)) || !bytes.Contains(b, []byte(`stream="stdout" job="sh"]`)) {
		t.Errorf("no [blocked@32473 …] element for the email in rsyslog's output:\n%s", b)
	}
}
