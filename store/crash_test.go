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
	"syscall"
	"testing"
	"time"

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

// crashWriter appends numbered records until it is killed, printing each
// checkpoint's size as soon as it is on disk.
func crashWriter(dir string) int {
	r, err := age.ParseX25519Recipient(os.Getenv("STORE_TEST_RECIPIENT"))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	out := bufio.NewWriter(os.Stdout)
	w, err := Open(dir, &Options{
		Recipients:      []age.Recipient{r},
		SigningKey:      os.Getenv("STORE_TEST_SKEY"),
		MaxSegmentBytes: 1 << 20,
		OnCheckpoint: func(c *Checkpoint) {
			fmt.Fprintf(out, "checkpoint %d\n", c.Size)
			out.Flush()
		},
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	round := os.Getenv("STORE_TEST_ROUND")
	for i := 0; ; i++ {
		if err := w.Append(fmt.Appendf(nil, "round %s record %d %s", round, i, strings.Repeat("x", 100))); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
	}
}

// waitForIndex polls until the newest segment index is open (not sealed) and
// holds more than n bytes of commitments.
func waitForIndex(t *testing.T, dir string, n int64) {
	for {
		nums, err := segmentNumbers(dir)
		if err != nil {
			t.Fatal(err)
		}
		if len(nums) > 0 {
			data, _ := os.ReadFile(filepath.Join(dir, segmentName(nums[len(nums)-1], "idx")))
			if x, err := parseIndex(data); err == nil && x.state == indexOpen && int64(len(x.commitments))*65 > n {
				return
			}
		}
		time.Sleep(200 * time.Microsecond)
	}
}

// Crash: a writer killed with SIGKILL at a random moment, several times over,
// leaves a store that verifies up to its last checkpoint and reports what is
// unsealed; each restarted writer continues the same tree.
func TestCrashKill9(t *testing.T) {
	k := newTestKeys(t)
	dir := t.TempDir()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	const rounds = 5
	sealed := make([]int64, rounds) // last checkpoint each round printed
	unsealed := int64(0)
	for round := range rounds {
		cmd := exec.Command(exe, "-test.run=^$")
		cmd.Env = append(os.Environ(),
			"STORE_TEST_WRITER_DIR="+dir,
			"STORE_TEST_RECIPIENT="+k.identity.Recipient().String(),
			"STORE_TEST_SKEY="+k.skey,
			"STORE_TEST_ROUND="+strconv.Itoa(round))
		cmd.Stderr = os.Stderr
		stdout, _ := cmd.StdoutPipe()
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(stdout)
		for seen := 0; seen < 1 && sc.Scan(); seen++ {
			sealed[round], _ = strconv.ParseInt(strings.TrimPrefix(sc.Text(), "checkpoint "), 10, 64)
		}
		if sealed[round] == 0 {
			cmd.Process.Kill()
			cmd.Wait()
			t.Fatalf("round %d: the writer printed no checkpoint", round)
		}
		// Kill it in the middle of its next segment (about 7000 records):
		// once its index has reached disk past a random point, so the kill
		// lands among unsealed records however loaded the machine is.
		waitForIndex(t, dir, int64(4096*(1+rand.IntN(3))))
		cmd.Process.Signal(syscall.SIGKILL)
		for sc.Scan() { // checkpoints it managed to print before dying
			sealed[round], _ = strconv.ParseInt(strings.TrimPrefix(sc.Text(), "checkpoint "), 10, 64)
		}
		cmd.Wait()

		rep, err := Verify(dir, &VerifyOptions{VerifierKey: k.vkey})
		if err != nil || !rep.OK() {
			t.Fatalf("round %d: store after kill -9 does not verify: %v %v", round, err, rep.Err())
		}
		if rep.Latest.Size < sealed[round] {
			t.Fatalf("round %d: latest checkpoint %d, but the writer reported %d sealed", round, rep.Latest.Size, sealed[round])
		}
		unsealed += rep.Unsealed
		t.Logf("round %d: sealed %d, unsealed %d; %s", round, rep.Latest.Size, rep.Unsealed, strings.Join(rep.Notes, "; "))
	}
	if unsealed == 0 {
		t.Fatal("no round left unsealed records: the kills all missed the middle of a segment")
	}
	// A last, clean writer: it recovers and the records are the sealed
	// prefix of every round, in order, without gaps.
	w := openT(t, dir, k.options())
	appendT(t, w, "after the crashes")
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	recs := readAll(t, dir, k)
	round, next := 0, 0
	for _, r := range recs[:len(recs)-1] {
		want := fmt.Sprintf("round %d record %d ", round, next)
		if !strings.HasPrefix(string(r.Data), want) {
			round, next = round+1, 0
			want = fmt.Sprintf("round %d record %d ", round, next)
		}
		if !strings.HasPrefix(string(r.Data), want) {
			t.Fatalf("record %d is %.30q, want %q…", r.Index, r.Data, want)
		}
		next++
	}
	if round != rounds-1 || string(recs[len(recs)-1].Data) != "after the crashes" {
		t.Fatalf("records end in round %d with %q", round, recs[len(recs)-1].Data)
	}
}
