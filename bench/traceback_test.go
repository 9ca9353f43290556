package bench

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/conflog/conflog/traceback"
)

// tracebackPython and tracebackGo are the crashes planted in the log.
var tracebackPython = []string{
	"Traceback (most recent call last):",
	`  File "/home/alice/job/train.py", line 88, in <module>`,
	"    main()",
	`  File "/home/alice/job/train.py", line 61, in step`,
	"    loss = model(batch)",
	"           ^^^^^^^^^^^^",
	"ValueError: row 18231 has 3 columns: alice@example.com",
}
var tracebackGo = []string{
	"panic: runtime error: index out of range [7731] with length 3",
	"",
	"goroutine 1 [running]:",
	"main.lookup(0x1e33, {0xc000012345, 0x3, 0x3})",
	"\t/home/alice/src/job/main.go:17 +0x1d",
	"main.main()",
	"\t/home/alice/src/job/main.go:9 +0x25",
}

// tracebackLog returns an ML-style private log: mostly ordinary lines (some
// starting with the bytes that can open a trace), a Go panic dump every 1000
// lines (as a job that recovers in goroutines and logs the stack may print),
// and a Python traceback at the end.
func tracebackLog(lines int) [][]byte {
	ordinary := []string{
		"epoch=3 step=%d loss=0.2513 lr=3e-4 tokens/s=48211",
		"SystemLog: step %d done",
		"  batch %d: 512 rows, 0 dropped",
		"{\"step\": %d, \"grad_norm\": 1.07, \"throughput\": 912.4}",
		"INFO 2026-11-23T17:30:00Z train.py:88 checkpoint %d saved",
		"processing customer row %d: name=Alice Example email=alice@example.com",
		"  File-like but not a frame %d",
		"Training progress %d%%",
	}
	// The lines are views into one buffer, as the gate frames them from its
	// read buffer: scattered allocations would measure cache misses.
	var text []string
	for i := 0; len(text) < lines; i++ {
		switch {
		case i%1000 == 999:
			text = append(text, tracebackGo...)
		default:
			text = append(text, fmt.Sprintf(ordinary[i%len(ordinary)], i))
		}
	}
	// A Python traceback ends the log: after one, the Scrubber holds every
	// line as a possible message continuation until the stream ends.
	text = append(text[:lines-len(tracebackPython)], tracebackPython...)
	buf := []byte(strings.Join(text, "\n"))
	out := make([][]byte, len(text))
	for i, t := range text {
		out[i], buf = buf[:len(t):len(t)], buf[min(len(t)+1, len(buf)):]
	}
	return out
}

func tracebackLines(text []string) [][]byte {
	out := make([][]byte, len(text))
	for i, t := range text {
		out[i] = []byte(t)
	}
	return out
}

func tracebackBytes(lines [][]byte) int64 {
	n := 0
	for _, l := range lines {
		n += len(l) + 1
	}
	return int64(n)
}

// BenchmarkTraceback measures Scrubber.Line over a private log, beside the
// cheapest thing the gate does per line anyway (the prefix comparison), so
// the ratio shows what trace detection adds. lines/s is reported as well.
func BenchmarkTraceback(b *testing.B) {
	n := 100_000
	if testing.Short() {
		n = 2_000
	}
	mixed := tracebackLog(n)
	var ordinary [][]byte
	for _, l := range mixed {
		if !bytes.HasPrefix(l, []byte("Traceback")) && !bytes.HasPrefix(l, []byte("panic")) {
			ordinary = append(ordinary, l)
		}
	}
	prefix := []byte("SystemLog:")
	sink := 0
	emit := func(p []byte) { sink += len(p) }
	inputs := []struct {
		name  string
		lines [][]byte
	}{
		{"log", mixed},
		{"ordinary", ordinary},
		{"python-trace", tracebackLines(tracebackPython)},
		{"go-trace", tracebackLines(tracebackGo)},
	}
	for _, in := range inputs {
		bench := func(impl string, f func([][]byte)) {
			b.Run("input="+in.name+"/impl="+impl, func(b *testing.B) {
				b.SetBytes(tracebackBytes(in.lines))
				b.ReportAllocs()
				for b.Loop() {
					f(in.lines)
				}
				b.ReportMetric(float64(len(in.lines))*float64(b.N)/b.Elapsed().Seconds(), "lines/s")
			})
		}
		// The gate's own per-line work, the floor any addition is measured
		// against.
		bench("prefix-check", func(lines [][]byte) {
			for _, l := range lines {
				if bytes.HasPrefix(l, prefix) {
					sink++
				}
			}
		})
		s := traceback.New(traceback.Options{})
		bench("prefix-check+scrubber", func(lines [][]byte) {
			for _, l := range lines {
				if bytes.HasPrefix(l, prefix) && !s.InMessage() {
					sink++
					continue
				}
				s.Line(l, emit)
			}
			s.Flush(emit)
		})
	}
	_ = sink
}
