package traceback

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"
)

var update = flag.Bool("update", false, "rewrite testdata/golden/*.golden from the current output")

// testPrefix is the public prefix the gate in these tests enforces.
const testPrefix = "SystemLog:"

// canary marks every byte the tests plant in a private position: messages,
// values, notes, labels, source lines, arguments, home-directory names. No
// public line may ever contain it.
const canary = "CANARY"

// gateResult is what a stream looks like after the gate: the lines it passed
// because they carry the prefix, and the public lines the Scrubber emitted.
type gateResult struct {
	passed  []string
	emitted []string
	traces  int
}

// runGate drives a Scrubber exactly as the egress gate does: it frames the
// stream at \n and \r, passes a prefixed line as public unless the Scrubber
// is inside a message, and feeds every other line to Line.
func runGate(t testing.TB, s *Scrubber, raw []byte) gateResult {
	t.Helper()
	var r gateResult
	emit := func(p []byte) {
		checkPublicLine(t, p)
		if s.allow == nil {
			checkGrammar(t, p)
		}
		r.emitted = append(r.emitted, string(p))
	}
	for _, line := range splitLines(raw) {
		if bytes.HasPrefix(line, []byte(testPrefix)) && !s.InMessage() {
			r.passed = append(r.passed, string(line))
			continue
		}
		s.Line(line, emit)
	}
	s.Flush(emit)
	r.traces = s.Traces()
	return r
}

// splitLines frames a stream the way the gate does: \n and \r end a line,
// "\r\n" is one ending, and a last line without a terminator still counts.
func splitLines(raw []byte) [][]byte {
	var lines [][]byte
	for len(raw) > 0 {
		i := bytes.IndexAny(raw, "\r\n")
		if i < 0 {
			lines = append(lines, raw)
			break
		}
		lines = append(lines, raw[:i])
		if raw[i] == '\r' && i+1 < len(raw) && raw[i+1] == '\n' {
			i++
		}
		raw = raw[i+1:]
	}
	return lines
}

// checkPublicLine guards the output invariant: one line of printable UTF-8,
// no control byte, no C1 control, no bidi override.
func checkPublicLine(t testing.TB, p []byte) {
	t.Helper()
	if !utf8.Valid(p) {
		t.Fatalf("emitted line is not valid UTF-8: %q", p)
	}
	for _, r := range string(p) {
		if r < 0x20 || r == 0x7f || r >= 0x80 && r <= 0x9f || r == '\u2028' || r == '\u2029' || r >= '\u202a' && r <= '\u202e' {
			t.Fatalf("emitted line holds control rune %U: %q", r, p)
		}
	}
}

// checkGrammar guards the grammar: without Options.Allow, every emitted
// line is one Check accepts.
func checkGrammar(t testing.TB, p []byte) {
	t.Helper()
	if err := Check(p); err != nil {
		t.Fatalf("emitted line fails the grammar: %q: %v", p, err)
	}
}

// checkNoCanary guards confidentiality: no planted byte in any public line.
func checkNoCanary(t testing.TB, name string, r gateResult) {
	t.Helper()
	for _, l := range r.emitted {
		if strings.Contains(l, canary) {
			t.Errorf("%s: emitted line leaks a planted value: %q", name, l)
		}
	}
	for _, l := range r.passed {
		if strings.Contains(l, canary) {
			t.Errorf("%s: the gate passed a private line as public: %q", name, l)
		}
	}
}

// checkGolden compares lines with testdata/golden/NAME.golden.
func checkGolden(t *testing.T, name string, lines []string) {
	t.Helper()
	path := filepath.Join("testdata", "golden", name+".golden")
	got := strings.Join(lines, "\n") + "\n"
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -run %s -update to create it)", err, t.Name())
	}
	if got != string(want) {
		t.Errorf("%s: public lines differ from %s\ngot:\n%s\nwant:\n%s", name, path, got, want)
	}
}

// checkEveryCut feeds every prefix of the stream's lines, then a public line,
// and checks that a trace cut anywhere never leaks: a crash can end a stream
// at any line.
func checkEveryCut(t *testing.T, name string, opts Options, raw []byte) {
	t.Helper()
	lines := splitLines(raw)
	for k := 0; k <= len(lines); k++ {
		cut := append(bytes.Join(lines[:k], []byte("\n")), "\n"+testPrefix+" after the cut\n"...)
		checkNoCanary(t, name, runGate(t, New(opts), cut))
	}
}
