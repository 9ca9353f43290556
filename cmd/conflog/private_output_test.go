//go:build unix

package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// The private file must not be run's own output: a job's prefixed line that
// --strict held went to the private sink raw, and so into the public log
// with the prefix at byte 0 (conflog run --strict --private file:job.log …
// >> job.log 2>&1, job.log chmod 600 as the hint for the private file says).
// Refused as a usage error before the job runs. (Red team: the line came out.)
func TestPrivateFileIsNotTheOutput(t *testing.T) {
	t.Parallel()
	for _, stream := range []string{"stdout", "stderr"} {
		t.Run(stream, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			log := filepath.Join(dir, "job.log")
			marker := filepath.Join(dir, "ran")
			out, err := os.OpenFile(log, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
			if err != nil {
				t.Fatal(err)
			}
			defer out.Close()
			cmd := exec.Command("conflog", "run", "--prefix", "SystemLog:", "--strict", "--private", "file:"+log, "--",
				"sh", "-c", `echo "SystemLog: jane@example.com printed"; touch "$0"`, marker)
			other, _ := os.Open(os.DevNull)
			defer other.Close()
			cmd.Stdout, cmd.Stderr = other, out
			if stream == "stdout" {
				cmd.Stdout, cmd.Stderr = out, other
			}
			startConflog(t, cmd)
			err = cmd.Wait()
			b, _ := os.ReadFile(log)
			if strings.Contains(string(b), "jane@example.com") {
				t.Errorf("the held line reached the output:\n%s", b)
			}
			if code := cmd.ProcessState.ExitCode(); code != exitUsage {
				t.Errorf("exit %d (%v), want %d:\n%s", code, err, exitUsage, b)
			}
			if _, err := os.Stat(marker); err == nil {
				t.Errorf("the job ran")
			}
			if stream == "stderr" && !strings.Contains(string(b), "is conflog's own "+stream) {
				t.Errorf("no error naming the stream:\n%s", b)
			}
		})
	}
}
