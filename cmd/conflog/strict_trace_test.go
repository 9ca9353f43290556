//go:build unix

package main

import (
	"regexp"
	"strings"
	"testing"
)

// TestStrictFinalTraceOnly: under --strict nothing the job prints gets out
// but the crash that ends it (issue 9). The README's look-alike, printed to
// stdout or to stderr by a job that then exits 0 or carries on, gives no
// public line; a real uncaught exception does, scrubbed, and a handled one
// before it does not.
func TestStrictFinalTraceOnly(t *testing.T) {
	t.Parallel()
	const lookalike = `"Traceback (most recent call last):\n  File \"/data/Jane Doe, 10 Main St/x.py\", line 1, in jane_doe_diagnosis\nJane_Doe_SSN_078051121: x"`
	for _, tc := range []struct {
		name, code string
		exit       int
		want       []string // public lines besides the summary, as regular expressions
		slow       bool     // one of the cases -short leaves out
	}{
		{"the README's look-alike on stdout", "print(" + lookalike + ")", 0, nil, false},
		{"the look-alike on stderr, exit 0", "import sys; print(" + lookalike + ", file=sys.stderr)", 0, nil, true},
		{"the look-alike on stderr, then more output", "import sys; print(" + lookalike + ", file=sys.stderr); print('done', file=sys.stderr); sys.exit(3)", 3, nil, true},
		{"a logged exception, the job carries on", "import logging\ntry:\n    {}['Jane Doe']\nexcept KeyError:\n    logging.exception('row')\n", 0, nil, true},
		{"an uncaught exception after a logged one",
			"import logging\ntry:\n    {}['Jane Doe']\nexcept KeyError:\n    logging.exception('row')\ndef step(row):\n    raise ValueError(row)\nstep('Jane Doe 078051121')\n", 1,
			[]string{`Traceback \(most recent call last\):`, `  File "[^"]*", line 8, in <module>`, `  File "[^"]*", line 7, in step`, `ValueError: \[scrubbed\]`}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if tc.slow && testing.Short() {
				t.Skip("a Python job per case; -short runs the first and the last")
			}
			job := writeScript(t, "job.py", tc.code)
			stdout, stderr, code := gateRun(t, "run", "--strict", "--prefix", "SystemLog:", "--", "python3", job)
			if code != tc.exit {
				t.Fatalf("exit %d, want %d; stderr:\n%s", code, tc.exit, stderr)
			}
			if stdout != "" {
				t.Errorf("stdout passed %q", stdout)
			}
			var lines []string
			for _, l := range strings.Split(strings.TrimSuffix(stderr, "\n"), "\n") {
				if !summaryRE.MatchString(l) {
					lines = append(lines, l)
				}
			}
			if len(lines) != len(tc.want) {
				t.Fatalf("public lines:\n%s\nwant %d lines matching %q", stderr, len(tc.want), tc.want)
			}
			for i, re := range tc.want {
				if !regexp.MustCompile(`^SystemLog: ` + re + `$`).MatchString(lines[i]) {
					t.Errorf("line %d %q does not match %s", i, lines[i], re)
				}
			}
			if strings.Contains(stderr, "Jane") || strings.Contains(stderr, "078051121") {
				t.Errorf("private data passed:\n%s", stderr)
			}
		})
	}
}
