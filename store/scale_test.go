//go:build unix

package store

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"filippo.io/age"
)

// fillStore writes n short records to a new store in dir, in segments of
// about 1 MiB, and closes it.
func fillStore(t testing.TB, dir string, k *testKeys, n int) {
	t.Helper()
	o := k.options()
	o.MaxSegmentBytes = 1 << 20
	w := openT(t, dir, o)
	line := []byte("record 0000000000")
	for i := range n {
		copy(line[7:], fmt.Sprintf("%010d", i))
		if err := w.Append(line); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
}

// peakHeap runs f with the GC collecting eagerly and returns the most heap
// it saw in use, sampled every 100µs.
func peakHeap(f func()) uint64 {
	defer debug.SetGCPercent(debug.SetGCPercent(10))
	runtime.GC()
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	var peak atomic.Uint64
	done := make(chan struct{})
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		for {
			metrics.Read(sample)
			if v := sample[0].Value.Uint64(); v > peak.Load() {
				peak.Store(v)
			}
			select {
			case <-done:
				return
			case <-time.After(100 * time.Microsecond):
			}
		}
	}()
	f()
	close(done)
	<-stopped
	return peak.Load()
}

// Verify, with and without the identity, streams the tree: ten times the
// records costs no more memory. (It held every hash of the tree: about 300
// bytes a record.)
func TestVerifyMemoryDoesNotGrowWithRecords(t *testing.T) {
	k := newTestKeys(t)
	small, large := 20_000, 200_000
	peaks := map[string][2]uint64{}
	for i, n := range []int{small, large} {
		dir := filepath.Join(t.TempDir(), "s")
		fillStore(t, dir, k, n)
		for _, mode := range []string{"keyless", "identity"} {
			opts := &VerifyOptions{VerifierKey: k.vkey}
			if mode == "identity" {
				opts.Identities = []age.Identity{k.identity}
			}
			var rep *Report
			var err error
			p := peakHeap(func() { rep, err = Verify(dir, opts) })
			if err != nil || !rep.OK() || rep.Latest.Size != int64(n) {
				t.Fatalf("%s verify of %d records: %v %v", mode, n, err, rep.Err())
			}
			v := peaks[mode]
			v[i] = p
			peaks[mode] = v
		}
	}
	for mode, p := range peaks {
		t.Logf("%s: peak heap %d KiB at %d records, %d KiB at %d", mode, p[0]>>10, small, p[1]>>10, large)
		// 180,000 more records: 54 MB at 300 bytes each; allow 4 MiB of noise.
		if p[1] > p[0]+4<<20 {
			t.Errorf("%s verify: peak heap grew from %d KiB to %d KiB with 10× the records", mode, p[0]>>10, p[1]>>10)
		}
	}
}

// Opening a store for writing reads no index the tree file covers: only
// the segments after the latest seal. Verify still reads them all.
func TestOpenReadsOnlyTheLatestIndexes(t *testing.T) {
	k := newTestKeys(t)
	dir := t.TempDir()
	o := k.options()
	o.MaxSegmentBytes = 200
	w := openT(t, dir, o)
	for i := range 20 {
		appendT(t, w, fmt.Sprintf("line %d %s", i, strings.Repeat("x", 50)))
	}
	w.Close()
	// Damage an early index: a writer that read it would refuse the store.
	idx := filepath.Join(dir, segmentName(2, "idx"))
	orig, _ := os.ReadFile(idx)
	os.WriteFile(idx, []byte("not an index\n"), 0o600)
	w, err := Open(dir, o)
	if err != nil {
		t.Fatalf("Open read a sealed index: %v", err)
	}
	appendT(t, w, "after")
	w.Close()
	rep, err := Verify(dir, &VerifyOptions{VerifierKey: k.vkey})
	if err != nil || rep.OK() || !strings.Contains(rep.Err().Error(), segmentName(2, "idx")) {
		t.Fatalf("verify missed the damaged index: %v %v", err, rep.Err())
	}
	// Without a usable tree file, Open replays every index, and finds it.
	os.Remove(filepath.Join(dir, treeName))
	if _, err := Open(dir, o); err == nil || !strings.Contains(err.Error(), segmentName(2, "idx")) {
		t.Fatalf("Open without a tree file: %v", err)
	}
	os.WriteFile(idx, orig, 0o600)
	w = openT(t, dir, o)
	w.Close()
	if got := datas(readAll(t, dir, k)); len(got) != 21 || got[20] != "after" {
		t.Fatalf("records: %q", got)
	}
}

// Purge keeps a bit per record of a segment, not the records it matched,
// and lists them as it goes (PurgeOptions.Each): a store where every record
// matches costs no more memory at ten times the records, in a dry run and
// in the rewrite. (It kept every match's PurgedRecord in a map, about 490
// bytes a record: 4.4 GB at 10⁷.)
func TestPurgeMemoryDoesNotGrowWithMatches(t *testing.T) {
	k := newTestKeys(t)
	// Both sizes fill the window for matches spanning records (1 MiB of
	// lines and a span per line), a fixed cost smaller stores do not reach.
	small, large := 100_000, 1_000_000
	re := regexp.MustCompile(`^record`)
	peaks := map[string][2]uint64{}
	for i, n := range []int{small, large} {
		dir := filepath.Join(t.TempDir(), "s")
		o := k.options()
		o.MaxSegmentBytes = 1 << 20
		w := openBlocksT(t, dir, o, 1000)
		line := []byte("record 0000000000")
		for j := range n {
			copy(line[7:], fmt.Sprintf("%010d", j))
			if err := w.Append(line); err != nil {
				t.Fatal(err)
			}
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		for _, mode := range []string{"dry-run", "purge"} {
			var listed, next int64
			var res *PurgeResult
			var err error
			opts := &PurgeOptions{Match: re, DryRun: mode == "dry-run", Each: func(r PurgedRecord) {
				if r.Index != next {
					t.Errorf("%s listed record %d after %d", mode, r.Index, next-1)
				}
				next = r.Index + 1
				listed++
			}}
			p := peakHeap(func() { res, err = Purge(dir, k.identity, opts) })
			if err != nil || listed != int64(n) || res.Purged != int64(n) || len(res.Records) != 0 {
				t.Fatalf("%s of %d records: listed %d, %+v, %v", mode, n, listed, res, err)
			}
			v := peaks[mode]
			v[i] = p
			peaks[mode] = v
		}
		rep, err := Verify(dir, &VerifyOptions{VerifierKey: k.vkey, Identities: []age.Identity{k.identity}})
		if err != nil || !rep.OK() || rep.Purged != int64(n) {
			t.Fatalf("verify after purging %d records: %v %v", n, err, rep.Err())
		}
	}
	for mode, p := range peaks {
		perRecord := (float64(p[1]) - float64(p[0])) / float64(large-small)
		t.Logf("%s: peak heap %d KiB at %d records, %d KiB at %d: %.2f bytes per more matched record", mode, p[0]>>10, small, p[1]>>10, large, perRecord)
		// A bit per record, 1/8 byte; about 270 bytes before (240 MB more
		// here). Allow 8 MiB of noise.
		if p[1] > p[0]+8<<20 {
			t.Errorf("%s: peak heap grew from %d KiB to %d KiB with 10× the matches", mode, p[0]>>10, p[1]>>10)
		}
	}
}
