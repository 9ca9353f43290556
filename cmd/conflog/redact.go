//go:build unix

package main

import (
	"bytes"
	"fmt"
	"io"
	"os"

	"github.com/conflog/conflog/detect"
	"github.com/conflog/conflog/scrub"
)

var redactCommand = &command{
	name:    "redact",
	exits:   "0 success, 2 usage or read error.",
	summary: "replace, mask or pseudonymise personal data and secrets in a log",
	main:    redactMain,
}

const redactUsage = `Usage: conflog redact [flags] [FILE|-]

Copies a log to stdout with every finding replaced; everything else is
copied byte for byte. With no FILE, or "-", reads stdin. A line holding
escape sequences and a finding is written as a terminal shows it, escapes
removed, with every value in that text replaced.

Examples:
  conflog redact train.log > train.redacted.log
  kubectl logs job/train | conflog redact --mode mask
  head -c 32 /dev/urandom > redact.key
  conflog redact --mode pseudonym --key-file redact.key serve.log

Flags:
  --mode MODE        replace (default): the detector's tag, <EMAIL>
                     mask: the value masked, keeping at most its last 4 bytes
                     pseudonym: a tag with a keyed HMAC-SHA256 of the value,
                     <EMAIL:5f1b0c...>, the same for the same value and key
  --key-file FILE    the pseudonym key: at least 16 bytes, kept secret
  --detectors LIST   comma-separated detector names, or "all"
                     (default: every high-confidence detector)

A count per detector goes to stderr at the end.
`

func redactMain(c *cli, args []string) int {
	fs := newFlagSet("redact")
	var (
		mode      = fs.String("mode", "replace", "")
		keyFile   = fs.String("key-file", "", "")
		detectors = fs.String("detectors", "", "")
	)
	if _, code, ok := parseArgs(c, fs, redactUsage+detectorList(), args); !ok {
		return code
	}
	m, err := detect.ParseMode(*mode)
	if err != nil {
		c.errorf("--mode: unknown mode %q", *mode)
		c.hintf("use --mode replace, mask or pseudonym")
		return exitUsage
	}
	switch {
	case m == detect.Pseudonym && *keyFile == "":
		c.errorf("--mode pseudonym needs --key-file")
		c.hintf("create a key with: head -c 32 /dev/urandom > redact.key")
		return exitUsage
	case m != detect.Pseudonym && *keyFile != "":
		c.errorf("--key-file is only used by --mode pseudonym")
		return exitUsage
	}
	set, ok := parseDetectors(c, *detectors)
	if !ok {
		return exitUsage
	}
	if fs.NArg() > 1 {
		c.errorf("takes one input, got %d", fs.NArg())
		c.hintf("redact files one at a time: the output is one stream")
		return exitUsage
	}
	// A coloured line is redacted as a terminal shows it, as the gate's
	// tripwire redacts it (internal/tripwire).
	rd := &detect.Redactor{Set: set, Mode: m, Shown: scrub.AppendStripped}
	if *keyFile != "" {
		key, err := os.ReadFile(*keyFile)
		if err != nil {
			c.errorf("--key-file: %v", err)
			return exitUsage
		}
		if key = bytes.TrimRight(key, "\r\n"); len(key) < 16 {
			c.errorf("--key-file %s: key too short: %d bytes, want at least 16", *keyFile, len(key))
			c.hintf("create a key with: head -c 32 /dev/urandom > redact.key")
			return exitUsage
		}
		rd.Key = key
	}
	var in io.Reader = c.stdin
	if name := fs.Arg(0); name != "" && name != "-" {
		f, err := os.Open(name)
		if err != nil {
			c.errorf("redact: %v", err)
			return exitUsage
		}
		defer f.Close()
		in = f
	}
	counts := map[string]int{}
	if err := rd.Copy(c.stdout, in, func(f detect.Finding) { counts[f.Detector]++ }); err != nil {
		c.errorf("redact: %v", err)
		return exitUsage
	}
	total := 0
	var b bytes.Buffer
	for _, d := range set.Detectors() {
		if n := counts[d.Name()]; n > 0 {
			total += n
			fmt.Fprintf(&b, ", %s %d", d.Name(), n)
		}
	}
	if total == 0 {
		fmt.Fprintf(c.stderr, "conflog: redacted nothing\n")
	} else {
		fmt.Fprintf(c.stderr, "conflog: redacted %d value(s): %s\n", total, b.String()[2:])
	}
	return exitOK
}
