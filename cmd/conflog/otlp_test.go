//go:build unix

package main

import (
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/conflog/conflog/internal/otlptest"
	"github.com/conflog/conflog/internal/rsyslogtest"
)

// TestRunShipsOTLPLogsAndMetrics: conflog run --ship otlp+https://… sends
// the job's public lines as OTLP logs and the gate's counters (the ones
// --metrics serves) as OTLP metrics, over mutual TLS with a bearer token;
// nothing private, and not the blocked value, in either.
func TestRunShipsOTLPLogsAndMetrics(t *testing.T) {
	// Not parallel: it runs the gate in this process, whose reaper
	// (PR_SET_CHILD_SUBREAPER, wait4(-1)) would reap other tests' children.
	p := rsyslogtest.NewPKI(t)
	r := otlptest.Start(t, p.CA.File, p.ServerCert, p.ServerKey, "tok")
	tok := filepath.Join(t.TempDir(), "token")
	os.WriteFile(tok, []byte("tok"), 0o600)
	u := "otlp+https://" + r.Addr() + "?" + url.Values{"ca": {p.CA.File}, "cert": {p.ClientCert}, "key": {p.ClientKey}, "bearer_file": {tok}}.Encode()
	job := `i=0; while [ $i -lt 50 ]; do echo "SystemLog: step $i"; echo "PRIVATE $i"; i=$((i+1)); done; echo "SystemLog: mail bob.otlp@example.org"`
	code, _, stderr := conflogIn("", "run", "--prefix", "SystemLog:", "--ship", u, "--queue", t.TempDir(), "--", "sh", "-c", job)
	if code != 0 {
		t.Fatalf("run exited %d: %s", code, stderr)
	}
	got := r.Distinct(t)
	if len(got) != 53 { // 50 steps, the notice, its event, the summary
		t.Errorf("%d distinct records, want 53", len(got))
	}
	events := 0
	for _, l := range r.Logs() {
		body := l.Record.GetBody().GetStringValue()
		if strings.Contains(body, "PRIVATE") || strings.Contains(body, "bob.otlp") || !strings.HasPrefix(body, "SystemLog: ") {
			t.Fatalf("record %q arrived", body)
		}
		if l.Record.GetEventName() == "conflog.blocked" {
			events++
		}
	}
	if events != 1 {
		t.Errorf("%d conflog.blocked events, want 1", events)
	}
	// The last export holds the final counts.
	ms := r.Metrics()
	if len(ms) == 0 {
		t.Fatal("no OTLP metrics arrived")
	}
	want := map[string]bool{
		"conflog_gate_lines_total stream=stdout verdict=passed 51":        false,
		"conflog_gate_lines_total stream=stdout verdict=private 50":       false,
		"conflog_gate_blocked_lines_total detector=email stream=stdout 1": false,
	}
	for _, sm := range ms[len(ms)-1].GetScopeMetrics() {
		for _, m := range sm.GetMetrics() {
			for _, dp := range m.GetSum().GetDataPoints() {
				s := m.GetName()
				for _, kv := range dp.GetAttributes() {
					s += " " + kv.GetKey() + "=" + kv.GetValue().GetStringValue()
				}
				s += " " + strconv.FormatFloat(dp.GetAsDouble(), 'f', -1, 64)
				if _, ok := want[s]; ok {
					want[s] = true
				}
				if strings.Contains(s, "bob.otlp") {
					t.Fatalf("the blocked value is in a metric: %s", s)
				}
			}
		}
	}
	for s, seen := range want {
		if !seen {
			t.Errorf("no %s in the last OTLP metrics export", s)
		}
	}
}
