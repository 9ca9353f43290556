//go:build unix

package main

import (
	"bytes"
	"flag"
	"os"
	"slices"
	"strings"
	"testing"
	"time"
)

// testFlags is a verb's flag set as the verbs register theirs.
func testFlags() (*flag.FlagSet, *string, *bool, *time.Duration) {
	fs := newFlagSet("test")
	s := fs.String("prefix", "", "")
	b := fs.Bool("json", false, "")
	d := fs.Duration("grace", time.Second, "")
	fs.String("i", "", "")
	return fs, s, b, d
}

func TestParseArgsPlaces(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		args     []string
		operands []string
		prefix   string
		json     bool
	}{
		{[]string{"a", "--json", "b"}, []string{"a", "b"}, "", true},
		{[]string{"--prefix", "P:", "f.log", "--json"}, []string{"f.log"}, "P:", true},
		{[]string{"f.log", "-prefix=P:", "-json=false"}, []string{"f.log"}, "P:", false},
		{[]string{"-", "--json"}, []string{"-"}, "", true},
		// A value that looks like a flag, or is "--", is still the value.
		{[]string{"--prefix", "--json", "x"}, []string{"x"}, "--json", false},
		{[]string{"--prefix", "--", "--json"}, []string{}, "--", true},
		// After "--" everything is an operand.
		{[]string{"--json", "--", "--prefix", "-", "--"}, []string{"--prefix", "-", "--"}, "", true},
		{[]string{"-i", "id", "dir"}, []string{"dir"}, "", false},
	} {
		fs, prefix, json, _ := testFlags()
		var stdout, stderr bytes.Buffer
		c := &cli{stdout: &stdout, stderr: &stderr, verb: "test"}
		ops, code, ok := parseArgs(c, fs, "usage\n", tc.args)
		if !ok || code != exitOK || stdout.Len()+stderr.Len() != 0 {
			t.Errorf("%q: ok=%v code=%d stdout=%q stderr=%q", tc.args, ok, code, &stdout, &stderr)
			continue
		}
		if !slices.Equal(ops, tc.operands) && len(ops)+len(tc.operands) > 0 || !slices.Equal(fs.Args(), ops) && len(ops) > 0 {
			t.Errorf("%q: operands %q (fs.Args %q), want %q", tc.args, ops, fs.Args(), tc.operands)
		}
		if *prefix != tc.prefix || *json != tc.json {
			t.Errorf("%q: --prefix %q --json %v, want %q %v", tc.args, *prefix, *json, tc.prefix, tc.json)
		}
	}
}

func TestParseArgsCommandStopsAtOperand(t *testing.T) {
	t.Parallel()
	fs, prefix, json, _ := testFlags()
	c := &cli{stdout: &bytes.Buffer{}, stderr: &bytes.Buffer{}, verb: "test"}
	ops, _, ok := parseArgsCommand(c, fs, "", []string{"--prefix", "P:", "python3", "train.py", "--json", "--help"})
	if !ok || *prefix != "P:" || *json || !slices.Equal(ops, []string{"python3", "train.py", "--json", "--help"}) {
		t.Fatalf("ok=%v prefix=%q json=%v operands=%q", ok, *prefix, *json, ops)
	}
}

func TestParseArgsErrors(t *testing.T) {
	t.Parallel()
	hint := "conflog: hint: run 'conflog test --help' for usage\n"
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--bogus"}, "conflog: error: test: unknown flag --bogus\n"},
		{[]string{"f", "-x=1"}, "conflog: error: test: unknown flag -x=1\n"},
		{[]string{"--prefix"}, "conflog: error: test: flag --prefix needs a value\n"},
		{[]string{"---prefix", "x"}, "conflog: error: test: bad flag syntax: ---prefix\n"},
		{[]string{"--grace", "soon"}, "conflog: error: test: --grace \"soon\": want a duration such as 30s, 5m or 1h\n"},
		{[]string{"--json=perhaps"}, "conflog: error: test: --json \"perhaps\": want true or false\n"},
		// The first error is the one reported; no flag is set by a failed parse.
		{[]string{"--prefix", "P:", "--nope", "--grace", "x"}, "conflog: error: test: unknown flag --nope\n"},
	} {
		fs, prefix, _, _ := testFlags()
		var stdout, stderr bytes.Buffer
		c := &cli{stdout: &stdout, stderr: &stderr, verb: "test"}
		_, code, ok := parseArgs(c, fs, "usage\n", tc.args)
		if ok || code != exitUsage || stdout.Len() != 0 || stderr.String() != tc.want+hint {
			t.Errorf("%q: ok=%v code=%d stdout=%q stderr=%q, want %q", tc.args, ok, code, &stdout, &stderr, tc.want+hint)
		}
		if *prefix != "" {
			t.Errorf("%q: a failed parse set --prefix %q", tc.args, *prefix)
		}
	}
}

func TestParseArgsHelp(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{{"-h"}, {"--help"}, {"-help"}, {"dir", "--help"}, {"--bogus", "--help"}, {"--grace", "x", "-h"}} {
		fs, _, _, _ := testFlags()
		var stdout, stderr bytes.Buffer
		c := &cli{stdout: &stdout, stderr: &stderr, verb: "test"}
		_, code, ok := parseArgs(c, fs, "Usage: conflog test\n", args)
		if ok || code != exitOK || stdout.String() != "Usage: conflog test\n" || stderr.Len() != 0 {
			t.Errorf("%q: ok=%v code=%d stdout=%q stderr=%q", args, ok, code, &stdout, &stderr)
		}
	}
	// After "--", --help is an operand.
	fs, _, _, _ := testFlags()
	ops, _, ok := parseArgs(&cli{stdout: &bytes.Buffer{}, stderr: &bytes.Buffer{}}, fs, "", []string{"--", "--help"})
	if !ok || !slices.Equal(ops, []string{"--help"}) {
		t.Errorf("-- --help: ok=%v operands %q", ok, ops)
	}
}

// FuzzParseArgs: whatever the arguments, the parser either succeeds with the
// operands in their order (all of them after "--" verbatim), prints the usage
// to stdout alone, or writes exactly one error line and the hint.
func FuzzParseArgs(f *testing.F) {
	f.Add("--prefix\x00P:\x00f.log\x00--json")
	f.Add("a\x00--\x00--help")
	f.Add("-\x00--grace=1s\x00--bogus")
	f.Fuzz(func(t *testing.T, joined string) {
		args := strings.Split(joined, "\x00")
		fs, _, _, _ := testFlags()
		var stdout, stderr bytes.Buffer
		c := &cli{stdout: &stdout, stderr: &stderr, verb: "test"}
		ops, code, ok := parseArgs(c, fs, "usage\n", args)
		switch {
		case ok:
			if code != exitOK || stdout.Len()+stderr.Len() != 0 {
				t.Fatalf("ok with code %d, output %q %q", code, &stdout, &stderr)
			}
			if i := slices.Index(args, "--"); i >= 0 {
				tail := args[i+1:]
				if len(ops) < len(tail) || !slices.Equal(ops[len(ops)-len(tail):], tail) {
					// "--" may have been a flag's value; then it ended nothing.
					if i == 0 || !strings.HasPrefix(args[i-1], "-") {
						t.Fatalf("operands %q do not end with %q", ops, tail)
					}
				}
			}
			for _, o := range ops {
				if !slices.Contains(args, o) {
					t.Fatalf("operand %q is not an argument", o)
				}
			}
		case code == exitOK:
			if stdout.String() != "usage\n" || stderr.Len() != 0 {
				t.Fatalf("help: %q %q", &stdout, &stderr)
			}
		default:
			lines := strings.SplitAfter(stderr.String(), "\n")
			if code != exitUsage || stdout.Len() != 0 || len(lines) != 3 || lines[2] != "" ||
				!strings.HasPrefix(lines[0], "conflog: error: test: ") ||
				lines[1] != "conflog: hint: run 'conflog test --help' for usage\n" {
				t.Fatalf("code %d, stdout %q, stderr %q", code, &stdout, &stderr)
			}
		}
	})
}

// TestCLIDocExitCodes: docs/cli.md's table of exit codes is the command
// table's, row for row, and every verb has its row.
func TestCLIDocExitCodes(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile("../../docs/cli.md")
	if err != nil {
		t.Fatal(err)
	}
	var rows []string
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "| `") {
			rows = append(rows, line)
		}
	}
	var want []string
	for _, cmd := range commands {
		if cmd.exits == "" {
			t.Errorf("%s: no exit codes in the command table", cmd.name)
		}
		want = append(want, "| `"+cmd.name+"` | "+cmd.exits+" |")
	}
	if !slices.Equal(rows, want) {
		t.Errorf("docs/cli.md's exit codes:\n%s\nthe command table's:\n%s", strings.Join(rows, "\n"), strings.Join(want, "\n"))
	}
}

// TestHelpEndsWithExitCodes: every verb's --help ends with its row.
func TestHelpEndsWithExitCodes(t *testing.T) {
	t.Parallel()
	for _, cmd := range commands {
		var stdout, stderr bytes.Buffer
		code := conflogMain(&cli{stdout: &stdout, stderr: &stderr}, []string{cmd.name, "--help"})
		got := strings.Join(strings.Fields(stdout.String()), " ")
		if code != exitOK || stderr.Len() != 0 || !strings.HasSuffix(got, "Exit codes: "+cmd.exits) {
			t.Errorf("%s --help: code %d, stderr %q, ends %q", cmd.name, code, &stderr, got[max(0, len(got)-200):])
		}
	}
}
