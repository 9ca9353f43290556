package bench

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/conflog/conflog/traceback"
)

// tracebackLog returns an ML-style private log: mostly ordinary lines (some
// starting with the bytes that can open a trace), one Python and one Go
// crash per 1000 lines.
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
	python := []string{
		"Traceback (most recent call last):",
		`  File "/home/alice/job/train.py", line 88, in <module>`,
		"    main()",
		`  File "/home/alice/job/train.py", line 61, in step`,
		"    loss = model(batch)",
		"           ^^^^^^^^^^^^",
		"ValueError: row 18231 has 3 columns: alice@example.com",
	}
	golang := []string{
		"panic: runtime error: index out of range [7731] with length 3",
		"",
		"goroutine 1 [running]:",
		"main.lookup(0x1e33, {0xc000012345, 0x3, 0x3})",
		"\t/home/alice/src/job/main.go:17 +0x1d",
		"main.main()",
		"\t/home/alice/src/job/main.go:9 +0x25",
	}
	var out [][]byte
	for i := 0; len(out) < lines; i++ {
		switch {
		case i%1000 == 500:
			for _, l := range python {
				out = append(out, []byte(l))
			}
		case i%1000 == 999:
			for _, l := range golang {
				out = append(out, []byte(l))
			}
		default:
			out = append(out, []byte(fmt.Sprintf(ordinary[i%len(ordinary)], i)))
		}
	}
	return out[:lines]
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

	run := func(name string, lines [][]byte, f func([][]byte)) {
		b.Run(name, func(b *testing.B) {
			b.SetBytes(tracebackBytes(lines))
			b.ReportAllocs()
			for b.Loop() {
				f(lines)
			}
			b.ReportMetric(float64(len(lines))*float64(b.N)/b.Elapsed().Seconds(), "lines/s")
		})
	}
	run("prefix-check/log", mixed, func(lines [][]byte) {
		for _, l := range lines {
			if bytes.HasPrefix(l, prefix) {
				sink++
			}
		}
	})
	run("scrubber/log", mixed, func(lines [][]byte) {
		s := traceback.New(traceback.Options{})
		for _, l := range lines {
			s.Line(l, emit)
		}
		s.Flush(emit)
	})
	run("scrubber/ordinary", ordinary, func(lines [][]byte) {
		s := traceback.New(traceback.Options{})
		for _, l := range lines {
			s.Line(l, emit)
		}
	})
	trace := tracebackLog(1000)[500:507]
	run("scrubber/python-trace", trace, func(lines [][]byte) {
		s := traceback.New(traceback.Options{})
		for _, l := range lines {
			s.Line(l, emit)
		}
		s.Flush(emit)
	})
	_ = sink
}
