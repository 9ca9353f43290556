//go:build unix

package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"filippo.io/age"
	"github.com/conflog/conflog/store"
)

// storeFlags are run's flags for --private store:DIR: the keys the job may
// hold (the age recipient and the checkpoint signer, never the identity),
// how often the store is sealed and witnessed, when a segment rotates and
// how long sealed segments are kept.
//
// Only the keys have environment variables: a platform hands them to every
// job as secrets are handed out, while rotation and retention are a choice
// made per store, on the command line where its reader can see it.
type storeFlags struct {
	recipient string
	signer    string
	every     time.Duration
	segSize   int64
	segAge    time.Duration
	keepSegs  int
	keepFor   time.Duration
	sync      store.SyncPolicy
}

// storeOnlyFlags are the flags that mean something only with store:DIR.
var storeOnlyFlags = []string{"recipient", "signer", "checkpoint-every", "segment-size", "segment-age", "keep-segments", "keep-for", "sync"}

func (f *storeFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.recipient, "recipient", os.Getenv("CONFLOG_STORE_RECIPIENT"), "")
	fs.StringVar(&f.signer, "signer", os.Getenv("CONFLOG_STORE_SIGNER"), "")
	fs.DurationVar(&f.every, "checkpoint-every", store.DefaultCheckpointEvery, "")
	// parseSize's 2GiB cap suits a segment: purge holds one in memory.
	f.segSize = store.DefaultMaxSegmentBytes
	fs.Func("segment-size", "", func(s string) error {
		n, err := parseSize(s)
		f.segSize = int64(n)
		return err
	})
	fs.DurationVar(&f.segAge, "segment-age", store.DefaultMaxSegmentAge, "")
	fs.Func("sync", "", func(s string) error {
		for _, p := range []store.SyncPolicy{store.SyncSeal, store.SyncBatch, store.SyncNone} {
			if s == p.String() {
				f.sync = p
				return nil
			}
		}
		return fmt.Errorf("want seal, batch or none")
	})
	fs.IntVar(&f.keepSegs, "keep-segments", 0, "")
	fs.DurationVar(&f.keepFor, "keep-for", 0, "")
}

// check validates the store flags against the chosen sink, before any I/O.
func (f *storeFlags) check(c *cli, fs *flag.FlagSet, useStore bool) bool {
	if !useStore {
		bad := ""
		fs.Visit(func(fl *flag.Flag) {
			if slices.Contains(storeOnlyFlags, fl.Name) {
				bad = fl.Name
			}
		})
		if bad != "" {
			c.errorf("run: --%s is only for --private store:DIR", bad)
			return false
		}
		return true
	}
	switch {
	case f.recipient == "":
		c.errorf("run: --private store:DIR needs the age recipient to encrypt to (--recipient or $CONFLOG_STORE_RECIPIENT)")
		c.hintf("'conflog keygen KEYS' prints it and writes it to KEYS/recipient; the identity stays with the investigators")
		return false
	case f.signer == "":
		c.errorf("run: --private store:DIR needs the checkpoint signing key file (--signer or $CONFLOG_STORE_SIGNER)")
		c.hintf("'conflog keygen KEYS' writes it to KEYS/signer")
		return false
	case f.every <= 0:
		c.errorf("run: --checkpoint-every %v: must be positive", f.every)
		return false
	case f.segAge <= 0:
		c.errorf("run: --segment-age %v: must be positive", f.segAge)
		return false
	case f.keepSegs < 0:
		c.errorf("run: --keep-segments %d: negative", f.keepSegs)
		c.hintf("0, the default, keeps every segment")
		return false
	case f.keepFor < 0:
		c.errorf("run: --keep-for %v: negative", f.keepFor)
		c.hintf("0, the default, keeps segments forever")
		return false
	}
	return true
}

// open reads the keys and opens the store in dir as run's private sink.
// Checkpoints are printed to out as public witness lines.
func (f *storeFlags) open(dir, prefix string, out io.Writer) (*storeSink, error) {
	var recips []age.Recipient
	var purger string
	var err error
	// The flag (or $CONFLOG_STORE_RECIPIENT, often a Kubernetes Secret's
	// key) holds a recipient file's text, or names the file.
	text := f.recipient
	if !strings.HasPrefix(text, "age1") && !strings.HasPrefix(text, "#") && !strings.Contains(text, "\n") {
		var b []byte
		b, err = os.ReadFile(text)
		text = string(b)
	}
	if err == nil {
		recips, err = age.ParseRecipients(strings.NewReader(text))
		// conflog keygen names the identity's purge key in a comment;
		// with several, the first (the investigators' own, listed first).
		for _, l := range strings.Split(text, "\n") {
			if k, ok := strings.CutPrefix(l, "# "+purgerComment); ok {
				purger = k
				break
			}
		}
	}
	if err != nil {
		return nil, fmt.Errorf("--recipient: %w", err)
	}
	sf, err := openSecret(f.signer)
	if err != nil {
		return nil, fmt.Errorf("--signer: %w", err)
	}
	skey, err := io.ReadAll(sf)
	sf.Close()
	if err != nil {
		return nil, fmt.Errorf("--signer: %w", err)
	}
	s := &storeSink{prefix: prefix, out: out}
	s.w, err = store.Open(dir, &store.Options{
		Recipients:      recips,
		SigningKey:      strings.TrimSpace(string(skey)),
		CheckpointEvery: f.every,
		MaxSegmentBytes: f.segSize,
		MaxSegmentAge:   f.segAge,
		KeepSegments:    f.keepSegs,
		KeepFor:         f.keepFor,
		Sync:            f.sync,
		Purger:          purger,
		OnCheckpoint:    s.witness,
	})
	if err != nil {
		return nil, err
	}
	// A crashed writer's segment was sealed: say so, and what was not.
	if n := s.w.Recovered(); n > 0 {
		fmt.Fprintf(out, "%s conflog: warning: run: store %s: recovered %s a crashed writer left, sealed now; what it had not yet written to its files is lost ('conflog verify -i IDENTITY %s' counts the records its ciphertext holds beyond them)\n", prefix, dir, plural(int(n), "record"), dir)
	}
	// A new recipient can read everything written from now on, and every
	// segment a purge re-encrypts: say so where the operator looks.
	added, removed := s.w.RecipientChanges()
	for _, r := range added {
		fmt.Fprintf(out, "%s conflog: warning: run: store %s: recipient %s added to the manifest: it can read every segment written from now on, and every one a purge re-encrypts\n", prefix, dir, r)
	}
	for _, r := range removed {
		fmt.Fprintf(out, "%s conflog: warning: run: store %s: recipient %s removed from the manifest\n", prefix, dir, r)
	}
	return s, nil
}

// openHint is the one hint run prints when the store in dir did not open
// with err: the library says what is wrong, this what to do about it.
func (f *storeFlags) openHint(dir string, err error) string {
	switch {
	case errors.Is(err, store.ErrDamaged):
		return fmt.Sprintf("run 'conflog verify %s' to see what is wrong; the job did not start", dir)
	case errors.Is(err, store.ErrLocked):
		return "another 'conflog run' is writing to this store: one writer per store, so give this job its own directory"
	case errors.Is(err, errReadable):
		return fmt.Sprintf("a secret key must be readable by its owner only: chmod 600 %s", f.signer)
	}
	return "the store needs the recipient and signer from 'conflog keygen', and no other writer"
}

// A storeSink appends run's private lines to the sealed store and prints
// every checkpoint as a public line, so the public log pins the store.
type storeSink struct {
	w      *store.Writer
	prefix string
	out    io.Writer

	mu      sync.Mutex
	printed bool
}

func (s *storeSink) Line(line []byte) error { return s.w.Append(line) }

// witness prints c as one public line: PREFIX conflog checkpoint <base64>.
func (s *storeSink) witness(c *store.Checkpoint) {
	s.mu.Lock()
	defer s.mu.Unlock()
	fmt.Fprintf(s.out, "%s %s\n", s.prefix, store.WitnessLine(c))
	s.printed = true
}

// Close seals the store, which prints the final checkpoint; if the run added
// nothing, the store's latest checkpoint is printed instead, so every run's
// public log ends by pinning the store.
func (s *storeSink) Close() error {
	err := s.w.Close()
	s.mu.Lock()
	printed := s.printed
	s.mu.Unlock()
	if !printed {
		s.witness(s.w.Latest())
	}
	return err
}
