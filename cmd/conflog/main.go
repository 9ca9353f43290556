//go:build unix

// Command conflog is the egress gate, store tool, leak scanner and analyzer of
// the conflog project: one binary, one verb per job.
//
// Output rules, for every verb (after age's cmd/age/tui.go):
//   - the payload (filtered lines, records, findings) goes to stdout;
//   - everything else goes to stderr as "conflog: error: …", "conflog: warning: …"
//     or "conflog: hint: …", lowercase, no final period (run, once its flags
//     are sound, puts its prefix and a space before each: see cli.public);
//   - a hint follows an error whenever the user can act on it;
//   - all flags are checked before any input is read or any file is written.
//
// Exit codes: 0 success; 1 the verb's documented "something found" or failure
// (scan findings, verify failure); 2 usage error; run exits with the child's
// code, 128+n when a signal n killed it.
package main

import (
	"fmt"
	"io"
	"os"
	"strings"
)

// A command is one verb of the CLI. Each verb lives in its own file, named for it.
type command struct {
	name    string
	summary string // one line, shown in the overview
	// exits is the verb's exit codes, the one place they are written: its
	// --help ends with them, and docs/cli.md is checked against them.
	exits string
	// main runs the verb with the arguments after its name and returns the exit code.
	main func(c *cli, args []string) int
}

// commands is the verb table, in the order the overview lists them.
var commands = []*command{
	runCommand,
	scrubCommand,
	shipCommand,
	keygenCommand,
	verifyCommand,
	catCommand,
	purgeCommand,
	scanCommand,
	redactCommand,
	vetCommand,
}

// Exit codes shared by the verbs.
const (
	exitOK    = 0
	exitFail  = 1
	exitUsage = 2
)

// cli carries the process's streams so verbs can be run in-process by tests.
type cli struct {
	stdin          io.Reader
	stdout, stderr io.Writer

	// public, when set, is the prefix conflog run puts before its own
	// messages once its flags are sound. They hold only the gate's facts
	// (counts, stream names, detectors, columns, its own configuration),
	// never the job's output, and a platform that keeps only prefixed lines
	// must not lose them: a warning nobody outside can read is no warning.
	public string

	// metrics, when run serves --metrics, receives the gate's counts.
	metrics *gateMetrics

	// verb names the running verb; every error starts with it. exits is
	// its exit codes, for its --help.
	verb, exits string
}

func (c *cli) errorf(format string, args ...any)   { c.message("error", format, args) }
func (c *cli) warningf(format string, args ...any) { c.message("warning", format, args) }
func (c *cli) hintf(format string, args ...any)    { c.message("hint", format, args) }

// message writes one line "conflog: KIND: …"; an error starts with the
// verb ("conflog: error: VERB: …") unless it names the verb already. Behind a public prefix it
// stays one line whatever its arguments hold: a line end in one (a file name,
// an OS error) would start a line the prefix does not cover.
func (c *cli) message(kind, format string, args []any) {
	msg := fmt.Sprintf(format, args...)
	if c.verb != "" && kind == "error" && !strings.HasPrefix(msg, c.verb+": ") {
		msg = c.verb + ": " + msg
	}
	if c.public != "" {
		msg = strings.NewReplacer("\n", " ", "\r", " ").Replace(msg)
	}
	fmt.Fprintf(c.stderr, "%sconflog: %s: %s\n", c.public, kind, msg)
}

func main() {
	// "go vet -vettool=$(which conflog)" runs this binary with go vet's own
	// protocol (-V=full, -flags, unit.cfg), never a verb: hand it to the
	// analyzer's unitchecker driver, which exits by itself.
	if isVettoolInvocation(os.Args[1:]) {
		vettoolMain(os.Args[1:])
	}
	os.Exit(conflogMain(&cli{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr}, os.Args[1:]))
}

func conflogMain(c *cli, args []string) int {
	if len(args) == 0 {
		usage(c.stderr)
		return exitUsage
	}
	switch args[0] {
	case "-h", "-help", "--help", "help":
		usage(c.stdout)
		return exitOK
	}
	for _, cmd := range commands {
		if cmd.name == args[0] {
			c.verb, c.exits = cmd.name, cmd.exits
			return cmd.main(c, args[1:])
		}
	}
	c.errorf("unknown command %q", args[0])
	c.hintf("run 'conflog --help' for the list of commands")
	return exitUsage
}

// overview opens the usage text: examples first, as age's does.
const overview = `conflog keeps private data out of logs that leave a compliant boundary.

Examples:
  conflog run --prefix SystemLog: -- python3 train.py      only public lines get out
  conflog scrub --prefix SystemLog: raw.log > public.log   the same rule on a file
  conflog scan logs/*.log                                  find PII and secrets in logs
  conflog vet ./...                                        find leaky logging calls

Usage:
  conflog <command> [flags] [args]

Commands:
`

func usage(w io.Writer) {
	var b strings.Builder
	b.WriteString(overview)
	for _, cmd := range commands {
		fmt.Fprintf(&b, "  %-8s %s\n", cmd.name, cmd.summary)
	}
	b.WriteString("\nRun 'conflog <command> --help' for a command's flags and examples.\n")
	b.WriteString("\nExit codes: 0 success, 1 findings or failure, 2 usage error;\n'run' exits with the job's code (128+n when signal n killed it).\nEach command's --help and docs/cli.md give its own.\n")
	io.WriteString(w, b.String())
}
