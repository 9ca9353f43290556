//go:build unix

package main

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestRunStoreKill9: conflog run writing a sealed store is killed with
// SIGKILL mid-job. The store verifies against the witness lines it had
// printed, says what was left unsealed, and a second run continues it.
func TestRunStoreKill9(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("kills a sealing gate and verifies and continues its store: seconds; go test without -short runs it")
	}
	keys, dir, storeArgs := storeRun(t)
	tmp := t.TempDir()
	job := writeScript(t, "forever.py", `
import itertools
for i in itertools.count():
    print("customer row %d: alice@example.com" % i, flush=True)
`)
	cmd := exec.Command("conflog", append(storeArgs, "--checkpoint-every", "30ms", "--", "python3", job)...)
	stderr, _ := cmd.StderrPipe()
	startConflog(t, cmd)
	var public strings.Builder
	sc := bufio.NewScanner(stderr)
	for seen := 0; seen < 3 && sc.Scan(); {
		public.WriteString(sc.Text() + "\n")
		if strings.HasPrefix(sc.Text(), "SystemLog: conflog checkpoint ") {
			seen++
		}
	}
	pgid, _ := jobPgid(cmd.Process.Pid)
	cmd.Process.Signal(syscall.SIGKILL)
	if pgid > 0 {
		syscall.Kill(-pgid, syscall.SIGKILL)
	}
	for sc.Scan() { // whatever it printed before it died is public too
		public.WriteString(sc.Text() + "\n")
	}
	cmd.Wait()
	if strings.Contains(public.String(), "alice") {
		t.Fatal("a private line reached the public stream")
	}
	log1 := filepath.Join(tmp, "public1.log")
	os.WriteFile(log1, []byte(public.String()), 0o600)

	stdout, errOut, code := gateRun(t, "verify", "--key", filepath.Join(keys, "verifier"), "--against", log1, dir)
	if code != 0 || !strings.Contains(stdout, "verified") || !strings.Contains(stdout, "witnessed: ") {
		t.Fatalf("verify after kill -9: exit %d\n%s%s", code, stdout, errOut)
	}
	t.Logf("after kill -9:\n%s%s", stdout, errOut)

	// The next run takes the lock the dead one held, and continues the tree.
	_, errOut2, code := gateRun(t, append(storeArgs, "--", "python3", "-c", `print("after the crash")`)...)
	if code != 0 {
		t.Fatalf("second run: exit %d\n%s", code, errOut2)
	}
	log2 := filepath.Join(tmp, "public2.log")
	os.WriteFile(log2, []byte(public.String()+errOut2), 0o600)
	stdout, errOut, code = gateRun(t, "verify", "--key", filepath.Join(keys, "verifier"),
		"-i", filepath.Join(keys, "identity"), "--against", log2, dir)
	if code != 0 {
		t.Fatalf("verify after the second run: exit %d\n%s%s", code, stdout, errOut)
	}
	out, _, _ := gateRun(t, "cat", "-i", filepath.Join(keys, "identity"), dir)
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if lines[len(lines)-1] != "after the crash" || !strings.HasPrefix(lines[0], "customer row 0: ") {
		t.Fatalf("records after the restart: first %q, last %q", lines[0], lines[len(lines)-1])
	}
	for i, l := range lines[:len(lines)-1] { // the sealed prefix, without gaps
		if !strings.HasPrefix(l, "customer row "+strconv.Itoa(i)+":") {
			t.Fatalf("record %d is %q", i, l)
		}
	}
}

// A run that opens a store a killed writer left says how many records it
// recovered and sealed, the number verify reports, and where to count what
// was lost.
func TestRunStoreSaysWhatItRecovered(t *testing.T) {
	t.Parallel()
	keys, dir, storeArgs := storeRun(t)
	job := writeScript(t, "then_wait.py", `
import sys, time
for i in range(10000):
    print("customer row %d: alice@example.com" % i)
sys.stdout.flush()
time.sleep(3600)  # quiet after its burst: the writer hands it on by itself
`)
	cmd := exec.Command("conflog", append(storeArgs, "--checkpoint-every", "1h", "--", "python3", job)...)
	startConflog(t, cmd)
	// Wait for the writer to index the lines' blocks, then kill it before
	// any checkpoint seals them. A block's line follows the 64 KiB chunk
	// that completes it, and age writes the chunk being filled only when it
	// is full or sealed: all but the lines of the last chunk and the block
	// ending in it (about 3,700 of these lines) must reach the files,
	// though the job prints nothing more.
	const lines, atLeast = 10000, 10000 - 2*64<<10/len("customer row 9999: alice@example.com")
	idx := filepath.Join(dir, "seg-00000001.idx")
	for indexed := 0; indexed < atLeast; time.Sleep(10 * time.Millisecond) {
		b, _ := os.ReadFile(idx)
		indexed = 0
		for _, l := range strings.Split(string(b), "\n") {
			if h, n, ok := strings.Cut(l, " "); ok && len(h) == 64 {
				k, _ := strconv.Atoi(n)
				indexed += k
			}
		}
	}
	pgid, _ := jobPgid(cmd.Process.Pid)
	cmd.Process.Signal(syscall.SIGKILL)
	if pgid > 0 {
		syscall.Kill(-pgid, syscall.SIGKILL)
	}
	cmd.Wait()

	_, errOut, code := gateRun(t, append(storeArgs, "--", "true")...)
	if code != 0 {
		t.Fatalf("second run: exit %d\n%s", code, errOut)
	}
	stdout, vErr, code := gateRun(t, "verify", "--key", filepath.Join(keys, "verifier"), dir)
	m := regexp.MustCompile(`recovered: ([0-9]+) records? from`).FindStringSubmatch(stdout)
	if code != 0 || m == nil {
		t.Fatalf("verify: exit %d, no recovered records\n%s%s", code, stdout, vErr)
	}
	if want := "SystemLog: conflog: warning: run: store " + dir + ": recovered " + m[1] + " record"; !strings.Contains(errOut, want) {
		t.Fatalf("the second run does not say %q:\n%s", want, errOut)
	}
	out, catErr, code := gateRun(t, "cat", "-i", filepath.Join(keys, "identity"), dir)
	got := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if code != 0 || len(got) < atLeast || len(got) > lines || strconv.Itoa(len(got)) != m[1] {
		t.Fatalf("cat: exit %d, %d lines, %s recovered, want at least %d of %d\n%s", code, len(got), m[1], atLeast, lines, catErr)
	}
	for i, l := range got {
		if want := fmt.Sprintf("customer row %d: alice@example.com", i); l != want {
			t.Fatalf("line %d is %q, want %q", i, l, want)
		}
	}
}

// storeRun makes keys and names a store in a temporary directory, and
// returns them with the arguments of a conflog run writing to that store.
func storeRun(t *testing.T) (keys, dir string, args []string) {
	t.Helper()
	tmp := t.TempDir()
	keys, dir = filepath.Join(tmp, "keys"), filepath.Join(tmp, "private")
	if _, stderr, code := gateRun(t, "keygen", keys); code != 0 {
		t.Fatalf("keygen: %s", stderr)
	}
	args = []string{"run", "--prefix", "SystemLog:", "--private", "store:" + dir,
		"--recipient", filepath.Join(keys, "recipient"), "--signer", filepath.Join(keys, "signer")}
	return keys, dir, args
}
