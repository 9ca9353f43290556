package gate

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The job's process group id is the job's pid: once the job is reaped and
// its group has emptied, the kernel may give that number to another
// process, whose own group then has it. The gate used to signal the group
// by its number all the same, forwarded signals and the stop at the end of
// the grace period alike, and so killed that unrelated process. Here, in a
// PID namespace of the test's own, its PID 1 (a shell, not the gate) makes
// that process deterministically (ns_last_pid) once the job is reaped, while
// a leftover of the job keeps the gate in its grace period; then it sends
// the gate SIGTERM, which ends the period and stops the leftover.
func TestGroupIDTakenByAnotherIsNotSignalled(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	script := `dir=$1 self=$2
"$self" sh -c 'setsid sleep 600 </dev/null >/dev/null 2>&1 & echo $$ > '"$dir"'/job.tmp; mv '"$dir"'/job.tmp '"$dir"'/job; echo "SystemLog: job done"' >"$dir"/gate.out 2>&1 &
gate=$!
while [ ! -s "$dir"/job ]; do sleep 0.01; done
job=$(cat "$dir"/job)
while [ -e /proc/$job ]; do sleep 0.01; done
tries=0
while :; do
	echo $((job - 1)) > /proc/sys/kernel/ns_last_pid
	setsid sleep 600 </dev/null >/dev/null 2>&1 &
	other=$!
	[ "$other" = "$job" ] && break
	# A thread the gate's runtime started took the pid first.
	kill -KILL $other
	tries=$((tries + 1))
	if [ -e /proc/$job ] || [ $tries -gt 100 ]; then
		echo "setup: pid $job taken"
		kill -TERM $gate
		wait $gate
		exit 0
	fi
done
while [ "$(cut -d' ' -f5 /proc/$other/stat)" != "$other" ]; do sleep 0.01; done
kill -TERM $gate
wait $gate
if kill -0 $other 2>/dev/null; then echo "other alive"; kill -KILL $other; else echo "other killed"; fi
`
	hc, err := json.Marshal(helperConfig{Grace: time.Hour, Reap: true})
	if err != nil {
		t.Fatal(err)
	}
	args := append(unsharePID(t), "sh", "-c", script, "sh", dir, self)
	// The gate's runtime starts threads, which take pids too: should one
	// take the job's pid before the other process, the setup is run anew.
	var out bytes.Buffer
	for try := 0; ; try++ {
		cmd := exec.Command(args[0], args[1:]...)
		cmd.Env = append(os.Environ(), helperEnv+"="+string(hc))
		out.Reset()
		cmd.Stdout, cmd.Stderr = &out, &out
		startHelper(t, cmd)
		if err := cmd.Wait(); err != nil {
			t.Fatalf("%v:\n%s", err, out.String())
		}
		if !strings.HasPrefix(out.String(), "setup:") {
			break
		}
		if try == 20 {
			t.Fatalf("20 tries, and a thread took the job's pid each time: %s", out.String())
		}
		os.Remove(filepath.Join(dir, "job"))
	}
	gateOut, _ := os.ReadFile(filepath.Join(dir, "gate.out"))
	if out.String() != "other alive\n" {
		t.Errorf("the process that took the job's group id: %q, want it alive; gate:\n%s", out.String(), gateOut)
	}
	_, _, _, _, _, _, stopped := summary(t, string(gateOut))
	if stopped != 1 || !strings.Contains(string(gateOut), "SystemLog: job done") {
		t.Errorf("stopped=%d, want 1 (the job's leftover only):\n%s", stopped, gateOut)
	}
}
