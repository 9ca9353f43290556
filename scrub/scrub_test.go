package scrub

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"hash"
	"io"
	"math/rand/v2"
	"runtime"
	"strings"
	"testing"
)

const testPrefix = "SystemLog:"

// lineSink records private lines.
type lineSink struct{ lines [][]byte }

func (s *lineSink) Line(line []byte) error {
	s.lines = append(s.lines, append([]byte(nil), line...))
	return nil
}

// run filters input written in the given chunk sizes (cycled) and returns the
// public output, the private lines and the stats.
func run(t testing.TB, input []byte, opts Options, chunks ...int) (string, [][]byte, Stats) {
	t.Helper()
	var out bytes.Buffer
	sink := &lineSink{}
	opts.Private = sink
	f, err := New(&out, opts)
	if err != nil {
		t.Fatal(err)
	}
	for k := 0; len(input) > 0; k++ {
		n := len(input)
		if len(chunks) > 0 {
			n = min(n, chunks[k%len(chunks)])
		}
		if _, err := f.Write(input[:n]); err != nil {
			t.Fatal(err)
		}
		input = input[n:]
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return out.String(), sink.lines, f.Stats()
}

func TestPrefixRule(t *testing.T) {
	for _, tc := range []struct {
		name, in, want string
	}{
		{"public line passes", "SystemLog: epoch 1\n", "SystemLog: epoch 1\n"},
		{"private line is dropped", "loaded row alice@example.com\n", ""},
		{"prefix must be at byte 0", " SystemLog: x\nx SystemLog: y\n", ""},
		{"prefix is case sensitive", "systemlog: x\nSYSTEMLOG: y\n", ""},
		{"a partial prefix is private", "SystemLog\nSystemLo", ""},
		{"exact prefix alone is public", "SystemLog:\n", "SystemLog:\n"},
		{"last line without end is flushed", "a\nSystemLog: last", "SystemLog: last\n"},
		{"crlf is one ending", "SystemLog: a\r\nSystemLog: b\r\n", "SystemLog: a\nSystemLog: b\n"},
		{"progress bar cannot carry private bytes", "secret 10%\rsecret 20%\rSystemLog: done\n", "SystemLog: done\n"},
		{"progress bar cannot hide a public line", "SystemLog: a\rbar 50%\r", "SystemLog: a\n"},
		{"cr after a public line ends it", "SystemLog: ok\rsecret\n", "SystemLog: ok\n"},
		{"colour before the prefix", "\x1b[32mSystemLog: green\x1b[0m\n", "SystemLog: green\n"},
		{"escape inside the prefix", "Sys\x1b[1mtemLog: x\n", "SystemLog: x\n"},
		{"osc title before the prefix is removed", "\x1b]0;customer-42\x07SystemLog: x\n", "SystemLog: x\n"},
		{"osc with st terminator", "\x1b]8;;http://x\x1b\\SystemLog: x\n", "SystemLog: x\n"},
		{"charset selection", "\x1b(BSystemLog: x\n", "SystemLog: x\n"},
		{"cursor save", "\x1b7SystemLog: x\x1b8\n", "SystemLog: x\n"},
		{"unterminated csi makes the line private", "\x1b[31\x01SystemLog: x\n", ""},
		{"csi swallowing the prefix's first byte", "\x1b[31SystemLog: x\n", ""},
		{"unterminated osc swallows the line", "\x1b]0;SystemLog: x\n", ""},
		{"lone escape before the prefix", "\x1b\x01SystemLog: x\n", ""},
		{"escape at the end of a public line", "SystemLog: x\x1b\n", "SystemLog: x\n"},
		{"unterminated osc in a public line is removed", "SystemLog: x\x1b]0;secret\n", "SystemLog: x\n"},
		{"8-bit csi is not an escape", "\x9b31mSystemLog: x\n", ""},
		{"empty lines are private", "\n\n\r\n", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, _, _ := run(t, []byte(tc.in), Options{Prefix: testPrefix})
			if got != tc.want {
				t.Errorf("filter(%q) = %q, want %q", tc.in, got, tc.want)
			}
			// Byte-at-a-time writes must give the same result.
			if got1, _, _ := run(t, []byte(tc.in), Options{Prefix: testPrefix}, 1); got1 != tc.want {
				t.Errorf("filter(%q) written byte by byte = %q, want %q", tc.in, got1, tc.want)
			}
		})
	}
}

func TestKeepANSI(t *testing.T) {
	in := "\x1b[32mSystemLog: \x1b[1mbold\x1b[0m\n"
	got, _, _ := run(t, []byte(in), Options{Prefix: testPrefix, KeepANSI: true})
	if want := "SystemLog: \x1b[1mbold\x1b[0m\n"; got != want {
		t.Errorf("keep-ansi: got %q, want %q (escapes before the prefix go, the rest stays)", got, want)
	}
}

// TestKeepANSIEndsOutsideAnEscape: --keep-ansi keeps well-formed sequences
// only, so a public line never ends inside one: an unterminated OSC or CSI
// at its end would make the terminal read the next lines as its payload
// (issue 9).
func TestKeepANSIEndsOutsideAnEscape(t *testing.T) {
	for in, want := range map[string]string{
		"SystemLog: title \x1b]0;unterminated\nSystemLog: next\n":    "SystemLog: title \nSystemLog: next\n",
		"SystemLog: cut \x1b[38;5\nSystemLog: next\n":                "SystemLog: cut \nSystemLog: next\n",
		"SystemLog: link \x1b]8;;http://x\x07x\x1b]8;;\x1b\\ \x1b\n": "SystemLog: link \x1b]8;;http://x\x07x\x1b]8;;\x1b\\ \n",
		"SystemLog: \x1b\x01broken \x1b[1mok\x1b[0m\n":               "SystemLog: \x01broken \x1b[1mok\x1b[0m\n",
	} {
		got, _, _ := run(t, []byte(in), Options{Prefix: testPrefix, KeepANSI: true})
		if got != want {
			t.Errorf("keep-ansi %q: got %q, want %q", in, got, want)
		}
	}
}

// TestPublicLineBytesPassUnchanged pins a decision (issue 9): after the
// prefix, NUL, VT, FF, NEL, U+2028/U+2029 and invalid UTF-8 pass as the job
// wrote them. They are the job's public text; none is a line end of the
// gate's, so none can carry a private line out.
func TestPublicLineBytesPassUnchanged(t *testing.T) {
	in := "SystemLog: nul\x00 vt\v ff\f nel\u0085 ls\u2028 ps\u2029 bad\xff\xc2\n"
	got, _, _ := run(t, []byte(in), Options{Prefix: testPrefix})
	if got != in {
		t.Errorf("got %q, want the line unchanged", got)
	}
}

func TestPrivateLinesReachTheSinkUnchanged(t *testing.T) {
	in := "row 1 \x1b[31mred\x1b[0m\r\nSystemLog: pub\n\nlast"
	_, private, st := run(t, []byte(in), Options{Prefix: testPrefix})
	want := []string{"row 1 \x1b[31mred\x1b[0m", "", "last"}
	if len(private) != len(want) {
		t.Fatalf("private lines %q, want %q", private, want)
	}
	for i := range want {
		if string(private[i]) != want[i] {
			t.Errorf("private line %d = %q, want %q", i, private[i], want[i])
		}
	}
	if st.Passed != 1 || st.Private != 3 || st.Bytes != int64(len(in)) {
		t.Errorf("stats %+v, want passed=1 private=3 bytes=%d", st, len(in))
	}
}

// TestCutLineRestGoesToTheSink guards the MaxLine promise: the rest of an
// overlong line is never public and never read as a new line, even when it
// holds the prefix right at a chunk boundary, and yet nothing is lost: it goes
// to the private sink in MaxLine pieces, the same pieces however the input is
// split across writes. The line after it is judged normally.
func TestCutLineRestGoesToTheSink(t *testing.T) {
	const maxLine = 16
	head := "SystemLog: 12345"     // exactly maxLine bytes: public
	privHead := "0123456789abcdef" // exactly maxLine bytes: private
	for _, tc := range []struct {
		name, in, out string
		private       []string
	}{
		{"public head, short rest", head + "SystemLog: forged\nSystemLog: next\n", head + "\nSystemLog: next\n",
			[]string{"SystemLog: forge", "d"}},
		{"rest of one byte", head + "x\nSystemLog: next\n", head + "\nSystemLog: next\n", []string{"x"}},
		{"rest of exactly maxLine bytes: no empty piece", head + "SystemLog: 67890\n", head + "\n", []string{"SystemLog: 67890"}},
		{"rest of twice maxLine bytes", head + strings.Repeat("SystemLog: 67890", 2) + "\nSystemLog: next",
			head + "\nSystemLog: next\n", []string{"SystemLog: 67890", "SystemLog: 67890"}},
		{"rest of many prefixes", head + strings.Repeat("SystemLog: ", 5) + "\n", head + "\n",
			[]string{"SystemLog: Syste", "mLog: SystemLog:", " SystemLog: Syst", "emLog: "}},
		{"private head", privHead + "SECRET-TAIL\nok", "", []string{privHead, "SECRET-TAIL", "ok"}},
		{"cr ends the rest", privHead + "SECRET\rSystemLog: bar\n", "SystemLog: bar\n",
			[]string{privHead, "SECRET"}},
		{"crlf ends the rest once", head + "SECRET\r\nSystemLog: next\r\n", head + "\nSystemLog: next\n", []string{"SECRET"}},
		{"escapes in the rest are kept for the sink", head + "\x1b[31mred\x1b[0m\n", head + "\n", []string{"\x1b[31mred\x1b[0m"}},
		{"rest without a line end, flushed at close", head + "SystemLog: 67890tail", head + "\n", []string{"SystemLog: 67890", "tail"}},
		{"line of exactly maxLine bytes is not cut", head + "\n" + head, head + "\n" + head + "\n", nil},
	} {
		for _, chunk := range []int{1, 2, 3, 15, 16, 17, 33, 1000} {
			got, private, st := run(t, []byte(tc.in), Options{Prefix: testPrefix, MaxLine: maxLine}, chunk)
			if got != tc.out {
				t.Errorf("%s, chunk %d: public output %q, want %q", tc.name, chunk, got, tc.out)
			}
			if fmt.Sprintf("%q", private) != fmt.Sprintf("%q", tc.private) {
				t.Errorf("%s, chunk %d: sink got %q, want %q", tc.name, chunk, private, tc.private)
			}
			var rest int64
			for _, line := range refLines([]byte(tc.in)) {
				rest += int64(max(0, len(line)-maxLine))
			}
			if st.CutBytes != rest || (st.Cut > 0) != (rest > 0) {
				t.Errorf("%s, chunk %d: cut=%d cutbytes=%d, want cutbytes=%d", tc.name, chunk, st.Cut, st.CutBytes, rest)
			}
		}
	}
}

// TestCutRestStartsNoTrace: a piece of a cut line's rest is no line, so a
// tracer never sees it: planted trace starts and messages in the rest start
// no trace and hold no later line back, however the input is split.
func TestCutRestStartsNoTrace(t *testing.T) {
	const maxLine = 16
	in := "0123456789abcdef" + "Traceback (most recent call last):Error: CANARY\nSystemLog: pub\n"
	for _, chunk := range []int{1, 7, 16, 17, 1000} {
		got, private, st := run(t, []byte(in), Options{Prefix: testPrefix, MaxLine: maxLine, Trace: &testTracer{}}, chunk)
		if got != "SystemLog: pub\n" {
			t.Errorf("chunk %d: output %q, want only the public line", chunk, got)
		}
		if st.Traces != 0 || st.TraceLines != 0 || st.Held != 0 {
			t.Errorf("chunk %d: stats %+v: the rest was fed to the tracer", chunk, st)
		}
		if joined := string(bytes.Join(private, nil)); joined != in[:len(in)-len("\nSystemLog: pub\n")] {
			t.Errorf("chunk %d: sink got %q", chunk, private)
		}
	}
}

func TestCRLFSplitAcrossWrites(t *testing.T) {
	// The '\n' of a "\r\n" arriving in the next Write is not an empty line.
	_, private, st := run(t, []byte("a\r\nSystemLog: b\r\n"), Options{Prefix: testPrefix}, 2)
	if st.Private != 1 || st.Passed != 1 || len(private) != 1 {
		t.Errorf("crlf across writes: stats %+v private %q", st, private)
	}
}

func TestStrictHoldsPrefixedLines(t *testing.T) {
	got, private, st := run(t, []byte("SystemLog: forged by data\n\x1b[1mSystemLog: again\nplain\n"), Options{Prefix: testPrefix, Strict: true})
	if got != "" {
		t.Errorf("strict stream passed %q", got)
	}
	if st.Held != 2 || st.Private != 3 || len(private) != 3 {
		t.Errorf("strict: stats %+v, private %q; want held=2 private=3", st, private)
	}
}

func TestBadOptions(t *testing.T) {
	for _, opts := range []Options{
		{Prefix: ""},
		{Prefix: "Sys\nLog:"},
		{Prefix: "Sys\rLog:"},
		{Prefix: "\x1b[0mSys"},
		{Prefix: testPrefix, MaxLine: -1},
		{Prefix: testPrefix, MaxLine: 4},
	} {
		if _, err := New(io.Discard, opts); err == nil {
			t.Errorf("New(%+v) succeeded, want an error", opts)
		}
	}
}

type failingSink struct{}

func (failingSink) Line([]byte) error { return errors.New("disk full") }

func TestSinkErrorStopsTheFilter(t *testing.T) {
	var out bytes.Buffer
	f, _ := New(&out, Options{Prefix: testPrefix, Private: failingSink{}})
	_, err := f.Write([]byte("private\nSystemLog: after\n"))
	if err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Fatalf("Write error = %v, want the sink's error", err)
	}
	if _, err := f.Write([]byte("SystemLog: more\n")); err == nil {
		t.Error("Write after a sink error succeeded")
	}
}

// testTracer is a stand-in for package traceback with the same contract:
// "Traceback" starts a trace, "Error:" starts a message that runs to an
// empty line, and every trace line is emitted as "trace: <len>".
type testTracer struct {
	inMsg  bool
	traces int
}

func (tr *testTracer) Line(line []byte, emit func([]byte)) {
	switch {
	case bytes.HasPrefix(line, []byte("Traceback")):
		tr.traces++
		emit([]byte("Traceback"))
	case bytes.HasPrefix(line, []byte("Error:")):
		tr.inMsg = true
		emit([]byte("Error: [scrubbed]\nforged")) // a faulty tracer: the gate must keep it one line
	case tr.inMsg && len(line) == 0:
		tr.inMsg = false
	}
}
func (tr *testTracer) Flush(emit func([]byte)) {
	if tr.inMsg {
		emit([]byte("[truncated]"))
	}
}
func (tr *testTracer) InMessage() bool { return tr.inMsg }
func (tr *testTracer) Traces() int     { return tr.traces }

func TestTracerSeam(t *testing.T) {
	in := "Traceback (most recent call last):\nError: customer alice\nSystemLog: not public, part of the message\n\nSystemLog: public again\nError: x\nSystemLog: y"
	got, _, st := run(t, []byte(in), Options{Prefix: testPrefix, Trace: &testTracer{}}, 5)
	want := "SystemLog: Traceback\nSystemLog: Error: [scrubbed] forged\nSystemLog: public again\nSystemLog: Error: [scrubbed] forged\nSystemLog: [truncated]\n"
	if got != want {
		t.Errorf("with tracer:\n got %q\nwant %q", got, want)
	}
	if st.Traces != 1 || st.Held != 2 || st.TraceLines != 4 || st.Passed != 1 {
		t.Errorf("stats %+v, want traces=1 held=2 tracelines=4 passed=1", st)
	}
}

// TestAgainstModel compares the filter with the reference model on random
// ML-style logs full of the hard cases, split at random chunk boundaries.
func TestAgainstModel(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	pieces := []string{"SystemLog:", "SystemLog: epoch 3 loss=0.25", "\n", "\r", "\r\n", "\x1b[32m", "\x1b[0m", "\x1b]0;t\x07", "\x1b", "\x1b[", "\x1b]", "row alice@example.com", " 42%|####", "SystemLo", "\x1b(", "\x1b(B", "é", "\x00"}
	for iter := 0; iter < 2000; iter++ {
		var b strings.Builder
		for n := rng.IntN(40); n > 0; n-- {
			b.WriteString(pieces[rng.IntN(len(pieces))])
		}
		opts := Options{Prefix: testPrefix, MaxLine: 10 + rng.IntN(40), KeepANSI: rng.IntN(2) == 0, Strict: rng.IntN(8) == 0}
		checkModel(t, []byte(b.String()), opts, []int{1 + rng.IntN(20), 1 + rng.IntN(3)})
	}
}

func checkModel(t *testing.T, input []byte, opts Options, chunks []int) {
	t.Helper()
	got, private, st := run(t, input, opts, chunks...)
	want := refFilter(input, opts)
	if got != string(want.out) {
		t.Fatalf("input %q opts %+v chunks %v:\n got %q\nwant %q", input, opts, chunks, got, want.out)
	}
	if fmt.Sprintf("%q", private) != fmt.Sprintf("%q", want.private) {
		t.Fatalf("input %q opts %+v chunks %v: private\n got %q\nwant %q", input, opts, chunks, private, want.private)
	}
	if st != want.stats {
		t.Fatalf("input %q opts %+v chunks %v: stats\n got %+v\nwant %+v", input, opts, chunks, st, want.stats)
	}
	checkOutputInvariants(t, got, opts)
}

// checkOutputInvariants checks what must hold of any public output, whatever
// the model says: each line starts with the prefix, holds no line end, and no
// escape byte unless KeepANSI.
func checkOutputInvariants(t *testing.T, out string, opts Options) {
	t.Helper()
	if out == "" {
		return
	}
	if !strings.HasSuffix(out, "\n") {
		t.Fatalf("output %q does not end with a line end", out)
	}
	for _, line := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		if !strings.HasPrefix(line, opts.Prefix) {
			t.Fatalf("output line %q does not start with the prefix", line)
		}
		if strings.ContainsRune(line, '\r') {
			t.Fatalf("output line %q holds a carriage return", line)
		}
		if !opts.KeepANSI && strings.ContainsRune(line, esc) {
			t.Fatalf("output line %q holds an escape", line)
		}
		for rest := line; ; {
			i := strings.IndexByte(rest, esc)
			if i < 0 {
				break
			}
			n, ok := escapeLen([]byte(rest[i:]))
			if !ok {
				t.Fatalf("output line %q holds a malformed or unterminated escape at %d", line, len(line)-len(rest)+i)
			}
			rest = rest[i+n:]
		}
		if len(line) > opts.MaxLine && !opts.KeepANSI {
			t.Fatalf("output line %q longer than max line %d", line, opts.MaxLine)
		}
	}
}

// FuzzFilter: arbitrary bytes, arbitrary chunk boundaries, arbitrary options;
// the filter must agree with the reference model and keep the output invariants.
func FuzzFilter(f *testing.F) {
	f.Add([]byte("SystemLog: a\nprivate\r\n\x1b[32mSystemLog: b\x1b[0m\rbar 10%\rSystemLog: c"), uint8(3), uint8(1), uint8(20), false)
	f.Add([]byte("\x1b]0;SystemLog:\x07SystemLog: x\x1b"), uint8(1), uint8(2), uint8(11), true)
	f.Add([]byte("SystemLog: 0123456789SystemLog: tail\nSystemLog: next"), uint8(7), uint8(5), uint8(12), false)
	f.Fuzz(func(t *testing.T, input []byte, c1, c2, maxLine uint8, keepANSI bool) {
		opts := Options{Prefix: testPrefix, MaxLine: len(testPrefix) + int(maxLine), KeepANSI: keepANSI}
		checkModel(t, input, opts, []int{1 + int(c1), 1 + int(c2)})
	})
}

// TestMemoryBounded streams a single line of 1 GiB with no line end (64 MiB
// under -short) and checks how much the filter allocated in all: the carry
// buffer holds at most MaxLine bytes and the public output buffer at most one
// line plus 64 KiB; grown by doubling, plus the 256 KiB read buffer, that is
// under 6×MaxLine whatever the input size.
// TotalAlloc bounds the peak from above and, unlike a sampled peak, cannot
// miss a short-lived spike.
func TestMemoryBounded(t *testing.T) {
	size := int64(1 << 30)
	if testing.Short() {
		size = 64 << 20
	}
	out := &tailWriter{}
	f, err := New(out, Options{Prefix: testPrefix})
	if err != nil {
		t.Fatal(err)
	}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	n, err := f.ReadFrom(io.MultiReader(strings.NewReader(testPrefix), &patternReader{n: size}, strings.NewReader("\nSystemLog: after\n")))
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	runtime.ReadMemStats(&after)
	if n != size+int64(len(testPrefix))+int64(len("\nSystemLog: after\n")) {
		t.Fatalf("read %d bytes", n)
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 6*DefaultMaxLine {
		t.Errorf("filtering a %d-byte line allocated %d bytes, want at most %d", size, alloc, 6*DefaultMaxLine)
	}
	st := f.Stats()
	if st.Cut != 1 || st.Passed != 2 || st.CutBytes != size+int64(len(testPrefix))-DefaultMaxLine {
		t.Errorf("stats %+v, want cut=1 passed=2 cutbytes=%d", st, size+int64(len(testPrefix))-DefaultMaxLine)
	}
	if out.n != DefaultMaxLine+1+len("SystemLog: after\n") || !strings.HasSuffix(string(out.tail), "\nSystemLog: after\n") {
		t.Errorf("output: %d bytes ending %q", out.n, out.tail)
	}
}

// tailWriter counts what is written and keeps the last bytes, without
// allocating in proportion to the output.
type tailWriter struct {
	n    int
	tail []byte
}

func (w *tailWriter) Write(p []byte) (int, error) {
	w.n += len(p)
	w.tail = append(w.tail, p[max(0, len(p)-64):]...)
	w.tail = w.tail[max(0, len(w.tail)-64):]
	return len(p), nil
}

var pattern = bytes.Repeat([]byte("abcdefghijklmnopqrstuvwxyz"), 1024)

// patternReader yields n bytes of a log-like pattern with no line end.
type patternReader struct{ n int64 }

func (r *patternReader) Read(p []byte) (int, error) {
	if r.n <= 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > r.n {
		p = p[:r.n]
	}
	for k := 0; k < len(p); {
		k += copy(p[k:], pattern)
	}
	r.n -= int64(len(p))
	return len(p), nil
}

// TestCutRestMemoryBounded writes a 64 MiB public line in 64 KiB writes with
// MaxLine 1 MiB: the sink must receive all of its rest, in order, in 1 MiB
// pieces, the public output only its head, and the filter must hold at most
// MaxLine bytes of it at any time (the carry, checked after every write,
// and what was allocated in all).
func TestCutRestMemoryBounded(t *testing.T) {
	const maxLine = 1 << 20
	const size = 64 << 20
	out := &tailWriter{}
	sink := &hashSink{h: sha256.New()}
	f, err := New(out, Options{Prefix: testPrefix, MaxLine: maxLine, Private: sink})
	if err != nil {
		t.Fatal(err)
	}
	want := sha256.New()
	buf := make([]byte, 64<<10)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for off := 0; off < size; off += len(buf) {
		for k := 0; k < len(buf); k += copy(buf[k:], pattern) {
		}
		// Number every write, so pieces out of order or repeated show.
		_ = fmt.Appendf(buf[:0], "%08x", off) // in place: buf has room
		if off == 0 {
			copy(buf, testPrefix)
		}
		if _, err := f.Write(buf); err != nil {
			t.Fatal(err)
		}
		if end := off + len(buf); end > maxLine {
			want.Write(buf[max(0, maxLine-off):])
		}
		if n, c := len(f.carry), cap(f.carry); n > maxLine || c > maxLine {
			t.Fatalf("after %d bytes the carry holds %d bytes in %d of capacity, want at most %d", off+len(buf), n, c, maxLine)
		}
	}
	if _, err := f.Write([]byte("\nSystemLog: after\n")); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	runtime.ReadMemStats(&after)
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 6*maxLine {
		t.Errorf("filtering a %d-byte line allocated %d bytes, want at most %d", size, alloc, 6*maxLine)
	}
	if sink.pieces != size/maxLine-1 || sink.bad != 0 {
		t.Errorf("sink got %d pieces (%d not of %d bytes), want %d", sink.pieces, sink.bad, maxLine, size/maxLine-1)
	}
	if !bytes.Equal(sink.h.Sum(nil), want.Sum(nil)) {
		t.Error("the sink did not receive the rest of the line whole and in order")
	}
	if out.n != maxLine+1+len("SystemLog: after\n") || !strings.HasSuffix(string(out.tail), "\nSystemLog: after\n") {
		t.Errorf("public output: %d bytes ending %q, want the 1 MiB head and the next line", out.n, out.tail)
	}
	if st := f.Stats(); st.Cut != 1 || st.CutBytes != size-maxLine || st.Private != 0 {
		t.Errorf("stats %+v, want cut=1 cutbytes=%d private=0", st, size-maxLine)
	}
}

// hashSink hashes what it receives, without keeping it, and counts the
// lines that are not whole 1 MiB pieces.
type hashSink struct {
	h      hash.Hash
	pieces int
	bad    int
}

func (s *hashSink) Line(line []byte) error {
	s.pieces++
	if len(line) != 1<<20 {
		s.bad++
	}
	s.h.Write(line)
	return nil
}

// TestLongLineNotKept: the public output buffer a long line grew is given
// back once written, so an idle filter holds at most its carry. The gate
// keeps a filter per public-channel connection (up to 1024 of them), and
// each used to keep a copy of its longest line besides its carry.
func TestLongLineNotKept(t *testing.T) {
	f, err := New(io.Discard, Options{Prefix: testPrefix})
	if err != nil {
		t.Fatal(err)
	}
	line := testPrefix + strings.Repeat("a", DefaultMaxLine)
	if _, err := f.Write([]byte(line + "\n" + testPrefix + " short\n")); err != nil {
		t.Fatal(err)
	}
	if c := cap(f.out); c > maxKeptOut {
		t.Errorf("after a %d-byte public line the filter keeps a %d-byte output buffer, want at most %d", len(line), c, maxKeptOut)
	}
	if st := f.Stats(); st.Passed != 2 || st.Cut != 1 {
		t.Errorf("stats %+v, want passed=2 cut=1", st)
	}
}
