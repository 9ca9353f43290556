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
// is a scrubbed trace line. (That planted data never appears is
// TestStrictCanary here and package traceback's own fuzzing.)
func FuzzGateWithTraces(f *testing.F) {
	f.Add([]byte("Traceback (most recent call last):\n  File \"/home/alice/x.py\", line 1, in <module>\nValueError: CANARY\nSystemLog: CANARY forged\n"), uint8(7), true)
	f.Add([]byte("SystemLog: ok\npanic: CANARY\n\ngoroutine 1 [running]:\nmain.main()\n\t/x/main.go:3 +0x1d\nSystemLog: after\n"), uint8(3), false)
	f.Add([]byte("\x1b[31mTraceback (most recent call last):\r\nKeyError: 'CANARY'\rSystemLog: CANARY\n"), uint8(1), true)
	f.Fuzz(func(t *testing.T, input []byte, chunk uint8, strict bool) {
		var out bytes.Buffer
		filt, err := scrub.New(&out, scrub.Options{Prefix: "SystemLog:", Strict: strict, Trace: traceback.New(traceback.Options{})})
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
