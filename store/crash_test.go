//go:build unix

package store

import (
	"bufio"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
	"unsafe"

	"filippo.io/age"
)

// TestMain lets the crash test re-execute this test binary as a real writer
// process that it can kill -9.
func TestMain(m *testing.M) {
	if dir := os.Getenv("STORE_TEST_WRITER_DIR"); dir != "" {
		os.Exit(crashWriter(dir))
	}
	os.Exit(m.Run())
}

// crashLine is record i of round r, as the crash test's writer appends it:
// lengths vary, so kills land at every offset of a chunk.
func crashLine(r, i int) string {
	return fmt.Sprintf("round %d record %d %s", r, i, strings.Repeat("x", (i*7919)%300))
}

// crashWriter appends crashLine records until it is killed. After each
// Append returns it stores the count in the progress file (mapped shared,
// so the count survives the kill in the page cache), and after each
// checkpoint the count that checkpoint covers.
func crashWriter(dir string) int {
	r, err := age.ParseX25519Recipient(os.Getenv("STORE_TEST_RECIPIENT"))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	f, err := os.OpenFile(os.Getenv("STORE_TEST_PROGRESS"), os.O_RDWR|os.O_CREATE, 0o600)
	if err == nil {
		err = f.Truncate(16)
	}
	var m []byte
	if err == nil {
		m, err = syscall.Mmap(int(f.Fd()), 0, 16, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_SHARED)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	appended := (*atomic.Int64)(unsafe.Pointer(&m[0]))
	checkpointed := (*atomic.Int64)(unsafe.Pointer(&m[8]))
	base := int64(-1)
	policy, _ := strconv.Atoi(os.Getenv("STORE_TEST_SYNC"))
	w, err := Open(dir, &Options{
		Recipients:      []age.Recipient{r},
		SigningKey:      os.Getenv("STORE_TEST_SKEY"),
		MaxSegmentBytes: 2 << 20,
		CheckpointEvery: 100 * time.Millisecond,
		Sync:            SyncPolicy(policy),
		OnCheckpoint: func(c *Checkpoint) {
			if base >= 0 {
				checkpointed.Store(c.Size - base)
			}
		},
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	base = w.Latest().Size
	fmt.Println("ready")
	round, _ := strconv.Atoi(os.Getenv("STORE_TEST_ROUND"))
	for i := 0; ; i++ {
		if err := w.Append([]byte(crashLine(round, i))); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		appended.Store(int64(i + 1))
	}
}

// Crash: a writer killed with SIGKILL at random moments, many times over,
// loses at most what it appended since its last checkpoint, and in fact
// only what had not reached its files: the next Open recovers every record
// the crashed writer's index lists, and cat returns, line by line, exactly
// what each writer appended up to a point no earlier than its last
// checkpoint.
func TestCrashKill9(t *testing.T) {
	t.Parallel() // its own temporary store; no package state
	k := newTestKeys(t)
	dir := t.TempDir()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	rounds := 40
	if testing.Short() {
		rounds = 3 // each sync policy (round%3) once
	}
	type result struct{ appended, checkpointed int64 }
	results := make([]result, rounds)
	progress := filepath.Join(t.TempDir(), "progress")
	for round := range rounds {
		os.Remove(progress)
		cmd := exec.Command(exe, "-test.run=^$")
		cmd.Env = append(os.Environ(),
			"STORE_TEST_WRITER_DIR="+dir,
			"STORE_TEST_RECIPIENT="+k.identity.Recipient().String(),
			"STORE_TEST_SKEY="+k.skey,
			"STORE_TEST_PROGRESS="+progress,
			"STORE_TEST_SYNC="+strconv.Itoa(round%3), // every policy
			"STORE_TEST_ROUND="+strconv.Itoa(round))
		cmd.Stderr = os.Stderr
		stdout, _ := cmd.StdoutPipe()
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		if sc := bufio.NewScanner(stdout); !sc.Scan() || sc.Text() != "ready" {
			cmd.Process.Kill()
			cmd.Wait()
			t.Fatalf("round %d: the writer did not start", round)
		}
		// Every other round first lets the writer get well into a
		// segment (a few whole chunks), so that a loaded machine, where
		// a writer may append little in 260 ms, still kills some writers
		// with records to recover.
		if round%2 == 1 {
			waitAppended(t, progress, 1500)
		}
		// Anywhere in the first few checkpoint intervals: mid-append,
		// mid-seal, mid-rotation.
		time.Sleep(time.Duration(10+rand.IntN(250)) * time.Millisecond)
		cmd.Process.Signal(syscall.SIGKILL)
		cmd.Wait()
		b, err := os.ReadFile(progress)
		if err != nil || len(b) != 16 {
			t.Fatalf("round %d: progress file: %v", round, err)
		}
		a := *(*int64)(unsafe.Pointer(&b[0]))
		c := *(*int64)(unsafe.Pointer(&b[8]))
		results[round] = result{a, c}
	}
	// The last writer's segment is recovered by the next Open.
	w := openT(t, dir, k.options())
	appendT(t, w, "after the crashes")
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	rep, err := Verify(dir, &VerifyOptions{VerifierKey: k.vkey, Identities: []age.Identity{k.identity}})
	if err != nil || !rep.OK() || rep.Unrecoverable != 0 {
		t.Fatalf("store after %d kills: %v %v (unrecoverable %d)", rounds, err, rep.Err(), rep.Unrecoverable)
	}
	recs := readAll(t, dir, k)
	if string(recs[len(recs)-1].Data) != "after the crashes" {
		t.Fatalf("last record %q", recs[len(recs)-1].Data)
	}
	recs = recs[:len(recs)-1]
	var lost, sinceCheckpoint int64
	for round, res := range results {
		kept := int64(0)
		for len(recs) > 0 && strings.HasPrefix(string(recs[0].Data), fmt.Sprintf("round %d ", round)) {
			if got, want := string(recs[0].Data), crashLine(round, int(kept)); got != want {
				t.Fatalf("round %d record %d: got %.40q, want %.40q", round, kept, got, want)
			}
			recs, kept = recs[1:], kept+1
		}
		// The record being appended when the kill came may be kept:
		// Append had written it, the progress count not yet.
		if kept > res.appended+1 || kept < res.checkpointed {
			t.Errorf("round %d: cat returns %d records; the writer appended %d, and checkpointed %d", round, kept, res.appended, res.checkpointed)
		}
		lost += max(0, res.appended-kept)
		sinceCheckpoint += res.appended - res.checkpointed
		t.Logf("round %d (sync %v): appended %d, checkpointed %d, kept %d: lost %d", round, SyncPolicy(round%3), res.appended, res.checkpointed, kept, res.appended-kept)
	}
	if len(recs) > 0 {
		t.Fatalf("%d records left over, starting %.40q", len(recs), recs[0].Data)
	}
	t.Logf("lost %d records of the %d appended after the last checkpoints (recovered %d)", lost, sinceCheckpoint, sinceCheckpoint-lost)
	if lost >= sinceCheckpoint {
		t.Fatalf("nothing recovered: lost %d records, all %d appended after the last checkpoints", lost, sinceCheckpoint)
	}
}

// waitAppended waits until the crash writer's progress file says it has
// appended at least n records.
func waitAppended(t *testing.T, progress string, n int64) {
	t.Helper()
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		if b, err := os.ReadFile(progress); err == nil && len(b) == 16 && *(*int64)(unsafe.Pointer(&b[0])) >= n {
			return
		}
	}
	t.Fatalf("the writer did not append %d records in a minute", n)
}
