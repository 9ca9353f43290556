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

// TestMetricsCountTheChannel: the lines a Go job sends on the public
// channel (a parent and its child, under --strict) are counted apart from
// the prefixed ones, as conflog_gate_lines_total{stream="channel"}, and
// the logs and the metrics carry the job's name and --job-id.
func TestMetricsCountTheChannel(t *testing.T) {
	t.Parallel()
	p := rsyslogtest.NewPKI(t)
	r := otlptest.Start(t, p.CA.File, p.ServerCert, p.ServerKey, "tok")
	tok := filepath.Join(t.TempDir(), "token")
	os.WriteFile(tok, []byte("tok"), 0o600)
	u := "otlp+https://" + r.Addr() + "?" + url.Values{"ca": {p.CA.File}, "cert": {p.ClientCert}, "key": {p.ClientKey}, "bearer_file": {tok}}.Encode()
	_, stderr, code := gateRun(t, "run", "--strict", "--prefix", "SystemLog:", "--ship", u, "--queue", t.TempDir(),
		"--job", "train", "--job-id", "slurm-777", "--", "gojob", "spawn")
	if code != 0 {
		t.Fatalf("run exited %d: %s", code, stderr)
	}
	bodies := map[string]bool{}
	for _, l := range r.Logs() {
		bodies[l.Record.GetBody().GetStringValue()] = true
		if l.Resource["service.name"] != "train" || l.Resource["service.instance.id"] != "slurm-777" {
			t.Errorf("a record's resource %v, want service.name train, service.instance.id slurm-777", l.Resource)
		}
	}
	for _, from := range []string{"parent", "child"} {
		if !bodies["SystemLog:level=INFO msg=record from="+from] {
			t.Errorf("the channel's record from %s never arrived; arrived: %v", from, bodies)
		}
	}
	ms := r.Metrics()
	if len(ms) == 0 {
		t.Fatal("no OTLP metrics arrived")
	}
	last := ms[len(ms)-1]
	res := map[string]string{}
	for _, kv := range last.GetResource().GetAttributes() {
		res[kv.GetKey()] = kv.GetValue().GetStringValue()
	}
	if res["service.name"] != "train" || res["service.instance.id"] != "slurm-777" || res["host.name"] == "" {
		t.Errorf("the metrics' resource %v", res)
	}
	got := map[string]float64{}
	for _, sm := range last.GetScopeMetrics() {
		for _, m := range sm.GetMetrics() {
			if m.GetName() != "conflog_gate_lines_total" {
				continue
			}
			for _, dp := range m.GetSum().GetDataPoints() {
				var labels []string
				for _, kv := range dp.GetAttributes() {
					labels = append(labels, kv.GetKey()+"="+kv.GetValue().GetStringValue())
				}
				got[strings.Join(labels, ",")] = dp.GetAsDouble()
			}
		}
	}
	want := map[string]float64{
		"stream=channel,verdict=passed": 2, // parent and child
		"stream=stdout,verdict=passed":  0, // --strict: only the channel is trusted
		"stream=stderr,verdict=passed":  0,
	}
	for k, v := range want {
		if g, ok := got[k]; !ok || g != v {
			t.Errorf("conflog_gate_lines_total{%s} = %s, want %v (all: %v)", k, strconv.FormatFloat(g, 'f', -1, 64), v, got)
		}
	}
}
