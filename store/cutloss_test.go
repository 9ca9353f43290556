//go:build unix

package store

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"filippo.io/age"
)

// A crashed writer's segment whose ciphertext was cut short (a power cut
// under SyncNone: the index lines reached the disk, some of the ciphertext
// they follow did not) is recovered, and Verify says exactly how many of the
// records its index lists are gone: every record whose frame ends in the
// whole chunks left is read back, the rest are counted, none is guessed.
func TestCutCiphertextLossIsExact(t *testing.T) {
	k := newTestKeys(t)
	live, dir := t.TempDir(), t.TempDir()
	w := openT(t, live, k.options())
	const dataLen = 1000
	line := func(i int) string { return fmt.Sprintf("%04d%s", i, strings.Repeat("x", dataLen-4)) }
	// The sink hands over whole chunks that waited 20 ms when the next one
	// completes, then writes their records' index lines: append, pausing,
	// until the index lists more than three chunks' worth.
	// One record per block (openT): 'B', a 2-byte length, the salt, then
	// the record: a 9-byte time (a full Unix nanosecond time, zig-zag), a
	// 2-byte length, the line.
	frame := int64(1 + 2 + saltSize + 9 + 2 + dataLen)
	idxName := filepath.Join(live, "seg-00000001.idx")
	for i, deadline := 0, time.Now().Add(30*time.Second); ; i++ {
		appendT(t, w, line(i))
		if i%50 < 49 {
			continue
		}
		idx, err := os.ReadFile(idxName)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Count(string(idx), "\n") > 4+3*64<<10/int(frame) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the index lists too few records")
		}
		time.Sleep(25 * time.Millisecond)
	}
	// A snapshot of the store as a crash would leave it: the index before
	// the ciphertext, so that every record it lists is in the copy.
	for _, name := range []string{manifestName, manifestsName, checkpointsName, treeName, "seg-00000001.idx", "seg-00000001.age"} {
		b, err := os.ReadFile(filepath.Join(live, name))
		if err != nil && name != treeName {
			t.Fatal(err)
		}
		if err == nil {
			if err := os.WriteFile(filepath.Join(dir, name), b, 0o600); err != nil {
				t.Fatal(err)
			}
		}
	}
	idx, err := os.ReadFile(filepath.Join(dir, "seg-00000001.idx"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(idx), "\n")
	id := strings.TrimPrefix(lines[1], "store ")
	hdr := int64(len(segmentHeader(id, 1, 0)))
	listed := len(lines) - 5 // four header lines, and what follows the last newline (a torn line, if any)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	// Cut the ciphertext 100 bytes into its third chunk: the age header,
	// the 16-byte nonce, two whole chunks of 64 KiB and their tags.
	ageName := filepath.Join(dir, "seg-00000001.age")
	ct, err := os.ReadFile(ageName)
	if err != nil {
		t.Fatal(err)
	}
	mac := bytes.Index(ct, []byte("\n--- "))
	hdrEnd := mac + 1 + bytes.IndexByte(ct[mac+1:], '\n') + 1
	cut := hdrEnd + 16 + 2*(64<<10+16) + 100
	if err := os.Truncate(ageName, int64(cut)); err != nil {
		t.Fatal(err)
	}
	kept := int((2*64<<10 - hdr) / frame)

	w = openT(t, dir, k.options())
	if got := w.Recovered(); got != int64(listed) {
		t.Fatalf("Open recovered %d records, the index lists %d", got, listed)
	}
	appendT(t, w, "after the crash")
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	var got []string
	rep, err := Verify(dir, &VerifyOptions{VerifierKey: k.vkey, Identities: []age.Identity{k.identity},
		OnRecord: func(r Record) error { got = append(got, string(r.Data)); return nil }})
	if err != nil || !rep.OK() {
		t.Fatalf("verify: %v %v", err, rep.Err())
	}
	if rep.Unrecoverable != int64(listed-kept) {
		t.Fatalf("Unrecoverable = %d, want %d (listed %d, in whole chunks %d)", rep.Unrecoverable, listed-kept, listed, kept)
	}
	note := fmt.Sprintf("ends at record %d: %d records the index lists were lost", kept, listed-kept)
	if !strings.Contains(strings.Join(rep.Notes, "\n"), note) {
		t.Fatalf("notes %q lack %q", rep.Notes, note)
	}
	if len(got) != kept+1 || got[kept] != "after the crash" {
		t.Fatalf("read %d records, want the %d whole ones and the one after", len(got), kept)
	}
	for i := range kept {
		if got[i] != line(i) {
			t.Fatalf("record %d is %.10q", i, got[i])
		}
	}
	if rep.Records != int64(kept+1) {
		t.Fatalf("Records = %d, want %d", rep.Records, kept+1)
	}
}
