package conflogprocessor

import (
	"context"
	"fmt"
	"runtime"
	"testing"

	"go.opentelemetry.io/collector/component/componenttest"
)

// BenchmarkStreamMemory reports the heap one stream's state holds (B/stream),
// for the README's bound: max_streams times this.
func BenchmarkStreamMemory(b *testing.B) {
	const streams = 200
	for b.Loop() {
		g, err := newProcessor(testConfig(), componenttest.NewNopTelemetrySettings())
		if err != nil {
			b.Fatal(err)
		}
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		for i := range streams {
			ld := batch(fmt.Sprint("pod-", i), rec{body: prefix + " hello", path: "/m.log", seq: 1})
			if _, err := g.processLogs(context.Background(), ld); err != nil {
				b.Fatal(err)
			}
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		if g.streams.len() != streams {
			b.Fatalf("%d streams kept, want %d", g.streams.len(), streams)
		}
		b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/streams, "B/stream")
		runtime.KeepAlive(g)
	}
}
