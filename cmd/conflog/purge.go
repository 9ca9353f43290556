//go:build unix

package main

import (
	"errors"
	"fmt"
	"regexp"
	"time"

	"github.com/conflog/conflog/store"
)

const purgeUsage = `Usage: conflog purge -i IDENTITY --match REGEX [--dry-run] DIR

Examples:
  conflog purge -i keys/identity --match 'ghp_[A-Za-z0-9]{36}' --dry-run /data/job-42/private
  conflog purge -i keys/identity --match 'ghp_[A-Za-z0-9]{36}' /data/job-42/private

Removes every record matching REGEX (Go syntax, RE2), and its salt, from the
sealed store in DIR: the touched segments are re-encrypted and their records
replaced by purge markers. The commitments stay, so the store still verifies
and 'conflog cat' shows the records as purged. This is the incident-response
path for a leaked value. It fails while a writer has the store open.

Every ciphertext in DIR is searched: sealed segments, and those a crashed
writer left (recovered, abandoned or not yet recovered), including records a
crash cut off. A match may span adjacent records, as the pieces of a line
the gate cut (run --max-line) do, two or more: all of them are purged.

The touched segments are re-encrypted to the recipients in the store's
signed manifest; purge refuses a manifest not signed by the store's key or
one that leaves out IDENTITY's recipient. Run it with --dry-run first: it
lists the records it would purge (never their text), the records a killed
writer left after a segment's indexed ones that the rewrite drops (never
committed, shown by nothing), and the recipients it would re-encrypt to, and
changes nothing.

Flags:
  -i IDENTITY    the age identity file (required)
  --match REGEX  the records to remove (required)
  --dry-run      list what would be purged, and to whom re-encrypted
`

var purgeCommand = &command{
	name:    "purge",
	exits:   "0 done (even if nothing matched), 1 failure, 2 usage error.",
	summary: "remove matching records from a sealed store, keeping it verifiable",
	main:    purgeMain,
}

func purgeMain(c *cli, args []string) int {
	fs := newFlagSet("purge")
	identity := fs.String("i", "", "")
	match := fs.String("match", "", "")
	dryRun := fs.Bool("dry-run", false, "")
	pos, code, ok := parseArgs(c, fs, purgeUsage, args)
	if !ok {
		return code
	}
	if len(pos) != 1 {
		c.errorf("takes one store directory, got %d arguments", len(pos))
		c.hintf("run 'conflog purge --help' for usage")
		return exitUsage
	}
	if *identity == "" || *match == "" {
		c.errorf("needs the store's age identity (-i) and what to remove (--match)")
		c.hintf("run 'conflog purge --help' for usage")
		return exitUsage
	}
	re, err := regexp.Compile(*match)
	if err != nil {
		c.errorf("--match: %v", err)
		return exitUsage
	}
	ids, code, ok := identityFlag(c, *identity)
	if !ok {
		return code
	}
	dir := pos[0]
	verb, to, drop := "purged", "re-encrypted to", "dropped"
	if *dryRun {
		verb, to, drop = "would purge", "would re-encrypt to", "would drop"
	}
	// One line per record as the purge goes, none kept: a leaked key on
	// every line of a large store is the case purge is for.
	each := func(r store.PurgedRecord) {
		fmt.Fprintf(c.stdout, "%s record %d (segment %d, %s, %s, %s)\n", verb, r.Index, r.Segment, r.State,
			r.Time.Format(time.RFC3339Nano), plural(r.Bytes, "byte"))
	}
	res, err := store.Purge(dir, ids[0], &store.PurgeOptions{Match: re, DryRun: *dryRun, Each: each})
	if err != nil {
		c.errorf("%v", err)
		switch {
		case errors.Is(err, store.ErrLocked):
			c.hintf("stop the job writing to %s first", dir)
		case errors.Is(err, store.ErrDamaged):
			c.hintf("run 'conflog verify -i %s %s' to see what is wrong", *identity, dir)
		}
		if res != nil && len(res.Rewritten) > 0 {
			c.errorf("segments %v were purged before the failure", res.Rewritten)
		}
		return exitFail
	}
	for _, t := range res.CutOff {
		fmt.Fprintf(c.stdout, "%s %s a killed writer left after segment %d's indexed blocks (never committed, not in the tree, shown by nothing)\n", drop, plural(int(t.Records), "whole record"), t.Segment)
	}
	fmt.Fprintf(c.stdout, "%s %s in %s\n", verb, plural(int(res.Purged), "record"), plural(len(res.Rewritten), "segment"))
	if len(res.Rewritten) > 0 {
		// Whoever holds one of these can read the re-encrypted segments:
		// the investigator should recognise every one.
		for _, r := range res.Recipients {
			fmt.Fprintf(c.stdout, "%s %s\n", to, r)
		}
	}
	return exitOK
}
