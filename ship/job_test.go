package ship

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/conflog/conflog/internal/rsyslogtest"
)

// TestResumeKeepsTheJob: lines a job left in the queue go out, when a later
// process delivers them (the next run of another job, or ship --resume),
// as the job that queued them: its name and id, in syslog (APP-NAME and
// job="…") and in OTLP (the resource), while the deliverer's own lines go
// out as its own.
func TestResumeKeepsTheJob(t *testing.T) {
	t.Parallel()
	p := rsyslogtest.NewPKI(t)
	rs := rsyslogtest.Start(t, p)
	rsDest, err := ParseDestination(rs.URL(p, p.ClientCert, p.ClientKey))
	if err != nil {
		t.Fatal(err)
	}
	ot, otDest := startOTLP(t, "tok")
	for _, d := range []*Destination{rsDest, otDest} {
		dir := filepath.Join(t.TempDir(), "q")
		// A job whose destination is down: its lines stay queued. Its
		// queue is the one a later shipper resumes.
		q, err := OpenQueue(dir, "SystemLog:", d.String(), QueueOptions{Job: Job{Name: "train", ID: "job-1", Host: "gpu-3"}})
		if err != nil {
			t.Fatal(err)
		}
		for i := range 50 {
			q.Append(time.Now(), fmt.Appendf(nil, "SystemLog: train %d", i))
		}
		q.Close()
		s, err := New(d, dir, Options{Prefix: "SystemLog:", Job: "eval", JobID: "job-2"})
		if err != nil {
			t.Fatal(err)
		}
		for i := range 30 {
			fmt.Fprintf(s, "SystemLog: eval %d\n", i)
		}
		if err := s.Close(30 * time.Second); err != nil {
			t.Fatal(err)
		}
		if d == rsDest {
			got := rs.WaitReceived(t, 80)
			jobs := rs.Jobs(t)
			for seq, line := range got {
				want := [2]string{"train", "job-1"}
				if strings.HasPrefix(line, "SystemLog: eval") {
					want = [2]string{"eval", "job-2"}
				}
				if jobs[seq] != want {
					t.Errorf("syslog: %q arrived as job %v, want %v", line, jobs[seq], want)
				}
			}
			if len(got) != 80 {
				t.Errorf("syslog: %d lines arrived, want 80", len(got))
			}
			continue
		}
		host, _ := os.Hostname()
		n := 0
		for _, l := range ot.Logs() {
			body := l.Record.GetBody().GetStringValue()
			want := map[string]string{"service.name": "train", "service.instance.id": "job-1", "host.name": "gpu-3"}
			if strings.HasPrefix(body, "SystemLog: eval") {
				want = map[string]string{"service.name": "eval", "service.instance.id": "job-2", "host.name": headerName(host, 255)}
			}
			for k, v := range want {
				if l.Resource[k] != v {
					t.Errorf("otlp: %q arrived with %s=%q, want %q", body, k, l.Resource[k], v)
				}
			}
			n++
		}
		if len(ot.Distinct(t)) != 80 {
			t.Errorf("otlp: %d distinct records (%d in all), want 80", len(ot.Distinct(t)), n)
		}
	}
}

// TestQueueKeepsJobPerSegment: a queue reopened by another job starts a
// segment of its own, so every record reads back with the job that
// appended it, across reopens, and a job file is removed with its segment.
func TestQueueKeepsJobPerSegment(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "q")
	jobs := []Job{{"a", "1", "h"}, {"b", "2", "h"}, {"b", "2", "h"}, {"a", "3", "h"}}
	for i, j := range jobs {
		q, err := OpenQueue(dir, "P", "syslog+tls://x:1", QueueOptions{Job: j})
		if err != nil {
			t.Fatal(err)
		}
		q.Append(time.Now(), fmt.Appendf(nil, "P %d", i))
		q.Close()
	}
	q, err := OpenQueue(dir, "P", "syslog+tls://x:1", QueueOptions{Job: Job{"r", "9", "h"}})
	if err != nil {
		t.Fatal(err)
	}
	var recs []Record
	for pos := q.Acked(); pos < q.Next(); {
		rs, err := q.Read(pos, 10, 1<<20) // one segment's at most
		if err != nil || len(rs) == 0 {
			t.Fatalf("at seq %d: %d records, %v", pos, len(rs), err)
		}
		recs = append(recs, rs...)
		pos = rs[len(rs)-1].Seq + 1
	}
	if len(recs) != 4 {
		t.Fatalf("%d records, want 4", len(recs))
	}
	for i, r := range recs {
		if r.Job == nil || *r.Job != jobs[i] {
			t.Errorf("record %d (%s): job %v, want %v", i, r.Line, r.Job, jobs[i])
		}
	}
	if err := q.Ack(recs[3].Seq + 1); err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.job"))
	segs, _ := filepath.Glob(filepath.Join(dir, "*.seg"))
	if len(segs) != 1 || len(files) != 1 || strings.TrimSuffix(files[0], ".job") != strings.TrimSuffix(segs[0], ".seg") {
		t.Errorf("after the last ack: segments %v, job files %v; want the empty segment and its job", segs, files)
	}
	q.Close()
}
