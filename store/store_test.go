//go:build unix

package store

import (
	"bytes"
	"crypto/rand"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"filippo.io/age"
	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// testKeys is one store's keys, as conflog keygen makes them.
type testKeys struct {
	identity *age.X25519Identity
	skey     string
	vkey     string
}

func newTestKeys(t testing.TB) *testKeys {
	t.Helper()
	id, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	skey, vkey, err := note.GenerateKey(rand.Reader, "test-store")
	if err != nil {
		t.Fatal(err)
	}
	return &testKeys{id, skey, vkey}
}

func (k *testKeys) options() *Options {
	return &Options{
		Recipients:      []age.Recipient{k.identity.Recipient()},
		SigningKey:      k.skey,
		CheckpointEvery: time.Hour, // tests seal explicitly
	}
}

// openT opens a writer whose every record is a block of its own: the tests
// written for one leaf per record keep their shape. openBlocksT makes blocks
// of n records.
func openT(t testing.TB, dir string, o *Options) *Writer {
	return openBlocksT(t, dir, o, 1)
}

// openBlocksT opens a writer that closes a block after n records (and at
// each seal), however slowly they come.
func openBlocksT(t testing.TB, dir string, o *Options, n int) *Writer {
	t.Helper()
	w, err := Open(dir, o)
	if err != nil {
		t.Fatal(err)
	}
	w.blockBytes, w.blockLinger = 1, time.Hour
	if n > 1 {
		w.blockBytes = 1 << 40
		w.blockRecords = int64(n)
	}
	return w
}

// blockLines returns the lines of a block frame's records ("" if purged).
func blockLines(t testing.TB, f *frame) []string {
	t.Helper()
	var out []string
	if _, err := eachRecord(f.body(), func(r *blockRecord) error {
		out = append(out, string(r.data))
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

func appendT(t testing.TB, w *Writer, lines ...string) {
	t.Helper()
	for _, l := range lines {
		if err := w.Append([]byte(l)); err != nil {
			t.Fatal(err)
		}
	}
}

// readAll verifies dir with the identity and returns every record; the
// store must verify cleanly.
func readAll(t testing.TB, dir string, k *testKeys) []Record {
	t.Helper()
	var recs []Record
	r, err := Verify(dir, &VerifyOptions{
		VerifierKey: k.vkey,
		Identities:  []age.Identity{k.identity},
		OnRecord: func(r Record) error {
			r.Data = bytes.Clone(r.Data)
			recs = append(recs, r)
			return nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if !r.OK() {
		t.Fatalf("store does not verify:\n%v", r.Err())
	}
	return recs
}

func datas(recs []Record) []string {
	var out []string
	for _, r := range recs {
		if r.Purged {
			out = append(out, "[purged]")
		} else {
			out = append(out, string(r.Data))
		}
	}
	return out
}

// memTree holds every stored hash of a tree in memory: a reference for the
// frontier, built on tlog's own StoredHashes.
type memTree struct {
	stored []tlog.Hash
	n      int64
}

func (t *memTree) add(leaf tlog.Hash) {
	hs, err := tlog.StoredHashesForRecordHash(t.n, leaf, t)
	if err != nil {
		panic(err)
	}
	t.stored = append(t.stored, hs...)
	t.n++
}

func (t *memTree) ReadHashes(indexes []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(indexes))
	for i, x := range indexes {
		out[i] = t.stored[x]
	}
	return out, nil
}

// The frontier the writer keeps must give tlog's tree hash at every size.
func TestFrontierMatchesTlog(t *testing.T) {
	var f frontier
	tree := &memTree{}
	if f.root() != emptyTreeHash() {
		t.Fatal("empty frontier root is not the empty tree hash")
	}
	for i := range 300 {
		h := tlog.RecordHash([]byte(fmt.Sprint(i)))
		f.push(h)
		tree.add(h)
		want, err := tlog.TreeHash(int64(i+1), tree)
		if err != nil {
			t.Fatal(err)
		}
		if f.root() != want {
			t.Fatalf("size %d: frontier root %v, tlog.TreeHash %v", i+1, f.root(), want)
		}
	}
}

// Records round-trip: what was appended is what verify hands back, in order,
// with indexes and times, across segments and across a restart.
func TestAppendVerifyRoundTrip(t *testing.T) {
	k := newTestKeys(t)
	dir := filepath.Join(t.TempDir(), "s")
	w := openT(t, dir, k.options())
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC)
	if err := w.AppendAt(t0, []byte("first")); err != nil {
		t.Fatal(err)
	}
	appendT(t, w, "second", "", "with\nnewline and \x00 bytes")
	if _, err := w.Checkpoint(); err != nil {
		t.Fatal(err)
	}
	appendT(t, w, "fifth")
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	w = openT(t, dir, k.options()) // a restarted writer continues the tree
	appendT(t, w, "sixth")
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	recs := readAll(t, dir, k)
	want := []string{"first", "second", "", "with\nnewline and \x00 bytes", "fifth", "sixth"}
	if got := datas(recs); strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("records = %q, want %q", got, want)
	}
	for i, r := range recs {
		if r.Index != int64(i) {
			t.Errorf("record %d has index %d", i, r.Index)
		}
	}
	if !recs[0].Time.Equal(t0) || recs[0].Segment != 1 || recs[5].Segment != 3 {
		t.Errorf("record metadata: %+v … %+v", recs[0], recs[5])
	}
	rep, _ := Verify(dir, &VerifyOptions{VerifierKey: k.vkey})
	if !rep.OK() || rep.Latest.Size != 6 || rep.Checkpoints != 4 || rep.Segments != 3 {
		t.Fatalf("keyless verify: ok=%v latest=%+v checkpoints=%d segments=%d: %v", rep.OK(), rep.Latest, rep.Checkpoints, rep.Segments, rep.Err())
	}
}

// Files are 0600 and directories 0700 even under umask 0.
func TestPermissionsUnderUmaskZero(t *testing.T) {
	old := syscall.Umask(0)
	defer syscall.Umask(old)
	k := newTestKeys(t)
	dir := filepath.Join(t.TempDir(), "a", "s")
	w := openT(t, dir, k.options())
	appendT(t, w, "x", "y")
	w.Checkpoint()
	appendT(t, w, "z")
	w.Close()
	if _, err := Purge(dir, k.identity, &PurgeOptions{Match: regexp.MustCompile(`^y$`)}); err != nil {
		t.Fatal(err)
	}
	n := 0
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			t.Fatal(err)
		}
		fi, _ := d.Info()
		want := fs.FileMode(0o600)
		if d.IsDir() {
			want = fs.ModeDir | 0o700
		}
		if fi.Mode() != want {
			t.Errorf("%s: mode %v, want %v", p, fi.Mode(), want)
		}
		n++
		return nil
	})
	if n < 8 {
		t.Fatalf("walked only %d entries", n)
	}
}

// One writer per store: a second Open fails while the first holds the lock,
// and succeeds once it is closed.
func TestOneWriterPerStore(t *testing.T) {
	k := newTestKeys(t)
	dir := t.TempDir()
	w := openT(t, dir, k.options())
	if _, err := Open(dir, k.options()); !errors.Is(err, ErrLocked) {
		t.Fatalf("second Open: %v, want ErrLocked", err)
	}
	if _, err := Purge(dir, k.identity, &PurgeOptions{Match: regexp.MustCompile(`(?s)^`)}); !errors.Is(err, ErrLocked) {
		t.Fatalf("Purge during a write: %v, want ErrLocked", err)
	}
	w.Close()
	openT(t, dir, k.options()).Close()
}

// Rotation by size seals segments with a checkpoint each; retention by
// count removes old ciphertext and the store still verifies.
func TestRotationAndRetentionByCount(t *testing.T) {
	k := newTestKeys(t)
	dir := t.TempDir()
	o := k.options()
	o.MaxSegmentBytes = 200
	o.KeepSegments = 2
	var seen []*Checkpoint
	o.OnCheckpoint = func(c *Checkpoint) { seen = append(seen, c) }
	w := openT(t, dir, o)
	for i := range 40 {
		appendT(t, w, fmt.Sprintf("record %02d %s", i, strings.Repeat("x", 40)))
	}
	w.Close()
	rep, err := Verify(dir, &VerifyOptions{VerifierKey: k.vkey, Identities: []age.Identity{k.identity}})
	if err != nil || !rep.OK() {
		t.Fatalf("verify: %v %v", err, rep.Err())
	}
	if rep.Segments < 5 || rep.Retired != rep.Segments-2 {
		t.Fatalf("segments %d, retired %d: want ≥5 and all but 2", rep.Segments, rep.Retired)
	}
	ages, _ := filepath.Glob(filepath.Join(dir, "*.age"))
	idxs, _ := filepath.Glob(filepath.Join(dir, "*.idx"))
	if len(ages) != 2 || int64(len(idxs)) != rep.Segments {
		t.Fatalf("%d ciphertexts and %d indexes for %d segments", len(ages), len(idxs), rep.Segments)
	}
	if len(seen) != int(rep.Segments) || seen[len(seen)-1].Size != 40 {
		t.Fatalf("OnCheckpoint saw %d checkpoints", len(seen))
	}
	if rep.Records != 40-(seen[len(seen)-3].Size) {
		t.Fatalf("verified %d records in the retained segments", rep.Records)
	}
	if rep.RetiredRecs != seen[len(seen)-3].Size || rep.RetiredRecs+rep.Records != 40 {
		t.Fatalf("RetiredRecs = %d, want the %d records of the retired segments", rep.RetiredRecs, seen[len(seen)-3].Size)
	}
}

// Retention by age removes ciphertext of segments sealed long enough ago.
func TestRetentionByAge(t *testing.T) {
	k := newTestKeys(t)
	dir := t.TempDir()
	o := k.options()
	o.KeepFor = time.Second
	w := openT(t, dir, o)
	appendT(t, w, "old")
	w.Checkpoint()
	// Backdate the seal, as if the segment had been sealed an hour ago.
	w.mu.Lock()
	w.sealed[1] -= 3600
	w.mu.Unlock()
	appendT(t, w, "new")
	w.Close()
	if _, err := os.Stat(filepath.Join(dir, segmentName(1, "age"))); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("old ciphertext still there: %v", err)
	}
	if got := datas(readAll(t, dir, k)); len(got) != 1 || got[0] != "new" {
		t.Fatalf("records after retention: %q", got)
	}
}

// The checkpoint interval seals a segment holding records without any call.
func TestCheckpointInterval(t *testing.T) {
	k := newTestKeys(t)
	dir := t.TempDir()
	o := k.options()
	o.CheckpointEvery = 20 * time.Millisecond
	got := make(chan *Checkpoint, 10)
	o.OnCheckpoint = func(c *Checkpoint) { got <- c }
	w := openT(t, dir, o)
	defer w.Close()
	appendT(t, w, "a", "b")
	c := <-got // no timeout: the test binary's -timeout bounds it
	if c.Size != 2 || c.Segment != 1 {
		t.Fatalf("interval checkpoint %+v", c)
	}
}

// Purge removes the matching records and their salts; the store still
// verifies, and the records read back as purged.
func TestPurge(t *testing.T) {
	k := newTestKeys(t)
	dir := t.TempDir()
	w := openT(t, dir, k.options())
	appendT(t, w, "ok 1", "ssn=078-05-1120", "ok 2")
	w.Checkpoint()
	appendT(t, w, "ok 3", "again ssn=078-05-1120")
	w.Close()
	before, _ := os.ReadFile(filepath.Join(dir, checkpointsName))
	res, err := Purge(dir, k.identity, &PurgeOptions{Match: regexp.MustCompile(`\d{3}-\d{2}-\d{4}`)})
	if err != nil || len(res.Records) != 2 {
		t.Fatalf("Purge = %+v, %v; want 2 records", res, err)
	}
	after, _ := os.ReadFile(filepath.Join(dir, checkpointsName))
	if !bytes.Equal(before, after) {
		t.Fatal("purge changed the checkpoints")
	}
	got := datas(readAll(t, dir, k))
	if want := "ok 1|[purged]|ok 2|ok 3|[purged]"; strings.Join(got, "|") != want {
		t.Fatalf("after purge: %q", got)
	}
	// The plaintext no longer holds the value: decrypt every segment.
	for _, name := range []string{segmentName(1, "age"), segmentName(2, "age")} {
		f, _ := os.Open(filepath.Join(dir, name))
		r, err := age.Decrypt(f, k.identity)
		if err != nil {
			t.Fatal(err)
		}
		var b bytes.Buffer
		b.ReadFrom(r)
		f.Close()
		if bytes.Contains(b.Bytes(), []byte("078-05-1120")) {
			t.Fatalf("%s still holds the purged value", name)
		}
	}
	// Purging again finds nothing and changes nothing.
	if res, err := Purge(dir, k.identity, &PurgeOptions{Match: regexp.MustCompile(`ssn`)}); err != nil || len(res.Records) != 0 {
		t.Fatalf("second Purge = %+v, %v", res, err)
	}
}

// A purge marker made without the identity (by someone who knows only the
// public recipient and re-encrypts a segment) is reported.
func TestForgedPurgeMarkerIsReported(t *testing.T) {
	k := newTestKeys(t)
	dir := t.TempDir()
	w := openT(t, dir, k.options())
	appendT(t, w, "keep", "evidence")
	w.Close()
	other := newTestKeys(t)
	// Purge with another identity: the marker's tag is under the wrong key.
	// Decrypt with the real identity but tag with the other one.
	p := &purger{dir: dir, storeID: mustManifest(t, dir).id, id: k.identity, key: purgeKey(other.identity.String()), re: regexp.MustCompile(`^evidence$`)}
	if err := p.find(1, false); err != nil {
		t.Fatal(err)
	}
	if err := p.rewrite(p.segs[0], []age.Recipient{k.identity.Recipient()}); err != nil {
		t.Fatal(err)
	}
	rep, _ := Verify(dir, &VerifyOptions{Identities: []age.Identity{k.identity}})
	if rep.OK() || !strings.Contains(rep.Err().Error(), "purged block not made by these identities") {
		t.Fatalf("forged purge marker: %v", rep.Err())
	}
}

func mustManifest(t testing.TB, dir string) *manifest {
	m, err := readManifest(dir)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// A writer with another signing key may not extend the store.
func TestOtherSignerRefused(t *testing.T) {
	k := newTestKeys(t)
	dir := t.TempDir()
	openT(t, dir, k.options()).Close()
	o := k.options()
	o.SigningKey = newTestKeys(t).skey
	if _, err := Open(dir, o); err == nil || !strings.Contains(err.Error(), "not by this signing key") {
		t.Fatalf("Open with another signer: %v", err)
	}
}

func newSignerT(skey string) (note.Signer, error)     { return note.NewSigner(skey) }
func newVerifierT(vkey string) (note.Verifier, error) { return note.NewVerifier(vkey) }

// A writer whose write failed is stopped: the failure surfaces at a later
// Append (ciphertext is written on its own goroutine) or at the seal, every
// call after it fails, Close too, and a new Open recovers the store.
func TestWriterStopsAfterFailure(t *testing.T) {
	k := newTestKeys(t)
	dir := t.TempDir()
	w := openT(t, dir, k.options())
	appendT(t, w, "sealed")
	w.Checkpoint()
	appendT(t, w, "doomed")
	w.mu.Lock()
	w.seg.file.Close() // the disk goes away under the writer
	w.mu.Unlock()
	var err error
	for i := 0; err == nil && i < 10000; i++ { // age writes every 64 KiB
		err = w.Append(make([]byte, 8<<10))
	}
	if err == nil {
		t.Fatal("80 MiB appended to a closed file without an error")
	}
	if err := w.Append([]byte("after")); err == nil {
		t.Fatal("Append after a failed write succeeded")
	}
	if err := w.Close(); err == nil {
		t.Fatal("Close after a failed write returned nil")
	}
	w = openT(t, dir, k.options())
	appendT(t, w, "recovered")
	w.Close()
	if got := datas(readAll(t, dir, k)); strings.Join(got, "|") != "sealed|recovered" {
		t.Fatalf("records after recovery: %q", got)
	}
}

// Rotation by age: a segment older than MaxSegmentAge is sealed at the next
// append, each with its own checkpoint.
func TestRotationByAge(t *testing.T) {
	k := newTestKeys(t)
	dir := t.TempDir()
	o := k.options()
	o.MaxSegmentAge = time.Nanosecond
	var sizes []int64
	o.OnCheckpoint = func(c *Checkpoint) { sizes = append(sizes, c.Size) }
	w := openT(t, dir, o)
	appendT(t, w, "a", "b", "c")
	w.Close()
	if fmt.Sprint(sizes) != "[1 2 3]" {
		t.Fatalf("checkpoints at sizes %v, want one per record", sizes)
	}
	if got := datas(readAll(t, dir, k)); strings.Join(got, "") != "abc" {
		t.Fatalf("records %q", got)
	}
}

// Purge re-encrypts to the manifest's recipients, so it refuses a manifest
// that is not the writer's: a recipient slipped in without the signing key, a
// manifest swapped whole with a key of its own, or one (even properly
// signed) that would lock the purger out.
func TestPurgeRefusesForeignRecipients(t *testing.T) {
	k := newTestKeys(t)
	attacker := newTestKeys(t)
	for _, tc := range []struct {
		name string
		edit func(dir string, m *manifest) []byte
		want string
	}{
		{"recipient added, old signature kept", func(dir string, m *manifest) []byte {
			signed, _ := os.ReadFile(filepath.Join(dir, manifestName))
			_, sig, _ := strings.Cut(string(signed), "\n\n")
			m.recipients = append(m.recipients, attacker.identity.Recipient().String())
			return append(m.marshal(), "\n"+sig...)
		}, "not signed by the key it names"},
		{"recipient added, unsigned", func(dir string, m *manifest) []byte {
			m.recipients = append(m.recipients, attacker.identity.Recipient().String())
			return m.marshal()
		}, "not a signed conflog store v1 manifest"},
		{"swapped whole, signed by another key", func(dir string, m *manifest) []byte {
			m.verifier = attacker.vkey
			m.recipients = append(m.recipients, attacker.identity.Recipient().String())
			s, _ := newSignerT(attacker.skey)
			data, _ := m.sign(s)
			return data
		}, "checkpoints are not signed by the manifest's key"},
		{"signed by the store's key, purger left out", func(dir string, m *manifest) []byte {
			m.recipients = []string{attacker.identity.Recipient().String()}
			s, _ := newSignerT(k.skey)
			data, _ := m.sign(s)
			return data
		}, "does not list this identity's recipient"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			w := openT(t, dir, k.options())
			appendT(t, w, "secret")
			w.Close()
			m := mustManifest(t, dir)
			before, _ := os.ReadFile(filepath.Join(dir, segmentName(1, "age")))
			os.WriteFile(filepath.Join(dir, manifestName), tc.edit(dir, m), 0o600)
			if _, err := Purge(dir, k.identity, &PurgeOptions{Match: regexp.MustCompile(`(?s)^`)}); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Purge: %v; want an error saying %q", err, tc.want)
			}
			if after, _ := os.ReadFile(filepath.Join(dir, segmentName(1, "age"))); !bytes.Equal(before, after) {
				t.Fatalf("the refused purge rewrote a segment")
			}
		})
	}
}

// Retention by age is not blocked by a segment a crashed writer abandoned:
// it goes with the sealed segment after it.
func TestRetentionByAgeAcrossAbandonedSegment(t *testing.T) {
	k := newTestKeys(t)
	dir := t.TempDir()
	w := openT(t, dir, k.options())
	appendT(t, w, "old 1")
	w.Checkpoint()
	appendT(t, w, "lost in a crash") // segment 2, never sealed
	w.mu.Lock()
	w.seg.abandon()
	w.seg = nil
	unlock(w.lock)
	w.mu.Unlock()
	w.timer.Stop()

	o := k.options()
	o.KeepFor = time.Second
	w = openT(t, dir, o)
	appendT(t, w, "old 3")
	w.Checkpoint()
	w.mu.Lock()
	w.sealed[1] -= 3600 // sealed an hour ago
	w.sealed[3] -= 3600
	w.mu.Unlock()
	appendT(t, w, "new")
	w.Close()
	for _, n := range []int64{1, 2, 3} {
		if _, err := os.Stat(filepath.Join(dir, segmentName(n, "age"))); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("segment %d's ciphertext survived retention: %v", n, err)
		}
	}
	if got := datas(readAll(t, dir, k)); strings.Join(got, "|") != "new" {
		t.Fatalf("records after retention: %q", got)
	}
}
