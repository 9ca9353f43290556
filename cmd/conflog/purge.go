package main

import (
	"errors"
	"fmt"
	"regexp"

	"github.com/conflog/conflog/store"
)

const purgeUsage = `Usage: conflog purge -i IDENTITY --match REGEX DIR

Examples:
  conflog purge -i keys/identity --match 'ghp_[A-Za-z0-9]{36}' /data/job-42/private
  conflog purge -i keys/identity --match '078-05-1120' /data/job-42/private

Removes every record matching REGEX (Go syntax, RE2), and its salt, from the
sealed store in DIR: the touched segments are re-encrypted and their records
replaced by purge markers. The commitments stay, so the store still verifies
and 'conflog cat' shows the records as purged. This is the incident-response
path for a leaked value. It fails while a writer has the store open.

The touched segments are re-encrypted to the recipients in the store's
signed manifest, which purge lists when it is done; it refuses a manifest
not signed by the store's key or one that leaves out IDENTITY's recipient.

Flags:
  -i IDENTITY    the age identity file (required)
  --match REGEX  the records to remove (required)

Exit status: 0 done (even if nothing matched), 1 failure, 2 usage error.
`

var purgeCommand = &command{
	name:    "purge",
	summary: "remove matching records from a sealed store, keeping it verifiable",
	main:    purgeMain,
}

func purgeMain(c *cli, args []string) int {
	fs := newStoreFlagSet("purge")
	identity := fs.String("i", "", "")
	match := fs.String("match", "", "")
	pos, code, ok := parseStoreVerb(c, fs, purgeUsage, args)
	if !ok {
		return code
	}
	if len(pos) != 1 {
		c.errorf("purge takes one store directory, got %d arguments", len(pos))
		c.hintf("run 'conflog purge --help' for usage")
		return exitUsage
	}
	if *identity == "" || *match == "" {
		c.errorf("purge needs the store's age identity (-i) and what to remove (--match)")
		c.hintf("run 'conflog purge --help' for usage")
		return exitUsage
	}
	re, err := regexp.Compile(*match)
	if err != nil {
		c.errorf("--match: %v", err)
		return exitUsage
	}
	ids, err := readIdentities(*identity)
	if err != nil {
		c.errorf("-i: %v", err)
		c.hintf("pass the 'identity' file conflog keygen wrote")
		return exitUsage
	}
	dir := pos[0]
	n, err := store.Purge(dir, ids[0], re.Match)
	if err != nil {
		c.errorf("%v", err)
		if errors.Is(err, store.ErrLocked) {
			c.hintf("stop the job writing to %s first", dir)
		}
		if n > 0 {
			c.errorf("%s purged before the failure", plural(n, "record"))
		}
		return exitFail
	}
	fmt.Fprintf(c.stdout, "purged %s\n", plural(n, "record"))
	if n > 0 {
		// Whoever holds one of these can read the re-encrypted segments:
		// the investigator should recognise every one.
		if recips, err := store.Recipients(dir); err == nil {
			for _, r := range recips {
				fmt.Fprintf(c.stdout, "re-encrypted to %s\n", r)
			}
		}
	}
	return exitOK
}
