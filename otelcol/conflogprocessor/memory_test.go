package conflogprocessor

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"testing"

	"go.opentelemetry.io/collector/component/componenttest"
)

// streamHeap returns the heap the processor holds per stream after each of
// n streams has sent recs (a stream's own path, numbered from 1).
func streamHeap(t testing.TB, cfg *Config, n int, recs []string) float64 {
	t.Helper()
	g, err := newProcessor(cfg, componenttest.NewNopTelemetrySettings())
	if err != nil {
		t.Fatal(err)
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	for i := range n {
		var rs []rec
		for k, body := range recs {
			rs = append(rs, rec{body: body, path: fmt.Sprintf("/%d.log", i), seq: int64(k + 1)})
		}
		if _, err := g.processLogs(context.Background(), batch("pod", rs...)); err != nil && g.streams.len() == 0 {
			t.Fatal(err)
		}
	}
	// The last batch's scratch (its output lines) is the processor's, not
	// the streams': it is dropped before measuring.
	g.out, g.outStr, g.line = nil, "", nil
	runtime.GC()
	runtime.ReadMemStats(&after)
	if g.streams.len() != n {
		t.Fatalf("%d streams kept, want %d", g.streams.len(), n)
	}
	runtime.KeepAlive(g)
	return (float64(after.HeapAlloc) - float64(before.HeapAlloc)) / float64(n)
}

// longTrace is a Python traceback whose every line is about size bytes,
// coloured (so the tracer strips escapes into a buffer of its own), left
// inside its exception message: the most a stream's tracer holds.
func longTrace(size int) []string {
	pad := strings.Repeat("x", size)
	return []string{
		"\x1b[31mTraceback (most recent call last):\x1b[0m",
		`  File "/` + pad + `.py", line 1, in <module>`,
		"    " + pad,
		"\x1b[1mValueError\x1b[0m: " + pad,
		prefix + " " + pad,
	}
}

// TestStreamMemory states and bounds the state kept per stream (the
// README's figures): a stream of public lines holds its key, its tracer
// and its checker, under 2 KiB; a stream whose tracer is inside a trace of
// lines of max_line bytes holds buffers of a few times max_line. The
// filters that judge the lines are shared (filter.go), at most four.
func TestStreamMemory(t *testing.T) {
	const streams = 200
	plain := streamHeap(t, testConfig(), streams, []string{prefix + " epoch 1 loss=0.3", "a private line"})
	t.Logf("a stream of plain lines: %.0f B", plain)
	if plain > 2048 {
		t.Errorf("a stream of plain lines holds %.0f B, want < 2 KiB (README)", plain)
	}
	cfg := testConfig()
	cfg.MaxLine = 16 << 10
	worst := streamHeap(t, cfg, streams, longTrace(cfg.MaxLine-64))
	t.Logf("a stream inside a trace of %d-byte lines: %.0f B", cfg.MaxLine, worst)
	if worst > float64(4*cfg.MaxLine+2048) {
		t.Errorf("a stream inside a trace of long lines holds %.0f B, want < 4 max_line + 2 KiB (README)", worst)
	}
}

// BenchmarkStreamMemory reports the heap one stream's state holds (B/stream).
func BenchmarkStreamMemory(b *testing.B) {
	for b.Loop() {
		b.ReportMetric(streamHeap(b, testConfig(), 200, []string{prefix + " hello"}), "B/stream")
	}
}

// TestStreamMemoryLongKeys sends streams whose key (their resource and
// stream attributes) is long: a hostile or careless sender's 64 KiB
// attribute. The state kept must not grow with the key: a stream and a
// tombstone hold a fixed-size hash of it, so the bound stays max_streams
// streams and 16 tombstones each, whatever the attributes weigh.
func TestStreamMemoryLongKeys(t *testing.T) {
	const max, n = 10, 170 // 160 streams dropped, each a tombstone
	cfg := testConfig()
	cfg.MaxLine = 1024
	cfg.Streams.MaxStreams = max
	g, err := newProcessor(cfg, componenttest.NewNopTelemetrySettings())
	if err != nil {
		t.Fatal(err)
	}
	pad := strings.Repeat("k", 64<<10)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	for i := range n {
		// Unnumbered: the stream is broken, and leaves a tombstone when
		// it is dropped.
		ld := batch(fmt.Sprintf("%s-%d", pad, i), rec{body: prefix + " hello", path: "/job.log"})
		g.processLogs(context.Background(), ld)
	}
	g.out, g.outStr, g.line, g.key = nil, "", nil, nil
	runtime.GC()
	runtime.ReadMemStats(&after)
	if g.streams.len() != max {
		t.Fatalf("%d streams kept, want %d", g.streams.len(), max)
	}
	if got := len(g.streams.tomb.keys); got != n-max {
		t.Fatalf("%d tombstones, want %d", got, n-max)
	}
	runtime.KeepAlive(g)
	held := float64(after.HeapAlloc) - float64(before.HeapAlloc)
	bound := float64(max*(2048+4*cfg.MaxLine) + (n-max)*256)
	t.Logf("%d streams and %d tombstones of 64 KiB keys: %.0f B held (bound %.0f B)", max, n-max, held, bound)
	if held > bound {
		t.Errorf("%d streams and %d tombstones of 64 KiB keys hold %.0f B, want < %.0f B: the state grows with the key", max, n-max, held, bound)
	}
}
