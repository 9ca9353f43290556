//go:build unix

package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/conflog/conflog/internal/channel"
	"github.com/conflog/conflog/internal/gate"
	"github.com/conflog/conflog/scrub"
	"github.com/conflog/conflog/traceback"
)

var scrubCommand = &command{
	name:    "scrub",
	exits:   "0 success, 1 a file could not be read or written, 2 usage error; killed by SIGPIPE (141 in a shell) when its reader goes away, as any filter.",
	summary: "filter logs: only lines starting with the prefix pass",
	main:    scrubMain,
}

const scrubUsage = `Usage: conflog scrub --prefix PREFIX [flags] [FILE...]

Examples:
  conflog scrub --prefix SystemLog: < raw.log > public.log
  kubectl logs job/train | conflog scrub --prefix SystemLog:
  CONFLOG_PREFIX=SystemLog: conflog scrub train.log eval.log
  conflog scrub --prefix SystemLog: --detect warn --detectors all old.log

Writes to stdout the public lines of each FILE (stdin when there is none):
the lines whose first bytes, once terminal escape sequences are removed,
are PREFIX. Everything else is dropped.

Rules:
  - lines end at \n, \r (progress bars) and \r\n; the last line needs no end;
  - escape sequences (colours, titles) are removed from public lines;
  - a line longer than --max-line is cut: its first SIZE bytes are judged as a
    line; the rest, up to the line's end, is private even after a public
    head, and never taken for a new line (scrub drops it with the other
    private lines; 'conflog run' sends it to its private sink in pieces of
    at most SIZE bytes, so memory stays bounded and nothing is lost);
  - Go panics and Python tracebacks among the dropped lines are re-emitted
    scrubbed: frames and exception types kept, messages and arguments not;
    a line that continues an exception message stays private even if it
    starts with PREFIX;
  - a public line holding personal data or a secret (a card number, an
    email, a key...) is replaced by a public notice naming the detector and
    the column, never the value (--detect block, the default, as in
    'conflog run'):
      SystemLog: conflog scrub: blocked a public line: email at column 26 (value withheld)
  - each FILE is framed on its own.

Flags:
  --prefix PREFIX   the public marker (default: $CONFLOG_PREFIX; one is required)
  --max-line SIZE   longest line kept whole, in bytes or with KiB/MiB (default 1MiB)
  --keep-ansi       keep the escape sequences that follow the prefix
  --traces=false    do not re-emit crash traces
  --allow REGEX     keep the message of exception/panic types matching REGEX
                    (the whole type name, e.g. 'json\.decoder\.JSONDecodeError')
  --max-message-lines N
                    hold at most N lines after an exception line (default 0:
                    until the trace provably ends); see 'conflog run --help'
  --detect MODE     what to do with a public line holding personal data or a
                    secret: block (default: the line is dropped and replaced
                    by a public notice naming the detector and the column,
                    never the value), warn (passed, with a warning on stderr)
                    or off; when lines were blocked, a warning on stderr
                    counts them
  --detectors LIST  the detectors --detect applies (default: every
                    high-confidence one); the low-confidence ipv4, ipv6, mac
                    and phone run only when named; see 'conflog scan --help'
`

// gateFlags are the flags scrub and run share.
type gateFlags struct {
	prefix   string
	maxLine  int
	keepANSI bool
	traces   bool
	allow    *regexp.Regexp
	msgLines int
}

func (g *gateFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&g.prefix, "prefix", "", "")
	g.maxLine = scrub.DefaultMaxLine
	fs.Func("max-line", "", func(s string) error {
		n, err := parseSize(s)
		if err != nil {
			return err
		}
		g.maxLine = n
		return nil
	})
	fs.BoolVar(&g.keepANSI, "keep-ansi", false, "")
	fs.BoolVar(&g.traces, "traces", true, "")
	fs.IntVar(&g.msgLines, "max-message-lines", 0, "")
	fs.Func("allow", "", func(s string) error {
		re, err := regexp.Compile(s)
		if err != nil {
			return fmt.Errorf("not a regular expression: %v", err)
		}
		g.allow = re
		return nil
	})
}

// newTracer returns a crash-trace scrubber for one stream, or nil with
// --traces=false. Nil must stay a nil interface, not a nil *Scrubber.
func (g *gateFlags) newTracer() scrub.Tracer {
	if !g.traces {
		return nil
	}
	return traceback.New(traceback.Options{Allow: g.allow, MaxMessageLines: g.msgLines})
}

// check resolves the prefix from $CONFLOG_PREFIX when the flag is absent and
// validates the flags, reporting the problem itself. It never picks a default
// prefix: a gate with a guessed marker would pass the wrong lines.
func (g *gateFlags) check(c *cli, fs *flag.FlagSet) bool {
	verb := fs.Name()
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == "prefix" })
	if !set {
		g.prefix = os.Getenv(channel.EnvPrefix)
		if g.prefix == "" {
			c.errorf("%s: no prefix: neither --prefix nor $CONFLOG_PREFIX is set", verb)
			c.hintf("name the marker of public lines, e.g. 'conflog %s --prefix SystemLog: ...'", verb)
			return false
		}
	}
	if err := channel.CheckPrefix(g.prefix); err != nil {
		c.errorf("%s: %v", verb, err)
		return false
	}
	if g.msgLines < 0 {
		c.errorf("%s: --max-message-lines %d: negative", verb, g.msgLines)
		return false
	}
	if g.allow != nil && !g.traces {
		c.errorf("%s: --allow keeps messages of crash traces, but --traces=false turns them off", verb)
		return false
	}
	if g.maxLine < len(g.prefix) {
		c.errorf("%s: --max-line %d: shorter than the prefix %q", verb, g.maxLine, g.prefix)
		return false
	}
	return true
}

// parseSize reads a byte count such as 4096, 64KiB or 1MiB.
func parseSize(s string) (int, error) {
	mult := 1
	num := s
	for _, u := range []struct {
		suffix string
		mult   int
	}{{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"K", 1 << 10}, {"M", 1 << 20}, {"G", 1 << 30}} {
		if strings.HasSuffix(s, u.suffix) {
			num, mult = strings.TrimSuffix(s, u.suffix), u.mult
			break
		}
	}
	n, err := strconv.Atoi(num)
	if err != nil || n <= 0 || n > (1<<31)/mult {
		return 0, fmt.Errorf("size %q: want a positive byte count such as 65536, 64KiB or 1MiB, at most 2GiB", s)
	}
	return n * mult, nil
}

func scrubMain(c *cli, args []string) int {
	fs := newFlagSet("scrub")
	var g gateFlags
	g.register(fs)
	d := detectFlags{verb: "scrub"}
	d.register(func(p *string, name, value string) { fs.StringVar(p, name, value, "") })
	if _, code, ok := parseArgs(c, fs, scrubUsage, args); !ok {
		return code
	}
	if !g.check(c, fs) || !d.check(c) {
		return exitUsage
	}

	// Open every file before writing anything, so a typo in the last name
	// does not leave a half-filtered output behind.
	var inputs []io.Reader
	var names []string
	for _, name := range fs.Args() {
		if name == "-" {
			inputs, names = append(inputs, gate.BatchedInput(c.stdin)), append(names, "stdin")
			continue
		}
		f, err := os.Open(name)
		if err != nil {
			c.errorf("scrub: %v", err)
			return exitFail
		}
		defer f.Close()
		inputs, names = append(inputs, f), append(names, name)
	}
	if len(inputs) == 0 {
		inputs, names = []io.Reader{gate.BatchedInput(c.stdin)}, []string{"stdin"}
	}
	var blocked atomic.Int64
	for i, in := range inputs {
		if err := scrubInput(c, &g, &d, in, names[i], &blocked); err != nil {
			c.errorf("scrub: %s: %v", names[i], err)
			return exitFail
		}
	}
	if n := blocked.Load(); n > 0 {
		c.warningf("scrub: blocked %d public line(s) holding personal data or a secret; the notices in the output say where (--detect block)", n)
	}
	return exitOK
}

// scrubInput filters one input to stdout behind its own tripwire: each file
// is framed, and checked, on its own. The tripwire runs behind the filter on
// a goroutine of its own (see gate.WriteBehind); it is done when this returns.
func scrubInput(c *cli, g *gateFlags, d *detectFlags, in io.Reader, name string, blocked *atomic.Int64) error {
	out := d.wrap(c.stdout, g.prefix, name, nil, blocked, c.warningf)
	if d.set != nil {
		behind := gate.NewWriteBehind(out)
		defer behind.Close()
		out = behind
	}
	f, err := scrub.New(out, scrub.Options{Prefix: g.prefix, MaxLine: g.maxLine, KeepANSI: g.keepANSI, Trace: g.newTracer()})
	if err != nil { // flags were checked; this cannot happen
		return err
	}
	_, err = f.ReadFrom(in)
	if err == nil {
		err = f.Close()
	}
	if b, ok := out.(*gate.WriteBehind); ok {
		if berr := b.Close(); err == nil {
			err = berr
		}
	}
	return err
}
