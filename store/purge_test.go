//go:build unix

package store

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"filippo.io/age"
)

// crashT stops w as kill -9 would once its sealing goroutine has caught
// up: what its sink was handed is written, the open block, the chunk age
// was filling and the index lines not yet handed over are lost, and the
// lock goes. (TestCrashKill9 kills real writers at every other moment.)
func crashT(w *Writer) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.timer.Stop()
	if s := w.seg; s != nil {
		s.abandon()
		w.seg = nil
	}
	unlock(w.lock)
	w.closed = true
}

// dropIndexLines removes the last k commitment lines of segment n's open
// index: a writer killed after writing ciphertext, before its index lines.
func dropIndexLines(t *testing.T, dir string, n int64, k int) {
	t.Helper()
	name := filepath.Join(dir, segmentName(n, "idx"))
	data, _ := os.ReadFile(name)
	x, err := parseIndex(data)
	if err != nil || x.state != indexOpen || len(x.commitments) < k {
		t.Fatalf("segment %d index: %v, %d commitments", n, err, len(x.commitments))
	}
	keep := data[:x.size] // the header and whole lines: a torn one goes too
	for range k {
		keep = keep[:bytes.LastIndexByte(keep[:len(keep)-1], '\n')+1]
	}
	os.WriteFile(name, keep, 0o600)
}

// fillerLines returns n lines of about 1 KiB, with special lines at given
// positions.
func fillerLines(n int, special map[int]string) []string {
	var out []string
	for i := range n {
		l := fmt.Sprintf("filler %d %s", i, strings.Repeat("f", 1000))
		if s, ok := special[i]; ok {
			l = s
		}
		out = append(out, l)
	}
	return out
}

// decryptAll decrypts as much of f as the identity authenticates.
func decryptAll(t *testing.T, name string, id age.Identity) []byte {
	f, err := os.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r, err := age.Decrypt(f, id)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	var b bytes.Buffer
	io.Copy(&b, r) // an unfinished stream ends in an error: keep what came before
	return b.Bytes()
}

func hashDir(t *testing.T, dir string) map[string][32]byte {
	out := map[string][32]byte{}
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		b, _ := os.ReadFile(filepath.Join(dir, e.Name()))
		out[e.Name()] = sha256.Sum256(b)
	}
	return out
}

// Purge finds a value in every ciphertext on disk, crashed writers' segments
// too, and split across the pieces of a cut line; a dry run lists the
// records and recipients and changes nothing; after the purge no file in the
// store decrypts to any part of the value, and the store still verifies.
//
// It runs with a block per record, and with blocks of five records, where
// a purge rewrites a block and keeps its other records.
func TestPurgeCoversEveryCiphertext(t *testing.T) {
	for _, per := range []int{1, 5} {
		t.Run(fmt.Sprintf("records-per-block=%d", per), func(t *testing.T) { testPurgeCoversEveryCiphertext(t, per) })
	}
}

func testPurgeCoversEveryCiphertext(t *testing.T, per int) {
	k := newTestKeys(t)
	dir := t.TempDir()
	openT := func(t *testing.T, dir string, o *Options) *Writer { return openBlocksT(t, dir, o, per) }
	w := openT(t, dir, k.options())
	appendT(t, w, "sealed token=ghp_SEALED0001", "ok")
	w.Checkpoint() // segment 1, sealed
	appendT(t, w, fillerLines(200, map[int]string{
		10:  "recovered token=ghp_RECOVERED2",
		20:  "a line cut in the middle of its token=ghp",
		21:  "_CUTLEAK3 and the rest of it",
		160: "cut off by the crash: ghp_TAIL4",
	})...)
	crashT(w) // segment 2: recovered, with a tail beyond its index
	dropIndexLines(t, dir, 2, 60/per)

	w = openT(t, dir, k.options())
	if w.Recovered() == 0 {
		t.Fatal("nothing recovered")
	}
	appendT(t, w, fillerLines(100, map[int]string{5: "abandoned ghp_ABANDONED5"})...)
	crashT(w) // segment 3: nothing indexed, so abandoned, its records on disk
	dropIndexLines(t, dir, 3, 0)
	{
		name := filepath.Join(dir, segmentName(3, "idx"))
		x, _ := parseIndex(mustRead(t, name))
		os.WriteFile(name, []byte(indexHeader(x.storeID, 3, x.first)), 0o600)
	}
	w = openT(t, dir, k.options())
	appendT(t, w, fillerLines(100, map[int]string{7: "not yet recovered ghp_UNSEALED6"})...)
	crashT(w) // segment 4: open, until the next writer

	re := regexp.MustCompile(`ghp_[A-Z0-9]+`)
	before := hashDir(t, dir)
	dry, err := Purge(dir, k.identity, &PurgeOptions{Match: re, DryRun: true})
	if err != nil {
		t.Fatal(err)
	}
	if after := hashDir(t, dir); fmt.Sprint(after) != fmt.Sprint(before) {
		t.Fatal("a dry run changed the store")
	}
	var listed []string
	for _, r := range dry.Records {
		listed = append(listed, fmt.Sprintf("%d:%s", r.Segment, r.State))
	}
	if want := "1:sealed 2:recovered 2:recovered 2:recovered 4:unsealed"; strings.Join(listed, " ") != want {
		t.Fatalf("dry run lists %q, want %q", listed, want)
	}
	if fmt.Sprint(dry.Rewritten) != "[1 2 3 4]" || len(dry.Recipients) != 1 || dry.Recipients[0] != k.identity.Recipient().String() {
		t.Fatalf("dry run: rewrites %v, to %v", dry.Rewritten, dry.Recipients)
	}

	// Each gets the same records, in the same order, and Records stays
	// empty; the purge lists (from its rewrite) what the dry run did.
	var each []PurgedRecord
	streamed, err := Purge(dir, k.identity, &PurgeOptions{Match: re, DryRun: true, Each: func(r PurgedRecord) { each = append(each, r) }})
	if err != nil || len(streamed.Records) != 0 || streamed.Purged != 5 || dry.Purged != 5 || fmt.Sprint(each) != fmt.Sprint(dry.Records) {
		t.Fatalf("dry run with Each: %+v, %v: listed %v, want %v", streamed, err, each, dry.Records)
	}

	res, err := Purge(dir, k.identity, &PurgeOptions{Match: re})
	if err != nil || len(res.Records) != 5 || res.Purged != 5 || fmt.Sprint(res.Records) != fmt.Sprint(dry.Records) {
		t.Fatalf("Purge: %+v, %v; dry run listed %v", res, err, dry.Records)
	}
	for _, part := range []string{"ghp_", "_CUTLEAK3", "SEALED", "RECOVERED", "TAIL4", "ABANDONED", "UNSEALED"} {
		ents, _ := os.ReadDir(dir)
		for _, e := range ents {
			name := filepath.Join(dir, e.Name())
			b := mustRead(t, name)
			if strings.HasSuffix(name, ".age") {
				b = decryptAll(t, name, k.identity)
			}
			if bytes.Contains(b, []byte(part)) {
				t.Errorf("after the purge, %s still holds %q", e.Name(), part)
			}
		}
	}
	// The next writer recovers segment 4, purge markers and all.
	w = openT(t, dir, k.options())
	w.Close()
	got := datas(readAll(t, dir, k))
	purged := 0
	for _, l := range got {
		if l == "[purged]" {
			purged++
		}
	}
	if purged != 5 {
		t.Fatalf("%d records read back as purged, want 5", purged)
	}
	// Every other record is read back whole, the purged blocks' too.
	for i, l := range got {
		if l != "[purged]" && !strings.HasPrefix(l, "filler ") && l != "ok" {
			t.Fatalf("record %d after the purge: %.40q", i, l)
		}
	}
	// Record 10 of segment 2 was purged; 11 and 12 share its block when
	// blocks hold five records, and are still there.
	joined := strings.Join(got, "\n")
	for _, want := range []string{"\nfiller 9 ", "\nfiller 11 ", "\nfiller 12 ", "\nfiller 22 "} {
		if !strings.Contains(joined, want) {
			t.Fatalf("after the purge, no record starting %q", want[1:])
		}
	}
}

func mustRead(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// A value the gate cut into more than two pieces (run --max-line smaller
// than the value, a PEM key on one line, say) is purged in every piece, by
// a literal pattern and by a bounded one. (A greedy one, ghp_\w+, matches
// the first piece on its own and purges only it: PurgeOptions.Match.)
func TestPurgeValueCutInManyPieces(t *testing.T) {
	token := "ghp_ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789abcdefghij"
	line := "xxxxxxxxxx" + token + "; then the rest"
	var pieces []string
	for l := line; l != ""; l = l[min(len(l), 16):] {
		pieces = append(pieces, l[:min(len(l), 16)])
	}
	for _, pat := range []string{regexp.QuoteMeta(token[:40]), `ghp_[A-Za-z0-9]{36}`} {
		for _, per := range []int{1, 5} {
			t.Run(fmt.Sprintf("%s/records-per-block=%d", pat, per), func(t *testing.T) {
				k := newTestKeys(t)
				dir := t.TempDir()
				w := openBlocksT(t, dir, k.options(), per)
				appendT(t, w, "before")
				appendT(t, w, pieces...)
				// And again after more than the purger scans at once.
				appendT(t, w, fillerLines(1500, nil)...)
				appendT(t, w, pieces...)
				appendT(t, w, "after")
				if err := w.Close(); err != nil {
					t.Fatal(err)
				}
				res, err := Purge(dir, k.identity, &PurgeOptions{Match: regexp.MustCompile(pat)})
				if err != nil {
					t.Fatal(err)
				}
				var idx []int64
				for _, r := range res.Records {
					idx = append(idx, r.Index)
				}
				// "before" is record 0; the token is in pieces 1..4 (records
				// 1..4), and again after 1,500 fillers.
				if fmt.Sprint(idx) != "[1 2 3 4 1506 1507 1508 1509]" {
					t.Errorf("purged records %v, want [1 2 3 4 1506 1507 1508 1509] (pieces %q)", idx, pieces)
				}
				b := decryptAll(t, filepath.Join(dir, segmentName(1, "age")), k.identity)
				for _, p := range pieces[1:4] {
					if bytes.Contains(b, []byte(p)) {
						t.Errorf("after the purge, the store still holds the piece %q of the token", p)
					}
				}
			})
		}
	}
}

// Records a killed writer wrote to its ciphertext but never indexed are not
// in the tree and not shown: verify with the identity counts them (the
// crash lost them, and says how many), and a dry run of purge, which drops
// them with any rewrite, lists them.
func TestCutOffRecordsCounted(t *testing.T) {
	k := newTestKeys(t)
	dir := t.TempDir()
	w := openBlocksT(t, dir, k.options(), 5)
	appendT(t, w, "sealed")
	w.Checkpoint() // segment 1
	appendT(t, w, fillerLines(200, nil)...)
	crashT(w)
	dropIndexLines(t, dir, 2, 12) // 60 records in the ciphertext, not indexed
	// and more in the chunk age had written when the crash came: the whole
	// lines in it.
	inCipher := int64(len(regexp.MustCompile(`filler [0-9]+ f{1000}`).FindAll(decryptAll(t, filepath.Join(dir, segmentName(2, "age")), k.identity), -1)))
	w = openBlocksT(t, dir, k.options(), 5)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	rep, err := Verify(dir, &VerifyOptions{VerifierKey: k.vkey, Identities: []age.Identity{k.identity}})
	if err != nil || !rep.OK() {
		t.Fatalf("verify: %v %v", err, rep.Err())
	}
	want := inCipher - rep.Recovered
	if want < 60 || rep.CutOff != want || !strings.Contains(strings.Join(rep.Notes, "\n"), fmt.Sprintf(" %d records after", want)) {
		t.Fatalf("verify counts %d records cut off (want %d: %d in the ciphertext, %d indexed), notes %q", rep.CutOff, want, inCipher, rep.Recovered, rep.Notes)
	}
	dry, err := Purge(dir, k.identity, &PurgeOptions{Match: regexp.MustCompile(`nothing matches this`), DryRun: true})
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(dry.Rewritten) != "[2]" || fmt.Sprint(dry.CutOff) != fmt.Sprintf("[{2 %d}]", want) {
		t.Fatalf("dry run rewrites %v, drops %v; want [2], [{2 %d}]", dry.Rewritten, dry.CutOff, want)
	}
}
