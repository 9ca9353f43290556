package conflogprocessor

import (
	"bytes"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"go.opentelemetry.io/collector/component/componenttest"

	"github.com/conflog/conflog/scrub"
)

// colouredValues are public lines whose values a job coloured, as a
// highlighter colours every number and address (the lines of
// cmd/conflog/testdata/script/run_detect_ansi.txtar), and one whose value
// hides in an escape's own payload, an OSC 8 hyperlink's target.
var colouredValues = []string{
	prefix + " card \x1b[1m4111 1111 1111 1111\x1b[0m",
	prefix + " [card] \x1b[36m4111\x1b[0m \x1b[36m1111\x1b[0m \x1b[36m1111\x1b[0m \x1b[36m1111\x1b[0m",
	prefix + " mail to \x1b[4malice\x1b[24m@example.com",
	prefix + " contact \x1b]8;;mailto:alice@example.com\x1b\\here\x1b]8;;\x1b\\",
	prefix + " mail \x1b[1m4111 1111 1111 1111\x1b[0m to bob@example.com",
	prefix + " epoch 3 \x1b[32mok\x1b[0m",
}

// TestKeepANSITripwire: with keep_ansi a public line keeps its escapes, and
// the tripwire judges it as a terminal shows it, as conflog run --keep-ansi
// and conflog scrub --keep-ansi do: a coloured card number or email is
// blocked, or redacted, as the plain value is, and so is a value in an
// escape's payload. Redacted, the line is the text a terminal shows, with
// each value's tag: its escapes could hide a value's pieces.
func TestKeepANSITripwire(t *testing.T) {
	for _, tc := range []struct {
		detect string
		want   []string
	}{
		{detectBlock, []string{
			prefix + " conflog: blocked a public line: card at column 17 (value withheld)",
			prefix + " conflog: blocked a public line: card at column 19 (value withheld)",
			prefix + " conflog: blocked a public line: email at column 20 (value withheld)",
			prefix + " conflog: blocked a public line: email at column 32 (value withheld)",
			prefix + " conflog: blocked a public line: card at column 17 (value withheld)",
			prefix + " epoch 3 \x1b[32mok\x1b[0m",
		}},
		{detectRedact, []string{
			prefix + " card <CARD>",
			prefix + " [card] <CARD>",
			prefix + " mail to <EMAIL>",
			prefix + "<EMAIL>",
			prefix + " mail <CARD> to <EMAIL>",
			prefix + " epoch 3 \x1b[32mok\x1b[0m",
		}},
	} {
		t.Run(tc.detect, func(t *testing.T) {
			cfg := testConfig()
			cfg.KeepANSI, cfg.Detect = true, tc.detect
			p, sink := start(t, cfg)
			send(t, p, "train-7", records("/var/log/pods/train-7/0.log", colouredValues), rand.New(rand.NewPCG(5, 6)))
			got := bodies(sink)
			for _, l := range got {
				for _, secret := range []string{"4111", "alice", "bob@"} {
					if strings.Contains(l, secret) {
						t.Errorf("%q left the processor in %q", secret, l)
					}
				}
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("got  %q\nwant %q", got, tc.want)
			}
			if want := oracle(t, cfg, joinLines(colouredValues)); !slices.Equal(got, want) {
				t.Errorf("processor and scrub differ:\n got %q\nwant %q", got, want)
			}
		})
	}
}

// emitTracer is a scrub.Tracer that emits the given lines for each line fed.
type emitTracer struct{ lines []string }

func (t emitTracer) Line(_ []byte, emit func([]byte)) {
	for _, l := range t.lines {
		emit([]byte(l))
	}
}
func (emitTracer) Flush(func([]byte)) {}
func (emitTracer) InMessage() bool    { return false }
func (emitTracer) Traces() int        { return 0 }

// TestEmitTraceAsScrub: a scrubbed trace line the processor takes from a
// stream's tracer itself (a plain private line's, gate.private) leaves as
// scrub.Filter makes it leave: behind the prefix and a space, its line ends
// spaces, and not at all when it starts with the prefix.
func TestEmitTraceAsScrub(t *testing.T) {
	emitted := []string{
		"Traceback (most recent call last):",
		prefix + " a tracer line that reads like a public one",
		"ValueError: [scrubbed]\rSystemLog: not a line\nof its own",
		"",
		"  " + prefix,
	}
	var want bytes.Buffer
	f, err := scrub.New(&want, scrub.Options{Prefix: prefix, Trace: emitTracer{emitted}})
	if err != nil {
		t.Fatal(err)
	}
	f.Write([]byte("a private line\n"))
	for _, detect := range []string{detectOff, detectBlock} {
		cfg := testConfig()
		cfg.Detect = detect
		g, err := newProcessor(cfg, componenttest.NewNopTelemetrySettings())
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range emitted {
			g.emitTrace([]byte(l))
		}
		var got []string
		for _, sp := range g.spans {
			got = append(got, string(g.out[sp.start:sp.end]))
		}
		if w := strings.Split(strings.TrimSuffix(want.String(), "\n"), "\n"); !slices.Equal(got, w) {
			t.Errorf("detect %s: the processor emits %q, scrub %q", detect, got, w)
		}
	}
}
