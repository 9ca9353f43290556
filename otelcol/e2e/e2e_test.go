package e2e

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

const prefix = "SystemLog:"

// The job's seeds: each one a file, so a stream, of its own.
var seeds = []string{"7", "11"}

// collectorBin returns the distribution's binary: $CONFLOG_OTELCOL, or
// build.sh's (cached by a hash of its sources).
func collectorBin(t *testing.T) string {
	t.Helper()
	if bin := os.Getenv("CONFLOG_OTELCOL"); bin != "" {
		if _, err := os.Stat(bin); err != nil {
			t.Fatalf("CONFLOG_OTELCOL: %v", err)
		}
		return bin
	}
	t.Log("CONFLOG_OTELCOL is not set: building the distribution with ../distribution/build.sh")
	cmd := exec.Command("../distribution/build.sh")
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("build.sh: %v", err)
	}
	return strings.TrimSpace(string(out))
}

var (
	conflogOnce sync.Once
	conflogPath string
	conflogErr  error
	conflogDir  string
)

// conflogBin builds cmd/conflog of this checkout once per test binary.
func conflogBin(t *testing.T) string {
	t.Helper()
	conflogOnce.Do(func() {
		conflogDir, conflogErr = os.MkdirTemp("", "conflog-e2e-")
		if conflogErr != nil {
			return
		}
		conflogPath = filepath.Join(conflogDir, "conflog")
		out, err := exec.Command("go", "build", "-C", "../..", "-o", conflogPath, "./cmd/conflog").CombinedOutput()
		if err != nil {
			conflogErr = fmt.Errorf("go build ./cmd/conflog: %v\n%s", err, out)
		}
	})
	if conflogErr != nil {
		t.Fatal(conflogErr)
	}
	return conflogPath
}

func TestMain(m *testing.M) {
	code := m.Run()
	if conflogDir != "" {
		os.RemoveAll(conflogDir)
	}
	os.Exit(code)
}

// python returns a Python with tqdm and faker: Debian's (.ci/run installs
// python3-tqdm and python3-fake-factory), else the first python3 on PATH
// that has both. None is a failure, not a skip.
func python(t *testing.T) string {
	t.Helper()
	candidates := []string{"/usr/bin/python3"}
	if p, err := exec.LookPath("python3"); err == nil {
		candidates = append(candidates, p)
	}
	for _, py := range candidates {
		if exec.Command(py, "-c", "import tqdm, faker").Run() == nil {
			return py
		}
	}
	t.Fatalf("no python3 with tqdm and faker among %v: install python3-tqdm and python3-fake-factory", candidates)
	return ""
}

// runJob runs testdata/job.py with seed, its stdout and stderr into one file
// as a container runtime would write them, and returns the file's bytes.
func runJob(t *testing.T, py, seed, path string) []byte {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(py, "testdata/job.py", seed)
	cmd.Stdout, cmd.Stderr = f, f
	err = cmd.Run()
	f.Close()
	// The job ends with an uncaught exception: exit status 1, by design.
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 1 {
		t.Fatalf("job.py %s: want exit status 1 (its traceback), got %v", seed, err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"\r" + prefix + " epoch 0:", "Traceback (most recent call last):", "\x1b[1;31m", "ghp_"} {
		if !bytes.Contains(b, []byte(want)) {
			t.Fatalf("job.py %s wrote no %q: not the job this test is about:\n%s", seed, want, b)
		}
	}
	return b
}

// scrubLines is what `conflog scrub` gives on path, line by line, with
// flags before the path. Its tripwire notice names the command ("conflog
// scrub: blocked ..."), the processor's the program ("conflog: blocked
// ..."): that one word is the only difference allowed, and it is made the
// same here.
func scrubLines(t *testing.T, conflog, path string, flags ...string) []string {
	t.Helper()
	cmd := exec.Command(conflog, slices.Concat([]string{"scrub", "--prefix", prefix}, flags, []string{path})...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("conflog scrub %s: %v\n%s", path, err, stderr.Bytes())
	}
	s := strings.ReplaceAll(string(out), prefix+" conflog scrub: blocked a public line:", prefix+" conflog: blocked a public line:")
	lines := strings.Split(s, "\n")
	if lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	return lines
}

// podLogs makes a temporary directory and, in it, the directory "pods"
// the Collector's filelog receiver reads the job logs from.
func podLogs(t *testing.T) (dir, logs string) {
	t.Helper()
	dir = t.TempDir()
	logs = filepath.Join(dir, "pods")
	if err := os.Mkdir(logs, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir, logs
}

// collectorConfig is the distribution's configuration for the test: the
// filelog receiver as a node agent would run it on job logs, the conflog
// processor with its defaults, the file exporter to out. With ansiOut, a
// second pipeline from the same receiver has the processor keep escapes
// (keep_ansi) and exports to ansiOut.
func collectorConfig(logs, out, ansiOut string) string {
	processors := fmt.Sprintf("  conflog:\n    prefix: %q\n", prefix)
	exporters := fmt.Sprintf("  file:\n    path: %q\n    format: json\n    flush_interval: 50ms\n", out)
	pipelines := "    logs:\n      receivers: [filelog]\n      processors: [conflog]\n      exporters: [file]\n"
	if ansiOut != "" {
		processors += fmt.Sprintf("  conflog/ansi:\n    prefix: %q\n    keep_ansi: true\n", prefix)
		exporters += fmt.Sprintf("  file/ansi:\n    path: %q\n    format: json\n    flush_interval: 50ms\n", ansiOut)
		pipelines += "    logs/ansi:\n      receivers: [filelog]\n      processors: [conflog/ansi]\n      exporters: [file/ansi]\n"
	}
	return fmt.Sprintf(`receivers:
  filelog:
    include: [%q]
    start_at: beginning
    include_file_path: true
    include_file_record_number: true  # the processor's stream sequence
    # A record's body must be the line's bytes: '\r' (a progress bar) and
    # leading blanks are the processor's to judge, not the receiver's to trim.
    preserve_leading_whitespaces: true
    preserve_trailing_whitespaces: true
processors:
%sexporters:
%sservice:
  telemetry:
    metrics:
      level: none
  pipelines:
%s`, logs, processors, exporters, pipelines)
}

// record is what the test reads of one exported log record.
type record struct {
	path string
	body string
}

// otlpJSON is the part of OTLP's JSON encoding (one ExportLogsServiceRequest
// a line, as the file exporter writes) the test reads.
type otlpJSON struct {
	ResourceLogs []struct {
		ScopeLogs []struct {
			LogRecords []struct {
				Body       anyValue `json:"body"`
				Attributes []struct {
					Key   string   `json:"key"`
					Value anyValue `json:"value"`
				} `json:"attributes"`
			} `json:"logRecords"`
		} `json:"scopeLogs"`
	} `json:"resourceLogs"`
}

type anyValue struct {
	StringValue *string `json:"stringValue"`
	BytesValue  *string `json:"bytesValue"`
}

func (v anyValue) text() (string, error) {
	switch {
	case v.StringValue != nil:
		return *v.StringValue, nil
	case v.BytesValue != nil:
		b, err := base64.StdEncoding.DecodeString(*v.BytesValue)
		return string(b), err
	}
	return "", errors.New("a body that is neither a string nor bytes")
}

// readExport reads the file exporter's output: the complete lines only (the
// last one may be mid-write).
func readExport(path string) ([]record, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if i := bytes.LastIndexByte(b, '\n'); i >= 0 {
		b = b[:i+1]
	} else {
		return nil, nil
	}
	var recs []record
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(nil, 64<<20)
	for sc.Scan() {
		var req otlpJSON
		if err := json.Unmarshal(sc.Bytes(), &req); err != nil {
			return nil, fmt.Errorf("%s: %v", path, err)
		}
		for _, rl := range req.ResourceLogs {
			for _, sl := range rl.ScopeLogs {
				for _, lr := range sl.LogRecords {
					body, err := lr.Body.text()
					if err != nil {
						return nil, err
					}
					r := record{body: body}
					for _, a := range lr.Attributes {
						if a.Key == "log.file.path" && a.Value.StringValue != nil {
							r.path = *a.Value.StringValue
						}
					}
					recs = append(recs, r)
				}
			}
		}
	}
	return recs, sc.Err()
}

func byPath(recs []record) map[string][]string {
	m := map[string][]string{}
	for _, r := range recs {
		m[r.path] = append(m[r.path], r.body)
	}
	return m
}

// TestCollectorSameAsScrub runs the distribution on two real Python jobs'
// output files and asserts that, file by file and line by line, the public
// lines it exports are those `conflog scrub` gives on the same bytes, and
// that no private value of the jobs (customers' emails and cards, the
// leaked token, the exception's message, values coloured on public lines)
// is anywhere in the export. A second pipeline of the same Collector keeps
// escapes (keep_ansi), held to `conflog scrub --keep-ansi`.
func TestCollectorSameAsScrub(t *testing.T) {
	bin, conflog, py := collectorBin(t), conflogBin(t), python(t)
	dir, logs := podLogs(t)
	want, wantANSI := map[string][]string{}, map[string][]string{}
	var jobs [][]byte
	for _, seed := range seeds {
		path := filepath.Join(logs, "train-"+seed+".log")
		jobs = append(jobs, runJob(t, py, seed, path))
		want[path] = scrubLines(t, conflog, path)
		wantANSI[path] = scrubLines(t, conflog, path, "--keep-ansi")
	}
	// The oracle itself must not drift into passing nothing, or private data.
	for _, w := range []map[string][]string{want, wantANSI} {
		for path, lines := range w {
			for _, l := range []string{
				prefix + " conflog: blocked a public line: github-token at column 31 (value withheld)",
				prefix + " conflog: blocked a public line: email at column 20 (value withheld)",
				prefix + " conflog: blocked a public line: card at column 25 (value withheld)",
				prefix + " Traceback (most recent call last):",
				prefix + " ValueError: [scrubbed]",
				prefix + " epoch 1 loss=",
			} {
				if !slices.ContainsFunc(lines, func(s string) bool { return strings.HasPrefix(s, l) }) {
					t.Fatalf("conflog scrub %s: no line %q in:\n%s", path, l, strings.Join(lines, "\n"))
				}
			}
		}
	}

	out, outANSI := filepath.Join(dir, "export.json"), filepath.Join(dir, "export-ansi.json")
	got := runCollector(t, bin, dir, collectorConfig(filepath.Join(logs, "*.log"), out, outANSI), map[string]map[string][]string{out: want, outANSI: wantANSI})
	compare(t, byPath(got[out]), want)
	compare(t, byPath(got[outANSI]), wantANSI)
	// No private value anywhere in the exports, whatever the oracle says.
	secrets := privateValues(t, jobs)
	for _, o := range []string{out, outANSI} {
		export, err := os.ReadFile(o)
		if err != nil {
			t.Fatal(err)
		}
		for _, secret := range secrets {
			if bytes.Contains(export, []byte(secret)) {
				t.Errorf("the private value %q left the collector (%s)", secret, filepath.Base(o))
			}
		}
		for _, r := range got[o] {
			if !strings.HasPrefix(r.body, prefix) {
				t.Errorf("a record without the prefix left the collector: %q", r.body)
			}
			for _, secret := range secrets {
				if strings.Contains(shown(r.body), secret) {
					t.Errorf("the private value %q left the collector, coloured: %q", secret, r.body)
				}
			}
		}
	}
}

var (
	emailRE = regexp.MustCompile(`[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[a-z]{2,}`)
	tokenRE = regexp.MustCompile(`ghp_[A-Za-z0-9]{36}`)
	cardRE  = regexp.MustCompile(`\b(?:\d ?){12,18}\d\b`)
	msgRE   = regexp.MustCompile(`(?m)^ValueError: (.*)$`)
	// escRE is the escape sequences the job writes: colours (CSI) and a
	// window title (OSC).
	escRE = regexp.MustCompile("\x1b(?:\\[[0-9;]*[A-Za-z]|\\][^\x07]*\x07)")
)

// shown is s as a terminal shows it: the job's escape sequences removed.
func shown(s string) string { return escRE.ReplaceAllString(s, "") }

// privateValues are values of the jobs' output that must never be exported,
// as a terminal shows them: every email (customers' and the public lines'),
// card number, the token, the exception's message.
func privateValues(t *testing.T, jobs [][]byte) []string {
	t.Helper()
	var vals []string
	for _, job := range jobs {
		text := shown(string(job))
		for _, re := range []*regexp.Regexp{emailRE, tokenRE, cardRE} {
			vals = append(vals, re.FindAllString(text, -1)...)
		}
		for _, m := range msgRE.FindAllStringSubmatch(text, -1) {
			vals = append(vals, m[1])
		}
	}
	if len(vals) < 2*len(jobs) {
		t.Fatalf("found only %q as the jobs' private values", vals)
	}
	return vals
}

// runCollector runs the distribution with config until each export file
// holds, for each of its log files, at least as many lines as wants says
// (the test's own deadline, go test -timeout, is the only limit: a little
// before it, the test stops and says what was missing), stops it, and
// returns each export file's records.
func runCollector(t *testing.T, bin, dir, config string, wants map[string]map[string][]string) map[string][]record {
	t.Helper()
	cfg := filepath.Join(dir, "config.yaml")
	if err := os.WriteFile(cfg, []byte(config), 0o644); err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd := exec.Command(bin, "--config", cfg)
	cmd.Stdout, cmd.Stderr = &stderr, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	stop := func() {
		cmd.Process.Signal(syscall.SIGTERM)
		if err := <-exited; err != nil {
			t.Errorf("the collector did not stop cleanly: %v\n%s", err, stderr.Bytes())
		}
	}
	read := func() map[string][]record {
		got := map[string][]record{}
		for out := range wants {
			recs, err := readExport(out)
			if err != nil {
				stop()
				t.Fatal(err)
			}
			got[out] = recs
		}
		return got
	}
	deadline, hasDeadline := t.Deadline()
	for {
		got, done := read(), true
		for out, want := range wants {
			paths := byPath(got[out])
			for path, w := range want {
				done = done && len(paths[path]) >= len(w)
			}
		}
		if done {
			break
		}
		select {
		case err := <-exited:
			t.Fatalf("the collector exited early: %v\n%s", err, stderr.Bytes())
		case <-time.After(100 * time.Millisecond):
		}
		if hasDeadline && time.Until(deadline) < 30*time.Second {
			stop()
			t.Fatalf("the test's deadline is near and the export is incomplete: got %v, want %v\ncollector:\n%s", got, wants, stderr.Bytes())
		}
	}
	// Stop the collector, so that any line it would add after the expected
	// ones is flushed and seen too.
	stop()
	return read()
}

// compare asserts that each log file's exported lines are want's, line by
// line, and that no other file's lines were exported.
func compare(t *testing.T, got, want map[string][]string) {
	t.Helper()
	for path, w := range want {
		g := got[path]
		for i := range max(len(g), len(w)) {
			var gl, wl string
			if i < len(g) {
				gl = g[i]
			}
			if i < len(w) {
				wl = w[i]
			}
			if gl != wl {
				t.Errorf("%s line %d:\ncollector:    %q\nconflog scrub: %q", filepath.Base(path), i+1, gl, wl)
			}
		}
		if len(g) != len(w) {
			t.Errorf("%s: the collector exported %d lines, conflog scrub %d", filepath.Base(path), len(g), len(w))
		}
	}
	for path, g := range got {
		if _, ok := want[path]; !ok {
			t.Errorf("records of an unknown file %q: %q", path, g)
		}
	}
}

// TestCollectorRoutesPrivate runs the distribution with the conflog
// connector between the filelog receiver's pipeline and two others: the
// public one's file gets, line by line, what conflog scrub gives; the
// private one's gets the rest (the customers' rows, the leaked token's
// line, the exception's message), and none of it is in the public file.
func TestCollectorRoutesPrivate(t *testing.T) {
	bin, conflog, py := collectorBin(t), conflogBin(t), python(t)
	dir, logs := podLogs(t)
	path := filepath.Join(logs, "train-7.log")
	job := runJob(t, py, "7", path)
	want := map[string][]string{path: scrubLines(t, conflog, path)}
	pubOut, privOut := filepath.Join(dir, "public.json"), filepath.Join(dir, "private.json")
	config := fmt.Sprintf(`receivers:
  filelog:
    include: [%q]
    start_at: beginning
    include_file_path: true
    include_file_record_number: true
    preserve_leading_whitespaces: true
    preserve_trailing_whitespaces: true
connectors:
  conflog:
    prefix: %q
    public: [logs/public]
    private: [logs/private]
exporters:
  file/public:
    path: %q
    flush_interval: 50ms
  file/private:
    path: %q
    flush_interval: 50ms
service:
  telemetry:
    metrics:
      level: none
  pipelines:
    logs/in:
      receivers: [filelog]
      exporters: [conflog]
    logs/public:
      receivers: [conflog]
      exporters: [file/public]
    logs/private:
      receivers: [conflog]
      exporters: [file/private]
`, filepath.Join(logs, "*.log"), prefix, pubOut, privOut)
	// The private lines: at least the customers' rows (5) and the
	// exception's message.
	got := runCollector(t, bin, dir, config, map[string]map[string][]string{pubOut: want, privOut: {path: make([]string, 6)}})
	compare(t, byPath(got[pubOut]), want)

	public, err := os.ReadFile(pubOut)
	if err != nil {
		t.Fatal(err)
	}
	var private []string
	for _, r := range got[privOut] {
		private = append(private, r.body)
	}
	all := shown(strings.Join(private, "\n"))
	for _, secret := range privateValues(t, [][]byte{job}) {
		if bytes.Contains(public, []byte(secret)) {
			t.Errorf("the private value %q reached the public pipeline", secret)
		}
		if !strings.Contains(all, secret) {
			t.Errorf("the private value %q did not reach the private pipeline", secret)
		}
	}
	for _, r := range got[pubOut] {
		if slices.Contains(private, r.body) {
			t.Errorf("%q went to both pipelines", r.body)
		}
	}
}

// TestCollectorCutLine: a private line longer than filelog's max_log_size
// (1 MiB by default), whose piece after the receiver's cut starts with the
// prefix, in a file between public lines. The collector exports the public
// lines and nothing of the private one, as conflog scrub gives.
func TestCollectorCutLine(t *testing.T) {
	bin, conflog := collectorBin(t), conflogBin(t)
	dir, logs := podLogs(t)
	const maxLogSize = 1 << 20 // filelog's default
	head := "customer dump: alice@example.com "
	private := head + strings.Repeat("r", maxLogSize-len(head)) + prefix + " leaked-after-the-cut: the rest of a private line"
	lines := []string{prefix + " before the long line", private, prefix + " after the long line"}
	path := filepath.Join(logs, "long.log")
	if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	want := map[string][]string{path: {lines[0], lines[2]}}
	if got := scrubLines(t, conflog, path); !slices.Equal(got, want[path]) {
		t.Fatalf("conflog scrub: got %q, want %q", got, want[path])
	}
	out := filepath.Join(dir, "export.json")
	got := runCollector(t, bin, dir, collectorConfig(filepath.Join(logs, "*.log"), out, ""), map[string]map[string][]string{out: want})
	compare(t, byPath(got[out]), want)
	export, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	for _, secret := range []string{"leaked-after-the-cut", "alice@example.com", "rrrrrrrr"} {
		if bytes.Contains(export, []byte(secret)) {
			t.Errorf("%q of the private line left the collector", secret)
		}
	}
}

// TestCollectorPublicAttributes: an operator of the filelog receiver runs
// before every processor, and a regex_parser that copies the line into an
// attribute would carry a tqdm record's private redraw out beside its
// public one, as filelog's log.file.name carries the file's name. With
// public_attributes the public records keep only the attributes named:
// nothing of the private redraw, nor of the file's name beyond the path
// kept, is anywhere in the export.
func TestCollectorPublicAttributes(t *testing.T) {
	bin := collectorBin(t)
	dir, logs := podLogs(t)
	path := filepath.Join(logs, "job.log")
	lines := []string{
		prefix + " epoch 1",
		prefix + " loss=0.3\rcustomer alice@example.com row 7",
		"private row bob@example.com",
		prefix + " done",
	}
	if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "export.json")
	config := collectorConfig(filepath.Join(logs, "*.log"), out, "")
	config = strings.Replace(config, "    preserve_trailing_whitespaces: true\n",
		"    preserve_trailing_whitespaces: true\n    operators:\n      - type: regex_parser\n        regex: '^(?P<message>(?s).*)$'\n", 1)
	config = strings.Replace(config, fmt.Sprintf("    prefix: %q\n", prefix),
		fmt.Sprintf("    prefix: %q\n    public_attributes: [log.file.path, log.file.record_number]\n", prefix), 1)
	want := map[string][]string{path: {lines[0], prefix + " loss=0.3", lines[3]}}
	got := runCollector(t, bin, dir, config, map[string]map[string][]string{out: want})
	compare(t, byPath(got[out]), want)
	export, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	for _, secret := range []string{"alice@example.com", "bob@example.com", "customer", `"message"`, "log.file.name"} {
		if bytes.Contains(export, []byte(secret)) {
			t.Errorf("%q left the collector in an attribute", secret)
		}
	}
}

// lockedBuffer is a bytes.Buffer a process writes while the test reads it.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestCollectorStartAtEnd starts the distribution with filelog's default
// start_at: end on a job's log whose exception message is in progress: the
// receiver begins the file at its end and numbers the job's next line 1,
// a continuation of the message that starts with the prefix. With
// include_file_record_offset the processor sees that record 1 is not at
// offset 0, and the stream fails closed: of the lines after, only a new
// crash trace's, re-emitted scrubbed, leave (they also tell the test that
// the receiver read the lines).
func TestCollectorStartAtEnd(t *testing.T) {
	bin := collectorBin(t)
	dir, logs := podLogs(t)
	job := filepath.Join(logs, "job.log")
	written := prefix + " epoch 1\nTraceback (most recent call last):\n  File \"train.py\", line 3, in <module>\nValueError: bad row:\n"
	if err := os.WriteFile(job, []byte(written), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "export.json")
	config := collectorConfig(filepath.Join(logs, "*.log"), out, "")
	config = strings.Replace(config, "    start_at: beginning\n", "    start_at: end\n    include_file_record_offset: true\n", 1)
	cfg := filepath.Join(dir, "config.yaml")
	if err := os.WriteFile(cfg, []byte(config), 0o644); err != nil {
		t.Fatal(err)
	}
	var stderr lockedBuffer
	cmd := exec.Command(bin, "--config", cfg)
	cmd.Stdout, cmd.Stderr = &stderr, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	stopped := false
	stop := func() {
		if stopped {
			return
		}
		stopped = true
		cmd.Process.Signal(syscall.SIGTERM)
		if err := <-exited; err != nil {
			t.Errorf("the collector did not stop cleanly: %v\n%s", err, stderr.String())
		}
	}
	defer stop()
	deadline, hasDeadline := t.Deadline()
	wait := func(what string, done func() bool) {
		t.Helper()
		for !done() {
			select {
			case err := <-exited:
				stopped = true
				t.Fatalf("the collector exited early: %v\n%s", err, stderr.String())
			case <-time.After(50 * time.Millisecond):
			}
			if hasDeadline && time.Until(deadline) < 30*time.Second {
				t.Fatalf("the test's deadline is near, still waiting for %s\ncollector:\n%s", what, stderr.String())
			}
		}
	}
	// The receiver has begun the file at its end once the Collector is
	// ready and a poll (200 ms) has passed.
	wait("the collector to start", func() bool { return strings.Contains(stderr.String(), "Everything is ready") })
	time.Sleep(time.Second)
	f, err := os.OpenFile(job, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString(prefix + " customer heidi, card 4000 0000 0000 0002\n" + prefix + " heidi's address\n" +
		"Traceback (most recent call last):\n  File \"eval.py\", line 9, in <module>\nKeyError: 'heidi'\n"); err != nil {
		t.Fatal(err)
	}
	f.Close()
	wait("the new trace's lines", func() bool {
		recs, err := readExport(out)
		if err != nil {
			t.Fatal(err)
		}
		return len(byPath(recs)[job]) >= 3
	})
	stop()
	recs, err := readExport(out)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{prefix + " Traceback (most recent call last):", prefix + `   File "eval.py", line 9, in <module>`, prefix + " KeyError: [scrubbed]"}
	if got := byPath(recs)[job]; !slices.Equal(got, want) {
		t.Errorf("the job's lines after the Collector started at the file's end: got %q, want only the new trace's %q", got, want)
	}
}
