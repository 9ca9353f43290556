package store

import (
	"bufio"
	"bytes"
	"cmp"
	"crypto/sha256"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"filippo.io/age"
	"golang.org/x/mod/sumdb/note"
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
	// Cause, if not 0, is the 1-based index in Report.Problems of the
	// problem this one follows from (a record that no longer matches after
	// its segment's ciphertext was replaced; every checkpoint after a
	// damaged index): fixing that one fixes this one.
	Cause int
}

func (p Problem) String() string { return p.Where + ": " + p.Err.Error() }

// A Report is what Verify found. The store verifies iff Problems is empty.
type Report struct {
	Latest           *Checkpoint // the latest valid checkpoint in the store
	Checkpoints      int         // valid checkpoints in the store
	Segments         int64       // segments, retired ones included
	Retired          int64       // segments whose ciphertext retention removed
	RetiredRecs      int64       // records in those segments: gone, their commitments kept
	Sealed           int64       // records in the blocks the latest checkpoint covers, as the indexes count them
	Records          int64       // records decrypted and matched (with identities)
	Purged           int64       // purged records whose tags matched (with identities)
	Unsealed         int64       // records after the latest checkpoint, written but never sealed: a lower bound (FORMAT.md)
	Recovered        int64       // records of segments a crashed writer left, sealed when the store was next opened
	Repurged         int64       // segments a signed purge re-encrypted since they were sealed
	Unrecoverable    int64       // records a recovered segment's index lists but its ciphertext does not hold (with identities)
	CutOff           int64       // records a recovered segment's ciphertext holds after the blocks its index lists: lost in the crash, not in the tree (with identities)
	Witnessed        int         // public checkpoints checked
	Recipients       []string    // the age recipients the signed manifest names: who can read the store, and whom purge re-encrypts to
	RecipientChanges []string    // every recipient added to or removed from the manifest since the store was created
	Problems         []Problem
	Notes            []string // facts worth knowing that are not failures
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

// Causes returns the problems that follow from no other, each with how many
// problems follow from it.
func (r *Report) Causes() (causes []Problem, followOns []int) {
	count := map[int]int{}
	for _, p := range r.Problems {
		if p.Cause != 0 {
			count[p.Cause]++
		}
	}
	for i, p := range r.Problems {
		if p.Cause == 0 {
			causes = append(causes, p)
			followOns = append(followOns, count[i+1])
		}
	}
	return causes, followOns
}

func (r *Report) note(format string, args ...any) {
	r.Notes = append(r.Notes, fmt.Sprintf(format, args...))
}

// Verify checks the store in dir and reports every failed check with where it
// failed. Without identities it checks everything a key-less auditor can
// (FORMAT.md, "Verification"): the manifest, every checkpoint's signature and
// the chain they form, every index, the Merkle tree of all commitments against
// every checkpoint, each segment's ciphertext hash, and each witnessed
// checkpoint's consistency. With identities it also decrypts each retained
// segment and matches every record to its commitment. The error is non-nil
// only when dir cannot be read as a store at all, or OnRecord failed.
//
// It streams: each index once, in order, beside its segment's ciphertext,
// keeping only the tree's frontier (O(log n) hashes), so its memory does not
// grow with the number of records.
func Verify(dir string, opts *VerifyOptions) (*Report, error) {
	if opts == nil {
		opts = &VerifyOptions{}
	}
	m, mhash, err := readManifestFile(dir)
	if err != nil {
		return nil, err
	}
	r := &Report{Recipients: m.recipients}
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
	nv, err := note.NewVerifier(vkey)
	if err != nil {
		return nil, fmt.Errorf("store: verifier key: %w", err)
	}

	v := &verifier{dir: dir, id: m.id, opts: opts, r: r}
	hist := verifyManifests(dir, vkey, m, mhash, r)
	cps := verifyCheckpoints(dir, nv, m.id, hist, r)
	v.bySegment = map[int64]*Checkpoint{}
	for _, c := range cps {
		v.bySegment[c.Segment] = c
	}
	if len(cps) > 0 {
		v.latest = cps[len(cps)-1]
		r.Latest = v.latest
		r.Retired = v.latest.Retired
	}
	v.witnesses(nv)
	for _, i := range opts.Identities {
		if s, ok := i.(fmt.Stringer); ok {
			v.keys = append(v.keys, purgeKey(s.String()))
		}
	}
	v.purges = readPurges(dir, m.id, m.purger, r)
	v.purger = m.purger
	max := listSegments(dir, r)
	r.Segments = max
	v.readTree()
	v.checkWitnesses() // those of the empty tree
	for n := int64(1); n <= max; n++ {
		if err := v.segment(n); err != nil {
			return r, err
		}
	}

	// A checkpoint whose segment was never reached was not checked.
	for i, c := range cps {
		if !v.checked[c] && c.Segment > 0 {
			v.treeProblem(fmt.Sprintf("%s line %d", checkpointsName, i+1), "seals segment %d, whose index is missing or unreadable", c.Segment)
		}
	}
	if v.latest != nil && v.latest.Size != v.tree.n {
		r.note("the indexes hold %d sealed blocks, the latest checkpoint %d", v.tree.n, v.latest.Size)
	}
	for _, w := range v.pending {
		v.treeProblem(w.where, "pins %d blocks, more than the store's indexes hold", w.c.Size)
	}
	if v.cache != nil {
		v.treeProblem(treeName, "holds the tree after segment %d, which no checkpoint seals (reopen the store to rebuild it)", v.cacheSeg)
	}
	return r, nil
}

// readTree reads the writer's tree file, if any, for checkTree.
func (v *verifier) readTree() {
	seg, f, err := readTree(v.dir)
	if errors.Is(err, os.ErrNotExist) {
		return
	}
	if err != nil {
		v.r.problem(treeName, "%v (reopen the store to rebuild it)", err)
		return
	}
	v.cacheSeg, v.cache = seg, &f
	if seg == 0 {
		v.checkTree(0)
	}
}

// checkTree checks the writer's tree file against the tree after segment n,
// if that is where it stands. The writer trusts it only if its root is a
// checkpoint's, but a store where anything changed should not verify.
func (v *verifier) checkTree(n int64) {
	if v.cache == nil || v.cacheSeg != n {
		return
	}
	if v.cache.n != v.tree.n || !slices.Equal(v.cache.hashes, v.tree.hashes) {
		v.treeProblem(treeName, "does not match the tree after segment %d (reopen the store to rebuild it)", n)
	}
	v.cache = nil
}

// A verifier is Verify's state while it streams the segments.
type verifier struct {
	dir, id   string
	opts      *VerifyOptions
	r         *Report
	latest    *Checkpoint
	bySegment map[int64]*Checkpoint
	checked   map[*Checkpoint]bool
	keys      [][]byte // purge tag keys of the identities
	records   int64    // records in the segments before the current one (not abandoned)
	tree      frontier // the leaves of every sealed segment so far
	pending   []witnessCheck
	cause     int    // the first problem with the tree (see treeProblem)
	purger    string // the manifest's purger key
	purges    map[int64]map[[32]byte]bool
	cache     *frontier // the writer's tree file, until checked
	cacheSeg  int64
}

// A witnessCheck is a witnessed checkpoint whose root is checked when the
// tree reaches its size.
type witnessCheck struct {
	where string
	c     *Checkpoint
}

// witnesses checks what can be checked of each public checkpoint up front,
// and queues the others, smallest first, for checkWitnesses: the root of the
// store's first Size leaves must be the witnessed one. With the latest
// checkpoint's root checked against all its leaves, that proves the witness
// is a prefix of the store: the consistency a tlog proof would show.
func (v *verifier) witnesses(nv note.Verifier) {
	log := v.opts.WitnessLog
	if log == "" {
		log = "public log"
	}
	for _, w := range v.opts.Witnesses {
		where := fmt.Sprintf("%s line %d", log, w.Line)
		if w.Err != nil {
			v.r.problem(where, "%v", w.Err)
			continue
		}
		c, err := ParseCheckpoint(w.Note, nv)
		if err != nil {
			v.r.problem(where, "%v (forged, or signed by another key)", err)
			continue
		}
		v.r.Witnessed++
		switch {
		case c.Origin != originPrefix+v.id:
			v.r.problem(where, "checkpoint of another store (%s)", c.Origin)
		case v.latest == nil || c.Size > v.latest.Size:
			v.r.problem(where, "pins %d blocks, more than the store's latest checkpoint holds: the store was rolled back or truncated", c.Size)
		case c.Size == v.latest.Size && c.Hash != v.latest.Hash:
			v.r.problem(where, "same size as the store's latest checkpoint (%d) but a different root: the store was rewritten", c.Size)
		default:
			v.pending = append(v.pending, witnessCheck{where, c})
		}
	}
	slices.SortStableFunc(v.pending, func(a, b witnessCheck) int { return cmp.Compare(a.c.Size, b.c.Size) })
}

// treeProblem reports a problem with the tree: an index that cannot be
// read, or a root or size that does not match. The first one is the cause
// of every later one: once a leaf is missing or wrong, every checkpoint
// after it fails too.
func (v *verifier) treeProblem(where string, format string, args ...any) {
	v.r.problem(where, format, args...)
	if v.cause == 0 {
		v.cause = len(v.r.Problems)
	} else {
		v.r.Problems[len(v.r.Problems)-1].Cause = v.cause
	}
}

// checkWitnesses checks the queued witnesses of the tree's current size.
func (v *verifier) checkWitnesses() {
	for len(v.pending) > 0 && v.pending[0].c.Size == v.tree.n {
		w := v.pending[0]
		v.pending = v.pending[1:]
		if w.c.Hash != v.tree.root() {
			v.treeProblem(w.where, "checkpoint of %d blocks is not consistent with the store (the root of its first %d blocks differs): the store was rewritten", w.c.Size, w.c.Size)
		}
	}
}

// segment streams segment n: its index into the tree (if a checkpoint
// covers it), its ciphertext into a hash and, with identities, through age
// to match each record to its commitment.
func (v *verifier) segment(n int64) error {
	r := v.r
	name := segmentName(n, "idx")
	f, err := os.Open(filepath.Join(v.dir, name))
	if errors.Is(err, os.ErrNotExist) {
		v.treeProblem(name, "missing (segment %d was removed)", n)
		return nil
	}
	if err != nil {
		v.treeProblem(name, "%v", err)
		return nil
	}
	defer f.Close()
	state, err := peekTrailer(f)
	if err != nil {
		v.treeProblem(name, "%v", err)
		return nil
	}
	latest := v.latest
	inTree := latest != nil && n <= latest.Segment && state != indexAbandoned
	c := v.bySegment[n]
	s := &segmentCheck{v: v, num: n, lostAt: -1}
	bound := state == indexSealed || state == indexRecovered // a trailer names the ciphertext's hash
	if bound && latest != nil && n <= latest.Segment {
		s.openCiphertext()
	}
	s.recovered = state == indexRecovered
	defer s.close()
	var onRecordErr error
	x, err := scanIndex(bufio.NewReaderSize(f, 64<<10), func(x *index) error {
		switch {
		case x.storeID != v.id:
			return fmt.Errorf("belongs to another store (%s)", x.storeID)
		case x.segment != n:
			return fmt.Errorf("says it is segment %d (segments renamed or reordered)", x.segment)
		}
		if x.first != v.tree.n && latest != nil && n <= latest.Segment {
			v.treeProblem(name, "starts at leaf %d, but the segments before it end at %d (a segment was removed, reordered or swapped)", x.first, v.tree.n)
		}
		s.first = x.first
		if inTree && (!bound || s.file != nil) && len(v.opts.Identities) > 0 {
			if src := s.source(); src != nil {
				s.startDecrypt(src)
			}
		}
		return nil
	}, func(e *entry) error {
		if inTree {
			v.tree.push(leafHash(e))
			v.checkWitnesses()
		}
		if s.sr != nil {
			if err := s.block(e); err != nil {
				onRecordErr = err
				return err
			}
		}
		s.count++
		s.records += e.n
		return nil
	})
	if onRecordErr != nil {
		return onRecordErr
	}
	if err != nil {
		v.treeProblem(name, "%v", err)
		return nil
	}
	if x.state != state {
		r.problem(name, "changed while it was being verified")
		return nil
	}
	s.finish(x)
	if x.state != indexAbandoned {
		v.records += x.records
	}
	if inTree {
		r.Sealed += x.records
	}

	if latest == nil || n > latest.Segment {
		switch x.state {
		case indexSealed:
			r.problem(name, "is sealed, but no checkpoint covers it: the checkpoints were rolled back or removed")
		case indexRecovered:
			r.Unsealed += x.records
			r.note("%s: %d records recovered from a crashed writer, awaiting their checkpoint (the next writer signs it)", name, x.records)
		case indexAbandoned:
			r.note("%s: abandoned by a crashed writer: %d records were never sealed", name, x.records)
		case indexOpen:
			r.Unsealed += x.records
			r.note("%s: not sealed: at least %d records after the latest checkpoint (the writer is running or crashed)", name, x.records)
		}
		return nil
	}
	if x.state == indexAbandoned {
		if c != nil {
			r.problem(name, "is marked abandoned, but checkpoint %d sealed it", c.Size)
		}
		r.note("%s: abandoned by a crashed writer: %d records were never sealed", name, x.records)
		return nil
	}
	if c == nil {
		r.problem(name, "no checkpoint sealed this segment (a checkpoint was removed)")
	}
	if x.state == indexRecovered {
		r.Recovered += x.records
	}
	if c != nil && x.state == indexOpen {
		// No trailer yet (the writer stopped between the checkpoint and
		// it): the checkpoint binds the ciphertext all the same.
		h, err := hashFile(filepath.Join(v.dir, segmentName(n, "age")))
		if err != nil {
			r.problem(segmentName(n, "age"), "%v", err)
		}
		x.cipherHash = h
	}
	if c != nil && x.state != indexAbandoned && x.cipherHash != c.CipherHash {
		switch {
		case v.purges[n][x.cipherHash]:
			r.Repurged++
		case v.purger == "":
			r.note("%s: re-encrypted since it was sealed (a purge, or tampering): the manifest names no purger key, so only verify with the identity can tell", segmentName(n, "age"))
		default:
			r.problem(segmentName(n, "age"), "was replaced since checkpoint %d sealed it, and no purge signed by the store's purger key names it (tampered with)", c.Size)
		}
	}
	if x.state == indexOpen {
		if c != latest || x.torn {
			r.problem(name, "has no trailer, though a checkpoint sealed it")
		} else {
			r.note("%s: the writer stopped before writing its trailer (the next writer writes it)", name)
		}
	}
	if c != nil {
		if v.checked == nil {
			v.checked = map[*Checkpoint]bool{}
		}
		v.checked[c] = true
		where := fmt.Sprintf("%s line %d", checkpointsName, c.line)
		if v.tree.n != c.Size {
			v.treeProblem(where, "says %d blocks through segment %d, but the indexes hold %d", c.Size, c.Segment, v.tree.n)
		} else if v.tree.root() != c.Hash {
			v.treeProblem(where, "root hash of %d blocks does not match the commitments (one was altered, removed or reordered, in segment %d or before)", c.Size, c.Segment)
		}
		v.checkTree(n)
	}
	return nil
}

// peekTrailer returns the state an index's last line announces, reading only
// its end; scanIndex then checks the whole file agrees.
func peekTrailer(f *os.File) (int, error) {
	st, err := f.Stat()
	if err != nil {
		return 0, err
	}
	off := max(st.Size()-maxIndexLine, 0)
	buf := make([]byte, st.Size()-off)
	if _, err := f.ReadAt(buf, off); err != nil {
		return 0, err
	}
	state := indexOpen
	if bytes.HasSuffix(buf, []byte("\n")) {
		last := buf[bytes.LastIndexByte(buf[:len(buf)-1], '\n')+1:]
		switch {
		case bytes.HasPrefix(last, []byte("sealed ")):
			state = indexSealed
		case bytes.HasPrefix(last, []byte("abandoned ")):
			state = indexAbandoned
		case bytes.HasPrefix(last, []byte("recovered ")):
			state = indexRecovered
		}
	}
	return state, nil
}

// A segmentCheck is one segment's ciphertext being hashed and, with
// identities, decrypted beside its index.
type segmentCheck struct {
	v          *verifier
	num, first int64
	count      int64 // blocks seen
	records    int64 // records in them
	lostAt     int64 // in a recovered segment, the first record its ciphertext does not hold; -1 if none
	file       *os.File
	hash       hash.Hash
	missing    bool
	recovered  bool           // a crashed writer's segment: its ciphertext may end without age's last chunk
	sr         *segmentReader // nil when not decrypting, or decryption failed
	deferred   []Problem
}

func (s *segmentCheck) where() string { return segmentName(s.num, "age") }

// problem records a problem found decrypting the segment. It waits for
// finish: if the ciphertext does not match its hash, that is the cause.
func (s *segmentCheck) problem(format string, args ...any) {
	s.deferred = append(s.deferred, Problem{Where: s.where(), Err: fmt.Errorf(format, args...)})
}

// openCiphertext opens the sealed segment's age file, to hash it.
func (s *segmentCheck) openCiphertext() {
	f, err := os.Open(filepath.Join(s.v.dir, s.where()))
	if errors.Is(err, os.ErrNotExist) {
		s.missing = true
		return
	}
	if err != nil {
		s.v.r.problem(s.where(), "%v", err)
		return
	}
	s.file, s.hash = f, sha256.New()
}

// source returns the ciphertext to decrypt: through the hash if the
// segment is sealed, or straight from the file if its trailer is missing (a
// crash between checkpoint and trailer: nothing to hash, but its records are
// checked all the same).
func (s *segmentCheck) source() io.Reader {
	if s.file != nil {
		return io.TeeReader(s.file, s.hash)
	}
	f, err := os.Open(filepath.Join(s.v.dir, s.where()))
	if err != nil {
		s.v.r.problem(s.where(), "%v", err)
		return nil
	}
	s.file = f
	return f
}

// startDecrypt starts decrypting src and checks the plaintext header.
func (s *segmentCheck) startDecrypt(src io.Reader) {
	dec, err := age.Decrypt(src, s.v.opts.Identities...)
	if err != nil {
		s.problem("cannot decrypt: %v", err)
		return
	}
	sr, err := readSegmentHeader(dec)
	if err != nil {
		s.problem("%v", err)
		return
	}
	if sr.id != s.v.id || sr.segment != s.num || sr.first != s.first {
		s.problem("encrypted header says store %s segment %d first %d: swapped in from elsewhere", sr.id, sr.segment, sr.first)
		return
	}
	sr.reuse = true // OnRecord's Data is valid only during the call
	s.sr = sr
}

// block checks the next block against its index entry e, and passes its
// records to OnRecord. Only an error from OnRecord is returned; what fails is
// reported.
func (s *segmentCheck) block(e *entry) error {
	r := s.v.r
	i, leaf := s.count, s.first+s.count
	fr, err := s.sr.next()
	if err != nil && s.recovered {
		// What a crash lost before the next writer recovered the
		// segment: counted exactly in finish.
		s.sr, s.lostAt = nil, s.records
		return nil
	}
	if err == io.EOF {
		s.sr = nil
		s.problem("holds %d blocks, its index more (blocks removed)", i)
		return nil
	}
	if err != nil {
		s.sr = nil
		s.problem("block %d (leaf %d): %v", i, leaf, err)
		return nil
	}
	if fr.purged {
		ok := len(s.v.keys) == 0
		for _, k := range s.v.keys {
			if tag := purgeTag(k, s.v.id, leaf, e.c, fr.body()); tag == fr.tag() {
				ok = true
			}
		}
		if !ok {
			s.problem("block %d (leaf %d): purged block not made by these identities (records were removed or altered)", i, leaf)
			return nil
		}
	} else if commit(fr.raw) != e.c {
		s.problem("block %d (leaf %d): does not match its commitment (altered, reordered or duplicated)", i, leaf)
		return nil
	}
	var kept, purged int64
	n, err := eachRecord(fr.body(), func(br *blockRecord) error {
		if br.purged {
			purged++
		} else {
			kept++
		}
		return nil
	})
	switch {
	case err != nil:
		s.problem("block %d (leaf %d): %v", i, leaf, err)
		return nil
	case n != e.n:
		s.problem("block %d (leaf %d): holds %d records, its index line %d", i, leaf, n, e.n)
		return nil
	case purged > 0 && !fr.purged:
		s.problem("block %d (leaf %d): a purged record in a block no purge rewrote", i, leaf)
		return nil
	}
	r.Records += kept
	r.Purged += purged
	if s.v.opts.OnRecord == nil {
		return nil
	}
	j := s.v.records + s.records
	_, err = eachRecord(fr.body(), func(br *blockRecord) error {
		rec := Record{Index: j, Segment: s.num, Leaf: leaf, Time: time.Unix(0, br.t).UTC(), Purged: br.purged}
		if !br.purged {
			rec.Data = br.data
		}
		j++
		return s.v.opts.OnRecord(rec)
	})
	return err
}

// finish checks the end of the plaintext and the ciphertext's hash against
// the index x.
func (s *segmentCheck) finish(x *index) {
	cause := s.checkEnd(x)
	s.flush(cause)
}

// flush reports the deferred problems, as following from cause if not 0.
func (s *segmentCheck) flush(cause int) {
	for _, p := range s.deferred {
		p.Cause = cause
		s.v.r.Problems = append(s.v.r.Problems, p)
	}
	s.deferred = nil
}

// checkEnd checks the end of the plaintext and the ciphertext's hash,
// returning the index of the hash problem, if any, for flush.
func (s *segmentCheck) checkEnd(x *index) int {
	r := s.v.r
	if s.lostAt >= 0 && s.recovered {
		lost := x.records - s.lostAt
		r.Unrecoverable += lost
		r.note("%s: recovered after a crash, but its ciphertext ends at record %d: %d records the index lists were lost", s.where(), s.lostAt, lost)
	}
	if s.sr != nil && s.recovered {
		if n := s.sr.cutOff(); n > 0 {
			r.CutOff += n
			r.note("%s: recovered after a crash; its ciphertext holds %d records after the %d its index lists, which the writer was killed before it committed: they are lost (not in the tree, not shown; a purge drops them)", s.where(), n, x.records)
		}
	}
	if s.sr != nil && !s.recovered { // a recovered segment may hold more than its index lists: records the crash cut off
		if _, err := s.sr.next(); err != io.EOF {
			leaf := s.first + s.count
			if err == nil {
				s.problem("block %d (leaf %d): more blocks than its index lists (a block was added)", s.count, leaf)
			} else {
				s.problem("block %d (leaf %d): %v", s.count, leaf, err)
			}
		}
	}
	latest := s.v.latest
	if (x.state != indexSealed && x.state != indexRecovered) || latest == nil || s.num > latest.Segment {
		return 0
	}
	if s.missing {
		if s.num > latest.Retired {
			r.problem(s.where(), "missing, and retention did not remove it (the latest checkpoint retired segments 1..%d)", latest.Retired)
		} else {
			r.RetiredRecs += x.records
		}
		return 0
	}
	if s.hash == nil {
		return 0
	}
	if _, err := io.Copy(s.hash, s.file); err != nil {
		r.problem(s.where(), "%v", err)
		return 0
	}
	if [32]byte(s.hash.Sum(nil)) != x.cipherHash {
		r.problem(s.where(), "ciphertext does not match the hash in %s (altered, truncated or swapped)", segmentName(s.num, "idx"))
		return len(r.Problems)
	}
	return 0
}

func (s *segmentCheck) close() {
	s.flush(0) // the segment could not be checked to its end
	if s.file != nil {
		s.file.Close()
	}
}

// verifyManifests checks the manifest history: every version signed by vkey,
// the manifest the latest of them, and reports every change of recipients.
// It returns the history, or nil if it cannot be read.
func verifyManifests(dir, vkey string, m *manifest, mhash [32]byte, r *Report) []signedManifest {
	hist, err := readManifests(dir, vkey)
	if err == nil && len(hist) == 0 {
		err = errors.New("holds no manifest")
	}
	if err != nil {
		r.problem(manifestsName, "%v", err)
		return nil
	}
	last := hist[len(hist)-1]
	switch {
	case m.version == last.version && mhash == last.hash:
	case m.version < last.version:
		r.problem(manifestName, "is version %d, but version %d was signed after it: an older manifest was put back (replayed)", m.version, last.version)
	case m.version > last.version:
		r.problem(manifestName, "is version %d, which %s does not hold (a writer stopped while changing the recipients: reopen the store; or the history was cut)", m.version, manifestsName)
	default:
		r.problem(manifestName, "is not the version %d that was signed (altered)", m.version)
	}
	for i := 1; i < len(hist); i++ {
		added, removed := diffRecipients(hist[i-1].recipients, hist[i].recipients)
		for _, a := range added {
			r.RecipientChanges = append(r.RecipientChanges, fmt.Sprintf("manifest version %d added recipient %s", i+1, a))
		}
		for _, a := range removed {
			r.RecipientChanges = append(r.RecipientChanges, fmt.Sprintf("manifest version %d removed recipient %s", i+1, a))
		}
	}
	return hist
}

// verifyCheckpoints checks every line of DIR/checkpoints and the chain they
// form, and the manifest each binds against the history hist (if read),
// returning the valid ones in order.
func verifyCheckpoints(dir string, v note.Verifier, id string, hist []signedManifest, r *Report) []*Checkpoint {
	data, err := os.ReadFile(filepath.Join(dir, checkpointsName))
	if err != nil {
		r.problem(checkpointsName, "%v", err)
		return nil
	}
	var out []*Checkpoint
	checkpointLines(data, v, id, func(line int, c *Checkpoint, err error) bool {
		where := fmt.Sprintf("%s line %d", checkpointsName, line)
		if err != nil {
			r.problem(where, "%v", err)
			return true
		}
		if len(out) == 0 {
			if c.Size != 0 || c.Segment != 0 {
				r.problem(where, "the first checkpoint is not the new store's empty tree (older checkpoints were removed)")
			}
		} else if p := out[len(out)-1]; c.Segment <= p.Segment || c.Size < p.Size || c.Retired < p.Retired || c.ManifestVersion < p.ManifestVersion {
			r.problem(where, "does not follow the previous checkpoint (segment %d→%d, size %d→%d, retired %d→%d, manifest %d→%d): checkpoints reordered or replayed",
				p.Segment, c.Segment, p.Size, c.Size, p.Retired, c.Retired, p.ManifestVersion, c.ManifestVersion)
			return true
		}
		if hist != nil {
			if c.ManifestVersion > int64(len(hist)) {
				r.problem(where, "binds manifest version %d, which %s does not hold (the history was cut, or an older manifest put back)", c.ManifestVersion, manifestsName)
			} else if hist[c.ManifestVersion-1].hash != c.ManifestHash {
				r.problem(where, "binds a manifest version %d other than the one %s holds", c.ManifestVersion, manifestsName)
			}
		}
		out = append(out, c)
		return true
	})
	r.Checkpoints = len(out)
	if len(out) == 0 && len(data) > 0 {
		r.problem(checkpointsName, "holds no valid checkpoint")
	}
	return out
}

// listSegments checks the store's file names and returns the highest segment
// number; segments 1..that are expected.
func listSegments(dir string, r *Report) int64 {
	names, err := storeFiles(dir)
	if err != nil {
		r.problem(".", "%v", err)
		return 0
	}
	var max int64
	for _, name := range names {
		n, _, ok := parseSegmentName(name)
		switch {
		case ok:
		case name == manifestName || name == manifestsName || name == checkpointsName || name == treeName || name == purgesName:
			continue
		case strings.HasSuffix(name, ".age.tmp"):
			r.note("%s: left by an interrupted purge; the next purge finishes it", name)
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
	return max
}
