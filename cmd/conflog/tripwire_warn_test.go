//go:build unix

package main

import (
	"regexp"
	"strings"
	"testing"
)

// TestDetectWarnNoticeIsPublic pins a decision (issue 9): --detect warn's
// warning is a public line, like block's notice and run's other messages. It
// carries gate facts only (the stream, the detector, the column), never the
// value; the line itself passes, as warn asks.
func TestDetectWarnNoticeIsPublic(t *testing.T) {
	t.Parallel()
	stdout, stderr, code := gateRun(t, "run", "--detect", "warn", "--prefix", "SystemLog:", "--",
		"sh", "-c", `echo "SystemLog: login ok user=jane.doe@example.com"`)
	if code != 0 {
		t.Fatalf("exit %d:\n%s", code, stderr)
	}
	if stdout != "SystemLog: login ok user=jane.doe@example.com\n" {
		t.Errorf("stdout %q: warn must pass the line", stdout)
	}
	warn := regexp.MustCompile(`(?m)^SystemLog: conflog: warning: run: a public line on stdout holds a possible email at column 26; passed \(--detect warn\)$`)
	if !warn.MatchString(stderr) {
		t.Errorf("stderr lacks the public warning:\n%s", stderr)
	}
	if strings.Contains(stderr, "jane") {
		t.Errorf("the warning echoes the value:\n%s", stderr)
	}
}
