package store

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"filippo.io/age"
	"golang.org/x/mod/sumdb/note"
)

// checkpointsName is the append-only file of the store's signed checkpoints.
const checkpointsName = "checkpoints"

// Defaults for a zero Options field.
const (
	DefaultMaxSegmentBytes = 64 << 20
	DefaultMaxSegmentAge   = time.Hour
	DefaultCheckpointEvery = time.Minute
)

// Options configure a Writer. Recipients and SigningKey are required; a zero
// value elsewhere means the default.
type Options struct {
	// Recipients encrypt every segment. The writer needs only these public
	// keys: nothing on the job's host can decrypt what it wrote.
	Recipients []age.Recipient

	// Purger is the note verifier key of the investigators' purge signer
	// (PurgerKey of their age identity; conflog keygen writes it into the
	// recipient file). Recorded in the manifest, it lets a key-less Verify
	// tell a segment a purge re-encrypted from one an attacker replaced.
	// Optional.
	Purger string

	// SigningKey is the note signer key ("PRIVATE+KEY+name+hash+…", as
	// conflog keygen writes it) that signs checkpoints.
	SigningKey string

	// A segment is sealed (finished, and a checkpoint signed over it) once it
	// holds MaxSegmentBytes of plaintext or is MaxSegmentAge old (on the
	// records' clock, which ticks every millisecond: an age of 1 ms or less
	// seals after every record), and in any case every CheckpointEvery if it
	// holds records. Sealing is the only way to checkpoint: an age file is
	// durable only once it is finished.
	MaxSegmentBytes int64
	MaxSegmentAge   time.Duration
	CheckpointEvery time.Duration

	// Retention: after each seal, the ciphertext of all but the newest
	// KeepSegments segments, and of segments sealed more than KeepFor ago, is
	// deleted. Their indexes stay, so the tree and every checkpoint still
	// verify. Zero keeps everything.
	KeepSegments int
	KeepFor      time.Duration

	// Sync says when the writer calls fsync(2); see SyncPolicy. A process
	// crash (kill -9) loses the same under every policy: what the kernel
	// has is kept.
	Sync SyncPolicy

	// OnCheckpoint, if set, is called with each new checkpoint once it is on
	// disk, e.g. to print it to a public log as a witness line. It runs with
	// the writer's lock held and must not call the Writer.
	OnCheckpoint func(*Checkpoint)
}

// A SyncPolicy says when a Writer makes its files durable with fsync(2), for
// a power cut or a kernel crash. A killed writer loses the same whatever the
// policy: at most the records of the current checkpoint interval that had not
// yet reached the files (FORMAT.md, "Recovery").
type SyncPolicy int

const (
	// SyncSeal, the default, syncs at each seal: the ciphertext, the index
	// and the directory before the checkpoint is signed, the checkpoint
	// before the trailer. A power cut loses at most the records after the
	// latest checkpoint. Ciphertext is also synced every 8 MiB while it is
	// written, which only shortens the seal's own fsync.
	SyncSeal SyncPolicy = iota
	// SyncBatch also syncs each batch of ciphertext (1 MiB) and the index
	// lines it completes, so that a power cut loses about as little as a
	// kill -9: one batch and the chunk being filled.
	SyncBatch
	// SyncNone skips every fsync of writing and sealing (files replaced
	// whole, such as a new segment's index header and the tree file, are
	// still synced as they are renamed into place). A power cut may lose or
	// tear anything the kernel had not yet written back (on Linux, typically
	// up to 30 s), signed checkpoints included.
	SyncNone
)

func (p SyncPolicy) String() string {
	switch p {
	case SyncSeal:
		return "seal"
	case SyncBatch:
		return "batch"
	case SyncNone:
		return "none"
	}
	return fmt.Sprintf("SyncPolicy(%d)", int(p))
}

// A Writer appends records to a store. Only one Writer may have a store open
// at a time, across processes. Its methods are safe for concurrent use.
type Writer struct {
	mu                         sync.Mutex
	dir                        string
	opts                       Options
	signer                     note.Signer
	man                        *manifest
	manHash                    [32]byte // of the signed manifest file, bound into checkpoints
	recipsAdded, recipsRemoved []string // recipients Open changed
	lock                       *os.File

	tree      frontier
	latest    *Checkpoint
	segNum    int64   // highest segment number used
	sealed    []int64 // seal times (Unix seconds) of segments 1..segNum; 0 if none
	retired   int64
	removed   int64          // ciphertext of segments 1..removed is gone
	recovered int64          // records Open recovered from a crashed writer's segments
	skipped   map[int64]bool // abandoned segments: never sealed
	seg       *activeSegment
	timer     *time.Timer
	idle      *time.Timer    // closes a block left open by a quiet job (onIdle)
	idleArmed bool           // idle is pending
	salts     *mrand.ChaCha8 // the salts' source (see newSaltSource)
	clock     *clock

	// A block closes once its body holds blockBytes, or its first record
	// is blockLinger old (blockTarget and sinkLinger; tests change them).
	blockBytes   int64
	blockLinger  time.Duration
	blockRecords int64 // if not 0, also once it holds this many records (tests)
	err          error // sticky: once writing failed, the store needs a restart
	closed       bool
}

type activeSegment struct {
	num, first, count int64 // count: blocks closed
	records           int64 // records in those blocks
	hdr, plain        int64 // plaintext bytes of the header, and of the closed blocks' frames
	opened            int64 // Unix nanoseconds
	file              *os.File
	sink              *cipherSink
	enc               io.WriteCloser
	idx               *os.File

	// Closed blocks go to the segment's sealing goroutine (sealBlocks),
	// which alone uses enc, pend, lineEnds, ends and the writer's tree
	// while it runs; seal and abandon stop it before they touch them.
	blocks chan closedBlock
	free   chan []byte   // spent block buffers, reused
	done   chan struct{} // closed when sealBlocks returns
	errMu  sync.Mutex
	err    error // the first error of sealBlocks

	// The open block: its frame is built in block, from blockPrefix on its
	// salt and then its records (see closeBlock); blockN records so far,
	// the last stamped blockPrev, the first appended at blockOpened.
	block       []byte
	blockN      int64
	blockPrev   int64
	blockOpened int64 // Unix nanoseconds

	// Index lines not yet handed to the sink: the line of block i is
	// pend[lineEnds[i-done-1]:lineEnds[i-done]], and its frame ends at
	// plaintext offset ends[i-done].
	pend     []byte
	lineEnds []int
	ends     []int64
}

// blockPrefix is the room left before a block's salt for its kind and
// length, which are known only when it closes.
const blockPrefix = 1 + binary.MaxVarintLen64

// takeLines appends to dst the pending index lines of the blocks whose
// frames end by plaintext offset covered, and drops them from the pending.
func (s *activeSegment) takeLines(dst []byte, covered int64) []byte {
	k := 0
	for k < len(s.ends) && s.ends[k] <= covered {
		k++
	}
	if k == 0 {
		return dst
	}
	cut := s.lineEnds[k-1]
	dst = append(dst, s.pend[:cut]...)
	s.pend = s.pend[:copy(s.pend, s.pend[cut:])]
	s.ends = s.ends[:copy(s.ends, s.ends[k:])]
	s.lineEnds = s.lineEnds[:copy(s.lineEnds, s.lineEnds[k:])]
	for i := range s.lineEnds {
		s.lineEnds[i] -= cut
	}
	return dst
}

// ErrDamaged is wrapped by the errors of Open and Purge that mean the store
// is damaged or was tampered with: Verify says what and where.
var ErrDamaged = errors.New("the store is damaged or was tampered with")

// damaged returns an error with the message given that wraps ErrDamaged.
func damaged(format string, args ...any) error {
	return &damagedError{fmt.Sprintf(format, args...)}
}

type damagedError struct{ msg string }

func (e *damagedError) Error() string { return e.msg }
func (e *damagedError) Unwrap() error { return ErrDamaged }

// ErrClosed is returned by a Writer's methods after Close.
var ErrClosed = errors.New("store: writer is closed")

// Open opens the store in dir for appending, creating it (mode 0700) if it
// does not exist. It takes the store's lock, finishes what a crashed writer
// left (see FORMAT.md, "Recovery"), and checks that the indexes still match
// the latest checkpoint before it appends anything.
func Open(dir string, opts *Options) (*Writer, error) {
	if opts == nil || len(opts.Recipients) == 0 {
		return nil, errors.New("store: no recipients: a store must be encrypted to at least one age recipient")
	}
	signer, err := note.NewSigner(opts.SigningKey)
	if err != nil {
		return nil, fmt.Errorf("store: signing key: %w", err)
	}
	vkey, err := verifierKey(opts.SigningKey)
	if err != nil {
		return nil, err
	}
	w := &Writer{dir: dir, opts: *opts, signer: signer, blockBytes: blockTarget, blockLinger: sinkLinger, clock: newClock()}
	w.idle = time.AfterFunc(time.Hour, w.onIdle)
	w.idle.Stop()
	if w.opts.MaxSegmentBytes <= 0 {
		w.opts.MaxSegmentBytes = DefaultMaxSegmentBytes
	}
	if w.opts.MaxSegmentAge <= 0 {
		w.opts.MaxSegmentAge = DefaultMaxSegmentAge
	}
	if w.opts.CheckpointEvery <= 0 {
		w.opts.CheckpointEvery = DefaultCheckpointEvery
	}
	var recips []string
	for _, r := range opts.Recipients {
		s, err := recipientString(r)
		if err != nil {
			return nil, err
		}
		recips = append(recips, s)
	}
	if err := makeDir(dir); err != nil {
		return nil, err
	}
	if w.lock, err = lockDir(dir); err != nil {
		return nil, err
	}
	if err := w.load(vkey, recips); err != nil {
		unlock(w.lock)
		return nil, err
	}
	// Under the lock: the timer may fire before AfterFunc has returned, and
	// onTimer must find w.timer set.
	w.mu.Lock()
	w.timer = time.AfterFunc(w.tick(), w.onTimer)
	w.mu.Unlock()
	return w, nil
}

// tick is how often the timer looks for a segment to seal.
func (w *Writer) tick() time.Duration {
	return min(w.opts.CheckpointEvery, w.opts.MaxSegmentAge)
}

// publishManifest signs m, writes it to the manifest file and appends it to
// the manifest history, in that order (a crash in between is finished by the
// next Open).
func (w *Writer) publishManifest(m *manifest) error {
	data, err := m.sign(w.signer)
	if err != nil {
		return err
	}
	if err := writeFileAtomic(filepath.Join(w.dir, manifestName), data); err != nil {
		return err
	}
	if err := appendDurably(filepath.Join(w.dir, manifestsName), manifestLine(data)); err != nil {
		return err
	}
	w.man, w.manHash = m, sha256.Sum256(data)
	return nil
}

// load reads (or creates) the manifest, checkpoints and indexes, and recovers
// from a crashed writer.
func (w *Writer) load(vkey string, recips []string) error {
	m, mhash, err := readManifestFile(w.dir)
	switch {
	case errors.Is(err, os.ErrNotExist):
		if names, _ := storeFiles(w.dir); len(names) > 0 {
			return fmt.Errorf("store: %s holds files but no manifest: not a store, or a damaged one", w.dir)
		}
		if err := w.publishManifest(&manifest{id: newID(), version: 1, verifier: vkey, purger: w.opts.Purger, recipients: recips}); err != nil {
			return err
		}
	case err != nil:
		return err
	case m.verifier != vkey:
		return fmt.Errorf("store: %s is signed by %s, not by this signing key (%s)", w.dir, keyName(m.verifier), keyName(vkey))
	default:
		hist, err := readManifests(w.dir, vkey)
		if err == nil && len(hist) == 0 {
			err = errors.New("holds no manifest")
		}
		if err != nil {
			return damaged("store: %s: manifest history: %v", w.dir, err)
		}
		last := hist[len(hist)-1]
		switch {
		case m.version == last.version && mhash == last.hash:
		case m.version == last.version+1:
			// A writer died between writing a new manifest and
			// recording it.
			data, err := os.ReadFile(filepath.Join(w.dir, manifestName))
			if err == nil {
				err = appendDurably(filepath.Join(w.dir, manifestsName), manifestLine(data))
			}
			if err != nil {
				return err
			}
		default:
			return damaged("store: %s: the manifest is version %d, but version %d was signed: an older or altered manifest was put back", w.dir, m.version, last.version)
		}
		w.man, w.manHash = m, mhash
		purger := m.purger
		if w.opts.Purger != "" {
			purger = w.opts.Purger
		}
		if slices.Equal(m.recipients, recips) && purger == m.purger {
			break
		}
		// New recipients from now on; purge re-encrypts to the latest ones.
		w.recipsAdded, w.recipsRemoved = diffRecipients(m.recipients, recips)
		next := *m
		next.version, next.recipients, next.purger = m.version+1, recips, purger
		if err := w.publishManifest(&next); err != nil {
			return err
		}
	}
	m = w.man
	verifier, err := note.NewVerifier(vkey)
	if err != nil {
		return fmt.Errorf("store: %w", err)
	}
	cps, err := readCheckpoints(w.dir, verifier, m.id)
	if err != nil {
		return err
	}
	if len(cps) == 0 {
		// A new store: its first checkpoint is the empty tree, so that even
		// "no records yet" is a signed, witnessable statement.
		c := w.newCheckpoint(0, time.Now())
		if err := w.appendCheckpoint(c); err != nil {
			return err
		}
		cps = append(cps, c)
	}
	w.latest = cps[len(cps)-1]
	w.retired = w.latest.Retired
	bySegment := map[int64]*Checkpoint{}
	for _, c := range cps {
		bySegment[c.Segment] = c
	}

	// Temporary files of a writer that died mid-rename. A purge's .age.tmp
	// stays: the next purge may need it (see purge.go).
	for _, pat := range []string{"*.idx.tmp", manifestName + ".tmp", treeName + ".tmp"} {
		stale, _ := filepath.Glob(filepath.Join(w.dir, pat))
		for _, f := range stale {
			os.Remove(f)
		}
	}
	nums, err := segmentNumbers(w.dir)
	if err != nil {
		return err
	}
	w.sealed = make([]int64, len(nums)+1)
	w.skipped = map[int64]bool{}
	for i, n := range nums {
		if n != int64(i+1) {
			return damaged("store: %s: segment %d is missing", w.dir, i+1)
		}
		if c := bySegment[n]; c != nil {
			w.sealed[n] = c.Time
		} else if n <= w.latest.Segment {
			w.skipped[n] = true // abandoned: no checkpoint sealed it
		}
	}
	w.segNum = int64(len(nums))

	// The tree as of the latest seal is in the tree file, if its root is a
	// signed checkpoint's; only the indexes after it are read. A missing or
	// stale tree file (a crash before it was written, an older store) costs
	// a replay of the indexes it does not cover.
	start := int64(0)
	if seg, f, err := readTree(w.dir); err == nil && seg <= w.latest.Segment {
		if c := bySegment[seg]; c != nil && c.Size == f.n && c.Hash == f.root() {
			w.tree, start = f, seg
		}
	}
	for n := start + 1; n <= w.segNum; n++ {
		if err := w.loadSegment(n); err != nil {
			return err
		}
	}
	if w.tree.n != w.latest.Size || w.tree.root() != w.latest.Hash {
		return damaged("store: %s: the indexes do not match the latest checkpoint (size %d)", w.dir, w.latest.Size)
	}
	if start != w.latest.Segment {
		if err := w.writeTree(); err != nil {
			return err
		}
	}
	// Retention decided by the latest checkpoint may not have run yet.
	w.removeRetired()
	return nil
}

// writeTree records the frontier as of the latest checkpoint.
func (w *Writer) writeTree() error {
	return writeFileAtomic(filepath.Join(w.dir, treeName), marshalTree(w.latest.Segment, &w.tree))
}

// loadSegment reads segment n's index at open, adds its leaves to the tree
// if a checkpoint covers it, and finishes what a crashed writer left.
func (w *Writer) loadSegment(n int64) error {
	name := filepath.Join(w.dir, segmentName(n, "idx"))
	data, err := os.ReadFile(name)
	if err != nil {
		return fmt.Errorf("store: %w", err)
	}
	x, err := parseIndex(data)
	if err != nil {
		return damaged("store: %s: %v", name, err)
	}
	if x.storeID != w.man.id || x.segment != n || x.first != w.tree.n {
		return damaged("store: %s: header does not continue the store", name)
	}
	switch {
	case n <= w.latest.Segment && x.state != indexAbandoned:
		if x.state == indexOpen {
			// The writer died between signing the checkpoint that
			// sealed this segment and writing the index trailer.
			if x.torn {
				return damaged("store: %s: index torn inside a sealed segment", name)
			}
			if err := finishTrailer(w.dir, n, x.count); err != nil {
				return err
			}
		}
		for i := range x.commitments {
			w.tree.push(leafHash(&x.commitments[i]))
		}
	case n > w.latest.Segment && x.state == indexSealed:
		return damaged("store: %s is sealed but no checkpoint covers it: checkpoints were removed or rolled back", name)
	case n > w.latest.Segment && x.state == indexOpen && len(x.commitments) == 0:
		// Left by a crashed writer before any record reached its index.
		if err := abandon(name, x, data); err != nil {
			return err
		}
		w.skipped[n] = true
	case n > w.latest.Segment && x.state != indexAbandoned:
		// Left by a crashed writer: every record its index lists is in
		// whole chunks of the ciphertext (the sink writes index lines
		// after their chunks), so the identity holder can read them all.
		// Seal them: the trailer binds the ciphertext as it is, then a
		// checkpoint takes them into the tree, as a seal would.
		if x.state == indexOpen {
			if x.cipherHash, err = recoverTrailer(w.dir, name, x, data); err != nil {
				return err
			}
		}
		for i := range x.commitments {
			w.tree.push(leafHash(&x.commitments[i]))
		}
		c := w.newCheckpoint(n, time.Now())
		c.CipherHash = x.cipherHash
		if err := w.appendCheckpoint(c); err != nil {
			return err
		}
		w.latest, w.retired, w.sealed[n] = c, c.Retired, c.Time
		w.recovered += x.records
		if w.opts.OnCheckpoint != nil {
			w.opts.OnCheckpoint(c)
		}
	case x.state == indexAbandoned:
		w.skipped[n] = true
	}
	return nil
}

// recoverTrailer gives the open index of a crashed writer's segment its
// recovered trailer, dropping a torn last line: the ciphertext, whole
// chunks and whatever tail the writer left, is bound as it is.
func recoverTrailer(dir, name string, x *index, data []byte) ([32]byte, error) {
	h, err := hashFile(filepath.Join(dir, segmentName(x.segment, "age")))
	if err != nil {
		return h, err
	}
	keep := x.size
	out := append(data[:keep:keep], recoveredTrailer(x.count, h)...)
	return h, writeFileAtomic(name, out)
}

// finishTrailer writes a sealed trailer to segment n's index, binding its
// ciphertext as it is now.
func finishTrailer(dir string, n, count int64) error {
	h, err := hashFile(filepath.Join(dir, segmentName(n, "age")))
	if err != nil {
		return err
	}
	return appendDurably(filepath.Join(dir, segmentName(n, "idx")), sealedTrailer(count, h))
}

// abandon marks an open index left by a crashed writer, dropping a torn last
// line, so the segment is visibly outside the tree from now on.
func abandon(name string, x *index, data []byte) error {
	keep := x.size
	out := append(data[:keep:keep], abandonedTrailer(x.count)...)
	return writeFileAtomic(name, out)
}

func hashFile(name string) ([32]byte, error) {
	var h [32]byte
	f, err := os.Open(name)
	if err != nil {
		return h, fmt.Errorf("store: %w", err)
	}
	defer f.Close()
	s := sha256.New()
	if _, err := io.Copy(s, f); err != nil {
		return h, fmt.Errorf("store: %w", err)
	}
	s.Sum(h[:0])
	return h, nil
}

// storeFiles lists dir's entries other than the lock file.
func storeFiles(dir string) ([]string, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	var names []string
	for _, e := range ents {
		if e.Name() != lockName {
			names = append(names, e.Name())
		}
	}
	return names, nil
}

// segmentNumbers returns the numbers of the segment indexes in dir, sorted.
func segmentNumbers(dir string) ([]int64, error) {
	names, err := storeFiles(dir)
	if err != nil {
		return nil, err
	}
	var nums []int64
	for _, name := range names { // os.ReadDir sorts by name, and names are zero-padded
		if n, ext, ok := parseSegmentName(name); ok && ext == "idx" {
			nums = append(nums, n)
		}
	}
	return nums, nil
}

// readCheckpoints reads and verifies DIR/checkpoints for a writer, which
// refuses to extend a store whose history it cannot check.
func readCheckpoints(dir string, v note.Verifier, id string) ([]*Checkpoint, error) {
	data, err := os.ReadFile(filepath.Join(dir, checkpointsName))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	var out []*Checkpoint
	checkpointLines(data, v, id, func(line int, c *Checkpoint, cerr error) bool {
		if cerr != nil {
			err = damaged("store: %s line %d: %v", checkpointsName, line, cerr)
			return false
		}
		out = append(out, c)
		return true
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// checkpointLines yields each line of a checkpoints file (numbered from 1)
// as a checkpoint of store id signed by v, or why it is not one: the one
// parser of the file, for the writer (which stops at the first error) and
// Verify (which reports each).
func checkpointLines(data []byte, v note.Verifier, id string, yield func(line int, c *Checkpoint, err error) bool) {
	for i, w := range parseCheckpointLines(data) {
		var c *Checkpoint
		err := w.Err
		if err == nil {
			c, err = ParseCheckpoint(w.Note, v)
		}
		if err == nil {
			c.line = i + 1
			if c.Origin != originPrefix+id {
				c, err = nil, fmt.Errorf("checkpoint of another store (%s)", c.Origin)
			}
		}
		if !yield(i+1, c, err) {
			return
		}
	}
}

// parseCheckpointLines splits the checkpoints file: every line must be a
// witness line with nothing before the tag.
func parseCheckpointLines(data []byte) []Witness {
	var out []Witness
	for i, l := range strings.SplitAfter(string(data), "\n") {
		if l == "" {
			break
		}
		b64, ok := strings.CutPrefix(l, WitnessTag)
		if !ok || !strings.HasSuffix(b64, "\n") {
			out = append(out, Witness{Line: i + 1, Err: errors.New("not a complete checkpoint line")})
			continue
		}
		out = append(out, decodeWitness(i+1, []byte(b64)))
	}
	return out
}

// newCheckpoint returns the checkpoint sealing segment seg at now: the tree
// so far, retention, and the manifest in force.
func (w *Writer) newCheckpoint(seg int64, now time.Time) *Checkpoint {
	return &Checkpoint{
		Origin:          originPrefix + w.man.id,
		Size:            w.tree.n,
		Hash:            w.tree.root(),
		Segment:         seg,
		Retired:         w.retention(now),
		Time:            now.Unix(),
		ManifestVersion: w.man.version,
		ManifestHash:    w.manHash,
	}
}

// RecipientChanges returns the recipients Open added to the store's
// manifest, and those it removed, because Options.Recipients differ from
// the manifest's: whoever holds an added one can read every segment written
// from now on, and every one a purge re-encrypts.
func (w *Writer) RecipientChanges() (added, removed []string) {
	return w.recipsAdded, w.recipsRemoved
}

// appendCheckpoint signs c and appends it to DIR/checkpoints, durably.
func (w *Writer) appendCheckpoint(c *Checkpoint) error {
	if err := c.sign(w.signer); err != nil {
		return err
	}
	return appendFile(filepath.Join(w.dir, checkpointsName), WitnessLine(c)+"\n", w.opts.Sync != SyncNone)
}

// Append adds one record, stamped with the current time.
func (w *Writer) Append(data []byte) error {
	return w.appendAt(0, false, data)
}

// Write appends p as one record, without a final newline if it has one, so
// that a Writer can be a line-oriented io.Writer sink.
func (w *Writer) Write(p []byte) (int, error) {
	d := p
	if n := len(d); n > 0 && d[n-1] == '\n' {
		d = d[:n-1]
	}
	if err := w.Append(d); err != nil {
		return 0, err
	}
	return len(p), nil
}

// AppendAt adds one record stamped with t.
func (w *Writer) AppendAt(t time.Time, data []byte) error {
	return w.appendAt(t.UnixNano(), true, data)
}

// appendAt appends data stamped with t, or with the clock's time if t is
// zero.
//
// Times are Unix nanoseconds here: time.Time arithmetic on each of the gate's
// short lines (Add, Sub, IsZero) was 7% of the store's CPU.
func (w *Writer) appendAt(t int64, given bool, data []byte) error {
	if len(data) > MaxRecord {
		return fmt.Errorf("store: record of %d bytes exceeds the %d maximum", len(data), MaxRecord)
	}
	w.mu.Lock()
	err := w.appendMu(t, given, data)
	w.mu.Unlock()
	return err
}

func (w *Writer) appendMu(t int64, given bool, data []byte) error {
	if err := w.usable(); err != nil {
		return err
	}
	if w.seg == nil {
		if err := w.openSegment(); err != nil {
			return w.fail(err)
		}
	}
	now := w.clock.now()
	if !given {
		t = now
	}
	s := w.seg
	if s.blockN == 0 {
		s.blockOpened = now
		// One timer for the block, not one per record: if no append
		// closes the block within blockLinger, onIdle does.
		if !w.idleArmed {
			w.idleArmed = true
			w.idle.Reset(w.blockLinger)
		}
	}
	w.appendLocked(t, data)
	body := int64(len(s.block) - blockPrefix - saltSize)
	if body >= w.blockBytes || now-s.blockOpened >= int64(w.blockLinger) || s.blockN == w.blockRecords {
		if err := w.closeBlock(s); err != nil {
			return w.fail(err)
		}
		body = 0
	}
	// The age is read on the records' clock, whose resolution is clockTick:
	// an age no longer than that seals after every record.
	if age := w.opts.MaxSegmentAge; s.plain+body >= w.opts.MaxSegmentBytes || age <= clockTick || now-s.opened >= int64(age) {
		return w.fail(w.seal())
	}
	return nil
}

func (w *Writer) usable() error {
	if w.closed {
		return ErrClosed
	}
	return w.err
}

// fail makes err sticky: after a failed write the segment's state on disk is
// unknown, and only a restart (which recovers from the files) is safe.
func (w *Writer) fail(err error) error {
	if err != nil && w.err == nil {
		w.err = fmt.Errorf("%w (the writer stopped; reopen the store to recover)", err)
	}
	return err
}

// appendLocked adds a record to the open block. The block is closed (and
// encrypted, and its leaf added) by closeBlock: every record costs a copy
// and two varints, every 64 KiB block one salt, one SHA-256 pass, a leaf and
// an index line (FORMAT.md, "Blocks").
func (w *Writer) appendLocked(ns int64, data []byte) {
	s := w.seg
	if s.blockN == 0 {
		if w.salts == nil {
			w.salts = newSaltSource()
		}
		if cap(s.block) < blockPrefix+saltSize+blockTarget {
			s.block = make([]byte, 0, blockPrefix+saltSize+blockTarget+4<<10)
		}
		s.block = s.block[:blockPrefix+saltSize]
		w.salts.Read(s.block[blockPrefix:])
		s.blockPrev = 0
	}
	s.block = appendRecord(s.block, s.blockPrev, ns, data, false)
	s.blockPrev = ns
	s.blockN++
}

// sealQueue is how many closed blocks may wait for a segment's sealing
// goroutine. The SHA-256 commitment and age's encryption of a block were a
// quarter of `conflog run`'s cycles on its 1 GiB benchmark, all of it on the
// gate's goroutine, which read the job's output only once they were done
// (bench/README.md, "Sealed store"); on their own goroutine they overlap the
// gate's work. A few blocks smooth out wake-up delays on a busy machine; a
// full queue makes Append wait (backpressure). Memory: sealQueue+2 block
// buffers per open segment (64 KiB each, more only for a block ending in a
// record longer than that).
const sealQueue = 4

// A closedBlock is a block on its way to the sealing goroutine: its frame
// is buf[start:], ending at plaintext offset end, with n records.
type closedBlock struct {
	buf    []byte
	start  int
	end, n int64
}

// closeBlock finishes the open block, if it holds records, and hands it to
// the segment's sealing goroutine (sealBlock), waiting while sealQueue
// blocks are queued. An error of an earlier block's sealing surfaces here.
func (w *Writer) closeBlock(s *activeSegment) error {
	if s.blockN == 0 {
		return nil
	}
	if err := s.sealErr(); err != nil {
		return err
	}
	var l [binary.MaxVarintLen64]byte
	k := binary.PutUvarint(l[:], uint64(len(s.block)-blockPrefix-saltSize))
	start := blockPrefix - 1 - k
	s.block[start] = frameBlock
	copy(s.block[start+1:], l[:k])
	s.plain += int64(len(s.block) - start)
	s.blocks <- closedBlock{buf: s.block, start: start, end: s.hdr + s.plain, n: s.blockN}
	s.count++
	s.records += s.blockN
	s.blockN = 0
	select {
	case s.block = <-s.free:
	default:
		s.block = nil // appendLocked allocates one
	}
	return nil
}

// sealBlocks is a segment's sealing goroutine: it seals each closed block
// in order, until seal or abandon closes the queue.
//
// Ciphertext that age wrote to the sink waits there for more until a batch
// is full or a Write finds it sinkLinger old; when no block comes to write
// more, a timer armed after the block hands it on sinkLinger later, so that
// a quiet job's records reach the files then.
func (w *Writer) sealBlocks(s *activeSegment) {
	defer close(s.done)
	linger := time.NewTimer(time.Hour)
	linger.Stop()
	defer linger.Stop()
	armed := false
	for {
		var b closedBlock
		select {
		case <-linger.C:
			armed = false
			s.sink.flush()
			continue
		case next, ok := <-s.blocks:
			if !ok {
				return
			}
			b = next
		}
		if s.sealErr() == nil {
			if err := w.sealBlock(s, &b); err != nil {
				s.errMu.Lock()
				s.err = err
				s.errMu.Unlock()
			}
		}
		clear(b.buf[blockPrefix : blockPrefix+saltSize])
		if cap(b.buf) <= 2*(blockPrefix+saltSize+blockTarget) {
			// A buffer grown for a long record is not kept.
			select {
			case s.free <- b.buf[:0]:
			default:
			}
		}
		if !armed && len(s.sink.buf) > 0 {
			armed = true
			linger.Reset(sinkLinger)
		}
	}
}

// sealBlock makes a closed block's commitment SHA-256(salt ‖ body) the next
// leaf and hands its frame to age; its index line waits until the chunk that
// completes the frame is handed to the sink, which writes it after that
// chunk (cipherSink.idx).
func (w *Writer) sealBlock(s *activeSegment, b *closedBlock) error {
	e := entry{c: commit(b.buf[blockPrefix:]), n: b.n}
	s.pend = hex.AppendEncode(s.pend, e.c[:])
	s.pend = append(s.pend, ' ')
	s.pend = strconv.AppendInt(s.pend, e.n, 10)
	s.pend = append(s.pend, '\n')
	s.lineEnds = append(s.lineEnds, len(s.pend))
	s.ends = append(s.ends, b.end)
	if _, err := s.enc.Write(b.buf[b.start:]); err != nil {
		return fmt.Errorf("store: writing %s: %w", segmentName(s.num, "age"), err)
	}
	w.tree.push(leafHash(&e))
	return nil
}

func (s *activeSegment) sealErr() error {
	s.errMu.Lock()
	defer s.errMu.Unlock()
	return s.err
}

// stopSealing closes the sealing goroutine's queue, waits until it has
// sealed every block queued, and returns its first error. It must be called
// once, before enc, the pending index lines or the tree are used again.
func (s *activeSegment) stopSealing() error {
	close(s.blocks)
	<-s.done
	return s.sealErr()
}

// abandon stops a segment's goroutines and closes its files without
// finishing it (after a failed write, or to simulate a crash in tests):
// what they were handed is written, and the next Open recovers the segment.
func (s *activeSegment) abandon() {
	s.stopSealing()
	s.sink.finish()
	s.idx.Close()
	s.file.Close()
}

// newSaltSource returns the source of a writer's salts: ChaCha8 keyed from
// crypto/rand, a cryptographically strong generator that erases its key as
// it goes (an attacker who reads the writer's memory learns no salt it
// already drew). getrandom(2) for every salt cost a tenth of Append's CPU on
// short lines (vgetrandom at about 5 ns a byte), ChaCha8 well under 1 ns.
func newSaltSource() *mrand.ChaCha8 {
	var seed [32]byte
	rand.Read(seed[:])
	defer clear(seed[:])
	return mrand.NewChaCha8(seed)
}

// openSegment starts the next segment: its index (header written atomically,
// so an index file is never headerless) and its age file.
func (w *Writer) openSegment() error {
	n := w.segNum + 1
	idxName := filepath.Join(w.dir, segmentName(n, "idx"))
	ageName := filepath.Join(w.dir, segmentName(n, "age"))
	if err := writeFileAtomic(idxName, []byte(indexHeader(w.man.id, n, w.tree.n))); err != nil {
		return err
	}
	w.segNum = n
	w.sealed = append(w.sealed, 0)
	// opened is on the records' clock, which the age is measured against:
	// the system clock can be up to a tick ahead of it, and a segment would
	// look younger than it is.
	s := &activeSegment{num: n, first: w.tree.n, opened: w.clock.now()}
	var err error
	if s.idx, err = openAppend(idxName); err != nil {
		return err
	}
	if s.file, err = createFile(ageName, true); err != nil {
		s.idx.Close()
		return err
	}
	s.sink = newCipherSink(s.file)
	s.sink.idx, s.sink.lines, s.sink.sync, s.sink.flushed = s.idx, s.takeLines, w.opts.Sync, time.Now()
	if s.enc, err = age.Encrypt(s.sink, w.opts.Recipients...); err == nil {
		s.sink.header = s.sink.received
		hdr := segmentHeader(w.man.id, n, s.first)
		s.hdr = int64(len(hdr))
		_, err = io.WriteString(s.enc, hdr)
	}
	if err != nil {
		s.sink.finish()
		s.idx.Close()
		s.file.Close()
		return fmt.Errorf("store: %w", err)
	}
	s.blocks, s.free, s.done = make(chan closedBlock, sealQueue), make(chan []byte, sealQueue+2), make(chan struct{})
	go w.sealBlocks(s)
	w.seg = s
	return nil
}

// seal finishes the active segment and signs a checkpoint over it. The order
// is what makes crashes recoverable (FORMAT.md, "Sealing"): ciphertext and
// index durable first, then the checkpoint, then the index trailer, then
// retention.
func (w *Writer) seal() error {
	s := w.seg
	if s == nil {
		return nil
	}
	w.seg = nil
	defer s.idx.Close()
	defer s.file.Close()
	err := w.closeBlock(s)
	if serr := s.stopSealing(); err == nil {
		err = serr
	}
	if err == nil {
		err = s.enc.Close()
	}
	cipherHash, serr := s.sink.finish()
	if err == nil {
		err = serr
	}
	if err == nil {
		// Every record is in the finished file now: the rest of the index.
		_, err = s.idx.Write(s.takeLines(nil, s.hdr+s.plain))
	}
	if err != nil {
		return fmt.Errorf("store: finishing %s: %w", segmentName(s.num, "age"), err)
	}
	if err := w.syncFiles(s.file, s.idx); err != nil {
		return err
	}
	now := time.Now()
	w.sealed[s.num] = now.Unix()
	c := w.newCheckpoint(s.num, now)
	c.CipherHash = cipherHash
	if err := w.appendCheckpoint(c); err != nil {
		return err
	}
	w.latest, w.retired = c, c.Retired
	if _, err := io.WriteString(s.idx, sealedTrailer(s.count, cipherHash)); err != nil {
		return fmt.Errorf("store: %w", err)
	}
	if err := w.syncFiles(s.idx); err != nil {
		return err
	}
	if err := w.writeTree(); err != nil {
		return err
	}
	w.removeRetired()
	if w.opts.OnCheckpoint != nil {
		w.opts.OnCheckpoint(c)
	}
	return nil
}

// syncFiles fsyncs files, then the store's directory, unless the policy is
// SyncNone.
func (w *Writer) syncFiles(files ...*os.File) error {
	if w.opts.Sync == SyncNone {
		return nil
	}
	for _, f := range files {
		if err := f.Sync(); err != nil {
			return fmt.Errorf("store: %w", err)
		}
	}
	return syncDir(w.dir)
}

// retention returns how many of the oldest segments have no ciphertext
// once the retention options are applied at now. It never goes down.
func (w *Writer) retention(now time.Time) int64 {
	r := w.retired
	if k := int64(w.opts.KeepSegments); k > 0 && w.segNum-k > r {
		r = w.segNum - k
	}
	if w.opts.KeepFor > 0 {
		// Abandoned segments (never sealed, no seal time) go with the
		// first sealed segment after them.
		cut := now.Add(-w.opts.KeepFor).Unix()
		for {
			n := r + 1
			for n <= w.segNum && w.skipped[n] {
				n++
			}
			if n > w.segNum || w.sealed[n] == 0 || w.sealed[n] >= cut {
				break
			}
			r = n
		}
	}
	return r
}

// removeRetired deletes the ciphertext of retired segments. It runs after the
// checkpoint recording the retention is durable, so a crash in between only
// leaves ciphertext that the next writer removes.
func (w *Writer) removeRetired() {
	for ; w.removed < w.retired; w.removed++ {
		os.Remove(filepath.Join(w.dir, segmentName(w.removed+1, "age")))
	}
}

// onIdle closes the open block once its first record is blockLinger old,
// when no append has: a job that goes quiet after a burst would otherwise
// leave the block in memory until its next line or the next seal, and a
// kill -9 in that pause would lose it. The sealing goroutine then hands the
// ciphertext on within sinkLinger (sealBlocks). While records keep coming
// the timer fires at most once per blockLinger, re-armed for the block open
// then.
func (w *Writer) onIdle() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.idleArmed = false
	s := w.seg
	if w.closed || w.err != nil || s == nil || s.blockN == 0 {
		return
	}
	if wait := s.blockOpened + int64(w.blockLinger) - time.Now().UnixNano(); wait > 0 {
		w.idleArmed = true
		w.idle.Reset(time.Duration(wait))
		return
	}
	w.fail(w.closeBlock(s))
}

func (w *Writer) onTimer() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return
	}
	if w.err == nil && w.seg != nil && (w.seg.count > 0 || w.seg.blockN > 0) {
		w.fail(w.seal())
	}
	w.timer.Reset(w.tick())
}

// Checkpoint seals the active segment, if it holds records, and returns the
// latest checkpoint.
func (w *Writer) Checkpoint() (*Checkpoint, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if err := w.usable(); err != nil {
		return nil, err
	}
	if err := w.fail(w.seal()); err != nil {
		return nil, err
	}
	return w.latest, nil
}

// Recovered returns how many records Open recovered from segments a crashed
// writer left, and sealed with a checkpoint of their own.
func (w *Writer) Recovered() int64 {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.recovered
}

// Latest returns the latest checkpoint on disk.
func (w *Writer) Latest() *Checkpoint {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.latest
}

// Close seals the active segment (a final checkpoint) and releases the lock.
// After a failed write it only releases the lock, and returns that failure:
// the next Open recovers the store from its files.
func (w *Writer) Close() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return ErrClosed
	}
	w.closed = true
	w.timer.Stop()
	w.idle.Stop()
	w.clock.close()
	err := w.err
	if err == nil {
		err = w.fail(w.seal())
	} else if w.seg != nil {
		w.seg.abandon()
	}
	if uerr := unlock(w.lock); err == nil && uerr != nil {
		err = fmt.Errorf("store: %w", uerr)
	}
	return err
}

// verifierKey derives the note verifier key from a signer key, so the writer
// can record it in the manifest without being handed it separately.
func verifierKey(skey string) (string, error) {
	// PRIVATE+KEY+<name>+<hash>+<base64(0x01 ‖ ed25519 seed)>; the base64
	// may itself hold '+', the name may not.
	rest, ok := strings.CutPrefix(skey, "PRIVATE+KEY+")
	name, rest, ok2 := strings.Cut(rest, "+")
	_, key64, ok3 := strings.Cut(rest, "+")
	if !ok || !ok2 || !ok3 {
		return "", errors.New("store: signing key is not a note signer key")
	}
	key, err := base64.StdEncoding.DecodeString(key64)
	if err != nil || len(key) != 1+ed25519.SeedSize || key[0] != 1 {
		return "", errors.New("store: signing key is not an Ed25519 note signer key")
	}
	pub := ed25519.NewKeyFromSeed(key[1:]).Public().(ed25519.PublicKey)
	v, err := note.NewEd25519VerifierKey(name, pub)
	if err != nil {
		return "", fmt.Errorf("store: %w", err)
	}
	return v, nil
}

// keyName returns the name and hash of a note verifier key, for messages:
// "conflog-store+1a2b3c4d". Two keys of one name differ in their hash.
func keyName(vkey string) string {
	name, rest, _ := strings.Cut(vkey, "+")
	hash, _, _ := strings.Cut(rest, "+")
	return name + "+" + hash
}
