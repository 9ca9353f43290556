package e2e

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// volumeFile writes n lines of a training job's log and returns its bytes
// and the number of public records conflog must give for it, counted by the
// generator, independently of conflog: every 100th line is a tqdm record
// redrawn three times with '\r' (three public records in one line), every
// 10th (from the 4th) a private customer row, the rest public lines; when
// traceAt >= 0, a Python traceback (4 lines) is written from line traceAt.
//
// A traceback's message has no end mark: Python may write more unindented
// lines of it, prefixed or not. So every line after it is private until the
// stream ends (traceback's InMessage rule); its header, frame and exception
// line become 3 public lines. A target counted as "the prefixed lines of
// the file" is wrong twice: by the '\r' redraws and by this.
//
// The first line names the job: the filelog receiver takes two files whose
// first 1000 bytes (its fingerprint_size) are the same for one file, and
// reads only one of them (see docs/otelcol.md).
func volumeFile(job string, n, traceAt int) (b []byte, public int) {
	var buf bytes.Buffer
	fmt.Fprintf(&buf, "%s job %s starts\n", prefix, job)
	public++
	held := false
	for i := 1; i < n; i++ {
		if i == traceAt {
			buf.WriteString("Traceback (most recent call last):\n  File \"/app/train.py\", line 12, in <module>\n    main()\n")
			fmt.Fprintf(&buf, "ValueError: bad row customer %d carol@example.com\n", i)
			public += 3
			held = true
			i += 3
			continue
		}
		switch {
		case i%100 == 50:
			fmt.Fprintf(&buf, "\r%[1]s epoch %[2]d: 10%%\r%[1]s epoch %[2]d: 60%%\r%[1]s epoch %[2]d: 100%%\n", prefix, i)
			if !held {
				public += 3
			}
		case i%10 == 3:
			fmt.Fprintf(&buf, "customer %d alice%d@example.com\n", i, i)
		default:
			fmt.Fprintf(&buf, "%s step %d loss=0.%04d\n", prefix, i, i%9973)
			if !held {
				public++
			}
		}
	}
	return buf.Bytes(), public
}

// TestCollectorVolume runs the distribution on files of many lines whose
// public records are known (volumeFile) and asserts that none is lost: the
// export holds, line by line, what conflog scrub gives on the same bytes,
// and as many lines as the generator counted. One file ends with its
// traceback (as an uncaught exception ends a job), one has it early: all
// the prefixed lines after it stay private, by design, not by loss.
func TestCollectorVolume(t *testing.T) {
	n := 100_000
	if testing.Short() {
		n = 10_000
	}
	bin, conflog := collectorBin(t), conflogBin(t)
	dir, logs := podLogs(t)
	want := map[string][]string{}
	for name, traceAt := range map[string]int{"end.log": n - 4, "early.log": n / 10} {
		b, public := volumeFile(name, n, traceAt)
		if got := bytes.Count(b, []byte("\n")); got != n {
			t.Fatalf("%s: the generator wrote %d lines, want %d", name, got, n)
		}
		path := filepath.Join(logs, name)
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
		want[path] = scrubLines(t, conflog, path)
		// The oracle agrees with the generator's count, so the comparison
		// below is against a known target.
		if len(want[path]) != public {
			t.Fatalf("%s: conflog scrub gives %d lines, the generator counted %d public", name, len(want[path]), public)
		}
		prefixed := bytes.Count(b, []byte("\n"+prefix)) + bytes.Count(b, []byte("\r"+prefix))
		t.Logf("%s: %d lines, %d starting with the prefix or a redraw of it, %d public records", name, n, prefixed, public)
	}
	out := filepath.Join(dir, "export.json")
	recs := runCollector(t, bin, dir, collectorConfig(filepath.Join(logs, "*.log"), out, ""), map[string]map[string][]string{out: want})[out]
	compare(t, byPath(recs), want)
	for _, r := range recs {
		if !strings.HasPrefix(r.body, prefix) || strings.Contains(r.body, "@example.com") {
			t.Fatalf("a private record left the collector: %q", r.body)
		}
	}
}
