package store

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"time"

	"filippo.io/age"
	"golang.org/x/mod/sumdb/note"
)

// PurgeOptions say what Purge removes.
type PurgeOptions struct {
	// Match selects the records to purge: every record it matches, and
	// every record a match spans when it runs from one into the next ones
	// (the pieces of a line the gate cut: run --max-line), unless the
	// part in the first record is a match on its own (a greedy pattern
	// running on into the next line). A pattern that can match across the
	// end of one line and the start of an unrelated next one purges both.
	Match *regexp.Regexp

	// DryRun finds the records and reports them without changing a file.
	DryRun bool

	// Each, if set, is called with every record purged (or, in a dry run,
	// that would be), in store order, as Purge goes, and
	// PurgeResult.Records stays empty: Purge's memory then does not grow
	// with the number of records matched (a bit per record of a segment
	// holding a match). Without a rewrite to do, a dry run reads the
	// segments holding a match a second time to list them. After an
	// error, the records of the segment whose rewrite failed may have been
	// passed to Each although that segment was left as it was
	// (PurgeResult.Rewritten lists the segments that were purged).
	Each func(PurgedRecord)
}

// A PurgedRecord is a record Purge removed (or, in a dry run, would remove).
// Its line is not kept: listing it would print the very value being purged.
type PurgedRecord struct {
	Index   int64 // its number in the store (Record.Index); in an abandoned segment, where it would have been
	Segment int64
	Time    time.Time
	Bytes   int    // the line's length
	State   string // its segment: "sealed", "recovered", "abandoned" or "unsealed" (a crashed writer's, not yet recovered)
}

// A PurgeResult is what Purge did, or would do.
type PurgeResult struct {
	Records    []PurgedRecord // the records purged, in store order; none when PurgeOptions.Each is set (this list grows with the matches)
	Purged     int64          // how many records were purged
	Rewritten  []int64        // the segments re-encrypted
	Recipients []string       // the recipients they were (or would be) re-encrypted to
	Signed     bool           // the rewrites were signed with the manifest's purger key (PurgerKey)
	CutOff     []CutOff       // the segments whose plaintext goes on after their indexed blocks: a rewrite drops it
}

// A CutOff is what a killed writer left in a segment's ciphertext after the
// blocks its index lists: Records whole records (perhaps 0: the start of
// one, or of a block), never committed, not in the tree, shown by nothing.
// Purge drops them when it rewrites the segment, which it always does.
type CutOff struct {
	Segment, Records int64
}

// purgeWindow is how far back from a record's end a match spanning
// records may start.
const purgeWindow = 64 << 10

// Purge removes every record opts.Match selects, with its salt, from the
// store in dir: each segment is decrypted and checked record by record
// against its commitments, and a segment holding a match is rewritten with a
// purge marker in place of each matching record, re-encrypted to the
// manifest's recipients, and its index trailer updated with the new
// ciphertext hash. Commitments, the tree and every checkpoint stay as they
// were, so the store still verifies, and Verify with the identity shows the
// records as purged.
//
// Every ciphertext in the store is covered: sealed and recovered segments,
// segments a crashed writer left (abandoned, or not yet recovered), and the
// records a crash cut off after a recovered segment's last indexed one
// (dropped when the segment is rewritten, and it is rewritten whenever it
// holds any). Temporary ciphertext an interrupted purge left is finished or
// removed.
//
// Purge takes the store's lock, so it fails while a writer is running. The
// identity must be an age X25519 identity (its text form keys the purge
// markers).
func Purge(dir string, id age.Identity, opts *PurgeOptions) (*PurgeResult, error) {
	if opts == nil || opts.Match == nil {
		return nil, errors.New("store: purge: no pattern to match")
	}
	idText, ok := id.(fmt.Stringer)
	if !ok {
		return nil, fmt.Errorf("store: purge: identity of type %T has no text form", id)
	}
	lock, err := lockDir(dir)
	if err != nil {
		return nil, err
	}
	defer unlock(lock)
	m, mhash, err := readManifestFile(dir)
	if err != nil {
		return nil, err
	}
	recips, err := m.ageRecipients()
	if err != nil {
		return nil, err
	}
	// The touched segments are re-encrypted to the manifest's recipients,
	// so they must be the writer's: the manifest is signed by the key it
	// names (readManifest), and the store's checkpoints must be signed by
	// that key too, or a manifest swapped whole, with a key of its own,
	// would pass. Recipients that exclude the purger would lock the
	// investigator out of the touched segments: refuse those as well.
	v, err := note.NewVerifier(m.verifier)
	if err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	cps, err := readCheckpoints(dir, v, m.id)
	if err == nil && len(cps) == 0 {
		err = errors.New("no checkpoints")
	}
	if err != nil {
		return nil, damaged("store: purge: the checkpoints are not signed by the manifest's key (%v)", err)
	}
	if x, ok := id.(*age.X25519Identity); ok && !slices.Contains(m.recipients, x.Recipient().String()) {
		return nil, fmt.Errorf("store: purge: the store's manifest does not list this identity's recipient %s (check %s)", x.Recipient(), filepath.Join(dir, manifestName))
	}
	// And it must be the latest manifest signed, not an older one put
	// back to restore a recipient since removed.
	hist, err := readManifests(dir, m.verifier)
	if err == nil && len(hist) == 0 {
		err = errors.New("holds no manifest")
	}
	if err != nil {
		return nil, damaged("store: purge: manifest history: %v", err)
	}
	last, latest := hist[len(hist)-1], cps[len(cps)-1]
	if m.version != last.version || mhash != last.hash || latest.ManifestVersion > last.version || hist[latest.ManifestVersion-1].hash != latest.ManifestHash {
		return nil, damaged("store: purge: the manifest (version %d) is not the latest one signed (version %d, bound by checkpoint %d): an older or altered manifest was put back", m.version, max(last.version, latest.ManifestVersion), latest.Size)
	}
	nums, err := segmentNumbers(dir)
	if err != nil {
		return nil, err
	}
	p := &purger{dir: dir, storeID: m.id, id: id, key: purgeKey(idText.String()), re: opts.Match, latest: cps[len(cps)-1], purgerKey: m.purger}
	res := &PurgeResult{Recipients: m.recipients}

	// First find everything, so that a match spanning two segments marks
	// both before either is rewritten, and a dry run changes nothing.
	for _, n := range nums {
		if err := p.find(n, opts.DryRun); err != nil {
			return res, err
		}
	}
	p.scan(false)
	p.each = opts.Each
	if p.each == nil {
		p.each = func(r PurgedRecord) { res.Records = append(res.Records, r) }
	}
	for _, s := range p.segs {
		res.Purged += s.matched
		if s.tail {
			res.CutOff = append(res.CutOff, CutOff{s.num, s.cut})
		}
	}
	// Then list (and purge) segment by segment, in store order: the
	// records are not kept, only which ones matched.
	for _, s := range p.segs {
		if !s.rewrite() {
			continue
		}
		var err error
		if opts.DryRun {
			err = p.list(s)
		} else {
			err = p.rewrite(s, recips)
		}
		if err != nil {
			return res, err
		}
		res.Rewritten = append(res.Rewritten, s.num)
	}
	if opts.DryRun {
		return res, nil
	}
	res.Signed = p.signed
	return res, nil
}

// A purger is Purge's state across segments.
type purger struct {
	dir, storeID string
	id           age.Identity
	key          []byte
	re           *regexp.Regexp
	latest       *Checkpoint
	segs         []*purgeSegment
	purgerKey    string // the manifest's purger key
	signed       bool   // a rewrite was signed with it
	each         func(PurgedRecord)

	records int64 // records in the segments before the one being read

	// The records read since the last break in the stream (a purged
	// record, or a crash's tail), their lines joined in buf, for matches
	// spanning records: spans[i] is where each lies in buf. scan keeps the
	// last purgeWindow bytes of them.
	buf   []byte
	spans []purgeSpan
}

// A purgeSpan is a record's line in purger.buf.
type purgeSpan struct {
	start, end int
	seg        *purgeSegment
	pos        int64 // the record's place in its segment
}

// purgeScan is how many bytes of lines the purger gathers beyond the
// window it keeps before it looks for matches across them.
const purgeScan = 1 << 20

// add appends a record's line to the stream, scanning it when full.
func (p *purger) add(s *purgeSegment, pos int64, line []byte) {
	start := len(p.buf)
	p.buf = append(p.buf, line...)
	p.spans = append(p.spans, purgeSpan{start, len(p.buf), s, pos})
	if len(p.buf) >= purgeWindow+purgeScan {
		p.scan(true)
	}
}

// scan marks every record a match in the stream spans, when it spans more
// than one (a match within one record is marked as it is read) and the
// part in the first is not a match on its own, and then keeps the last
// purgeWindow bytes (keep) or nothing. Every record such a match touches is
// marked: a value longer than the gate's --max-line is cut in more than two
// pieces, the middle ones holding nothing but the value.
func (p *purger) scan(keep bool) {
	if len(p.spans) > 1 {
		for _, loc := range p.re.FindAllIndex(p.buf, -1) {
			first, _ := slices.BinarySearchFunc(p.spans, loc[0], func(sp purgeSpan, off int) int {
				if sp.end <= off {
					return -1
				}
				return 1
			})
			last := first
			for last+1 < len(p.spans) && p.spans[last+1].start < loc[1] {
				last++
			}
			if last == first {
				continue // within one record: marked as it was read
			}
			// A greedy pattern (ghp_\w+) extends a match the first
			// record holds whole into the next, unrelated line: that is
			// not a value cut in pieces.
			if l := p.re.FindIndex(p.buf[loc[0]:p.spans[first].end]); l != nil && l[0] == 0 {
				continue
			}
			for _, sp := range p.spans[first : last+1] {
				sp.seg.mark(sp.pos)
			}
		}
	}
	if !keep {
		p.buf, p.spans = p.buf[:0], p.spans[:0]
		return
	}
	cut := max(0, len(p.buf)-purgeWindow)
	i := 0
	for i < len(p.spans) && p.spans[i].end <= cut {
		i++
	}
	p.spans = append(p.spans[:0], p.spans[i:]...)
	for j := range p.spans {
		p.spans[j].start = max(0, p.spans[j].start-cut)
		p.spans[j].end -= cut
	}
	p.buf = append(p.buf[:0], p.buf[cut:]...)
}

// A purgeSegment is what find learned of one segment. It holds a bit per
// record, not the records: Purge's memory stays bounded however many match.
type purgeSegment struct {
	num     int64
	state   string
	base    int64    // the store index of its first record (where it would be, if abandoned)
	match   []uint64 // bit k: the segment's record k (from 0, across its blocks) is to be purged
	matched int64    // the bits set
	tail    bool     // plaintext beyond the indexed blocks: a crash cut it off
	cut     int64    // the whole records in it
}

func (s *purgeSegment) rewrite() bool { return s.matched > 0 || s.tail }

// marked reports whether the segment's record k is to be purged.
func (s *purgeSegment) marked(k int64) bool {
	return k>>6 < int64(len(s.match)) && s.match[k>>6]&(1<<(k&63)) != 0
}

// markedIn reports whether any of the segment's records [k, k+n) is.
func (s *purgeSegment) markedIn(k, n int64) bool {
	for ; n > 0; k, n = k+1, n-1 {
		if k&63 == 0 && n >= 64 {
			if k>>6 < int64(len(s.match)) && s.match[k>>6] != 0 {
				return true
			}
			k, n = k+63, n-63
			continue
		}
		if s.marked(k) {
			return true
		}
	}
	return false
}

func (s *purgeSegment) mark(k int64) {
	if s.marked(k) {
		return
	}
	if w := int(k >> 6); w >= len(s.match) {
		s.match = slices.Grow(s.match, w+1-len(s.match))[:w+1]
	}
	s.match[k>>6] |= 1 << (k & 63)
	s.matched++
}

// open returns segment n's index, its state's name, and its ciphertext (nil
// if retired), checked against the index's hash when it has one.
func (p *purger) open(n int64, finish bool) (*index, string, *os.File, error) {
	idxName := filepath.Join(p.dir, segmentName(n, "idx"))
	ageName := filepath.Join(p.dir, segmentName(n, "age"))
	data, err := os.ReadFile(idxName)
	if err != nil {
		return nil, "", nil, fmt.Errorf("store: %w", err)
	}
	x, err := parseIndex(data)
	if err != nil {
		return nil, "", nil, damaged("store: %s: %v", idxName, err)
	}
	x.commitments = slices.Clip(x.commitments)
	state := map[int]string{indexSealed: "sealed", indexRecovered: "recovered", indexAbandoned: "abandoned", indexOpen: "unsealed"}[x.state]
	if x.state == indexSealed || x.state == indexRecovered {
		h, err := hashFile(ageName)
		if errors.Is(err, os.ErrNotExist) {
			return x, state, nil, nil // retired
		}
		if err != nil {
			return nil, "", nil, err
		}
		if h != x.cipherHash && finish {
			// An interrupted purge renamed the index but not the
			// ciphertext: finish it if the waiting ciphertext is the
			// one the index names.
			if th, err := hashFile(ageName + ".tmp"); err == nil && th == x.cipherHash {
				if err := os.Rename(ageName+".tmp", ageName); err != nil {
					return nil, "", nil, fmt.Errorf("store: %w", err)
				}
				h = th
			}
		}
		if h != x.cipherHash {
			return nil, "", nil, damaged("store: %s: ciphertext does not match the hash in its index", ageName)
		}
	}
	if finish {
		// Anything else an interrupted purge left is ciphertext too.
		os.Remove(ageName + ".tmp")
	}
	f, err := os.Open(ageName)
	if errors.Is(err, os.ErrNotExist) && x.state != indexSealed && x.state != indexRecovered {
		return x, state, nil, nil
	}
	if err != nil {
		return nil, "", nil, fmt.Errorf("store: %w", err)
	}
	return x, state, f, nil
}

// frames decrypts f and calls each with every indexed block, checked
// against its commitment and record count (a purged block against its tag).
// It returns whether the plaintext goes on after them (frames a crash cut
// off, or an unfinished chunk), and how many whole records it holds.
func (p *purger) frames(f *os.File, x *index, each func(i int64, fr *frame) error) (tail bool, cut int64, err error) {
	name := segmentName(x.segment, "age")
	dec, err := age.Decrypt(f, p.id)
	if err != nil {
		return false, 0, fmt.Errorf("store: %s: %w", name, err)
	}
	sr, err := readSegmentHeader(dec)
	if err != nil {
		if x.count == 0 && x.state != indexSealed {
			return true, 0, nil // a crashed writer's, cut off in its header
		}
		return false, 0, fmt.Errorf("store: %s: %w", name, err)
	}
	if sr.id != p.storeID || sr.segment != x.segment || sr.first != x.first {
		return false, 0, damaged("store: %s: encrypted header does not match its index", name)
	}
	sr.reuse = true
	for i := range x.count {
		fr, err := sr.next()
		if err != nil {
			if x.state == indexSealed {
				return false, 0, damaged("store: %s: block %d: %v", name, i, readErr(err))
			}
			return true, 0, nil // lost in a crash: the rest is gone already
		}
		e := x.commitments[i]
		switch {
		case !fr.purged && commit(fr.raw) != e.c:
			return false, 0, damaged("store: %s: block %d does not match its commitment", name, i)
		case fr.purged && purgeTag(p.key, p.storeID, x.first+i, e.c, fr.body()) != fr.tag():
			return false, 0, damaged("store: %s: block %d: purged block not made by this identity", name, i)
		}
		if n, err := eachRecord(fr.body(), nil); err != nil || n != e.n {
			return false, 0, damaged("store: %s: block %d does not hold the records its index lists", name, i)
		}
		if err := each(i, fr); err != nil {
			return false, 0, err
		}
	}
	if x.state == indexSealed {
		if _, err = sr.next(); err == io.EOF {
			return false, 0, nil
		}
		return false, 0, damaged("store: %s: more blocks than its index lists", name)
	}
	if _, err := sr.r.Peek(1); err == io.EOF {
		return false, 0, nil
	}
	return true, sr.cutOff(), nil
}

// find reads segment n and marks its matching records.
func (p *purger) find(n int64, dryRun bool) error {
	x, state, f, err := p.open(n, !dryRun)
	if err != nil {
		return err
	}
	s := &purgeSegment{num: n, state: state, base: p.records}
	p.segs = append(p.segs, s)
	if f == nil {
		return nil // retired: no ciphertext
	}
	defer f.Close()
	if x.state != indexAbandoned {
		p.records += x.records
	}
	var j int64 // records in the blocks before
	s.tail, s.cut, err = p.frames(f, x, func(i int64, fr *frame) error {
		var k int64
		_, err := eachRecord(fr.body(), func(br *blockRecord) error {
			pos := j + k
			k++
			if br.purged {
				p.scan(false) // the next record does not continue this one
				return nil
			}
			if p.re.Match(br.data) {
				s.mark(pos)
			}
			p.add(s, pos, br.data)
			return nil
		})
		j += k
		return err
	})
	if s.tail {
		p.scan(false) // whatever comes next is not the next record
	}
	return err
}

// rewrite re-encrypts segment s with its matches purged and its tail
// dropped: the new ciphertext to a temporary file, then the index naming its
// hash, then the ciphertext's rename. A crash before the index is renamed
// leaves the old, valid pair; a crash between the two renames leaves an index
// naming the waiting .age.tmp, which verify reports and the next purge
// finishes.
func (p *purger) rewrite(s *purgeSegment, recips []age.Recipient) error {
	x, _, f, err := p.open(s.num, false)
	if err != nil {
		return err
	}
	defer f.Close()
	ageName := filepath.Join(p.dir, segmentName(s.num, "age"))
	tmp, err := createFile(ageName+".tmp", false)
	if err != nil {
		return err
	}
	fail := func(err error) error {
		tmp.Close()
		os.Remove(tmp.Name())
		return err
	}
	h := sha256.New()
	enc, err := age.Encrypt(io.MultiWriter(tmp, h), recips...)
	if err != nil {
		return fail(fmt.Errorf("store: re-encrypting %s: %w", ageName, err))
	}
	buf := []byte(segmentHeader(p.storeID, s.num, x.first))
	flush := func() error {
		_, err := enc.Write(buf)
		clear(buf)
		buf = buf[:0]
		return err
	}
	var body []byte
	var j int64 // records in the blocks before
	_, _, err = p.frames(f, x, func(i int64, fr *frame) error {
		first := j
		j += x.commitments[i].n
		if !s.markedIn(first, x.commitments[i].n) {
			buf = appendFrame(buf, fr)
		} else {
			// The block again, with each marked record's line replaced
			// by a purged record (its time kept), and its salt replaced
			// by a tag: with the salt gone, the commitment no longer
			// lets anyone confirm a guess of the removed line.
			body = body[:0]
			var k, prev int64
			eachRecord(fr.body(), func(br *blockRecord) error {
				purge := s.marked(first + k)
				if purge && !br.purged && p.each != nil {
					p.each(s.record(first+k, br))
				}
				body = appendRecord(body, prev, br.t, br.data, purge || br.purged)
				prev = br.t
				k++
				return nil
			})
			tag := purgeTag(p.key, p.storeID, x.first+i, x.commitments[i].c, body)
			buf = appendFrame(buf, &frame{purged: true, raw: append(tag[:], body...)})
			clear(body)
		}
		if len(buf) >= 64<<10 {
			return flush()
		}
		return nil
	})
	if err == nil {
		err = flush()
	}
	if err == nil {
		err = enc.Close()
	}
	if err != nil {
		return fail(fmt.Errorf("store: re-encrypting %s: %w", ageName, err))
	}
	var sum [32]byte
	h.Sum(sum[:0])
	// A segment a checkpoint sealed: signed first, so that a key-less
	// verify can tell this ciphertext from one an attacker put in its place
	// (also when its trailer is yet to be written by the next writer).
	x25519, ok := p.id.(*age.X25519Identity)
	if ok && p.purgerKey != "" && PurgerKey(x25519) == p.purgerKey && s.num <= p.latest.Segment && x.state != indexAbandoned {
		if err := signPurge(p.dir, p.storeID, x25519, s.num, sum); err != nil {
			return fail(err)
		}
		p.signed = true
	}
	if x.state == indexSealed || x.state == indexRecovered {
		if err := p.writeTrailer(x, sum); err != nil {
			return fail(err)
		}
	}
	return commitTemp(tmp, ageName)
}

// record is the listing of the segment's record k, br.
func (s *purgeSegment) record(k int64, br *blockRecord) PurgedRecord {
	return PurgedRecord{Index: s.base + k, Segment: s.num, Time: time.Unix(0, br.t).UTC(), Bytes: len(br.data), State: s.state}
}

// list passes segment s's records to purge to p.each, reading it again: a
// dry run's listing.
func (p *purger) list(s *purgeSegment) error {
	if s.matched == 0 {
		return nil
	}
	x, _, f, err := p.open(s.num, false)
	if err != nil {
		return err
	}
	if f == nil {
		return nil
	}
	defer f.Close()
	var j int64
	_, _, err = p.frames(f, x, func(i int64, fr *frame) error {
		first := j
		j += x.commitments[i].n
		if !s.markedIn(first, x.commitments[i].n) {
			return nil
		}
		var k int64
		_, err := eachRecord(fr.body(), func(br *blockRecord) error {
			if s.marked(first+k) && !br.purged && p.each != nil {
				p.each(s.record(first+k, br))
			}
			k++
			return nil
		})
		return err
	})
	return err
}

// writeTrailer replaces the ciphertext hash in x's index, atomically.
func (p *purger) writeTrailer(x *index, sum [32]byte) error {
	idxName := filepath.Join(p.dir, segmentName(x.segment, "idx"))
	data, err := os.ReadFile(idxName)
	if err != nil {
		return fmt.Errorf("store: %w", err)
	}
	// parseIndex is canonical, so the old trailer is exactly these bytes.
	old, trailer := sealedTrailer(x.count, x.cipherHash), sealedTrailer(x.count, sum)
	if x.state == indexRecovered {
		old, trailer = recoveredTrailer(x.count, x.cipherHash), recoveredTrailer(x.count, sum)
	}
	body, ok := bytes.CutSuffix(data, []byte(old))
	if !ok {
		return fmt.Errorf("store: %s changed during the purge", idxName)
	}
	return writeFileAtomic(idxName, append(bytes.Clone(body), trailer...))
}
