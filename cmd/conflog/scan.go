//go:build unix

package main

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"text/tabwriter"
	"time"
	"unicode/utf8"

	"github.com/conflog/conflog/detect"
	"github.com/conflog/conflog/scrub"
)

var scanCommand = &command{
	name:    "scan",
	exits:   "0 nothing found, 1 findings, 2 usage or read error.",
	summary: "report personal data and secrets in log files",
	main:    scanMain,
}

const scanUsage = `Usage: conflog scan [flags] [FILE...|-]

Reports personal data and secrets in logs: file:line:col, the detector and
the value masked (never the whole value). With no FILE, or "-", reads stdin.
A line holding escape sequences is read as a terminal shows it: colours
inside a value do not hide it, and its column is the shown text's.

Examples:
  conflog scan train.log
  kubectl logs job/train | conflog scan
  conflog scan --detectors email,card,iban --json logs/*.log
  conflog scan --detectors all --sarif logs/*.log > findings.sarif

Flags:
  --detectors LIST   comma-separated detector names, or "all"
                     (default: every high-confidence detector)
  --json             one JSON object per finding (JSON Lines)
  --sarif            one SARIF 2.1.0 log, for code-scanning dashboards

A summary table per detector goes to stderr at the end; a progress bar too,
when stderr is a terminal and an input is large.
`

// detectorList is the detectors section of the scan and redact help.
func detectorList() string {
	var b strings.Builder
	b.WriteString("\nDetectors (confidence):\n")
	for _, d := range detect.Detectors() {
		fmt.Fprintf(&b, "  %-15s %s\n", d.Name(), d.Confidence())
	}
	return b.String()
}

// parseDetectors compiles --detectors; "" is the default set.
func parseDetectors(c *cli, list string) (*detect.Set, bool) {
	var names []string
	if list != "" {
		for _, n := range strings.Split(list, ",") {
			if n = strings.TrimSpace(n); n != "" {
				names = append(names, n)
			}
		}
		if len(names) == 0 {
			c.errorf("--detectors: empty list")
			c.hintf("name detectors, e.g. --detectors email,card, or --detectors all")
			return nil, false
		}
	}
	ds, err := detect.Select(names...)
	if err != nil {
		c.errorf("--detectors: %v", strings.TrimPrefix(err.Error(), "detect: "))
		c.hintf("run 'conflog scan --help' for the list of detectors")
		return nil, false
	}
	set, err := detect.NewSet(ds...)
	if err != nil {
		c.errorf("--detectors: %v", strings.TrimPrefix(err.Error(), "detect: "))
		c.hintf("run 'conflog scan --help' for the list of detectors")
		return nil, false
	}
	return set, true
}

// A scanReport receives the findings of every input.
type scanReport interface {
	finding(file string, f detect.Finding, masked string, runeCol int)
	close() error
}

func scanMain(c *cli, args []string) int {
	fs := newFlagSet("scan")
	var (
		detectors = fs.String("detectors", "", "")
		jsonOut   = fs.Bool("json", false, "")
		sarifOut  = fs.Bool("sarif", false, "")
	)
	if _, code, ok := parseArgs(c, fs, scanUsage+detectorList(), args); !ok {
		return code
	}
	if *jsonOut && *sarifOut {
		c.errorf("--json and --sarif are exclusive")
		c.hintf("choose one output format")
		return exitUsage
	}
	set, ok := parseDetectors(c, *detectors)
	if !ok {
		return exitUsage
	}
	files := fs.Args()
	if len(files) == 0 {
		files = []string{"-"}
	}
	if n := slices.Index(files, "-"); n >= 0 && slices.Index(files[n+1:], "-") >= 0 {
		c.errorf("stdin (-) named more than once")
		return exitUsage
	}

	var rep scanReport
	switch {
	case *jsonOut:
		enc := json.NewEncoder(c.stdout)
		enc.SetEscapeHTML(false)
		rep = &jsonReport{enc: enc}
	case *sarifOut:
		rep = newSARIFReport(c.stdout, set)
	default:
		rep = &textReport{w: c.stdout}
	}
	counts := map[string]int{}
	failed := false
	var scanned int64
	for _, name := range files {
		n, err := scanFile(c, set, name, rep, counts)
		scanned += n
		if err != nil {
			c.errorf("scan: %v", err)
			failed = true
		}
	}
	if err := rep.close(); err != nil {
		c.errorf("scan: write: %v", err)
		return exitUsage
	}
	if !failed || len(counts) > 0 {
		scanSummary(c.stderr, set, counts, len(files), scanned)
	}
	switch {
	case failed:
		return exitUsage
	case len(counts) > 0:
		return exitFail
	}
	return exitOK
}

func scanFile(c *cli, set *detect.Set, name string, rep scanReport, counts map[string]int) (int64, error) {
	var r io.Reader = c.stdin
	display := "<stdin>"
	var size int64
	if name != "-" {
		f, err := os.Open(name)
		if err != nil {
			return 0, err
		}
		defer f.Close()
		if st, err := f.Stat(); err == nil && st.Mode().IsRegular() {
			size = st.Size()
		}
		r, display = f, name
	}
	bar := newProgress(c.stderr, display, size)
	sc := set.NewScanner(r)
	sc.Shown = scrub.AppendStripped // follows private-key blocks as shown
	var sh shownScan
	line := 1 // the line of the next segment
	for sc.Scan() {
		seg := sc.Segment()
		segOff := sc.Offset() - int64(len(seg))
		if sc.Whole() && bytes.IndexByte(seg, 0x1b) >= 0 {
			for _, sf := range sh.findings(set, sc, seg, segOff, line) {
				counts[sf.f.Detector]++
				rep.finding(display, sf.f, detect.Mask(sf.value), sf.runeCol)
			}
			line++
			bar.update(sc.Offset())
			continue
		}
		if len(seg) > 0 && seg[len(seg)-1] == '\n' {
			line++
		}
		for _, f := range sc.Findings() {
			counts[f.Detector]++
			// SARIF counts columns in code points: count them when the
			// line starts in this segment (always, but past MaxLine).
			runeCol := f.Col
			if i := f.Offset - segOff; i-int64(f.Col-1) >= 0 && i <= int64(len(seg)) {
				runeCol = utf8.RuneCount(seg[i-int64(f.Col-1):i]) + 1
			}
			rep.finding(display, f, detect.Mask(sc.Value(f)), runeCol)
		}
		bar.update(sc.Offset())
	}
	bar.done()
	if err := sc.Err(); err != nil {
		return sc.Offset(), fmt.Errorf("%s: %w", display, err)
	}
	return sc.Offset(), nil
}

// shownScan finds the values of a line holding escape sequences as a
// terminal shows it, as the egress gate's tripwire judges it
// (internal/tripwire): colours between a value's characters ("card
// \x1b[1m4111\x1b[0m \x1b[1m1111\x1b[0m …") must not hide the value.
type shownScan struct {
	text  []byte // the line as shown: its escapes removed
	idx   []int  // idx[k]: the index in the line of text[k]
	finds []detect.Finding
	out   []shownFinding
}

// A shownFinding is a finding to report, with its value and its column in
// code points.
type shownFinding struct {
	f       detect.Finding
	value   []byte
	runeCol int
}

// findings returns the findings of seg, line number line, a whole line
// holding an escape, at stream offset segOff: each value found in the shown text, with its
// column counted there (the gate's notice counts it so) and its offset
// and length those of its bytes in the stream, escapes inside included;
// then, at their raw columns, the scanner's findings in the raw line that
// overlap none of those (a value in an escape's payload, such as an OSC 8
// link's target, or a line of a private-key block). A raw finding that
// overlaps one is the same value seen through its escapes, or a piece of
// it ("24m@example.com" in "\x1b[4malice\x1b[24m@example.com").
func (sh *shownScan) findings(set *detect.Set, sc *detect.Scanner, seg []byte, segOff int64, line int) []shownFinding {
	content := bytes.TrimSuffix(seg, []byte("\n"))
	content = bytes.TrimSuffix(content, []byte("\r"))
	sh.text = scrub.AppendStripped(sh.text[:0], content)
	sh.idx = scrub.AppendShownIndex(sh.idx[:0], content)
	sh.finds = set.Find(sh.text, sh.finds[:0])
	sh.out = sh.out[:0]
	for _, g := range sh.finds {
		s, e := int(g.Offset), int(g.Offset)+g.Len
		g.Offset = segOff + int64(sh.idx[s])
		g.Len = sh.idx[e-1] + 1 - sh.idx[s]
		sh.out = append(sh.out, shownFinding{f: g, value: sh.text[s:e], runeCol: utf8.RuneCount(sh.text[:s]) + 1})
	}
	n := len(sh.out)
	for _, f := range sc.Findings() {
		seen := false // within a value found in the shown text
		for _, o := range sh.out[:n] {
			seen = seen || f.Offset < o.f.Offset+int64(o.f.Len) && o.f.Offset < f.Offset+int64(f.Len)
		}
		if !seen {
			i := int(f.Offset - segOff)
			sh.out = append(sh.out, shownFinding{f: f, value: sc.Value(f), runeCol: utf8.RuneCount(seg[:i]) + 1})
		}
	}
	for k := range sh.out[:n] {
		sh.out[k].f.Line = line
	}
	slices.SortStableFunc(sh.out, func(a, b shownFinding) int { return cmp.Compare(a.f.Offset, b.f.Offset) })
	return sh.out
}

// scanSummary writes the per-detector table to stderr.
func scanSummary(w io.Writer, set *detect.Set, counts map[string]int, files int, scanned int64) {
	total := 0
	for _, n := range counts {
		total += n
	}
	plural := "s"
	if files == 1 {
		plural = ""
	}
	if total == 0 {
		fmt.Fprintf(w, "conflog: no findings in %d input%s (%s scanned, %d detectors)\n", files, plural, byteSize(scanned), len(set.Detectors()))
		return
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "detector\tconfidence\tfindings\n")
	for _, d := range set.Detectors() {
		if n := counts[d.Name()]; n > 0 {
			fmt.Fprintf(tw, "%s\t%s\t%d\n", d.Name(), d.Confidence(), n)
		}
	}
	fmt.Fprintf(tw, "total\t\t%d\n", total)
	tw.Flush()
	fmt.Fprintf(w, "conflog: %d finding%s in %d input%s (%s scanned)\n", total, map[bool]string{true: "", false: "s"}[total == 1], files, plural, byteSize(scanned))
}

func byteSize(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}

type textReport struct {
	w   io.Writer
	err error
}

func (r *textReport) finding(file string, f detect.Finding, masked string, _ int) {
	if r.err == nil {
		_, r.err = fmt.Fprintf(r.w, "%s:%d:%d %s %s\n", file, f.Line, f.Col, f.Detector, masked)
	}
}

func (r *textReport) close() error { return r.err }

type jsonReport struct {
	enc *json.Encoder
	err error
}

// jsonFinding is one line of --json output.
type jsonFinding struct {
	File       string `json:"file"`
	Line       int    `json:"line"`
	Col        int    `json:"col"`
	Offset     int64  `json:"offset"`
	Length     int    `json:"length"`
	Detector   string `json:"detector"`
	Confidence string `json:"confidence"`
	Masked     string `json:"masked"`
}

func (r *jsonReport) finding(file string, f detect.Finding, masked string, _ int) {
	if r.err == nil {
		r.err = r.enc.Encode(jsonFinding{file, f.Line, f.Col, f.Offset, f.Len, f.Detector, f.Confidence.String(), masked})
	}
}

func (r *jsonReport) close() error { return r.err }

// progress draws a one-line bar on stderr when it is a terminal and the input
// is large enough for the wait to be noticed.
type progress struct {
	w     io.Writer
	name  string
	size  int64
	last  time.Time
	drawn bool
}

// progressMin is the input size from which a bar is shown: below it a scan
// takes well under a second.
const progressMin = 64 << 20

func newProgress(w io.Writer, name string, size int64) *progress {
	f, ok := w.(*os.File)
	if !ok || size < progressMin {
		return nil
	}
	if st, err := f.Stat(); err != nil || st.Mode()&os.ModeCharDevice == 0 {
		return nil
	}
	return &progress{w: w, name: name, size: size}
}

func (p *progress) update(done int64) {
	if p == nil || time.Since(p.last) < 200*time.Millisecond {
		return
	}
	p.last = time.Now()
	const width = 30
	n := int(done * width / p.size)
	fmt.Fprintf(p.w, "\r%s [%s%s] %3d%% %s", p.name, strings.Repeat("=", n), strings.Repeat(" ", width-n), done*100/p.size, byteSize(done))
	p.drawn = true
}

func (p *progress) done() {
	if p != nil && p.drawn {
		fmt.Fprint(p.w, "\r\033[K")
	}
}
