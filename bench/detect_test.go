package bench

// Leak detection: accuracy of package detect on the labelled corpus, and
// its speed beside Go's regexp with the same patterns and beside gitleaks.
//
//	cd bench && go test -run='^$' -bench=Detect -cpu=1 -count=6 . | tee detect.txt && benchstat detect.txt
//	cd bench && DETECT_MB=100 go test -run=TestDetectAccuracy -v .

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/conflog/conflog/detect"
)

// detectSize is the corpus size: 100 MB for the numbers, 4 MB under -short.
func detectSize() int {
	if s := os.Getenv("DETECT_MB"); s != "" {
		if n, err := strconv.Atoi(s); err == nil && n > 0 {
			return n << 20
		}
	}
	if testing.Short() {
		return 4 << 20
	}
	return 100 << 20
}

type detectScore struct{ tp, fp, fn int }

func (s detectScore) precision() float64 {
	if s.tp+s.fp == 0 {
		return 1
	}
	return float64(s.tp) / float64(s.tp+s.fp)
}

func (s detectScore) recall() float64 {
	if s.tp+s.fn == 0 {
		return 1
	}
	return float64(s.tp) / float64(s.tp+s.fn)
}

// detectAccuracy scans the corpus and scores every detector of the set: a
// finding is a true positive only when a label has its detector, offset and
// length exactly.
func detectAccuracy(t testing.TB, set *detect.Set, c *detectCorpus) map[string]*detectScore {
	scores := map[string]*detectScore{}
	for _, d := range set.Detectors() {
		scores[d.Name()] = &detectScore{}
	}
	want := map[int64]detectLabel{}
	for _, l := range c.labels {
		if scores[l.Detector] != nil {
			want[l.Offset] = l
		}
	}
	sc := set.NewScanner(bytes.NewReader(c.data))
	for sc.Scan() {
		for _, f := range sc.Findings() {
			if l, ok := want[f.Offset]; ok && l.Detector == f.Detector && l.Len == f.Len {
				scores[f.Detector].tp++
				delete(want, f.Offset)
				continue
			}
			scores[f.Detector].fp++
			if testing.Verbose() && scores[f.Detector].fp <= 3 {
				line := c.data[f.Offset-int64(f.Col-1):]
				line = line[:bytes.IndexByte(line, '\n')]
				t.Logf("false positive %s %q in %q", f.Detector, c.data[f.Offset:f.Offset+int64(f.Len)], line)
			}
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	for _, l := range want {
		scores[l.Detector].fn++
		if testing.Verbose() && scores[l.Detector].fn <= 3 {
			t.Logf("missed %s %q", l.Detector, c.data[l.Offset:l.Offset+int64(l.Len)])
		}
	}
	return scores
}

// TestDetectAccuracy asserts the targets on the generated corpus: recall 1.0
// and precision at least 0.99 for every high-confidence (validated) detector.
// With -v it prints the table for bench/README.md, low-confidence rows too.
func TestDetectAccuracy(t *testing.T) {
	size := 8 << 20
	if os.Getenv("DETECT_MB") != "" {
		size = detectSize()
	}
	c := detectCorpusOf(size)
	set, err := detect.NewSet(detect.Detectors()...)
	if err != nil {
		t.Fatal(err)
	}
	scores := detectAccuracy(t, set, c)
	detectCheckTargets(t, set, scores)
	var b strings.Builder
	fmt.Fprintf(&b, "corpus: %d MiB, %d lines, %d planted values\n\n", len(c.data)>>20, bytes.Count(c.data, []byte("\n")), len(c.labels))
	b.WriteString("| detector | confidence | planted | found | false positives | precision | recall |\n|---|---|---:|---:|---:|---:|---:|\n")
	for _, d := range set.Detectors() {
		s := scores[d.Name()]
		fmt.Fprintf(&b, "| %s | %s | %d | %d | %d | %.4f | %.4f |\n", d.Name(), d.Confidence(), s.tp+s.fn, s.tp, s.fp, s.precision(), s.recall())
	}
	t.Log("\n" + b.String())
}

// detectCheckTargets fails t when a validated detector misses the targets:
// recall 1.0 and precision at least 0.99.
func detectCheckTargets(t testing.TB, set *detect.Set, scores map[string]*detectScore) {
	for _, d := range set.Detectors() {
		s := scores[d.Name()]
		planted := slices.Contains(detectKinds, d.Name()) // the others: TestDetectEval
		if planted && s.tp+s.fn == 0 {
			t.Errorf("%s: nothing planted", d.Name())
		}
		if d.Confidence() == detect.High && (planted && s.recall() < 1 || s.precision() < 0.99) {
			t.Errorf("%s: precision %.4f recall %.4f, want >= 0.99 and 1", d.Name(), s.precision(), s.recall())
		}
	}
}

// BenchmarkDetectAccuracy reports the default set's lowest precision and
// recall on the corpus; TestDetectAccuracy, which CI runs (.ci/run runs
// this module's tests with its benchmarks), holds the targets.
func BenchmarkDetectAccuracy(b *testing.B) {
	c := detectCorpusOf(detectSize())
	set, err := detect.NewSet()
	if err != nil {
		b.Fatal(err)
	}
	var scores map[string]*detectScore
	for b.Loop() {
		scores = detectAccuracy(b, set, c)
	}
	minP, minR := 1.0, 1.0
	for _, s := range scores {
		minP, minR = min(minP, s.precision()), min(minR, s.recall())
	}
	b.ReportMetric(minP, "min-precision")
	b.ReportMetric(minR, "min-recall")
}

// detectRegexps is the baseline: the same detectors as regular expressions
// (the patterns a regexp scanner would use), each match checked by the same
// validator, so both sides report the same findings.
var detectRegexps = []struct {
	name string
	re   *regexp.Regexp
}{
	{"email", regexp.MustCompile(`[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}`)},
	{"card", regexp.MustCompile(`\b\d(?:[ -]?\d){12,18}\b`)},
	{"iban", regexp.MustCompile(`\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?\b`)},
	{"ssn", regexp.MustCompile(`\b\d{3}([- ])\d{2}[- ]\d{4}\b`)},
	{"jwt", regexp.MustCompile(`eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*`)},
	{"aws-key", regexp.MustCompile(`(?:AKIA|ASIA)[A-Z2-7]{16}\b`)},
	{"github-token", regexp.MustCompile(`\b(?:gh[pousr]_[A-Za-z0-9]{36}|github_pat_[A-Za-z0-9]{22}_[A-Za-z0-9]{59})\b`)},
	{"gitlab-token", regexp.MustCompile(`glpat-[A-Za-z0-9_\-]{20,}`)},
	{"slack-token", regexp.MustCompile(`x(?:ox[baprse]|app)-[A-Za-z0-9-]{20,}`)},
	{"slack-webhook", regexp.MustCompile(`https://hooks\.slack\.com/services/T[A-Z0-9]+/B[A-Z0-9]+/[A-Za-z0-9]+`)},
	{"stripe-key", regexp.MustCompile(`[sr]k_live_[A-Za-z0-9]{24,}`)},
	{"google-api-key", regexp.MustCompile(`AIza[A-Za-z0-9_\-]{35}`)},
	{"private-key", regexp.MustCompile(`-----BEGIN [A-Z ]*PRIVATE KEY-----`)},
	{"credential", regexp.MustCompile(`(?i)(?:password|passwd|token|secret|api[_-]?key)["']?\s*[:=]\s*["']?([^\s"',;&]{8,256})`)},
}

// detectRegexpScan runs every pattern over line-aligned 1 MiB chunks and
// validates the matches; it returns the number of findings.
func detectRegexpScan(data []byte) int {
	n := 0
	detectRegexpMatches(data, func(string, int64, int) { n++ })
	return n
}

func detectRegexpMatches(data []byte, found func(name string, off int64, n int)) {
	base := int64(0)
	validators := make([]detect.Detector, len(detectRegexps))
	for i, p := range detectRegexps {
		validators[i], _ = detect.Lookup(p.name)
	}
	for len(data) > 0 {
		end := min(len(data), 1<<20)
		if end < len(data) {
			end = bytes.LastIndexByte(data[:end], '\n') + 1
		}
		chunk := data[:end]
		data = data[end:]
		chunkOff := base
		base += int64(end)
		for i, p := range detectRegexps {
			for _, m := range p.re.FindAllSubmatchIndex(chunk, -1) {
				s, e := m[0], m[1]
				if len(m) > 3 && m[2] >= 0 && p.name == "credential" {
					s, e = m[2], m[3]
				}
				if validators[i].Validate(chunk[s:e]) {
					found(p.name, chunkOff+int64(s), e-s)
				}
			}
		}
	}
}

// BenchmarkDetect scans the same generated log with package detect's
// default (high-confidence) set, the regexp baseline, and gitleaks when it
// is installed. Run it with -cpu=1: one core, as the gate has.
func BenchmarkDetect(b *testing.B) {
	c := detectCorpusOf(detectSize())
	set, err := detect.NewSet()
	if err != nil {
		b.Fatal(err)
	}
	b.Run("impl=conflog", func(b *testing.B) {
		b.SetBytes(int64(len(c.data)))
		n := 0
		start := detectCPUTime()
		for b.Loop() {
			n = 0
			sc := set.NewScanner(bytes.NewReader(c.data))
			for sc.Scan() {
				n += len(sc.Findings())
			}
		}
		detectReportCPU(b, start, len(c.data))
		b.ReportMetric(float64(n), "findings")
	})
	b.Run("impl=regexp", func(b *testing.B) {
		b.SetBytes(int64(len(c.data)))
		n := 0
		for b.Loop() {
			n = detectRegexpScan(c.data)
		}
		b.ReportMetric(float64(n), "findings")
	})
	b.Run("impl=gitleaks", func(b *testing.B) {
		bin, err := exec.LookPath("gitleaks")
		if err != nil {
			b.Skip("gitleaks not installed: go install github.com/zricethezav/gitleaks/v8@latest")
		}
		file := filepath.Join(b.TempDir(), "train.log")
		if err := os.WriteFile(file, c.data, 0o600); err != nil {
			b.Fatal(err)
		}
		report := filepath.Join(b.TempDir(), "report.json")
		b.SetBytes(int64(len(c.data)))
		start := detectCPUTime()
		for b.Loop() {
			cmd := exec.Command(bin, "dir", "--no-banner", "--log-level", "error", "--exit-code", "0",
				"--report-format", "json", "--report-path", report, file)
			cmd.Env = append(os.Environ(), "GOMAXPROCS=1")
			if out, err := cmd.CombinedOutput(); err != nil {
				b.Fatalf("gitleaks: %v\n%s", err, out)
			}
		}
		detectReportCPU(b, start, len(c.data))
		if out, err := os.ReadFile(report); err == nil {
			b.ReportMetric(float64(bytes.Count(out, []byte(`"RuleID"`))), "findings")
		}
	})
}

// detectCPUTime is the user and system time this process and its waited-for
// children (gitleaks) have used, in nanoseconds. On a shared machine wall
// time measures everyone's load; CPU time measures the scan's work.
func detectCPUTime() int64 {
	var t int64
	for _, who := range []int{syscall.RUSAGE_SELF, syscall.RUSAGE_CHILDREN} {
		var ru syscall.Rusage
		if err := syscall.Getrusage(who, &ru); err != nil {
			panic(err)
		}
		t += ru.Utime.Nano() + ru.Stime.Nano()
	}
	return t
}

// detectReportCPU reports the CPU time per scan since start, and the
// throughput per CPU-second in MB/s (10^6 bytes, as go test's MB/s).
func detectReportCPU(b *testing.B, start int64, size int) {
	ns := float64(detectCPUTime()-start) / float64(b.N)
	b.ReportMetric(ns, "cpu-ns/op")
	if ns > 0 {
		b.ReportMetric(float64(size)/ns*1e3, "cpu-MB/s")
	}
}

// TestDetectRegexpBaselineAgrees keeps the baseline honest: its patterns
// find every planted value that package detect's default set is scored on
// (the private-key body lines, which only a Scanner follows, aside).
func TestDetectRegexpBaselineAgrees(t *testing.T) {
	c := detectCorpusOf(1 << 20)
	set, err := detect.NewSet()
	if err != nil {
		t.Fatal(err)
	}
	found := map[detectLabel]bool{}
	detectRegexpMatches(c.data, func(name string, off int64, n int) { found[detectLabel{name, off, n}] = true })
	checked := 0
	for _, l := range c.labels {
		if _, ok := detect.Lookup(l.Detector); !ok || !slices.ContainsFunc(set.Detectors(), func(d detect.Detector) bool { return d.Name() == l.Detector }) {
			continue
		}
		if l.Detector == "private-key" && !bytes.HasPrefix(c.data[l.Offset:], []byte("-----BEGIN")) {
			continue
		}
		v := c.data[l.Offset : l.Offset+int64(l.Len)]
		if l.Detector == "private-key" {
			l.Len = bytes.Index(v, []byte("KEY-----")) + len("KEY-----")
		}
		checked++
		if !found[l] {
			t.Errorf("regexp baseline misses %s %q", l.Detector, v)
		}
	}
	if checked == 0 {
		t.Fatal("no planted values checked")
	}
}
