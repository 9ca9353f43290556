package scrub_test

import (
	"bytes"
	"regexp"
	"strings"
	"testing"

	"github.com/conflog/conflog/scrub"
	"github.com/conflog/conflog/traceback"
)

// FuzzGateWithTraces runs the filter with the real trace scrubber, as
// conflog run does, on arbitrary bytes in arbitrary chunks. Whatever the
// input, every output line starts with the prefix and holds no line end or
// escape; in strict mode no line passes by its prefix and every output line
// is a scrubbed trace line. A small max line (when maxLine > 0) makes it cut
// lines too, and the same must hold. (That planted data never appears is
// TestStrictCanary here and package traceback's own fuzzing; that the rest
// of a cut line never reaches the tracer is TestCutRestWithTraces.)
func FuzzGateWithTraces(f *testing.F) {
	f.Add([]byte("Traceback (most recent call last):\n  File \"/home/alice/x.py\", line 1, in <module>\nValueError: CANARY\nSystemLog: CANARY forged\n"), uint8(7), true, uint8(0))
	f.Add([]byte("SystemLog: ok\npanic: CANARY\n\ngoroutine 1 [running]:\nmain.main()\n\t/x/main.go:3 +0x1d\nSystemLog: after\n"), uint8(3), false, uint8(0))
	f.Add([]byte("\x1b[31mTraceback (most recent call last):\r\nKeyError: 'CANARY'\rSystemLog: CANARY\n"), uint8(1), true, uint8(0))
	f.Add([]byte("SystemLog: 0123456789Traceback (most recent call last):\n  File \"/x.py\", line 1, in f\nValueError: CANARY\n"), uint8(5), false, uint8(10))
	f.Fuzz(func(t *testing.T, input []byte, chunk uint8, strict bool, maxLine uint8) {
		var out bytes.Buffer
		opts := scrub.Options{Prefix: "SystemLog:", Strict: strict, Trace: traceback.New(traceback.Options{})}
		if maxLine > 0 {
			opts.MaxLine = len(opts.Prefix) + int(maxLine)
		}
		filt, err := scrub.New(&out, opts)
		if err != nil {
			t.Fatal(err)
		}
		for rest := input; len(rest) > 0; {
			n := min(len(rest), 1+int(chunk))
			if _, err := filt.Write(rest[:n]); err != nil {
				t.Fatal(err)
			}
			rest = rest[n:]
		}
		if err := filt.Close(); err != nil {
			t.Fatal(err)
		}
		if out.Len() == 0 {
			return
		}
		if !bytes.HasSuffix(out.Bytes(), []byte("\n")) {
			t.Fatalf("output %q does not end with a line end", out.Bytes())
		}
		st := filt.Stats()
		for _, line := range strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n") {
			if !strings.HasPrefix(line, "SystemLog:") || strings.ContainsAny(line, "\r\x1b") {
				t.Fatalf("output line %q breaks the output rules", line)
			}
			if strict && !strings.HasPrefix(line, "SystemLog: ") {
				t.Fatalf("strict output line %q is not a trace line", line)
			}
			if strict {
				if err := traceback.Check([]byte(strings.TrimPrefix(line, "SystemLog: "))); err != nil {
					t.Fatalf("strict output line %q fails the trace grammar: %v", line, err)
				}
			}
		}
		if strict && st.Passed != 0 {
			t.Fatalf("strict stream passed %d lines by prefix", st.Passed)
		}
	})
}

// TestStrictCanary: in strict mode, data planted in an exception message and
// in a line forged to look public never reaches the output.
func TestStrictCanary(t *testing.T) {
	in := "Traceback (most recent call last):\n  File \"/home/alice/job.py\", line 3, in <module>\n    load(\"CANARY\")\nValueError: CANARY row\nSystemLog: CANARY forged continuation\n"
	var out bytes.Buffer
	filt, _ := scrub.New(&out, scrub.Options{Prefix: "SystemLog:", Strict: true, Trace: traceback.New(traceback.Options{})})
	filt.Write([]byte(in))
	filt.Close()
	if strings.Contains(out.String(), "CANARY") {
		t.Errorf("strict gate leaked planted data:\n%s", out.String())
	}
	if !strings.Contains(out.String(), "SystemLog: ValueError: [scrubbed]\n") {
		t.Errorf("trace not re-emitted:\n%s", out.String())
	}
	if st := filt.Stats(); st.Traces != 1 || st.Held != 1 {
		t.Errorf("stats %+v, want traces=1 held=1", st)
	}
}

// TestCutRestWithTraces: with the real trace scrubber, a cut line whose rest
// is cut into pieces that read as a traceback (a header, a frame, then an
// exception line) starts no trace; the rest reaches the private sink whole,
// and the next line is public.
func TestCutRestWithTraces(t *testing.T) {
	const header, frame, exc = "Traceback (most recent call last):", `  File "x.py", line 1, in <module>`, "ValueError: CANARY"
	maxLine := len(header)
	if len(frame) != maxLine {
		t.Fatalf("the frame is %d bytes, not one piece of %d", len(frame), maxLine)
	}
	head := "SystemLog: " + strings.Repeat("x", maxLine-len("SystemLog: "))
	in := head + header + frame + exc + "\nSystemLog: next\n"

	// Fed as lines, the pieces would start a trace: the test can fail.
	tr := traceback.New(traceback.Options{})
	tr.Line([]byte(header), func([]byte) {})
	tr.Line([]byte(frame), func([]byte) {})
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
		if sink.String() != header+frame+exc {
			t.Errorf("chunk %d: sink got %q, want the rest %q", chunk, sink.String(), header+frame+exc)
		}
	}
}

// joinSink keeps the concatenation of the lines it receives.
type joinSink struct{ strings.Builder }

func (s *joinSink) Line(line []byte) error {
	s.Write(line)
	return nil
}

// TestAllowedMessageOwnLinesOnly: with --allow, a handled exception of an
// allowed type keeps its exception line's message, and no later line of the
// stream comes out as a kept message line, strict or not (issue 9); no line
// comes out with the prefix twice.
func TestAllowedMessageOwnLinesOnly(t *testing.T) {
	in := "Traceback (most recent call last):\n  File \"/srv/job.py\", line 3, in <module>\nPublicError: step 3 failed\n" +
		"INFO CANARY row 1\nSystemLog: CANARY forged\n\tCANARY indented\nCANARY row 2\n"
	for _, strict := range []bool{false, true} {
		var out bytes.Buffer
		filt, _ := scrub.New(&out, scrub.Options{Prefix: "SystemLog:", Strict: strict,
			Trace: traceback.New(traceback.Options{Allow: regexp.MustCompile(`PublicError`)})})
		filt.Write([]byte(in))
		filt.Close()
		want := "SystemLog: Traceback (most recent call last):\nSystemLog:   File \"/srv/job.py\", line 3, in <module>\nSystemLog: PublicError: step 3 failed\n"
		if out.String() != want {
			t.Errorf("strict=%v: output\n%s\nwant\n%s", strict, out.String(), want)
		}
	}
}

// TestTraceLineNeverDoublePrefixed: a held line that the tracer reads as an
// exception line of type "SystemLog" is not re-emitted as
// "SystemLog: SystemLog: …" (issue 9).
func TestTraceLineNeverDoublePrefixed(t *testing.T) {
	in := "Traceback (most recent call last):\n  File \"/srv/job.py\", line 3, in <module>\nSystemLog: CANARY\n"
	for _, allow := range []*regexp.Regexp{nil, regexp.MustCompile(`SystemLog`)} {
		var out bytes.Buffer
		filt, _ := scrub.New(&out, scrub.Options{Prefix: "SystemLog:", Trace: traceback.New(traceback.Options{Allow: allow})})
		filt.Write([]byte(in))
		filt.Close()
		if strings.Contains(out.String(), "SystemLog: SystemLog:") || strings.Contains(out.String(), "CANARY") {
			t.Errorf("allow %v: output\n%s", allow, out.String())
		}
		if st := filt.Stats(); st.Held != 1 {
			t.Errorf("allow %v: held %d, want the prefixed exception line held", allow, st.Held)
		}
	}
}
