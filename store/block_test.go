//go:build unix

package store

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"filippo.io/age"
)

// blockStore builds a store of blocks of three records: two sealed
// segments, the first holding a block with one purged record.
func blockStore(t testing.TB, k *testKeys) string {
	t.Helper()
	dir := t.TempDir()
	o := k.options()
	o.Purger = PurgerKey(k.identity)
	w := openBlocksT(t, dir, o, 3)
	appendT(t, w, "alpha", "beta token=ghp_LEAK1", "gamma", "delta", "epsilon")
	w.Checkpoint() // blocks [alpha beta gamma] [delta epsilon]
	appendT(t, w, "zeta", "eta", "theta")
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	res, err := Purge(dir, k.identity, &PurgeOptions{Match: regexp.MustCompile(`ghp_\w+`)})
	if err != nil || len(res.Records) != 1 || res.Records[0].Index != 1 || !res.Signed {
		t.Fatalf("Purge: %+v %v", res, err)
	}
	return dir
}

// A purge inside a block of several records removes the one record, keeps
// the others (and every time), leaves the value in no file, is signed, and
// the store still verifies with and without the identity. A second purge
// in the same block keeps the first one's removal.
func TestPurgeInsideBlock(t *testing.T) {
	k := newTestKeys(t)
	dir := blockStore(t, k)
	recs := readAll(t, dir, k)
	if got := strings.Join(datas(recs), ","); got != "alpha,[purged],gamma,delta,epsilon,zeta,eta,theta" {
		t.Fatalf("records %q", got)
	}
	for i, r := range recs {
		if r.Index != int64(i) || (i > 0 && r.Time.Before(recs[i-1].Time)) {
			t.Fatalf("record %d: index %d, time %v", i, r.Index, r.Time)
		}
		if r.Purged != (i == 1) || r.Time.IsZero() {
			t.Fatalf("record %d: purged %v, time %v", i, r.Purged, r.Time)
		}
	}
	if rep, err := Verify(dir, &VerifyOptions{VerifierKey: k.vkey}); err != nil || !rep.OK() || rep.Repurged != 1 || rep.Sealed != 8 {
		t.Fatalf("key-less verify: %v %v (repurged %d, sealed %d)", err, rep.Err(), rep.Repurged, rep.Sealed)
	}
	noFileHolds(t, dir, k, "ghp_", "LEAK1")

	if _, err := Purge(dir, k.identity, &PurgeOptions{Match: regexp.MustCompile(`^gamma$`)}); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(datas(readAll(t, dir, k)), ","); got != "alpha,[purged],[purged],delta,epsilon,zeta,eta,theta" {
		t.Fatalf("after a second purge in the block: %q", got)
	}
	noFileHolds(t, dir, k, "LEAK1", "gamma")
}

// noFileHolds fails if any file in dir, decrypted if it is ciphertext,
// holds one of the parts.
func noFileHolds(t *testing.T, dir string, k *testKeys, parts ...string) {
	t.Helper()
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		name := filepath.Join(dir, e.Name())
		b := mustRead(t, name)
		if strings.HasSuffix(name, ".age") {
			b = decryptAll(t, name, k.identity)
		}
		for _, p := range parts {
			if bytes.Contains(b, []byte(p)) {
				t.Errorf("%s holds %q", e.Name(), p)
			}
		}
	}
}

// Attacks on blocks of several records, by someone with the public
// recipient and write access: each is reported by verify with the identity.
func TestTamperBlocks(t *testing.T) {
	k := newTestKeys(t)
	base := blockStore(t, k)
	cases := []struct {
		name  string
		edit  func(f []*frame) []*frame
		where string
	}{
		{"alter a record in a sealed block", func(f []*frame) []*frame {
			b := f[1].body()
			b[len(b)-1] ^= 1
			return f
		}, "seg-00000001.age: block 1 (leaf 1): does not match its commitment"},
		{"alter a kept record of a purged block", func(f []*frame) []*frame {
			b := f[0].body()
			b[len(b)-1] ^= 1
			return f
		}, "block 0 (leaf 0): purged block not made by these identities"},
		{"drop a record from a block", func(f []*frame) []*frame {
			raw := bytes.Clone(f[1].raw[:saltSize])
			n := 0
			eachRecord(f[1].body(), func(r *blockRecord) error {
				if n == 0 {
					raw = appendRecord(raw, 0, r.t, r.data, false)
				}
				n++
				return nil
			})
			f[1].raw = raw
			return f
		}, "seg-00000001.age: block 1 (leaf 1): does not match its commitment"},
		{"purge a record without the identity", func(f []*frame) []*frame {
			f[1] = &frame{purged: true, raw: append(make([]byte, tagSize), f[1].body()...)}
			return f
		}, "block 1 (leaf 1): purged block not made by these identities"},
		{"swap two blocks", func(f []*frame) []*frame {
			return []*frame{f[1], f[0]}
		}, "seg-00000001.age: block 0"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := copyDir(t, base)
			rewriteSegment(t, dir, 1, k, tc.edit)
			rep, err := verifyFull(dir, k)
			got := detected(t, tc.name, rep, err)
			if !strings.Contains(got, tc.where) {
				t.Errorf("report does not say %q:\n%s", tc.where, got)
			}
		})
	}
	// An index line's record count changed: the leaf binds it, so the
	// key-less verify sees it.
	dir := copyDir(t, base)
	rewriteIndex(t, dir, 1, func(c []string) []string {
		c[1] = strings.Replace(c[1], " 2\n", " 3\n", 1)
		return c
	})
	rep, err := Verify(dir, &VerifyOptions{VerifierKey: k.vkey})
	if got := detected(t, "record count", rep, err); !strings.Contains(got, "root hash of") {
		t.Errorf("report: %s", got)
	}
}

// Every byte of a store of multi-record blocks, one of them purged, is
// tamper-evident: the key-less verify catches each flip, and a flipped
// ciphertext byte fails age's authentication.
func TestTamperEveryByteBlocks(t *testing.T) {
	t.Parallel() // its own temporary store; no package state
	k := newTestKeys(t)
	dir := blockStore(t, k)
	ents, _ := os.ReadDir(dir)
	files := 0
	for _, e := range ents {
		name := e.Name()
		if name == lockName {
			continue
		}
		files++
		path := filepath.Join(dir, name)
		orig, _ := os.ReadFile(path)
		for i := range orig {
			if testing.Short() && i%shortStride != files%shortStride && i >= shortEdge && i < len(orig)-shortEdge {
				continue
			}
			b := bytes.Clone(orig)
			b[i] ^= 0x01
			os.WriteFile(path, b, 0o600)
			rep, err := Verify(dir, &VerifyOptions{VerifierKey: k.vkey})
			if err == nil && rep.OK() {
				t.Errorf("%s byte %d ^ 0x01: key-less verify passed", name, i)
			}
			if strings.HasSuffix(name, ".age") {
				dec, err := age.Decrypt(bytes.NewReader(b), k.identity)
				if err == nil {
					_, err = io.Copy(io.Discard, dec)
				}
				if err == nil {
					t.Errorf("%s byte %d ^ 0x01: the ciphertext still decrypts", name, i)
				}
			}
		}
		os.WriteFile(path, orig, 0o600)
	}
	if files != 9 {
		t.Fatalf("tampered with %d files, want manifest, manifests, checkpoints, purges, tree and 2×2 segment files", files)
	}
}

// Appends from several goroutines at once, with the writer's own block
// closing (64 KiB or 20 ms) and its ticker clock, all read back, each
// goroutine's in its order, with times that never go back within it.
func TestConcurrentAppendsInBlocks(t *testing.T) {
	k := newTestKeys(t)
	dir := t.TempDir()
	w, err := Open(dir, k.options())
	if err != nil {
		t.Fatal(err)
	}
	const writers, each = 4, 3000
	done := make(chan error, writers)
	for g := range writers {
		go func() {
			for i := range each {
				if err := w.Append([]byte(fmt.Sprintf("g%d %05d %s", g, i, strings.Repeat("z", i%200)))); err != nil {
					done <- err
					return
				}
			}
			done <- nil
		}()
	}
	for range writers {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	next := make([]int, writers)
	last := make([]time.Time, writers)
	recs := readAll(t, dir, k)
	for _, r := range recs {
		var g, i int
		if _, err := fmt.Sscanf(string(r.Data), "g%d %05d", &g, &i); err != nil || g >= writers || i != next[g] || r.Time.Before(last[g]) {
			t.Fatalf("record %d %.12q: goroutine %d wanted %d, time %v after %v", r.Index, r.Data, g, next[g], r.Time, last[g])
		}
		next[g]++
		last[g] = r.Time
	}
	if len(recs) != writers*each {
		t.Fatalf("%d records, want %d", len(recs), writers*each)
	}
}

// A stalledWriter holds every Write until release is closed: age's output
// stuck behind a disk that does not answer.
type stalledWriter struct {
	io.WriteCloser
	release chan struct{}
}

func (s *stalledWriter) Write(p []byte) (int, error) {
	<-s.release
	return s.WriteCloser.Write(p)
}

// Closed blocks wait for the sealing goroutine in a bounded queue: while it
// is stuck, Append stops returning once sealQueue blocks are queued behind
// the one being sealed, instead of piling them up in memory, and once it
// goes on every record is sealed, in order.
func TestSealingQueueIsBounded(t *testing.T) {
	k := newTestKeys(t)
	dir := t.TempDir()
	w := openBlocksT(t, dir, k.options(), 2) // blocks of two records
	appendT(t, w, "first")
	if _, err := w.Checkpoint(); err != nil {
		t.Fatal(err)
	}
	appendT(t, w, "opens segment 2") // no block closed yet: age untouched
	stall := &stalledWriter{release: make(chan struct{})}
	w.mu.Lock()
	stall.WriteCloser, w.seg.enc = w.seg.enc, stall
	w.mu.Unlock()

	// Record 0 closes the first block (stuck in age), records 1-8 the
	// sealQueue queued ones, record 9 opens the next, and record 10, which
	// closes it, must wait.
	const bound = 2 * (sealQueue + 1)
	const n = 3 * bound
	var returned atomic.Int64
	done := make(chan error, 1)
	go func() {
		for i := range n {
			if err := w.Append([]byte(fmt.Sprintf("record %02d", i))); err != nil {
				done <- err
				return
			}
			returned.Add(1)
		}
		done <- nil
	}()
	// Give the appending goroutine every chance to run past the bound.
	for range 50 {
		runtime.Gosched()
		time.Sleep(2 * time.Millisecond)
	}
	if got := returned.Load(); got > bound {
		t.Fatalf("%d appends returned while sealing was stuck, want at most %d: the queue holds %d blocks of 2 and one is being sealed", got, bound, sealQueue)
	}
	close(stall.release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	got := datas(readAll(t, dir, k))
	want := []string{"first", "opens segment 2"}
	for i := range n {
		want = append(want, fmt.Sprintf("record %02d", i))
	}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("records:\n%q\nwant\n%q", got, want)
	}
}
