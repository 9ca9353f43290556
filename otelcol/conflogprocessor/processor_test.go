package conflogprocessor

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/processor"
	"go.opentelemetry.io/collector/processor/processortest"

	"github.com/conflog/conflog/detect"
	"github.com/conflog/conflog/scrub"
	"github.com/conflog/conflog/traceback"
)

const prefix = "SystemLog:"

func testConfig() *Config {
	cfg := createDefaultConfig()
	cfg.Prefix = prefix
	return cfg
}

// start builds the processor as a Collector does, from the factory, in
// front of a sink.
func start(t testing.TB, cfg *Config) (processor.Logs, *consumertest.LogsSink) {
	t.Helper()
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	sink := new(consumertest.LogsSink)
	f := NewFactory()
	p, err := f.CreateLogs(context.Background(), processortest.NewNopSettings(f.Type()), cfg, sink)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Start(context.Background(), componenttest.NewNopHost()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Shutdown(context.Background()) })
	return p, sink
}

// rec is one record to send: its body and its stream's attributes.
type rec struct {
	body string
	path string // log.file.path
	seq  int64  // log.file.record_number; 0 leaves it out
	// container adds log.iostream, as the container parser does (Docker's
	// json-file and CRI): without it a record is a plain file's, or an
	// OTLP sender's.
	container bool
}

// batch makes plog.Logs of records of one resource (the pod), one scope.
func batch(pod string, recs ...rec) plog.Logs {
	ld := plog.NewLogs()
	rl := ld.ResourceLogs().AppendEmpty()
	rl.Resource().Attributes().PutStr("k8s.pod.name", pod)
	rl.Resource().Attributes().PutStr("k8s.namespace.name", "ml")
	sl := rl.ScopeLogs().AppendEmpty()
	for _, r := range recs {
		lr := sl.LogRecords().AppendEmpty()
		lr.Body().SetStr(r.body)
		if r.container {
			lr.Attributes().PutStr("log.iostream", "stdout")
		}
		if r.path != "" {
			lr.Attributes().PutStr("log.file.path", r.path)
		}
		if r.seq != 0 {
			lr.Attributes().PutInt("log.file.record_number", r.seq)
		}
	}
	return ld
}

// bodies returns the bodies of every record the sink got, in order.
func bodies(sink *consumertest.LogsSink) []string {
	var out []string
	for _, lr := range sunk(sink) {
		out = append(out, lr.Body().AsString())
	}
	return out
}

// sunk returns every record the sink got, in order.
func sunk(sink *consumertest.LogsSink) []plog.LogRecord {
	var out []plog.LogRecord
	for _, ld := range sink.AllLogs() {
		for _, rl := range ld.ResourceLogs().All() {
			for _, sl := range rl.ScopeLogs().All() {
				for _, lr := range sl.LogRecords().All() {
					out = append(out, lr)
				}
			}
		}
	}
	return out
}

// records numbers lines as the filelog receiver does: one record per line,
// without its '\n', numbered from 1.
func records(path string, lines []string) []rec {
	rs := make([]rec, len(lines))
	for i, l := range lines {
		rs[i] = rec{body: l, path: path, seq: int64(i + 1)}
	}
	return rs
}

// fileLines splits a file's bytes into lines as the filelog receiver does.
func fileLines(b []byte) []string {
	lines := strings.Split(string(b), "\n")
	if lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	return lines
}

// oracle is what conflog scrub gives on the same bytes: package scrub and
// package traceback over the whole stream at once, behind the gate's
// tripwire (as cmd/conflog's, in block mode, with the processor's verb).
func oracle(t testing.TB, cfg *Config, stream []byte) []string {
	t.Helper()
	return oracleStrict(t, cfg, stream, false)
}

// oracleStrict is oracle, with scrub's strict mode when strict is set: no
// line passes by its prefix, crash traces are re-emitted scrubbed.
func oracleStrict(t testing.TB, cfg *Config, stream []byte, strict bool) []string {
	t.Helper()
	var buf bytes.Buffer
	var w io.Writer = &buf
	if cfg.Detect != detectOff {
		set, err := detectorSet(cfg.Detectors)
		if err != nil {
			t.Fatal(err)
		}
		w = &oracleTripwire{w: &buf, check: set.NewChecker(), set: set, redact: cfg.Detect == detectRedact}
	}
	opts := scrub.Options{Prefix: cfg.Prefix, MaxLine: cfg.MaxLine, KeepANSI: cfg.KeepANSI, Strict: strict}
	if cfg.Traces {
		var allow *regexp.Regexp
		if cfg.Allow != "" {
			allow = regexp.MustCompile(cfg.Allow)
		}
		opts.Trace = traceback.New(traceback.Options{Allow: allow, MaxMessageLines: cfg.MaxMessageLines})
	}
	f, err := scrub.New(w, opts)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Write(stream); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return fileLines(buf.Bytes())
}

// oracleTripwire is cmd/conflog's tripwire, written again from its rules:
// a public line with a finding after the prefix becomes a notice naming the
// detector and the column (block) or has its values tagged (redact). A
// line holding escapes (keep_ansi) is judged as a terminal shows it, its
// escapes removed, then as it is (an escape's payload); it is redacted as
// shown.
type oracleTripwire struct {
	w      io.Writer
	check  *detect.Checker
	set    *detect.Set
	redact bool
}

func (o *oracleTripwire) Write(p []byte) (int, error) {
	for _, line := range fileLines(p) {
		content := strings.TrimPrefix(line, prefix)
		shown := content
		if strings.Contains(content, "\x1b") {
			shown = string(scrub.AppendStripped(nil, []byte(content)))
		}
		f, found := o.check.Check([]byte(shown))
		if !found && shown != content {
			f, found = o.set.Check([]byte(content))
		}
		switch {
		case !found:
			fmt.Fprintln(o.w, line)
		case !o.redact:
			fmt.Fprintf(o.w, "%s conflog: blocked a public line: %s at column %d (value withheld)\n", prefix, f.Detector, len(prefix)+f.Col)
		default:
			out, i := prefix, 0
			finds := o.set.Find([]byte(shown), nil)
			if len(finds) == 0 {
				out += detect.Tag(f.Detector)
				i = len(shown)
			}
			for _, g := range finds {
				if int(g.Offset) < i {
					i = max(i, int(g.Offset)+g.Len)
					continue
				}
				out += shown[i:g.Offset] + detect.Tag(g.Detector)
				i = int(g.Offset) + g.Len
			}
			fmt.Fprintln(o.w, out+shown[i:])
		}
	}
	return len(p), nil
}

// send feeds recs in batches of random sizes, as a pipeline batches them.
func send(t testing.TB, p processor.Logs, pod string, recs []rec, rng *rand.Rand) {
	t.Helper()
	for len(recs) > 0 {
		n := min(len(recs), 1+rng.IntN(8))
		if err := p.ConsumeLogs(context.Background(), batch(pod, recs[:n]...)); err != nil {
			t.Fatal(err)
		}
		recs = recs[n:]
	}
}

func readJob(t testing.TB) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/job.log")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestSameAsScrub guards the promise: record by record, the processor
// gives line for line what conflog scrub gives on the same bytes, for a real
// Python job's output (tqdm bars, colours, customer rows, a leaked token
// on a public line, forged prefixes, long lines, a traceback whose message
// holds customer data and goes on with a prefixed line), after public lines
// whose values the job coloured.
func TestSameAsScrub(t *testing.T) {
	job := append(joinLines(colouredValues), readJob(t)...)
	for _, tc := range []struct {
		name string
		edit func(*Config)
	}{
		{"default", func(*Config) {}},
		{"detect off", func(c *Config) { c.Detect = detectOff }},
		{"redact", func(c *Config) { c.Detect = detectRedact }},
		{"keep ansi", func(c *Config) { c.KeepANSI = true }},
		{"keep ansi redact", func(c *Config) { c.KeepANSI, c.Detect = true, detectRedact }},
		{"short max line", func(c *Config) { c.MaxLine = 64 }},
		{"traces off", func(c *Config) { c.Traces = false }},
		{"allow ValueError", func(c *Config) { c.Allow = `ValueError`; c.Detect = detectOff }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := testConfig()
			tc.edit(cfg)
			p, sink := start(t, cfg)
			send(t, p, "train-7", records("/var/log/pods/train-7/0.log", fileLines(job)), rand.New(rand.NewPCG(1, 2)))
			got, want := bodies(sink), oracle(t, cfg, job)
			if !slices.Equal(got, want) {
				t.Fatalf("processor and scrub differ:\n got %q\nwant %q", got, want)
			}
			for _, l := range got {
				if !strings.HasPrefix(l, prefix) {
					t.Errorf("a record without the prefix left: %q", l)
				}
			}
		})
	}
}

// TestJobVerdicts states what the job's output must give, so that the
// oracle itself cannot drift into passing private data.
func TestJobVerdicts(t *testing.T) {
	p, sink := start(t, testConfig())
	send(t, p, "train-7", records("/var/log/pods/train-7/0.log", fileLines(readJob(t))), rand.New(rand.NewPCG(3, 4)))
	out := strings.Join(bodies(sink), "\n")
	for _, secret := range []string{"alice.martin", "bob.stone", "carol", "4111", "ghp_", "forged", "ERROR", "not at the start", "message goes on"} {
		if strings.Contains(out, secret) {
			t.Errorf("%q left the processor:\n%s", secret, out)
		}
	}
	for _, want := range []string{
		prefix + " starting run 7 on 2 GPUs",
		prefix + " coloured public line",
		prefix + " epoch: 100%|██████████| 3/3",
		prefix + " conflog: blocked a public line: github-token at column 24 (value withheld)",
		prefix + " conflog: blocked a public line: email at column 20 (value withheld)",
		prefix + " loss=0.31",
		prefix + " Traceback (most recent call last):",
		prefix + `   File "/opt/job/job.py", line 32, in load`,
		prefix + " ValueError: [scrubbed]",
	} {
		if !slices.Contains(bodies(sink), want) {
			t.Errorf("missing %q in:\n%s", want, out)
		}
	}
}

// TestStreamsApart: two jobs' lines interleaved record by record are judged
// each in its own stream: a message in progress in one does not hold the
// other's lines. (A trace's header is emitted when its frame confirms it.)
func TestStreamsApart(t *testing.T) {
	trace := []string{
		"Traceback (most recent call last):",
		`  File "train.py", line 3, in <module>`,
		"KeyError: 'alice@example.com'",
		prefix + " still the message: dave@example.com",
	}
	plain := []string{prefix + " a", prefix + " b", prefix + " c", prefix + " d"}
	p, sink := start(t, testConfig())
	for i := range trace {
		for _, r := range []rec{{body: trace[i], path: "/a.log", seq: int64(i + 1)}, {body: plain[i], path: "/b.log", seq: int64(i + 1)}} {
			if err := p.ConsumeLogs(context.Background(), batch("pod", r)); err != nil {
				t.Fatal(err)
			}
		}
	}
	got := bodies(sink)
	want := []string{
		prefix + " a", prefix + " Traceback (most recent call last):", prefix + `   File "train.py", line 3, in <module>`,
		prefix + " b",
		prefix + " KeyError: [scrubbed]", prefix + " c",
		prefix + " d",
	}
	if !slices.Equal(got, want) {
		t.Fatalf("got %q\nwant %q", got, want)
	}
}

// TestSplitTraceFailsClosed: a stream whose records are shared between two
// processors (a gateway pool re-balanced mid-trace) passes no line of the
// part a processor did not see from the start: the continuation of a
// message that starts with the prefix stays private in both.
func TestSplitTraceFailsClosed(t *testing.T) {
	lines := []string{
		prefix + " epoch 1",
		"Traceback (most recent call last):",
		`  File "train.py", line 3, in <module>`,
		"ValueError: customer 4111 1111 1111 1111",
		prefix + " continued message: erin@example.com",
		prefix + " after the split",
	}
	recs := records("/var/log/pods/x/0.log", lines)
	for split := 1; split < len(recs); split++ {
		a, sinkA := start(t, testConfig())
		b, sinkB := start(t, testConfig())
		if err := a.ConsumeLogs(context.Background(), batch("x", recs[:split]...)); err != nil {
			t.Fatal(err)
		}
		if err := b.ConsumeLogs(context.Background(), batch("x", recs[split:]...)); err != nil {
			t.Fatal(err)
		}
		for _, l := range append(bodies(sinkA), bodies(sinkB)...) {
			if strings.Contains(l, "erin") || strings.Contains(l, "4111") {
				t.Fatalf("split at %d: private data left: %q", split, l)
			}
		}
		if got := bodies(sinkB); slices.Contains(got, prefix+" after the split") {
			t.Errorf("split at %d: the second processor passed a prefixed line of a stream it did not see from its start: %q", split, got)
		}
	}
}

// TestSplitTraceAcrossResources: one file's records whose resource changes
// mid-trace (an enriching processor before conflog that learns the pod's
// metadata late, an agent that restarts with another resource) are two
// streams to the processor; the second is not seen from record 1, so the
// message's continuation stays private, in one batch or across batches.
func TestSplitTraceAcrossResources(t *testing.T) {
	lines := []string{
		prefix + " epoch 1",
		"Traceback (most recent call last):",
		`  File "train.py", line 3, in <module>`,
		"ValueError: customer 4111 1111 1111 1111",
		prefix + " continued message: erin@example.com",
		prefix + " after the split",
	}
	recs := records("/var/log/pods/x/0.log", lines)
	for split := 1; split < len(recs); split++ {
		for _, oneBatch := range []bool{false, true} {
			p, sink := start(t, testConfig())
			first, second := batch("x", recs[:split]...), batch("x", recs[split:]...)
			second.ResourceLogs().At(0).Resource().Attributes().PutStr("k8s.pod.uid", "0123")
			if oneBatch {
				second.ResourceLogs().MoveAndAppendTo(first.ResourceLogs())
				second = plog.NewLogs()
			}
			for _, ld := range []plog.Logs{first, second} {
				if err := p.ConsumeLogs(context.Background(), ld); err != nil {
					t.Fatal(err)
				}
			}
			for _, l := range bodies(sink) {
				if strings.Contains(l, "erin") || strings.Contains(l, "4111") || l == prefix+" after the split" {
					t.Fatalf("split at %d (one batch: %v): %q left", split, oneBatch, l)
				}
			}
		}
	}
}

// TestStreamsApartInOneBatch: in one batch, records whose stream
// attributes differ only by a value's type (the string "7", the integer
// 7), or whose scopes differ, are of different streams, however they
// alternate: a message in progress in one does not hold the other's
// lines, and the other's state does not release the message's.
func TestStreamsApartInOneBatch(t *testing.T) {
	trace := []string{
		"Traceback (most recent call last):",
		`  File "train.py", line 3, in <module>`,
		"KeyError: 'alice@example.com'",
		prefix + " still the message: dave@example.com",
		prefix + " still the message too",
	}
	for _, apart := range []string{"type", "scope"} {
		t.Run(apart, func(t *testing.T) {
			p, sink := start(t, testConfig())
			ld := plog.NewLogs()
			rl := ld.ResourceLogs().AppendEmpty()
			rl.Resource().Attributes().PutStr("k8s.pod.name", "pod")
			scopes := []plog.LogRecordSlice{rl.ScopeLogs().AppendEmpty().LogRecords()}
			if apart == "scope" {
				rl.ScopeLogs().At(0).Scope().SetName("a")
				sl := rl.ScopeLogs().AppendEmpty()
				sl.Scope().SetName("b")
				scopes = append(scopes, sl.LogRecords())
			}
			add := func(stream int, body string, seq int64) {
				recs := scopes[0]
				if apart == "scope" {
					recs = scopes[stream]
				}
				r := recs.AppendEmpty()
				r.Body().SetStr(body)
				r.Attributes().PutStr("log.iostream", "stdout")
				if stream == 0 || apart == "scope" {
					r.Attributes().PutStr("log.file.path", "7")
				} else {
					r.Attributes().PutInt("log.file.path", 7)
				}
				r.Attributes().PutInt("log.file.record_number", seq)
			}
			for i, l := range trace {
				add(0, l, int64(2*i+1))
				add(0, prefix+" (the message goes on)", int64(2*i+2))
				add(1, fmt.Sprintf("%s other %d", prefix, i), int64(i+1))
			}
			if err := p.ConsumeLogs(context.Background(), ld); err != nil {
				t.Fatal(err)
			}
			got := strings.Join(bodies(sink), "\n")
			for i := range trace {
				if l := fmt.Sprintf("%s other %d", prefix, i); !strings.Contains(got, l) {
					t.Errorf("the other stream's %q did not pass:\n%s", l, got)
				}
			}
			for _, leak := range []string{"dave@", "still the message"} {
				if strings.Contains(got, leak) {
					t.Errorf("the message's line passed (%q):\n%s", leak, got)
				}
			}
		})
	}
}

// TestSequence: gaps, reordering, duplicates and a missing number break a
// stream (its prefixed lines stay private); record 1 starts it again.
func TestSequence(t *testing.T) {
	pub := func(s string, seq int64) rec { return rec{body: prefix + " " + s, path: "/p.log", seq: seq} }
	for _, tc := range []struct {
		name string
		recs []rec
		want []string
	}{
		{"in order", []rec{pub("1", 1), pub("2", 2), pub("3", 3)}, []string{"1", "2", "3"}},
		{"first seen mid-stream", []rec{pub("5", 5), pub("6", 6)}, nil},
		{"gap", []rec{pub("1", 1), pub("2", 2), pub("4", 4), pub("5", 5)}, []string{"1", "2"}},
		{"reordered", []rec{pub("1", 1), pub("3", 3), pub("2", 2)}, []string{"1"}},
		{"duplicate", []rec{pub("1", 1), pub("2", 2), pub("2", 2)}, []string{"1", "2"}},
		{"missing number", []rec{pub("1", 1), {body: prefix + " x", path: "/p.log"}, pub("3", 3)}, []string{"1"}},
		{"restart at 1", []rec{pub("5", 5), pub("1", 1), pub("2", 2)}, []string{"1", "2"}},
		{"string number", []rec{pub("1", 1)}, []string{"1"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, sink := start(t, testConfig())
			for _, r := range tc.recs {
				if err := p.ConsumeLogs(context.Background(), batch("pod", r)); err != nil {
					t.Fatal(err)
				}
			}
			var want []string
			for _, w := range tc.want {
				want = append(want, prefix+" "+w)
			}
			if got := bodies(sink); !slices.Equal(got, want) {
				t.Errorf("got %q, want %q", got, want)
			}
		})
	}
}

// TestRotationMidMessage: a file rotated (numbering restarts at 1) while an
// exception message is in progress: the new file's first lines are still
// the message and stay private, prefix or not.
func TestRotationMidMessage(t *testing.T) {
	p, sink := start(t, testConfig())
	old := records("/var/log/pods/x/0.log", []string{
		"Traceback (most recent call last):",
		`  File "train.py", line 3, in <module>`,
		"ValueError: row",
	})
	rotated := records("/var/log/pods/x/0.log", []string{prefix + " customer heidi, row 17"})
	for _, b := range [][]rec{old, rotated} {
		if err := p.ConsumeLogs(context.Background(), batch("x", b...)); err != nil {
			t.Fatal(err)
		}
	}
	for _, l := range bodies(sink) {
		if strings.Contains(l, "heidi") {
			t.Fatalf("the message's continuation in the rotated file left: %q", l)
		}
	}
}

// TestStartAtEnd: filelog's reader numbers its records from 1 wherever it
// starts reading, and with start_at: end (filelog's default) it starts the
// files already there at their end when the Collector starts: its record
// 1 can be the middle of an exception message. The record's offset
// (include_file_record_offset) tells: record 1 not at offset 0 breaks the
// stream, whole or new, until a record 1 at offset 0 (a rotated file).
// Fails if record 1 is taken for the file's start whatever its offset.
func TestStartAtEnd(t *testing.T) {
	mk := func(first int64, bodies ...string) plog.Logs {
		ld := batch("x")
		sl := ld.ResourceLogs().At(0).ScopeLogs().At(0)
		off := first
		for i, b := range bodies {
			lr := sl.LogRecords().AppendEmpty()
			lr.Body().SetStr(b)
			lr.Attributes().PutStr("log.file.path", "/var/log/pods/x/0.log")
			lr.Attributes().PutInt("log.file.record_number", int64(i+1))
			lr.Attributes().PutInt("log.file.record_offset", off)
			off += int64(len(b)) + 1
		}
		return ld
	}
	p, sink := start(t, testConfig())
	for _, ld := range []plog.Logs{
		// The Collector started inside a message written before it.
		mk(4096, prefix+" customer heidi, row 17", prefix+" heidi's card"),
		// A whole stream, then the agent restarted at the file's end.
		mk(0, prefix+" epoch 1", "Traceback (most recent call last):", `  File "a.py", line 1, in <module>`, "ValueError: row"),
		mk(8192, prefix+" customer ivan, row 18"),
		// A new file: record 1 at offset 0.
		mk(0, prefix+" fresh"),
	} {
		if err := p.ConsumeLogs(context.Background(), ld); err != nil {
			t.Fatal(err)
		}
	}
	want := []string{prefix + " epoch 1", prefix + " Traceback (most recent call last):",
		prefix + `   File "a.py", line 1, in <module>`, prefix + " ValueError: [scrubbed]", prefix + " fresh"}
	if got := bodies(sink); !slices.Equal(got, want) {
		t.Fatalf("got %q, want %q", got, want)
	}
}

// TestUnsequenced: with require_sequence false, records without numbers are
// judged in arrival order.
func TestUnsequenced(t *testing.T) {
	cfg := testConfig()
	cfg.Streams.RequireSequence = false
	p, sink := start(t, cfg)
	lines := fileLines(readJob(t))
	rs := make([]rec, len(lines))
	for i, l := range lines {
		rs[i] = rec{body: l, path: "/j.log"}
	}
	send(t, p, "pod", rs, rand.New(rand.NewPCG(5, 6)))
	if got, want := bodies(sink), oracle(t, cfg, readJob(t)); !slices.Equal(got, want) {
		t.Fatalf("got %q\nwant %q", got, want)
	}
}

// newGate builds the processor's core with a clock the test moves.
func newGate(t *testing.T, cfg *Config, now *time.Time) *gate {
	t.Helper()
	g, err := newProcessor(cfg, componenttest.NewNopTelemetrySettings())
	if err != nil {
		t.Fatal(err)
	}
	g.now = func() time.Time { return *now }
	return g
}

func (g *gate) consume(t *testing.T, ld plog.Logs) []string {
	t.Helper()
	out, err := g.processLogs(context.Background(), ld)
	if err != nil && out.LogRecordCount() != 0 {
		t.Fatal(err)
	}
	sink := new(consumertest.LogsSink)
	sink.ConsumeLogs(context.Background(), out)
	return bodies(sink)
}

// TestStreamCap: at most max_streams states are kept; a stream whose state
// was dropped to make room fails closed when it comes back mid-trace.
func TestStreamCap(t *testing.T) {
	cfg := testConfig()
	cfg.Streams.MaxStreams = 3
	now := time.Unix(1e9, 0)
	g := newGate(t, cfg, &now)
	trace := []string{"Traceback (most recent call last):", `  File "a.py", line 1, in <module>`, "KeyError: 'x'", prefix + " frank@example.com is still the message"}
	g.consume(t, batch("victim", records("/v.log", trace[:3])...))
	for i := range 5 {
		g.consume(t, batch(fmt.Sprint("other", i), rec{body: prefix + " hi", path: "/o.log", seq: 1}))
		if n := g.streams.len(); n > cfg.Streams.MaxStreams {
			t.Fatalf("%d streams kept, max_streams is %d", n, cfg.Streams.MaxStreams)
		}
	}
	got := g.consume(t, batch("victim", rec{body: trace[3], path: "/v.log", seq: 4}, rec{body: prefix + " next", path: "/v.log", seq: 5}))
	if len(got) != 0 {
		t.Fatalf("a stream dropped at the cap passed %q", got)
	}
}

// TestIdleTimeout: a stream idle past the time-out is dropped, and one kept
// busy is not.
func TestIdleTimeout(t *testing.T) {
	cfg := testConfig()
	cfg.Streams.IdleTimeout = time.Minute
	now := time.Unix(1e9, 0)
	g := newGate(t, cfg, &now)
	g.consume(t, batch("idle", rec{body: prefix + " 1", path: "/i.log", seq: 1}))
	g.consume(t, batch("busy", rec{body: prefix + " 1", path: "/b.log", seq: 1}))
	for i := int64(2); i <= 4; i++ {
		now = now.Add(40 * time.Second)
		if got := g.consume(t, batch("busy", rec{body: prefix + " n", path: "/b.log", seq: i})); len(got) != 1 {
			t.Fatalf("busy stream: got %q", got)
		}
	}
	if n := g.streams.len(); n != 1 {
		t.Fatalf("%d streams kept after the idle one timed out, want 1", n)
	}
	if got := g.consume(t, batch("idle", rec{body: prefix + " 2", path: "/i.log", seq: 2})); len(got) != 0 {
		t.Fatalf("a timed-out stream resumed mid-stream passed %q", got)
	}
	if got := g.consume(t, batch("idle", rec{body: prefix + " new file", path: "/i.log", seq: 1})); len(got) != 1 {
		t.Fatalf("a timed-out stream starting again at record 1: got %q", got)
	}
}

// TestStructuredBody: a map body is not a line: it is dropped and its
// stream fails closed.
func TestStructuredBody(t *testing.T) {
	p, sink := start(t, testConfig())
	ld := batch("pod", rec{body: prefix + " 1", path: "/m.log", seq: 1}, rec{path: "/m.log", seq: 2}, rec{body: prefix + " 3", path: "/m.log", seq: 3})
	ld.ResourceLogs().At(0).ScopeLogs().At(0).LogRecords().At(1).Body().SetEmptyMap().PutStr("msg", prefix+" email grace@example.com")
	if err := p.ConsumeLogs(context.Background(), ld); err != nil {
		t.Fatal(err)
	}
	if got := bodies(sink); !slices.Equal(got, []string{prefix + " 1"}) {
		t.Fatalf("got %q", got)
	}
}

// TestBytesBody: a bytes body is judged like a string and stays bytes.
func TestBytesBody(t *testing.T) {
	p, sink := start(t, testConfig())
	ld := batch("pod", rec{path: "/y.log", seq: 1}, rec{path: "/y.log", seq: 2})
	rs := ld.ResourceLogs().At(0).ScopeLogs().At(0).LogRecords()
	rs.At(0).Body().SetEmptyBytes().FromRaw([]byte("\x1b[1m" + prefix + " bold\x1b[0m"))
	rs.At(1).Body().SetEmptyBytes().FromRaw([]byte("private"))
	if err := p.ConsumeLogs(context.Background(), ld); err != nil {
		t.Fatal(err)
	}
	out := sink.AllLogs()[0].ResourceLogs().At(0).ScopeLogs().At(0).LogRecords()
	if out.Len() != 1 || out.At(0).Body().Type() != pcommon.ValueTypeBytes || string(out.At(0).Body().Bytes().AsRaw()) != prefix+" bold" {
		t.Fatalf("got %d records, first %v", out.Len(), out.At(0).Body().AsRaw())
	}
}

// TestRecordCopies: a record that makes several lines becomes several
// records, each with the original's attributes and time stamps.
func TestRecordCopies(t *testing.T) {
	p, sink := start(t, testConfig())
	ld := batch("pod", rec{body: prefix + " a\r" + prefix + " b\rprivate\r\n", path: "/c.log", seq: 1})
	ts := pcommon.NewTimestampFromTime(time.Unix(1700000000, 0))
	ld.ResourceLogs().At(0).ScopeLogs().At(0).LogRecords().At(0).SetTimestamp(ts)
	if err := p.ConsumeLogs(context.Background(), ld); err != nil {
		t.Fatal(err)
	}
	out := sink.AllLogs()[0].ResourceLogs().At(0).ScopeLogs().At(0).LogRecords()
	if got := bodies(sink); !slices.Equal(got, []string{prefix + " a", prefix + " b"}) {
		t.Fatalf("got %q", got)
	}
	for i := range out.Len() {
		r := out.At(i)
		if r.Timestamp() != ts {
			t.Errorf("record %d: time stamp %v, want %v", i, r.Timestamp(), ts)
		}
		if v, _ := r.Attributes().Get("log.file.path"); v.Str() != "/c.log" {
			t.Errorf("record %d: lost its attributes: %v", i, r.Attributes().AsRaw())
		}
	}
	if got := sink.AllLogs()[0].ResourceLogs().At(0).Resource().Attributes().AsRaw()["k8s.pod.name"]; got != "pod" {
		t.Errorf("resource attributes lost: %v", got)
	}
}

// TestRecordCopiesInOrder: in a batch where records are dropped, kept
// and split around each other, every line leaves in the order of the
// stream, each in a record of its own source (its record number, its time
// stamp, its other fields), and no record is shared by two lines.
func TestRecordCopiesInOrder(t *testing.T) {
	p, sink := start(t, testConfig())
	in := []string{
		"private 1",
		prefix + " a\r" + prefix + " b",
		prefix + " c",
		"private 2",
		"\r" + prefix + " d\r" + prefix + " e\rprivate\r" + prefix + " f",
		"private 3",
		prefix + " g",
		prefix + " h\r" + prefix + " i",
		"private 4",
	}
	ld := batch("pod", records("/o.log", in)...)
	recs := ld.ResourceLogs().At(0).ScopeLogs().At(0).LogRecords()
	for i := range recs.Len() {
		recs.At(i).SetTimestamp(pcommon.Timestamp(1000 + i))
		recs.At(i).SetSeverityText(fmt.Sprint("S", i))
	}
	if err := p.ConsumeLogs(context.Background(), ld); err != nil {
		t.Fatal(err)
	}
	type line struct {
		body string
		src  int // index into in
	}
	want := []line{{"a", 1}, {"b", 1}, {"c", 2}, {"d", 4}, {"e", 4}, {"f", 4}, {"g", 6}, {"h", 7}, {"i", 7}}
	out := sink.AllLogs()[0].ResourceLogs().At(0).ScopeLogs().At(0).LogRecords()
	if out.Len() != len(want) {
		t.Fatalf("got %d records %q, want %d", out.Len(), bodies(sink), len(want))
	}
	for i, w := range want {
		r := out.At(i)
		seq, _ := r.Attributes().Get("log.file.record_number")
		if r.Body().Str() != prefix+" "+w.body || seq.Int() != int64(w.src+1) ||
			r.Timestamp() != pcommon.Timestamp(1000+w.src) || r.SeverityText() != fmt.Sprint("S", w.src) {
			t.Errorf("record %d: %q record %d at %d (%s), want %q from record %d", i, r.Body().Str(), seq.Int(),
				r.Timestamp(), r.SeverityText(), prefix+" "+w.body, w.src+1)
		}
		// Each record is its own: changing one changes no other.
		r.Attributes().PutStr("mark", fmt.Sprint(i))
	}
	for i := range out.Len() {
		if v, _ := out.At(i).Attributes().Get("mark"); v.Str() != fmt.Sprint(i) {
			t.Errorf("record %d shares its attributes with record %s", i, v.Str())
		}
	}
}

// TestAllPrivateBatch: a batch with nothing public goes no further.
func TestAllPrivateBatch(t *testing.T) {
	p, sink := start(t, testConfig())
	if err := p.ConsumeLogs(context.Background(), batch("pod", records("/q.log", []string{"a", "b"})...)); err != nil {
		t.Fatal(err)
	}
	if n := len(sink.AllLogs()); n != 0 {
		t.Fatalf("%d empty batches sent on", n)
	}
}

// TestUnsequencedDroppedMidMessage: without sequence numbers, a stream whose
// state was dropped (idle, or at the cap) inside an exception message comes
// back broken, so the message's prefixed continuation stays private; a
// stream dropped between messages comes back whole.
func TestUnsequencedDroppedMidMessage(t *testing.T) {
	cfg := testConfig()
	cfg.Streams.RequireSequence = false
	cfg.Streams.IdleTimeout = time.Minute
	now := time.Unix(1e9, 0)
	g := newGate(t, cfg, &now)
	unnumbered := func(lines ...string) []rec {
		rs := make([]rec, len(lines))
		for i, l := range lines {
			rs[i] = rec{body: l, path: "/u.log"}
		}
		return rs
	}
	g.consume(t, batch("mid", unnumbered("Traceback (most recent call last):", `  File "a.py", line 1, in <module>`, "ValueError: judy")...))
	g.consume(t, batch("calm", unnumbered(prefix+" between messages")...))
	now = now.Add(2 * time.Minute)
	if got := g.consume(t, batch("mid", unnumbered(prefix+" judy's card 4000 0000 0000 0002 row 9", prefix+" later")...)); len(got) != 0 {
		t.Fatalf("a stream dropped inside a message came back and passed %q", got)
	}
	if got := g.consume(t, batch("calm", unnumbered(prefix+" again")...)); !slices.Equal(got, []string{prefix + " again"}) {
		t.Fatalf("a stream dropped between messages: got %q", got)
	}
}

// cutRecords cuts lines into records as the filelog receiver does with
// max_log_size n (pkg/stanza/trim.ToLength): a line longer than n becomes
// pieces of n bytes and a last piece of the rest, each a record.
func cutRecords(lines []string, n int) []string {
	var out []string
	for _, l := range lines {
		for n > 0 && len(l) > n {
			out = append(out, l[:n])
			l = l[n:]
		}
		out = append(out, l)
	}
	return out
}

// TestReceiverCut: a private line the receiver cut into records, whose
// second and third pieces start with the prefix, stays private to its end
// (as conflog scrub keeps a cut line's rest); the public lines around it,
// and the other stream's, pass. Fails if each record is judged as a line.
func TestReceiverCut(t *testing.T) {
	const n = 64
	cfg := testConfig()
	cfg.ReceiverMaxLogSize = n
	private := "customer row alice@example.com " + strings.Repeat("x", n-31)
	private += prefix + " leaked " + strings.Repeat("y", n-len(prefix)-8)
	private += prefix + " leaked too"
	lines := []string{prefix + " before", private, prefix + " after"}
	recs := cutRecords(lines, n)
	if len(recs) != 5 || !strings.HasPrefix(recs[2], prefix) || !strings.HasPrefix(recs[3], prefix) {
		t.Fatalf("test data: %q", recs)
	}
	p, sink := start(t, cfg)
	other := records("/other.log", []string{prefix + " other"})
	for i, r := range records("/f.log", recs) {
		send(t, p, "pod", []rec{r}, rand.New(rand.NewPCG(1, 1)))
		if i == 2 {
			send(t, p, "pod", other, rand.New(rand.NewPCG(1, 1)))
		}
	}
	want := []string{prefix + " before", prefix + " other", prefix + " after"}
	if got := bodies(sink); !slices.Equal(got, want) {
		t.Fatalf("got %q\nwant %q", got, want)
	}
	// As scrub judges the whole line with max_line n.
	cfg.MaxLine = n
	if got, want := oracle(t, cfg, joinLines(lines)), []string{prefix + " before", prefix + " after"}; !slices.Equal(got, want) {
		t.Fatalf("scrub: got %q, want %q", got, want)
	}
}

// TestReceiverCutDefault: with the defaults, a private line of more than
// 1 MiB, cut by filelog's default max_log_size, whose byte 1,048,577 starts
// the prefix: nothing of it passes.
func TestReceiverCutDefault(t *testing.T) {
	cfg := testConfig()
	private := "token=" + strings.Repeat("s", 1<<20-6) + prefix + " rest of a secret"
	recs := cutRecords([]string{prefix + " a", private, prefix + " b"}, 1<<20)
	p, sink := start(t, cfg)
	send(t, p, "pod", records("/f.log", recs), rand.New(rand.NewPCG(2, 2)))
	if got, want := bodies(sink), []string{prefix + " a", prefix + " b"}; !slices.Equal(got, want) {
		t.Fatalf("got %q, want %q", got, want)
	}
	// With the receiver not cutting (0), each record is a line again.
	cfg.ReceiverMaxLogSize = 0
	p, sink = start(t, cfg)
	send(t, p, "pod", records("/f.log", recs), rand.New(rand.NewPCG(2, 2)))
	if got := bodies(sink); len(got) != 3 {
		t.Fatalf("receiver_max_log_size 0: got %d lines, want 3", len(got))
	}
}

// TestReceiverCutExactLine: a line of exactly receiver_max_log_size bytes
// cannot be told from a cut one: the line after it is lost (fail closed,
// docs/otelcol.md), the one after that passes.
func TestReceiverCutExactLine(t *testing.T) {
	cfg := testConfig()
	cfg.ReceiverMaxLogSize = 32
	exact := prefix + strings.Repeat("e", 32-len(prefix))
	p, sink := start(t, cfg)
	send(t, p, "pod", records("/f.log", []string{exact, prefix + " lost", prefix + " kept"}), rand.New(rand.NewPCG(3, 3)))
	if got, want := bodies(sink), []string{exact, prefix + " kept"}; !slices.Equal(got, want) {
		t.Fatalf("got %q, want %q", got, want)
	}
}

// TestReceiverCutOffset: filelog trims the whitespace a cut piece ends
// with, so the first piece's body is shorter than max_log_size; the
// records' offsets (include_file_record_offset) still show the cut, and
// the rest stays private. Routed, the rest goes to the private pipeline.
func TestReceiverCutOffset(t *testing.T) {
	const n = 40
	cfg := testConfig()
	cfg.ReceiverMaxLogSize = n
	head := "password hunter2" + strings.Repeat(" ", n-16) // trimmed to 16 bytes
	rest := prefix + " the rest of the secret"             // the next piece
	bs := []string{prefix + " a", strings.TrimRight(head, " "), rest, prefix + " b"}
	offs := []int64{0, int64(len(prefix) + 3), int64(len(prefix)+3) + n, int64(len(prefix)+3) + n + int64(len(rest)) + 1}
	ld := plog.NewLogs()
	rl := ld.ResourceLogs().AppendEmpty()
	sl := rl.ScopeLogs().AppendEmpty()
	for i, b := range bs {
		lr := sl.LogRecords().AppendEmpty()
		lr.Body().SetStr(b)
		lr.Attributes().PutStr("log.file.path", "/f.log")
		lr.Attributes().PutInt("log.file.record_number", int64(i+1))
		lr.Attributes().PutInt("log.file.record_offset", offs[i])
	}
	g, err := newProcessor(cfg, componenttest.NewNopTelemetrySettings())
	if err != nil {
		t.Fatal(err)
	}
	g.route = true
	priv := g.judge(context.Background(), ld)
	pub := new(consumertest.LogsSink)
	pub.ConsumeLogs(context.Background(), ld)
	if got, want := bodies(pub), []string{prefix + " a", prefix + " b"}; !slices.Equal(got, want) {
		t.Fatalf("public: got %q, want %q", got, want)
	}
	ps := new(consumertest.LogsSink)
	ps.ConsumeLogs(context.Background(), priv)
	if got, want := bodies(ps), []string{strings.TrimRight(head, " "), rest}; !slices.Equal(got, want) {
		t.Fatalf("private: got %q, want %q", got, want)
	}
}

// TestPartialTags: a record the container parser tags partial (a CRI line
// the runtime split and the recombination flushed before its end, e.g. at
// its force_flush_period) is followed by its line's rest: private, though
// it starts with the prefix; the line after that passes. The CRI separates a line's log tags with ':', and the
// kubelet reads a line as partial when any tag is "P", where the container
// parser joins parts until the tag is exactly "F". A tag of either
// reading's partial line makes the next record the line's rest, private:
// "P:x" (the kubelet's partial) and every tag that is not "F" (the
// parser's); only "F" ends the line. Fails if only "P" is read as partial.
func TestPartialTags(t *testing.T) {
	for _, tc := range []struct {
		tag     string
		partial bool
	}{{"P", true}, {"P:x", true}, {"x:P", true}, {"X", true}, {"", true}, {"F:x", true}, {"x:F", true}, {"F", false}} {
		ld := plog.NewLogs()
		sl := ld.ResourceLogs().AppendEmpty().ScopeLogs().AppendEmpty()
		for i, r := range []struct{ body, tag string }{
			{prefix + " a", "F"},
			{"private head, 16 KiB of a customer row", tc.tag},
			{prefix + " the row's rest", "F"},
			{prefix + " b", "F"},
		} {
			lr := sl.LogRecords().AppendEmpty()
			lr.Body().SetStr(r.body)
			lr.Attributes().PutStr("log.file.path", "/var/log/pods/p/c/0.log")
			lr.Attributes().PutStr("logtag", r.tag)
			lr.Attributes().PutInt("log.file.record_number", int64(i+1))
		}
		p, sink := start(t, testConfig())
		if err := p.ConsumeLogs(context.Background(), ld); err != nil {
			t.Fatal(err)
		}
		want := []string{prefix + " a", prefix + " b"}
		if !tc.partial {
			want = []string{prefix + " a", prefix + " the row's rest", prefix + " b"}
		}
		if got := bodies(sink); !slices.Equal(got, want) {
			t.Errorf("logtag %q: got %q, want %q", tc.tag, got, want)
		}
	}
}

// TestUnsequencedDroppedInCut: an unsequenced stream dropped (idle) right
// after the first piece of a cut line comes back fail-closed: its next
// record, the line's rest, is not judged as a new line.
func TestUnsequencedDroppedInCut(t *testing.T) {
	cfg := testConfig()
	cfg.ReceiverMaxLogSize = 16
	cfg.Streams.RequireSequence = false
	cfg.Streams.IdleTimeout = time.Minute
	now := time.Unix(1e9, 0)
	g := newGate(t, cfg, &now)
	g.consume(t, batch("cut", rec{body: "private 16 bytes", path: "/u.log"}))
	now = now.Add(2 * time.Minute)
	if got := g.consume(t, batch("cut", rec{body: prefix + " the rest", path: "/u.log"})); len(got) != 0 {
		t.Fatalf("a stream dropped inside a cut line came back and passed %q", got)
	}
}

// TestDockerPartialLine: Docker's json-file driver cuts a line longer than
// 16 KiB into pieces, and the container parser leaves each piece's body as
// the driver wrote its `log`: with the line end for the last piece, without
// it for the others. The records after a body without it are the line's
// rest, private, whatever they start with, across batches too. A stream
// without the container parser's log.iostream (OTLP) whose messages end
// with '\n' now and then loses nothing.
func TestDockerPartialLine(t *testing.T) {
	const path = "/var/lib/docker/containers/c/c-json.log"
	p, sink := start(t, testConfig())
	for _, ld := range []plog.Logs{
		batch("docker",
			rec{body: prefix + " a\n", path: path, container: true, seq: 1},
			rec{body: "private head, 16 KiB of a customer row", path: path, container: true, seq: 2},
			rec{body: prefix + " the row's middle", path: path, container: true, seq: 3}),
		batch("docker",
			rec{body: prefix + " the row's rest\r\n", path: path, container: true, seq: 4},
			rec{body: prefix + " b\n", path: path, container: true, seq: 5}),
		batch("docker-fresh", // a stream's first record a piece: known by its length
			rec{body: strings.Repeat("private ", 2048), path: path, container: true, seq: 1},
			rec{body: prefix + " the second piece", path: path, container: true, seq: 2},
			rec{body: prefix + " f\n", path: path, container: true, seq: 3}),
		batch("plain", // a plain file's long line: no log.iostream
			rec{body: strings.Repeat("x", 20000), path: "/plain.log", seq: 1},
			rec{body: prefix + " g", path: "/plain.log", seq: 2}),
		batch("otlp",
			rec{body: prefix + " c\n", path: "/otlp", seq: 1},
			rec{body: prefix + " d", path: "/otlp", seq: 2},
			rec{body: prefix + " e", path: "/otlp", seq: 3}),
	} {
		if err := p.ConsumeLogs(context.Background(), ld); err != nil {
			t.Fatal(err)
		}
	}
	if got, want := bodies(sink), []string{prefix + " a", prefix + " b", prefix + " f", prefix + " g", prefix + " c", prefix + " d", prefix + " e"}; !slices.Equal(got, want) {
		t.Fatalf("got %q, want %q", got, want)
	}
}
