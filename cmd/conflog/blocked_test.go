//go:build unix

package main

import (
	"bytes"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/conflog/conflog/internal/rsyslogtest"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// filesHolding returns the files under root whose bytes hold any of values.
func filesHolding(t testing.TB, root string, values ...string) []string {
	t.Helper()
	var hits []string
	filepath.WalkDir(root, func(path string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return nil
		}
		b, _ := os.ReadFile(path)
		for _, v := range values {
			if bytes.Contains(b, []byte(v)) {
				hits = append(hits, path+" holds "+v)
			}
		}
		return nil
	})
	return hits
}

// TestBlockedValueGoesNowhere: a job publishes an email on stdout and an
// AWS key on stderr. The tripwire blocks both; the metrics page counts
// them by detector and stream; the queue (rsyslog being down) holds their
// notices as events; once delivered, rsyslog has a [blocked@32473 …]
// element for each. The two values are in none of them.
func TestBlockedValueGoesNowhere(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("starts rsyslog and follows a blocked line to it: seconds; go test without -short runs it")
	}
	p := rsyslogtest.NewPKI(t)
	r := rsyslogtest.Start(t, p)
	r.Stop()
	dir := t.TempDir()
	root := filepath.Join(dir, "queue")
	metrics := freePort(t)
	done := filepath.Join(dir, "done")
	const email, key = "alice.blocked@example.com", "AKIAZ2X7QJ4MRT5NV6WB"
	job := `echo "SystemLog: step 1"
echo "SystemLog: contact ` + email + `"
echo "SystemLog: key=` + key + `" >&2
echo "PRIVATE row"
while [ ! -e ` + done + ` ]; do sleep 0.05; done`
	// A conflog process of its own (not conflogMain in this one, whose
	// reaper would wait for other tests' children), so the test can be
	// parallel.
	cmd := exec.Command("conflog", "run", "--prefix", "SystemLog:", "--metrics", metrics, "--ship", r.URL(p, p.ClientCert, p.ClientKey),
		"--queue", root, "--ship-wait", "100ms", "--job", "train", "--", "sh", "-c", job)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	startConflog(t, cmd)
	exit := make(chan struct{})
	go func() { cmd.Wait(); close(exit) }()
	// Until the page counts both, with no limit of its own: a count that
	// never comes is the test's -timeout to report.
	var page []byte
	for {
		if resp, err := http.Get("http://" + metrics + "/metrics"); err == nil {
			page, _ = io.ReadAll(resp.Body)
			resp.Body.Close()
		}
		if bytes.Contains(page, []byte(`conflog_gate_blocked_lines_total{detector="aws-key",stream="stderr"} 1`)) &&
			bytes.Contains(page, []byte(`conflog_gate_blocked_lines_total{detector="email",stream="stdout"} 1`)) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if bytes.Contains(page, []byte(email)) || bytes.Contains(page, []byte(key)) {
		t.Fatalf("a blocked value is on the metrics page:\n%s", page)
	}
	os.WriteFile(done, nil, 0o600)
	<-exit
	if strings.Contains(stdout.String()+stderr.String(), email) || strings.Contains(stdout.String()+stderr.String(), key) {
		t.Fatal("a blocked value got out of the gate")
	}
	// rsyslog is down: the notices wait in the queue, the values do not.
	if hits := filesHolding(t, root, email, key, "PRIVATE"); len(hits) > 0 {
		t.Fatalf("the queue holds what it must not: %v", hits)
	}
	if hits := filesHolding(t, root, ",conflog.blocked SystemLog: level=WARN event=conflog.blocked detector=email column=20 stream=stdout job=train "); len(hits) != 1 {
		out, _ := exec.Command("sh", "-c", "cat "+root+"/*/*.seg").Output()
		t.Fatalf("the queue holds no event for the blocked email:\n%s", out)
	}
	r.Start()
	if code, _, e := conflogIn("", "ship", "--resume", root); code != exitOK {
		t.Fatalf("ship --resume: exit %d: %s", code, e)
	}
	r.WaitReceived(t, 6) // step 1, two notices, two events, the summary
	out, _ := os.ReadFile(r.Out)
	for _, want := range []string{
		`[blocked@32473 detector="email" column="20" stream="stdout" job="train"] SystemLog: level=WARN event=conflog.blocked detector=email`,
		`[blocked@32473 detector="aws-key" column="16" stream="stderr" job="train"] SystemLog: level=WARN`,
	} {
		if !bytes.Contains(out, []byte(want)) {
			t.Errorf("rsyslog did not receive %s; it has:\n%s", want, out)
		}
	}
	if hits := filesHolding(t, filepath.Dir(r.Out), email, key, "PRIVATE"); len(hits) > 0 {
		t.Fatalf("rsyslog received what it must not: %v", hits)
	}
}

// FuzzBlocked: whatever surrounds a secret in a public line, if the
// tripwire blocks the line, the secret is in neither the shipping queue
// (notice, event, anything) nor the metrics page.
func FuzzBlocked(f *testing.F) {
	secrets := []string{"alice.fuzz@example.com", "AKIAZ2X7QJ4MRT5NV6WB", "4111 1111 1111 1111", "ghp_0123456789abcdefABCDEF0123456789abcd"}
	f.Add(uint8(0), "contact ", " now")
	f.Add(uint8(1), "key=", "")
	f.Add(uint8(2), "card: ", " exp 12/29")
	f.Add(uint8(3), `{"token":"`, `"}`)
	f.Add(uint8(0), "\x1b[31m", "\r")
	ca := rsyslogtest.NewCA(f, f.TempDir(), "ca")
	url := "syslog+tls://127.0.0.1:1?ca=" + ca.File
	f.Fuzz(func(t *testing.T, which uint8, before, after string) {
		secret := secrets[int(which)%len(secrets)]
		if strings.ContainsAny(before+after, "\n") || strings.Contains(before+after, secret) {
			t.Skip() // one line, the secret only where the test puts it
		}
		c := &cli{stdin: strings.NewReader(""), stdout: io.Discard, stderr: io.Discard}
		sf := shipFlags{verb: "run", urls: []string{url}, queue: t.TempDir(), full: "drop", queueSize: 1 << 20}
		d := detectFlags{mode: "block"}
		if !sf.check(c) || !d.check(c) {
			t.Fatal("flags")
		}
		s, ok := sf.start(c, "SystemLog:", "job")
		if !ok {
			t.Fatal("start")
		}
		s.gate = newGateMetrics()
		d.onBlock = s.block
		var blocked atomic.Int64
		tw := d.wrap(s.out, "SystemLog:", "stdout", nil, &blocked, c.warningf)
		tw.Write([]byte("SystemLog: " + before + secret + after + "\n"))
		rec := httptest.NewRecorder()
		s.reg = newRegistry(s)
		promhttp.HandlerFor(s.reg, promhttp.HandlerOpts{}).ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
		s.close(c, 0)
		if blocked.Load() == 0 {
			return // not found in this context: the line is public, as written
		}
		if !strings.Contains(rec.Body.String(), "conflog_gate_blocked_lines_total{") {
			t.Fatalf("blocked, but not on the metrics page:\n%s", rec.Body.String())
		}
		if strings.Contains(rec.Body.String(), secret) {
			t.Fatalf("the secret is on the metrics page")
		}
		if hits := filesHolding(t, sf.queue, secret); len(hits) > 0 {
			t.Fatalf("the secret is in the queue: %v", hits)
		}
		if hits := filesHolding(t, sf.queue, ",conflog.blocked SystemLog: level=WARN"); len(hits) != 1 {
			t.Fatalf("the queue holds no blocked event")
		}
	})
}
