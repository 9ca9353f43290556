//go:build unix

package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/conflog/conflog/store"
)

const catUsage = `Usage: conflog cat -i IDENTITY [--json] [--key VERIFIER] DIR

Examples:
  conflog cat -i keys/identity /data/job-42/private
  conflog cat -i keys/identity --json /data/job-42/private | jq .line

Decrypts the sealed store in DIR and prints its records, oldest first, one
per line. Every record is checked against its commitment before it is
printed, and the whole store is verified as 'conflog verify -i' does; a
purged record prints as "[purged record N]". With --json each record is an
object: {"index":N,"segment":S,"time":"…","line":"…"} or, purged,
{"index":N,"segment":S,"purged":true}. The records of segments that
retention retired (conflog run --keep-segments, --keep-for) are gone: a
warning says how many, and the records after them keep their indexes.

Flags:
  -i IDENTITY     the age identity file (required)
  --json          one JSON object per record
  --key VERIFIER  pin the checkpoint verifier key (see conflog verify)
`

var catCommand = &command{
	name:    "cat",
	exits:   "0 printed and verified, 1 verification failed, 2 usage error.",
	summary: "decrypt, verify and print a sealed store's records",
	main:    catMain,
}

func catMain(c *cli, args []string) int {
	fs := newFlagSet("cat")
	identity := fs.String("i", "", "")
	asJSON := fs.Bool("json", false, "")
	key := fs.String("key", "", "")
	pos, code, ok := parseArgs(c, fs, catUsage, args)
	if !ok {
		return code
	}
	if len(pos) != 1 {
		c.errorf("takes one store directory, got %d arguments", len(pos))
		c.hintf("run 'conflog cat --help' for usage")
		return exitUsage
	}
	if *identity == "" {
		c.errorf("needs the store's age identity (-i)")
		c.hintf("conflog keygen wrote it as DIR/identity")
		return exitUsage
	}
	opts, code, ok := storeOptions(c, *key, *identity, "")
	if !ok {
		return code
	}
	out := bufio.NewWriter(c.stdout)
	enc := json.NewEncoder(out)
	type jsonRecord struct {
		Index   int64   `json:"index"`
		Segment int64   `json:"segment"`
		Time    *string `json:"time,omitempty"`
		Line    *string `json:"line,omitempty"`
		Purged  bool    `json:"purged,omitempty"`
	}
	opts.OnRecord = func(r store.Record) error {
		if *asJSON {
			j := jsonRecord{Index: r.Index, Segment: r.Segment, Purged: r.Purged}
			if !r.Purged {
				t, l := r.Time.Format(time.RFC3339Nano), string(r.Data)
				j.Time, j.Line = &t, &l
			}
			return enc.Encode(j)
		}
		if r.Purged {
			_, err := fmt.Fprintf(out, "[purged record %d]\n", r.Index)
			return err
		}
		out.Write(r.Data)
		return out.WriteByte('\n')
	}
	dir := pos[0]
	rep, err := store.Verify(dir, opts)
	if ferr := out.Flush(); err == nil && ferr != nil {
		err = ferr
	}
	if err != nil {
		c.errorf("%v", err)
		return exitFail
	}
	for _, n := range rep.Notes {
		c.warningf("%s", n)
	}
	if rep.RetiredRecs > 0 {
		c.warningf("%s: segments 1..%d were retired by retention: their %s are gone and not shown (their commitments still verify)",
			dir, rep.Retired, plural(int(rep.RetiredRecs), "record"))
	}
	if rep.Unsealed > 0 {
		c.warningf("at least %d records after the latest checkpoint are unsealed and not shown (the next writer to open the store recovers them)", rep.Unsealed)
	}
	if rep.Unrecoverable > 0 {
		c.warningf("%s listed in recovered segments were lost in a crash and not shown", plural(int(rep.Unrecoverable), "record"))
	}
	for _, ch := range rep.RecipientChanges {
		c.warningf("%s: %s", dir, ch)
	}
	c.message("note", "%s is encrypted to %s", []any{dir, strings.Join(rep.Recipients, ", ")})
	if !rep.OK() {
		c.errorf("%s: verification failed: %s; the records printed passed their own checks", dir, c.problems(rep))
		return exitFail
	}
	return exitOK
}
