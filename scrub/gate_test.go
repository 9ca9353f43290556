package scrub_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/conflog/conflog/scrub"
	"github.com/conflog/conflog/traceback"
)

// FuzzGateWithTraces runs the filter with the real trace scrubber, as
// conflog run does, on arbitrary bytes in arbitrary chunks. Whatever the
// input, every output line starts with the prefix and holds no line end or
// escape; in strict mode no line passes by its prefix and every output line
// is a scrubbed trace line. A small max line cuts long lines: the rest of a
// cut line is never fed to the tracer, so it can neither start a trace nor
// end one early. (That planted data never appears is TestStrictCanary and
// TestCutRestWithTraces: with the real trace scrubber, a cut line whose rest
// is cut into pieces that read as a traceback (a header, then an exception
// line) starts no trace; the rest reaches the private sink whole, and the
// next line is public.
func TestCutRestWithTraces(t *testing.T) {
	const header, exc = "Traceback (most recent call last):", "ValueError: CANARY"
	maxLine := len(header)
	head := "SystemLog: " + strings.Repeat("x", maxLine-len("SystemLog: "))
	in := head + header + exc + "\nSystemLog: next\n"

	// Fed as lines, the pieces would start a trace: the test can fail.
	tr := traceback.New(traceback.Options{})
	tr.Line([]byte(header), func([]byte) {})
	tr.Line([]byte(exc), func([]byte) {})
	if tr.Traces() != 1 {
		t.Fatalf("the pieces as lines make %d traces, want 1: the test proves nothing", tr.Traces())
	}

	for _, chunk := range []int{1, 5, maxLine, maxLine + 1, 1000} {
		var out bytes.Buffer
		sink := &joinSink{}
		filt, _ := scrub.New(&out, scrub.Options{Prefix: "SystemLog:", MaxLine: maxLine, Private: sink, Trace: traceback.New(traceback.Options{})})
		for b := []byte(in); len(b) > 0; {
			n := min(chunk, len(b))
			filt.Write(b[:n])
			b = b[n:]
		}
		if err := filt.Close(); err != nil {
			t.Fatal(err)
		}
		if want := head + "\nSystemLog: next\n"; out.String() != want {
			t.Errorf("chunk %d: output %q, want %q", chunk, out.String(), want)
		}
		if st := filt.Stats(); st.Traces != 0 || st.TraceLines != 0 || st.Cut != 1 || st.Held != 0 {
			t.Errorf("chunk %d: stats %+v, want one cut line and no trace", chunk, st)
		}
		if sink.String() != header+exc {
			t.Errorf("chunk %d: sink got %q, want the rest %q", chunk, sink.String(), header+exc)
		}
	}
}

// joinSink keeps the concatenation of the lines it receives.
type joinSink struct{ strings.Builder }

func (s *joinSink) Line(line []byte) error {
	s.Write(line)
	return nil
}
