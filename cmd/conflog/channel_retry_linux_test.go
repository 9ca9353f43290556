package main

import (
	"strconv"
	"strings"
	"testing"
)

// TestChannelRetriedAfterStall (SPEC.md, client step 7): the gate is
// stopped at the job's first record, past the greeting deadline, then
// resumes (gojob stall, which reads /proc to know the gate stopped). That record falls back (held under --strict), and so do the next
// ones for the backoff, but the client tries the channel again: the later
// records get out, each once. The client used to give up for good, and
// --strict held every later record.
func TestChannelRetriedAfterStall(t *testing.T) {
	t.Parallel()
	stdout, stderr, code := gateRun(t, "run", "--strict", "--prefix", "SystemLog:", "--", "gojob", "stall")
	if code != 0 {
		t.Fatalf("exit %d:\n%s", code, stderr)
	}
	seen := map[string]bool{}
	for _, line := range strings.Split(strings.TrimSuffix(stderr, "\n"), "\n") {
		if strings.HasPrefix(line, "SystemLog: conflog run:") {
			continue
		}
		if !strings.HasPrefix(line, "SystemLog:level=INFO msg=stalled n=") || seen[line] {
			t.Errorf("unexpected or repeated line %q", line)
		}
		seen[line] = true
	}
	if seen["SystemLog:level=INFO msg=stalled n=0"] || !seen["SystemLog:level=INFO msg=stalled n=60"] {
		t.Errorf("want the stalled record held and the last one passed:\n%s", stderr)
	}
	if m := summaryRE.FindStringSubmatch(stderr); stdout != "" || m == nil || m[7] == "0" || m[2] != strconv.Itoa(len(seen)) {
		t.Errorf("stdout %q; summary: want held>0 and passed=%d:\n%s", stdout, len(seen), stderr)
	}
}
