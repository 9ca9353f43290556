//go:build unix

package main

import (
	"errors"
	"fmt"
	"os"

	"github.com/conflog/conflog/store"
)

const verifyUsage = `Usage: conflog verify [--key VERIFIER] [-i IDENTITY] [--against PUBLIC.LOG] DIR

Examples:
  conflog verify --key keys/verifier /data/job-42/private
  conflog verify --key keys/verifier --against job-42-public.log /data/job-42/private
  conflog verify --key keys/verifier -i keys/identity /data/job-42/private

Proves the sealed store in DIR is intact. Without any key it checks the
checkpoint signatures and their chain, every commitment against the Merkle
tree of every checkpoint, and every segment's ciphertext hash. With -i it
also decrypts every segment and checks every record against its commitment.
With --against it checks that every checkpoint the job printed to its public
log is consistent with the store: a rolled-back or rewritten store fails.

Records written after the last checkpoint (a crashed writer) are reported
as unsealed, with a warning; they do not fail verification.

Flags:
  --key VERIFIER       the checkpoint verifier key, or a file holding it
                       (default: the key named in the store, which only
                       proves the store is self-consistent)
  -i IDENTITY          an age identity file: check every record too
  --against LOG        a public log holding "conflog checkpoint" lines
`

var verifyCommand = &command{
	name:    "verify",
	exits:   "0 verified, 1 verification failed, 2 usage error.",
	summary: "prove a sealed store is intact (and matches a public log)",
	main:    verifyMain,
}

func verifyMain(c *cli, args []string) int {
	fs := newFlagSet("verify")
	key := fs.String("key", "", "")
	identity := fs.String("i", "", "")
	against := fs.String("against", "", "")
	pos, code, ok := parseArgs(c, fs, verifyUsage, args)
	if !ok {
		return code
	}
	if len(pos) != 1 {
		c.errorf("takes one store directory, got %d arguments", len(pos))
		c.hintf("run 'conflog verify --help' for usage")
		return exitUsage
	}
	opts, code, ok := storeOptions(c, *key, *identity, *against)
	if !ok {
		return code
	}
	dir := pos[0]
	rep, err := store.Verify(dir, opts)
	if err != nil {
		c.errorf("%v", err)
		if errors.Is(err, os.ErrNotExist) {
			c.hintf("is %s a conflog store? it has no manifest", dir)
		} else {
			c.hintf("the manifest names the store's keys and recipients: without a sound one nothing in %s can be checked; restore it from a copy", dir)
		}
		return exitFail
	}
	return c.report(dir, rep, opts)
}

// storeOptions reads the key, identity and public log flags into
// VerifyOptions, before any store file is touched.
func storeOptions(c *cli, key, identity, against string) (*store.VerifyOptions, int, bool) {
	opts := &store.VerifyOptions{}
	if key != "" {
		k, err := readVerifierKey(key)
		if err != nil {
			c.errorf("--key: %v", err)
			c.hintf("pass the verifier key conflog keygen printed, or its 'verifier' file")
			return nil, exitUsage, false
		}
		opts.VerifierKey = k
	}
	if identity != "" {
		ids, code, ok := identityFlag(c, identity)
		if !ok {
			return nil, code, false
		}
		opts.Identities = ids
	}
	if against != "" {
		f, err := os.Open(against)
		if err != nil {
			c.errorf("--against: %v", err)
			return nil, exitUsage, false
		}
		ws, err := store.FindWitnesses(f)
		f.Close()
		if err != nil {
			c.errorf("--against: %s: %v", against, err)
			return nil, exitFail, false
		}
		if len(ws) == 0 {
			c.errorf("--against: %s holds no \"conflog checkpoint\" line", against)
			c.hintf("was the job run with 'conflog run --private store:DIR'? it prints them at each checkpoint and at exit")
			return nil, exitFail, false
		}
		opts.Witnesses, opts.WitnessLog = ws, against
	}
	return opts, exitOK, true
}

// problems prints the report's problems, each that follows from another
// folded into a count after it, and returns how many there were.
func (c *cli) problems(rep *store.Report) string {
	causes, followOns := rep.Causes()
	for i, p := range causes {
		if n := followOns[i]; n > 0 {
			c.errorf("%s (and %s caused by it)", p, plural(n, "more problem"))
		} else {
			c.errorf("%s", p)
		}
	}
	if len(causes) == len(rep.Problems) {
		return plural(len(causes), "problem")
	}
	return fmt.Sprintf("%s, %d in all", plural(len(causes), "problem"), len(rep.Problems))
}

// report prints a verification report: the summary on stdout, notes as
// warnings and problems as errors on stderr.
func (c *cli) report(dir string, rep *store.Report, opts *store.VerifyOptions) int {
	for _, n := range rep.Notes {
		c.warningf("%s", n)
	}
	for _, ch := range rep.RecipientChanges {
		c.warningf("%s: %s (check that you know every recipient: each can read the store)", dir, ch)
	}
	if rep.Unsealed > 0 {
		c.warningf("at least %d records after the latest checkpoint are unsealed (a writer is running, or crashed; the next writer recovers them)", rep.Unsealed)
	}
	if rep.Unrecoverable > 0 {
		c.warningf("%s listed in recovered segments were lost in a crash", plural(int(rep.Unrecoverable), "record"))
	}
	if !rep.OK() {
		c.errorf("%s: verification failed: %s", dir, c.problems(rep))
		return exitFail
	}
	l := rep.Latest
	signer := "the key named in the store (pin it with --key)"
	if opts.VerifierKey != "" {
		signer = "the pinned key"
	}
	fmt.Fprintf(c.stdout, "%s: verified\n", dir)
	fmt.Fprintf(c.stdout, "  checkpoints: %d, signed by %s\n", rep.Checkpoints, signer)
	fmt.Fprintf(c.stdout, "  latest: %d records in %s (leaves), segment %d, root %s\n", rep.Sealed, plural(int(l.Size), "block"), l.Segment, l.Hash)
	fmt.Fprintf(c.stdout, "  segments: %d (%d retired)\n", rep.Segments, rep.Retired)
	if rep.Repurged > 0 {
		fmt.Fprintf(c.stdout, "  purged: %s re-encrypted by a purge signed with the store's purger key\n", plural(int(rep.Repurged), "segment"))
	}
	if rep.Recovered > 0 {
		fmt.Fprintf(c.stdout, "  recovered: %s from segments crashed writers left\n", plural(int(rep.Recovered), "record"))
	}
	// Whoever holds one of these can read the store, and purge re-encrypts
	// to them: the auditor should recognise every one.
	for _, r := range rep.Recipients {
		fmt.Fprintf(c.stdout, "  recipient: %s\n", r)
	}
	if len(opts.Identities) > 0 {
		fmt.Fprintf(c.stdout, "  records: %d matched their commitments, %d purged\n", rep.Records, rep.Purged)
	}
	if len(opts.Witnesses) > 0 {
		fmt.Fprintf(c.stdout, "  witnessed: %d checkpoints in %s are consistent\n", rep.Witnessed, opts.WitnessLog)
	}
	return exitOK
}
