package conflogprocessor

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/pdata/plog"
)

// judged is what judgeStreams saw the processor do: each stream's public
// lines, the private lines it routed (as the connector does), and its
// counts over all batches.
type judged struct {
	public, private [][]string
	counts          counts
}

// judgeStreams sends the lines of each stream (its own file, numbered from
// 1) through one processor, the streams' records interleaved at random and
// batched at random, and returns each stream's public lines; with route
// set, the processor keeps its private lines too (the connector's).
func judgeStreams(t testing.TB, cfg *Config, slowOnly bool, streams [][]string, seed uint64) [][]string {
	return judgeStreamsAll(t, cfg, slowOnly, false, streams, seed).public
}

func judgeStreamsAll(t testing.TB, cfg *Config, slowOnly, route bool, streams [][]string, seed uint64) judged {
	t.Helper()
	g, err := newProcessor(cfg, componenttest.NewNopTelemetrySettings())
	if err != nil {
		t.Fatal(err)
	}
	g.slowOnly, g.route = slowOnly, route
	rng := rand.New(rand.NewPCG(seed, 7))
	next := make([]int, len(streams))
	var pending []rec
	var total counts
	var privs []plog.Logs
	flush := func() {
		if len(pending) == 0 {
			return
		}
		ld := batch("pod", pending...)
		pending = pending[:0]
		priv := g.judge(context.Background(), ld)
		c := g.counts
		total.records += c.records
		total.public += c.public
		total.private += c.private
		total.blocked += c.blocked
		total.broken += c.broken
		total.dropped += c.dropped
		if route {
			privs = append(privs, priv)
		}
		if ld.ResourceLogs().Len() > 0 {
			got = append(got, ld)
		}
	}
	for {
		var open []int
		for i, s := range streams {
			if next[i] < len(s) {
				open = append(open, i)
			}
		}
		if len(open) == 0 {
			break
		}
		i := open[rng.IntN(len(open))]
		// A plain file's records, or an OTLP sender's, whose bodies' '\n'
		// ends a line, not Docker's piece (TestDockerPartialLine).
		pending = append(pending, rec{body: streams[i][next[i]], path: fmt.Sprintf("/s%d.log", i), seq: int64(next[i] + 1)})
		next[i]++
		if rng.IntN(4) == 0 {
			flush()
		}
	}
	flush()
	res := judged{public: byStream(t, got, len(streams)), private: byStream(t, privs, len(streams)), counts: total}
	got = nil
	return res
}

// byStream returns the bodies of the records of lds, by stream.
func byStream(t testing.TB, lds []plog.Logs, n int) [][]string {
	res := make([][]string, n)
	for _, ld := range lds {
		for _, rl := range ld.ResourceLogs().All() {
			for _, sl := range rl.ScopeLogs().All() {
				for _, lr := range sl.LogRecords().All() {
					path, _ := lr.Attributes().Get("log.file.path")
					var i int
					if _, err := fmt.Sscanf(path.Str(), "/s%d.log", &i); err != nil {
						t.Fatalf("a record of no stream: %v", err)
					}
					res[i] = append(res[i], lr.Body().AsString())
				}
			}
		}
	}
	return res
}

// got collects judgeStreams' output batches (one test at a time).
var got []plog.Logs

// splitStreams deals a file's lines to n streams at random, keeping their order.
func splitStreams(lines []string, n int, rng *rand.Rand) [][]string {
	streams := make([][]string, n)
	for _, l := range lines {
		i := rng.IntN(n)
		streams[i] = append(streams[i], l)
	}
	return streams
}

func joinLines(lines []string) []byte {
	if len(lines) == 0 {
		return nil
	}
	return []byte(strings.Join(lines, "\n") + "\n")
}

// checkStreams asserts that each stream's public lines, through the
// shared filters and the plain-line path, and through the filters alone,
// are what conflog scrub gives on that stream's bytes; and that the two
// paths judge alike in all else too: the same private lines routed and
// the same counts (private, blocked, broken).
func checkStreams(t *testing.T, cfg *Config, streams [][]string, seed uint64) {
	t.Helper()
	fastAll := judgeStreamsAll(t, cfg, false, true, streams, seed)
	slowAll := judgeStreamsAll(t, cfg, true, true, streams, seed)
	fast, slow := fastAll.public, slowAll.public
	for i, s := range streams {
		want := oracle(t, cfg, joinLines(s))
		if len(s) == 0 {
			want = nil
		}
		if !slices.Equal(fast[i], want) {
			t.Fatalf("stream %d: processor and scrub differ on %q:\n got %q\nwant %q", i, s, fast[i], want)
		}
		if !slices.Equal(slow[i], want) {
			t.Fatalf("stream %d: without the plain-line path, processor and scrub differ on %q:\n got %q\nwant %q", i, s, slow[i], want)
		}
		// The same private lines, each as often. Not in the same order:
		// the filter hands on its public lines (a blocked one, now
		// private, among them) at the end of its write, after the
		// private lines of the same body, where the plain-line path
		// keeps each in its place.
		fp, sp := slices.Clone(fastAll.private[i]), slices.Clone(slowAll.private[i])
		slices.Sort(fp)
		slices.Sort(sp)
		if !slices.Equal(fp, sp) {
			t.Fatalf("stream %d: the plain-line path routes other private lines on %q:\n got %q\nwant %q", i, s, fastAll.private[i], slowAll.private[i])
		}
	}
	if fastAll.counts != slowAll.counts {
		t.Fatalf("the plain-line path counts %+v, the filters alone %+v", fastAll.counts, slowAll.counts)
	}
	// Routing keeps the same public lines.
	if plain := judgeStreams(t, cfg, false, streams, seed); !slices.EqualFunc(plain, fast, slices.Equal) {
		t.Fatalf("routing changes the public lines:\n got %q\nwant %q", fast, plain)
	}
}

// TestSharedFiltersStreams: streams interleaved record by record, one of
// them inside a Python exception message whose next line starts with the
// prefix, share the filters: the message line stays private, the other
// streams' prefixed lines pass, each as scrub would judge its stream alone.
func TestSharedFiltersStreams(t *testing.T) {
	trace := []string{
		"Traceback (most recent call last):",
		`  File "train.py", line 3, in <module>`,
		"KeyError: 'alice@example.com'",
		prefix + " still the message: dave@example.com",
		prefix + " and still",
	}
	plain := []string{prefix + " a", prefix + " b", "private", prefix + " c", prefix + " d", prefix + " e"}
	for seed := range uint64(50) {
		checkStreams(t, testConfig(), [][]string{trace, plain, trace, plain}, seed)
	}
	job := fileLines(readJob(t))
	for seed := range uint64(20) {
		rng := rand.New(rand.NewPCG(seed, 1))
		checkStreams(t, testConfig(), splitStreams(job, 1+rng.IntN(4), rng), seed)
	}
}

// TestSharedFiltersBounded: however many streams enter exception messages,
// the processor keeps at most four filters. Every line goes to the filters
// here: a whole stream's lines up to max_line are judged without them.
func TestSharedFiltersBounded(t *testing.T) {
	g, err := newProcessor(testConfig(), componenttest.NewNopTelemetrySettings())
	if err != nil {
		t.Fatal(err)
	}
	g.slowOnly = true
	for i := range 100 {
		var recs []rec
		for k, l := range []string{"Traceback (most recent call last):", `  File "a.py", line 1, in <module>`, "ValueError: x", prefix + " y"} {
			recs = append(recs, rec{body: l, path: fmt.Sprintf("/%d.log", i), seq: int64(k + 1)})
		}
		g.processLogs(context.Background(), batch("pod", recs...))
	}
	n := 0
	for _, row := range g.filters {
		for _, sf := range row {
			if sf != nil {
				n++
			}
		}
	}
	if n == 0 || n > 4 {
		t.Fatalf("%d filters kept, want 1 to 4", n)
	}
}

// FuzzStreams: whatever the bytes, dealt to up to four interleaved streams,
// each stream's public lines are what conflog scrub gives on its bytes,
// with the plain-line path and without it. Records are the lines of data,
// or with nul set its pieces between NUL bytes: bodies that hold '\n',
// "\r\n" and a '\r' at either end, as an OTLP sender may send them (the
// oracle then reads each body and a '\n'). With keep_ansi too.
func FuzzStreams(f *testing.F) {
	f.Add(readJob(f), uint8(3), uint64(1), false, false)
	f.Add([]byte("Traceback (most recent call last):\n  File \"a.py\", line 1, in <module>\nKeyError: 'a@b.co'\nSystemLog: more a@b.co\nSystemLog: x\nSystemLog: y\n"), uint8(2), uint64(4), false, false)
	f.Add([]byte("SystemLog: a\rb\r\nSystemLog: c\x1b[31m\nx\x1bSystemLog: y\nSystemLog: z\n"), uint8(1), uint64(3), false, false)
	f.Add([]byte("SystemLog: a\r\x00SystemLog: b\n\x00\rSystemLog: c\r\n\x00SystemLog: d\r\rSystemLog: e\n\nSystemLog: f\x00Traceback (most recent call last):\n  File \"a.py\", line 1, in <module>\nKeyError: 1\x00SystemLog: g\r\nSystemLog: h"), uint8(1), uint64(5), true, false)
	f.Add(joinLines(slices.Concat(colouredValues, []string{"SystemLog: \x1b[1m-----BEGIN RSA PRIVATE KEY-----\x1b[0m", "SystemLog: \x1b[2mMIIEowIBAAKCAQEA\x1b[0m"})), uint8(2), uint64(6), false, true)
	f.Fuzz(func(t *testing.T, data []byte, n uint8, seed uint64, nul, keepANSI bool) {
		rng := rand.New(rand.NewPCG(seed, 2))
		recs := fileLines(data)
		if nul {
			recs = strings.Split(string(data), "\x00")
		}
		cfg := testConfig()
		cfg.KeepANSI = keepANSI
		checkStreams(t, cfg, splitStreams(recs, 1+int(n%4), rng), seed)
	})
}
