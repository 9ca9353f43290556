package store

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"filippo.io/age"
	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// VerifyOptions say what Verify checks beyond the keyless checks.
type VerifyOptions struct {
	// VerifierKey pins the note verifier key checkpoints must be signed with.
	// Empty means the key the store's manifest names, which only proves the
	// store is self-consistent: pin the key to prove who signed it.
	VerifierKey string

	// Identities, if set, decrypt every retained segment and check every
	// record against its commitment, and every purge marker's tag.
	Identities []age.Identity

	// Witnesses are checkpoints found in a public log (FindWitnesses): each
	// must be validly signed and consistent with the store's latest checkpoint.
	Witnesses []Witness
	// WitnessLog names the log in reports.
	WitnessLog string

	// OnRecord, if set (with Identities), receives each record once it has
	// been checked against its commitment, in index order. Its Data is only
	// valid during the call. An error from it stops Verify and is returned.
	OnRecord func(Record) error
}

// A Problem is one failed check: where, and what failed.
type Problem struct {
	Where string // a file in the store (with a line or record) or the public log
	Err   error
}

func (p Problem) String() string { return p.Where + ": " + p.Err.Error() }

// A Report is what Verify found. The store verifies iff Problems is empty.
type Report struct {
	Latest      *Checkpoint // the latest valid checkpoint in the store
	Checkpoints int         // valid checkpoints in the store
	Segments    int64       // segments, retired ones included
	Retired     int64       // segments whose ciphertext retention removed
	RetiredRecs int64       // records in those segments: gone, their commitments kept
	Records     int64       // records decrypted and matched (with identities)
	Purged      int64       // purged records whose tags matched (with identities)
	Unsealed    int64       // records after the latest checkpoint, written but never sealed: a lower bound (FORMAT.md)
	Witnessed   int         // public checkpoints checked
	Problems    []Problem
	Notes       []string // facts worth knowing that are not failures
}

// OK reports whether every check passed.
func (r *Report) OK() bool { return len(r.Problems) == 0 }

// Err returns the problems as one error, or nil.
func (r *Report) Err() error {
	var errs []error
	for _, p := range r.Problems {
		errs = append(errs, fmt.Errorf("%s: %w", p.Where, p.Err))
	}
	return errors.Join(errs...)
}

func (r *Report) problem(where string, format string, args ...any) {
	r.Problems = append(r.Problems, Problem{Where: where, Err: fmt.Errorf(format, args...)})
}

func (r *Report) note(format string, args ...any) {
	r.Notes = append(r.Notes, fmt.Sprintf(format, args...))
}

// A verifiedSegment is what the keyless pass learned about one segment.
type verifiedSegment struct {
	num     int64
	x       *index // nil if the index is missing or unreadable
	covered bool   // some checkpoint sealed it
}

// Verify checks the store in dir and reports every failed check with where it
// failed. Without identities it checks everything a key-less auditor can
// (FORMAT.md, "Verification"): the manifest, every checkpoint's signature and
// the chain they form, every index, the Merkle tree of all commitments against
// every checkpoint, each segment's ciphertext hash, and each witnessed
// checkpoint's consistency. With identities it also decrypts each retained
// segment and matches every record to its commitment. The error is non-nil
// only when dir cannot be read as a store at all.
func Verify(dir string, opts *VerifyOptions) (*Report, error) {
	if opts == nil {
		opts = &VerifyOptions{}
	}
	m, err := readManifest(dir)
	if err != nil {
		return nil, err
	}
	r := &Report{}
	if _, err := m.ageRecipients(); err != nil {
		r.problem(manifestName, "%v", err)
	}
	vkey := m.verifier
	if opts.VerifierKey != "" {
		if opts.VerifierKey != m.verifier {
			r.problem(manifestName, "names verifier key %s, not the pinned key %s", keyName(m.verifier), keyName(opts.VerifierKey))
		}
		vkey = opts.VerifierKey
	}
	verifier, err := note.NewVerifier(vkey)
	if err != nil {
		return nil, fmt.Errorf("store: verifier key: %w", err)
	}

	cps := verifyCheckpoints(dir, verifier, m.id, r)
	segs := readIndexes(dir, m.id, r)
	r.Segments = int64(len(segs))
	var latest *Checkpoint
	if len(cps) > 0 {
		latest = cps[len(cps)-1]
		r.Latest = latest
		r.Retired = latest.Retired
	}

	// The tree: the commitments of every segment up to the latest
	// checkpoint's, in order; abandoned segments hold none of its leaves.
	tree := &memTree{}
	bySegment := map[int64]*Checkpoint{}
	for _, c := range cps {
		bySegment[c.Segment] = c
	}
	ends := map[int64]int64{0: 0} // segment → leaves through it
	for _, s := range segs {
		if s.x == nil {
			continue
		}
		name := segmentName(s.num, "idx")
		if s.x.first != tree.n && (latest == nil || s.num <= latest.Segment) {
			r.problem(name, "starts at leaf %d, but the segments before it end at %d (a segment was removed, reordered or swapped)", s.x.first, tree.n)
		}
		c := bySegment[s.num]
		s.covered = c != nil
		switch {
		case latest != nil && s.num <= latest.Segment:
			if s.x.state == indexAbandoned {
				if c != nil {
					r.problem(name, "is marked abandoned, but checkpoint %d sealed it", c.Size)
				}
				r.note("%s: abandoned by a crashed writer: %d records were never sealed", name, len(s.x.commitments))
				break
			}
			if c == nil {
				r.problem(name, "no checkpoint sealed this segment (a checkpoint was removed)")
			}
			if s.x.state == indexOpen {
				if c != latest || s.x.torn {
					r.problem(name, "has no trailer, though a checkpoint sealed it")
				} else {
					r.note("%s: the writer stopped before writing its trailer; its ciphertext is not bound (reopen the store to finish it)", name)
				}
			}
			for _, cm := range s.x.commitments {
				tree.add(tlog.RecordHash(cm[:]))
			}
		default: // after the latest checkpoint
			switch s.x.state {
			case indexSealed:
				r.problem(name, "is sealed, but no checkpoint covers it: the checkpoints were rolled back or removed")
			case indexAbandoned:
				r.note("%s: abandoned by a crashed writer: %d records were never sealed", name, len(s.x.commitments))
			case indexOpen:
				r.Unsealed += int64(len(s.x.commitments))
				r.note("%s: not sealed: at least %d records after the latest checkpoint (the writer is running or crashed)", name, len(s.x.commitments))
			}
		}
		ends[s.num] = tree.n
	}

	// Every checkpoint: its size is where its segment ends, and its root is
	// the tree hash of that many commitments.
	for i, c := range cps {
		where := fmt.Sprintf("%s line %d", checkpointsName, i+1)
		end, ok := ends[c.Segment]
		if !ok {
			r.problem(where, "seals segment %d, whose index is missing or unreadable", c.Segment)
			continue
		}
		if end != c.Size {
			r.problem(where, "says %d records through segment %d, but the indexes hold %d", c.Size, c.Segment, end)
			continue
		}
		root, err := tree.root(c.Size)
		if err != nil || root != c.Hash {
			r.problem(where, "root hash of %d records does not match the commitments (one was altered, removed or reordered, in segment %d or before)", c.Size, c.Segment)
		}
	}
	if latest != nil && latest.Size != tree.n {
		// Reported per checkpoint above; the tree is cut to the signed size.
		r.note("the indexes hold %d sealed records, the latest checkpoint %d", tree.n, latest.Size)
	}

	verifyCiphertexts(dir, segs, latest, r)
	if len(opts.Witnesses) > 0 {
		verifyWitnesses(opts, verifier, m.id, latest, tree, r)
	}
	if len(opts.Identities) > 0 {
		if err := verifyRecords(dir, m.id, segs, latest, opts, r); err != nil {
			return r, err
		}
	}
	return r, nil
}

// verifyCheckpoints checks every line of DIR/checkpoints and the chain they
// form, returning the valid ones in order.
func verifyCheckpoints(dir string, v note.Verifier, id string, r *Report) []*Checkpoint {
	data, err := os.ReadFile(filepath.Join(dir, checkpointsName))
	if err != nil {
		r.problem(checkpointsName, "%v", err)
		return nil
	}
	var out []*Checkpoint
	for i, w := range parseCheckpointLines(data) {
		where := fmt.Sprintf("%s line %d", checkpointsName, i+1)
		if w.Err != nil {
			r.problem(where, "%v", w.Err)
			continue
		}
		c, err := ParseCheckpoint(w.Note, v)
		if err != nil {
			r.problem(where, "%v", err)
			continue
		}
		if c.Origin != originPrefix+id {
			r.problem(where, "checkpoint of another store (%s)", c.Origin)
			continue
		}
		if len(out) == 0 {
			if c.Size != 0 || c.Segment != 0 {
				r.problem(where, "the first checkpoint is not the new store's empty tree (older checkpoints were removed)")
			}
		} else if p := out[len(out)-1]; c.Segment <= p.Segment || c.Size < p.Size || c.Retired < p.Retired {
			r.problem(where, "does not follow the previous checkpoint (segment %d→%d, size %d→%d, retired %d→%d): checkpoints reordered or replayed",
				p.Segment, c.Segment, p.Size, c.Size, p.Retired, c.Retired)
			continue
		}
		out = append(out, c)
	}
	r.Checkpoints = len(out)
	if len(out) == 0 && len(data) > 0 {
		r.problem(checkpointsName, "holds no valid checkpoint")
	}
	return out
}

// readIndexes reads every segment index, which must be numbered 1..N.
func readIndexes(dir, id string, r *Report) []*verifiedSegment {
	names, err := storeFiles(dir)
	if err != nil {
		r.problem(".", "%v", err)
		return nil
	}
	idx := map[int64]bool{}
	ciph := map[int64]bool{}
	var max int64
	for _, name := range names {
		n, ext, ok := parseSegmentName(name)
		switch {
		case ok && ext == "idx":
			idx[n] = true
		case ok && ext == "age":
			ciph[n] = true
		case name == manifestName || name == checkpointsName:
			continue
		case strings.HasSuffix(name, ".age.tmp"):
			r.note("%s: left by an interrupted purge; rerun conflog purge to finish it", name)
			continue
		case strings.HasSuffix(name, ".tmp"):
			r.note("%s: left by a writer that stopped mid-write; the next writer removes it", name)
			continue
		default:
			r.note("%s: not part of the store format", name)
			continue
		}
		if n > max {
			max = n
		}
	}
	var segs []*verifiedSegment
	for n := int64(1); n <= max; n++ {
		s := &verifiedSegment{num: n}
		segs = append(segs, s)
		name := segmentName(n, "idx")
		if !idx[n] {
			r.problem(name, "missing (segment %d was removed)", n)
			continue
		}
		data, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			r.problem(name, "%v", err)
			continue
		}
		x, err := parseIndex(data)
		if err != nil {
			r.problem(name, "%v", err)
			continue
		}
		if x.storeID != id {
			r.problem(name, "belongs to another store (%s)", x.storeID)
			continue
		}
		if x.segment != n {
			r.problem(name, "says it is segment %d (segments renamed or reordered)", x.segment)
			continue
		}
		s.x = x
	}
	return segs
}

// verifyCiphertexts checks that each sealed, unretired segment's age file is
// the one its index trailer names.
func verifyCiphertexts(dir string, segs []*verifiedSegment, latest *Checkpoint, r *Report) {
	for _, s := range segs {
		if s.x == nil || s.x.state != indexSealed || latest == nil || s.num > latest.Segment {
			continue
		}
		name := segmentName(s.num, "age")
		h, err := hashFile(filepath.Join(dir, name))
		if errors.Is(err, os.ErrNotExist) {
			if s.num > latest.Retired {
				r.problem(name, "missing, and retention did not remove it (the latest checkpoint retired segments 1..%d)", latest.Retired)
			} else {
				r.RetiredRecs += int64(len(s.x.commitments))
			}
			continue
		}
		if err != nil {
			r.problem(name, "%v", err)
			continue
		}
		if h != s.x.cipherHash {
			r.problem(name, "ciphertext does not match the hash in %s (altered, truncated or swapped)", segmentName(s.num, "idx"))
		}
	}
}

// verifyWitnesses checks public checkpoints against the store: each must be
// signed by the store's key, be of this store, and be a prefix of the latest
// checkpoint's tree (a tlog consistency proof from the store's commitments,
// checked against both signed roots).
func verifyWitnesses(opts *VerifyOptions, v note.Verifier, id string, latest *Checkpoint, tree *memTree, r *Report) {
	log := opts.WitnessLog
	if log == "" {
		log = "public log"
	}
	for _, w := range opts.Witnesses {
		where := fmt.Sprintf("%s line %d", log, w.Line)
		if w.Err != nil {
			r.problem(where, "%v", w.Err)
			continue
		}
		c, err := ParseCheckpoint(w.Note, v)
		if err != nil {
			r.problem(where, "%v (forged, or signed by another key)", err)
			continue
		}
		r.Witnessed++
		if c.Origin != originPrefix+id {
			r.problem(where, "checkpoint of another store (%s)", c.Origin)
			continue
		}
		if latest == nil || c.Size > latest.Size {
			r.problem(where, "pins %d records, more than the store's latest checkpoint holds: the store was rolled back or truncated", c.Size)
			continue
		}
		if c.Size > tree.n {
			r.problem(where, "pins %d records, more than the store's indexes hold", c.Size)
			continue
		}
		if c.Size == 0 {
			if c.Hash != emptyTreeHash() {
				r.problem(where, "empty tree with a non-empty root hash")
			}
			continue
		}
		if c.Size == latest.Size {
			if c.Hash != latest.Hash {
				r.problem(where, "same size as the store's latest checkpoint (%d) but a different root: the store was rewritten", c.Size)
			}
			continue
		}
		p, err := tlog.ProveTree(latest.Size, c.Size, tree)
		if err == nil {
			err = tlog.CheckTree(p, latest.Size, latest.Hash, c.Size, c.Hash)
		}
		if err != nil {
			r.problem(where, "checkpoint of %d records is not consistent with the store (%v): the store was rewritten", c.Size, err)
		}
	}
}

// verifyRecords decrypts every sealed, retained segment and matches each
// record to its commitment.
func verifyRecords(dir, id string, segs []*verifiedSegment, latest *Checkpoint, opts *VerifyOptions, r *Report) error {
	var keys [][]byte
	for _, i := range opts.Identities {
		if s, ok := i.(fmt.Stringer); ok {
			keys = append(keys, purgeKey(s.String()))
		}
	}
	for _, s := range segs {
		if s.x == nil || latest == nil || s.num > latest.Segment || s.x.state == indexAbandoned {
			continue
		}
		name := segmentName(s.num, "age")
		f, err := os.Open(filepath.Join(dir, name))
		if errors.Is(err, os.ErrNotExist) && s.num <= latest.Retired {
			continue
		}
		if err != nil {
			r.problem(name, "%v", err)
			continue
		}
		err = verifySegment(f, id, s, keys, opts.Identities, opts.OnRecord, r)
		f.Close()
		if err != nil {
			return err
		}
	}
	return nil
}

func verifySegment(f io.Reader, id string, s *verifiedSegment, keys [][]byte, ids []age.Identity, onRecord func(Record) error, r *Report) error {
	name := segmentName(s.num, "age")
	dec, err := age.Decrypt(f, ids...)
	if err != nil {
		r.problem(name, "cannot decrypt: %v", err)
		return nil
	}
	sr, err := readSegmentHeader(dec)
	if err != nil {
		r.problem(name, "%v", err)
		return nil
	}
	if sr.id != id || sr.segment != s.num || sr.first != s.x.first {
		r.problem(name, "encrypted header says store %s segment %d first %d: swapped in from elsewhere", sr.id, sr.segment, sr.first)
		return nil
	}
	for i := 0; ; i++ {
		fr, err := sr.next()
		if err == io.EOF {
			if i != len(s.x.commitments) {
				r.problem(name, "holds %d records, its index %d (records removed)", i, len(s.x.commitments))
			}
			return nil
		}
		leaf := s.x.first + int64(i)
		if err != nil {
			r.problem(name, "record %d (leaf %d): %v", i, leaf, err)
			return nil
		}
		if i >= len(s.x.commitments) {
			r.problem(name, "record %d (leaf %d): more records than its index lists (a record was added)", i, leaf)
			return nil
		}
		cm := s.x.commitments[i]
		if fr.purged {
			ok := len(keys) == 0
			for _, k := range keys {
				if tag := purgeTag(k, id, leaf, cm); tag == fr.tag {
					ok = true
				}
			}
			if !ok {
				r.problem(name, "record %d (leaf %d): purge marker not made by these identities (a record was removed)", i, leaf)
				continue
			}
			r.Purged++
		} else {
			if commit(fr.body) != cm {
				r.problem(name, "record %d (leaf %d): does not match its commitment (altered, reordered or duplicated)", i, leaf)
				continue
			}
			r.Records++
		}
		if onRecord != nil {
			if err := onRecord(fr.record(leaf, s.num)); err != nil {
				return err
			}
		}
	}
}
