//go:build unix

package main

import (
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
	for sc.Scan() {
		seg := sc.Segment()
		segOff := sc.Offset() - int64(len(seg))
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
