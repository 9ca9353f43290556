//go:build unix

package main

import (
	"bytes"
	"io"
	"sync/atomic"

	"github.com/conflog/conflog/detect"
	"github.com/conflog/conflog/internal/tripwire"
	"github.com/conflog/conflog/scrub"
)

// This file is the gate's tripwire: conflog run --detect and conflog scrub
// --detect. The prefix rule
// stops private lines; the tripwire stops the other accident, a public line
// that holds customer data or a secret (a user id that was an email, a
// config dump with a token). It sits between a scrub.Filter and the output,
// where every write is whole public lines, each starting with the prefix.

// detectMode is what run does with a public line that holds a finding.
type detectMode string

const (
	detectBlock detectMode = "block" // replace the line by a public notice
	detectWarn  detectMode = "warn"  // pass the line, warn on stderr
	detectOff   detectMode = "off"
)

// detectFlags are the gate's --detect and --detectors, shared by run and
// scrub so both verbs parse, default and report them alike.
type detectFlags struct {
	verb      string // the verb naming itself in errors, warnings and notices; "" is run
	mode      string
	detectors string
	set       *detect.Set
	onBlock   func(detector string, column int, stream string) // if set, told of every blocked line
}

// name is the verb the flags belong to.
func (d *detectFlags) name() string {
	if d.verb == "" {
		return "run"
	}
	return d.verb
}

func (d *detectFlags) register(fsRegister func(p *string, name, value string)) {
	fsRegister(&d.mode, "detect", string(detectBlock))
	fsRegister(&d.detectors, "detectors", "")
}

// check validates the flags and compiles the set; it reports the problem.
func (d *detectFlags) check(c *cli) bool {
	switch detectMode(d.mode) {
	case detectBlock, detectWarn:
	case detectOff:
		if d.detectors != "" {
			c.errorf("%s: --detectors is not used with --detect off", d.name())
			return false
		}
		return true
	default:
		c.errorf("%s: --detect %q: want block, warn or off", d.name(), d.mode)
		c.hintf("block (the default) withholds a public line holding personal data or a secret")
		return false
	}
	set, ok := parseDetectors(c, d.detectors)
	d.set = set
	return ok
}

// wrap returns w behind a tripwire for one stream, or w itself with --detect
// off. Blocked lines go to private (nil drops them) and are counted in blocked.
func (d *detectFlags) wrap(w io.Writer, prefix, stream string, private scrub.Sink, blocked *atomic.Int64, warn func(format string, args ...any)) io.Writer {
	if d.set == nil {
		return w
	}
	return &tripwireWriter{w: w, check: d.set.NewChecker(), judge: tripwire.New(d.set), mode: detectMode(d.mode), verb: d.name(), prefix: []byte(prefix),
		stream: stream, private: private, blocked: blocked, onBlock: d.onBlock, warn: warn}
}

// tripwireWriter checks each public line written through it.
type tripwireWriter struct {
	w       io.Writer
	check   *detect.Checker // one per stream: it follows private-key blocks
	judge   *tripwire.Judge // the rule, shared with the Collector processor
	mode    detectMode
	verb    string // in the notice and the warning; "" is run
	prefix  []byte
	stream  string
	private scrub.Sink // where a blocked line goes; nil drops it
	warn    func(format string, args ...any)
	blocked *atomic.Int64 // shared by the streams of one run
	onBlock func(detector string, column int, stream string)
	out     []byte
}

// Write checks every line of p (the filter writes whole lines) and passes it,
// or in block mode replaces it by a notice that names the detector and the
// column, never the value.
func (t *tripwireWriter) Write(p []byte) (int, error) {
	verb := t.verb
	if verb == "" {
		verb = "run"
	}
	out := t.out[:0]
	rest := p
	for len(rest) > 0 {
		line := rest
		if i := bytes.IndexByte(rest, '\n'); i >= 0 {
			line = rest[:i+1]
		}
		rest = rest[len(line):]
		body := bytes.TrimSuffix(line, []byte("\n"))
		content := bytes.TrimPrefix(body, t.prefix)
		f, found := t.judge.Check(t.check, content)
		if !found {
			out = append(out, line...)
			continue
		}
		col := len(body) - len(content) + f.Col
		if t.mode == detectWarn {
			t.warn("%s: a public line on %s holds a possible %s at column %d; passed (--detect warn)", verb, t.stream, f.Detector, col)
			out = append(out, line...)
			continue
		}
		t.blocked.Add(1)
		if t.onBlock != nil {
			t.onBlock(f.Detector, col, t.stream)
		}
		if t.private != nil {
			t.private.Line(body) // a sink error surfaces on the filter's own private lines
		}
		out = append(tripwire.AppendNotice(out, t.prefix, "conflog "+verb, f), '\n')
	}
	t.out = out
	if cap(out) > 256<<10 {
		t.out = nil // a long line's copy is not kept: each channel connection has a tripwire
	}
	if _, err := t.w.Write(out); err != nil {
		return 0, err
	}
	return len(p), nil
}

// detectHelp is the --detect part of run's help.
const detectHelp = `  --detect MODE       what to do with a public line holding personal data or a
                      secret: block (default: the line is replaced by a public
                      notice naming the detector and the column, never the
                      value, and goes to the private sink), warn (passed, with
                      a warning on stderr) or off
  --detectors LIST    the detectors --detect applies (default: every
                      high-confidence one); the low-confidence ipv4, ipv6, mac
                      and phone run only when named
`
