//go:build unix

package ship

import (
	"bytes"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestBlockedNoticeInSyslog: the notice of a blocked line goes out as a
// WARN message carrying [blocked@32473 …] after conflog's own element, its
// fields those of the notice.
func TestBlockedNoticeInSyslog(t *testing.T) {
	n := Blocked{Detector: "email", Column: 31, Stream: "public channel", Job: `tr"ain]`}
	line := n.Line("SystemLog:")
	if want := `SystemLog: level=WARN event=conflog.blocked detector=email column=31 stream=public_channel job=tr_ain_ msg="blocked a public line (value withheld)"`; string(line) != want {
		t.Fatalf("notice\n got %s\nwant %s", line, want)
	}
	r := Record{Seq: 7, Time: time.Date(2026, 12, 5, 12, 0, 0, 0, time.UTC), Line: line, Event: EventBlocked}
	got := string(appendSyslog(nil, r, header{host: "gpu-3", app: "train", queue: "abcd"}))
	msg := `<12>1 2026-12-05T12:00:00.000000Z gpu-3 train - public [conflog@32473 queue="abcd" seq="7"][blocked@32473 detector="email" column="31" stream="public_channel" job="tr_ain_"] ` + string(line)
	if want := strconv.Itoa(len(msg)) + " " + msg; got != want {
		t.Errorf("frame\n got %s\nwant %s", got, want)
	}
	// The same text as a line of the job's is no event: no element.
	r.Event = ""
	if got := string(appendSyslog(nil, r, header{host: "h", app: "a", queue: "q"})); strings.Contains(got, "[blocked@") {
		t.Errorf("a job's line that looks like a notice got the blocked element: %s", got)
	}
}

// TestQueueKeepsEvents: an event goes through the queue as an event, a
// line as a line, across a reopen; a bad event name is refused.
func TestQueueKeepsEvents(t *testing.T) {
	dir := t.TempDir()
	q := openTestQueue(t, dir, QueueOptions{})
	q.Append(time.Now(), []byte("SystemLog: a"))
	q.AppendEvent(time.Now(), EventBlocked, []byte("SystemLog: level=WARN event=conflog.blocked detector=x"))
	q.Append(time.Now(), []byte("SystemLog: b"))
	if _, err := q.AppendEvent(time.Now(), "bad event", []byte("SystemLog: c")); err == nil {
		t.Error("an event name with a space was queued")
	}
	q.Close()
	q = openTestQueue(t, dir, QueueOptions{})
	defer q.Close()
	var got []string
	for _, r := range readAll(t, q) {
		got = append(got, fmt.Sprintf("%d %q %.12s", r.Seq, r.Event, r.Line))
	}
	if want := `1 "" SystemLog: a|2 "conflog.blocked" SystemLog: l|3 "" SystemLog: b`; strings.Join(got, "|") != want {
		t.Errorf("records %s, want %s", strings.Join(got, "|"), want)
	}
}

var sdElement = regexp.MustCompile(`^\[blocked@32473 detector="[^"\\\]]+" column="[0-9]+" stream="[^"\\\]]+" job="[^"\\\]]+"\]$`)

// FuzzBlockedNotice: whatever the detector, stream and job names (they
// come from the command line and the job), the notice is one line that
// starts with the prefix, reads back as what it says, and makes one
// well-formed structured-data element. (That the blocked value is in no
// notice, queue or metric is FuzzBlocked's, in cmd/conflog: the value is
// never an argument here.)
func FuzzBlockedNotice(f *testing.F) {
	f.Add("email", 31, "stdout", "train")
	f.Add("aws-key", 0, "public channel", `a"b]c\d e=f`)
	f.Add("", -5, "", "")
	f.Add("det\nector", 1<<40, "std\x00out", strings.Repeat("j", 300))
	f.Fuzz(func(t *testing.T, det string, col int, stream, job string) {
		n := Blocked{Detector: det, Column: col, Stream: stream, Job: job}
		line := n.Line("SystemLog:")
		if !bytes.HasPrefix(line, []byte("SystemLog: ")) || bytes.ContainsAny(line, "\r\n\x00") {
			t.Fatalf("notice %q", line)
		}
		back := parseBlocked(line)
		want := Blocked{Detector: token(det), Column: max(col, 0), Stream: token(stream), Job: token(job)}
		if back != want {
			t.Fatalf("notice %q reads back as %+v, want %+v", line, back, want)
		}
		if sd := appendBlockedSD(nil, back); !sdElement.Match(sd) {
			t.Fatalf("structured data %q is not one element", sd)
		}
	})
}
