//go:build unix

package main

import (
	"flag"
	"fmt"
	"io"
	"strings"
	"time"
)

// parseArgs is the one argument parser of every verb. fs holds the verb's
// flags (registered with any usage string: the help text is usage, written
// by hand); args are the arguments after the verb's name.
//
//   - Flags may come before or after the operands ("conflog verify DIR
//     --against LOG", "conflog scan f.log --json"), with one or two dashes,
//     their value after '=' or as the next argument. A lone "-" is an
//     operand (stdin); "--" ends the flags, and what follows it is operands
//     even if it starts with a dash.
//   - With interspersed false the first operand ends the flags too: conflog
//     run's operands are a command line whose own flags are not conflog's.
//   - -h, -help or --help anywhere among the flags prints usage to stdout and
//     the verb exits 0, whatever else is wrong.
//   - Every error is one line "conflog: error: VERB: …" and a hint naming
//     the verb's --help; the verb exits 2. Nothing is read or written first.
//
// On success it returns the operands, in order (fs.Args() holds them too),
// fs.Visit sees the flags that were set, and ok is true. Otherwise the verb
// returns code.
func parseArgs(c *cli, fs *flag.FlagSet, usage string, args []string) (operands []string, code int, ok bool) {
	return parse(c, fs, usage, args, true)
}

// parseArgsCommand is parseArgs for a verb whose operands are a command
// line: the first operand ends conflog's flags.
func parseArgsCommand(c *cli, fs *flag.FlagSet, usage string, args []string) (operands []string, code int, ok bool) {
	return parse(c, fs, usage, args, false)
}

// newFlagSet returns an empty FlagSet for a verb, for parseArgs: the flag
// package prints nothing, the verb's usage is written by hand.
func newFlagSet(verb string) *flag.FlagSet {
	fs := flag.NewFlagSet(verb, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	return fs
}

func parse(c *cli, fs *flag.FlagSet, usage string, args []string, interspersed bool) (operands []string, code int, ok bool) {
	verb := fs.Name()
	type setting struct{ flag, name, value string }
	var (
		settings []setting
		bad      func() // the first error, reported unless --help is asked for
		help     bool
	)
	fail := func(format string, a ...any) {
		if bad == nil {
			// One line, whatever the arguments hold: an argument's line
			// end would start a line that is not conflog's.
			msg := strings.NewReplacer("\n", `\n`, "\r", `\r`).Replace(fmt.Sprintf(format, a...))
			bad = func() { c.errorf("%s", msg) }
		}
	}
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			operands = append(operands, args[i+1:]...)
			break
		}
		if a == "-" || !strings.HasPrefix(a, "-") {
			if !interspersed {
				operands = append(operands, args[i:]...)
				break
			}
			operands = append(operands, a)
			continue
		}
		name := strings.TrimPrefix(strings.TrimPrefix(a, "-"), "-")
		name, value, hasValue := strings.Cut(name, "=")
		if name == "" || strings.HasPrefix(name, "-") {
			fail("bad flag syntax: %s", a)
			continue
		}
		f := fs.Lookup(name)
		if f == nil {
			if name == "h" || name == "help" {
				help = true
				continue
			}
			fail("unknown flag %s", a)
			continue
		}
		if !hasValue {
			if isBoolFlag(f) {
				value = "true"
			} else if i+1 < len(args) {
				i++
				value = args[i]
			} else {
				fail("flag %s needs a value", dashed(name))
				continue
			}
		}
		settings = append(settings, setting{a, name, value})
	}
	if help {
		io.WriteString(c.stdout, usage)
		if c.exits != "" {
			io.WriteString(c.stdout, "\n"+wrap("Exit codes: ", "", c.exits, 79))
		}
		return nil, exitOK, false
	}
	if bad == nil {
		for _, s := range settings {
			if err := fs.Set(s.name, s.value); err != nil {
				fail("%s", valueProblem(fs.Lookup(s.name), s.value, err))
				break
			}
		}
	}
	if bad != nil {
		bad()
		c.hintf("run 'conflog %s --help' for usage", verb)
		return nil, exitUsage, false
	}
	// Parse leaves the operands in fs.Args(); after "--" it sets no flag.
	if err := fs.Parse(append([]string{"--"}, operands...)); err != nil {
		panic(err) // cannot happen: Parse only ends its flags at "--"
	}
	return operands, exitOK, true
}

// dashed spells a flag as the help texts do: -i for one letter, --name otherwise.
func dashed(name string) string {
	if len(name) == 1 {
		return "-" + name
	}
	return "--" + name
}

func isBoolFlag(f *flag.Flag) bool {
	b, ok := f.Value.(interface{ IsBoolFlag() bool })
	return ok && b.IsBoolFlag()
}

// valueProblem says why value did not suit f. The flag package's own
// values answer a bare "parse error": say what was wanted instead. A
// verb's own values say it themselves.
func valueProblem(f *flag.Flag, value string, err error) string {
	want := ""
	if g, ok := f.Value.(flag.Getter); ok {
		switch g.Get().(type) {
		case time.Duration:
			want = "a duration such as 30s, 5m or 1h"
		case bool:
			want = "true or false"
		case int, int64, uint, uint64:
			want = "a whole number"
		case float64:
			want = "a number"
		}
	}
	if want != "" {
		return fmt.Sprintf("%s %q: want %s", dashed(f.Name), value, want)
	}
	return fmt.Sprintf("%s: %v", dashed(f.Name), err)
}

// wrap writes text after lead, wrapped at width, its further lines
// after indent.
func wrap(lead, indent, text string, width int) string {
	var b strings.Builder
	b.WriteString(lead)
	col := len(lead)
	for i, w := range strings.Fields(text) {
		if i > 0 && col+1+len(w) > width {
			b.WriteString("\n" + indent)
			col = len(indent)
		} else if i > 0 {
			b.WriteByte(' ')
			col++
		}
		b.WriteString(w)
		col += len(w)
	}
	b.WriteByte('\n')
	return b.String()
}
