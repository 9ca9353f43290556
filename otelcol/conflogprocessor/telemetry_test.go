package conflogprocessor

import (
	"context"
	"testing"

	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
)

// TestTelemetry: the counters on the Collector's metrics say what the
// processor did with a batch.
func TestTelemetry(t *testing.T) {
	tt := componenttest.NewTelemetry()
	t.Cleanup(func() { tt.Shutdown(context.Background()) })
	g, err := newProcessor(testConfig(), tt.NewTelemetrySettings())
	if err != nil {
		t.Fatal(err)
	}
	ld := batch("pod",
		rec{body: prefix + " public", path: "/t.log", seq: 1},
		rec{body: "private", path: "/t.log", seq: 2},
		rec{body: prefix + " mail ivan@example.com", path: "/t.log", seq: 3},
		rec{body: prefix + " late", path: "/u.log", seq: 7},
	)
	if _, err := g.processLogs(context.Background(), ld); err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]int64{
		"conflog.records":         4,
		"conflog.lines.public":    2, // "public" and the tripwire's notice
		"conflog.lines.private":   2, // "private" and the broken stream's "late"
		"conflog.lines.blocked":   1,
		"conflog.streams.broken":  1,
		"conflog.streams.dropped": 0,
	} {
		m, err := tt.GetMetric(name)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		sum, ok := m.Data.(metricdata.Sum[int64])
		if !ok || len(sum.DataPoints) != 1 || sum.DataPoints[0].Value != want {
			t.Errorf("%s: got %+v, want %d", name, m.Data, want)
		}
	}
	m, err := tt.GetMetric("conflog.streams")
	if err != nil {
		t.Fatal(err)
	}
	if g, ok := m.Data.(metricdata.Gauge[int64]); !ok || g.DataPoints[0].Value != 2 {
		t.Errorf("conflog.streams: got %+v, want 2", m.Data)
	}
}
