package ship

import (
	"bytes"
	"context"
	"crypto/x509"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/conflog/conflog/internal/rsyslogtest"
)

// These tests drive a real rsyslog (Debian's rsyslog and rsyslog-gnutls,
// installed by .ci/run) on 127.0.0.1, with certificates made by the test.

// TestRsyslogMutualTLS: a client with the permitted certificate gets its
// lines through, each once, with its level as the syslog severity; private
// lines written to the Shipper never arrive.
func TestRsyslogMutualTLS(t *testing.T) {
	t.Parallel() // its own receiver, queue and keys; mostly waiting
	p := rsyslogtest.NewPKI(t)
	r := rsyslogtest.Start(t, p)
	d, err := ParseDestination(r.URL(p, p.ClientCert, p.ClientKey))
	if err != nil {
		t.Fatal(err)
	}
	s, err := New(d, t.TempDir(), Options{Prefix: "SystemLog:", Job: "train", ConfirmAfter: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for i := range 500 {
		l := fmt.Sprintf("SystemLog: level=INFO step=%d loss=0.%03d", i, i)
		want = append(want, l)
		fmt.Fprintf(s, "%s\nPRIVATE customer %d\n", l, i)
	}
	if err := s.Close(10 * time.Second); err != nil {
		t.Fatal(err)
	}
	r.WaitReceived(t, len(want))
	time.Sleep(100 * time.Millisecond) // a copy too many would show now
	got, copies := r.Received(t)
	if len(got) != len(want) || copies != len(want) {
		t.Fatalf("rsyslog got %d distinct lines (%d copies), want %d", len(got), copies, len(want))
	}
	for i, w := range want {
		if got[uint64(i+1)] != w {
			t.Fatalf("seq %d: got %q, want %q", i+1, got[uint64(i+1)], w)
		}
	}
	if b, _ := os.ReadFile(r.Out); bytes.Contains(b, []byte("PRIVATE")) {
		t.Fatal("a private line reached rsyslog")
	}
	if s.refused.Load() != 500 {
		t.Errorf("refused %d private lines, want 500", s.refused.Load())
	}
}

// TestRsyslogRefusesWrongClients: rsyslog refuses a client without a
// certificate, with one from another CA, or with a name it does not
// permit; the client refuses a server whose certificate is not for the
// name it dialled. Nothing they send arrives.
func TestRsyslogRefusesWrongClients(t *testing.T) {
	t.Parallel() // its own receiver, queue and keys; mostly waiting
	p := rsyslogtest.NewPKI(t)
	r := rsyslogtest.Start(t, p)
	other := rsyslogtest.NewCA(t, t.TempDir(), "other")
	otherCert, otherKey := other.Issue(t, rsyslogtest.PermittedClient, rsyslogtest.CertOpts{Usage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}})
	wrongCert, wrongKey := p.CA.Issue(t, "intruder.conflog.test", rsyslogtest.CertOpts{Usage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}})
	for _, tc := range []struct {
		name, url string
	}{
		{"no client certificate", r.URL(p, "", "")},
		{"a certificate from another CA", r.URL(p, otherCert, otherKey)},
		{"a name rsyslog does not permit", r.URL(p, wrongCert, wrongKey)},
		{"a server name that is not the certificate's", r.URL(p, p.ClientCert, p.ClientKey) + "&name=logs.example.com"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d, err := ParseDestination(tc.url)
			if err != nil {
				t.Fatal(err)
			}
			c, err := d.dial(context.Background(), header{host: "h", app: "a", queue: "q"}, time.Second)
			if err == nil {
				// Refused or not, it must not deliver: try.
				c.send([]Record{{Seq: 1, Time: time.Now(), Line: []byte("SystemLog: intruder")}}, 2)
				time.Sleep(300 * time.Millisecond)
				c.close(time.Second)
				t.Errorf("dial succeeded")
			} else {
				t.Logf("refused: %v", err)
			}
		})
	}
	time.Sleep(200 * time.Millisecond)
	if got, _ := r.Received(t); len(got) != 0 {
		t.Errorf("rsyslog received %d lines from refused clients", len(got))
	}
}

// TestRsyslogRestartLosesNothing: rsyslog is stopped in the middle of a job
// and started again a moment later; every public line arrives, exactly once
// after de-duplication on (queue, seq), and no private one.
func TestRsyslogRestartLosesNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("stops and restarts a real rsyslog mid-job: seconds; go test without -short runs it")
	}
	t.Parallel() // its own receiver, queue and keys; mostly waiting
	p := rsyslogtest.NewPKI(t)
	r := rsyslogtest.Start(t, p)
	d, err := ParseDestination(r.URL(p, p.ClientCert, p.ClientKey))
	if err != nil {
		t.Fatal(err)
	}
	s, err := New(d, t.TempDir(), Options{Prefix: "SystemLog:", ConfirmAfter: 500 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	const n = 3000
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := range n {
			fmt.Fprintf(s, "SystemLog: line %d\nPRIVATE %d\n", i, i)
			time.Sleep(time.Millisecond)
		}
	}()
	time.Sleep(800 * time.Millisecond)
	r.Stop()
	time.Sleep(700 * time.Millisecond)
	r.Start()
	<-done
	if err := s.Close(20 * time.Second); err != nil {
		t.Fatal(err)
	}
	r.WaitReceived(t, n)
	got, copies := r.Received(t)
	for i := range n {
		if w := fmt.Sprintf("SystemLog: line %d", i); got[uint64(i+1)] != w {
			t.Fatalf("seq %d: got %q, want %q", i+1, got[uint64(i+1)], w)
		}
	}
	if len(got) != n {
		t.Fatalf("%d distinct lines arrived, want %d", len(got), n)
	}
	if b, _ := os.ReadFile(r.Out); bytes.Contains(b, []byte("PRIVATE")) {
		t.Fatal("a private line reached rsyslog")
	}
	if s.retries.Load() == 0 {
		t.Errorf("no reconnect counted although rsyslog restarted")
	}
	t.Logf("%d lines, %d copies arrived (%d sent again), %d reconnects", n, copies, s.resent.Load(), s.retries.Load())
}

// TestResumeDeliversWhatAKilledShipperLeft: lines queued while rsyslog is
// down wait on disk; a new Shipper on the same directory, as conflog ship
// --resume makes, delivers them.
func TestResumeDeliversWhatAKilledShipperLeft(t *testing.T) {
	if testing.Short() {
		t.Skip("kills a shipper and resumes against a real rsyslog: seconds; go test without -short runs it")
	}
	t.Parallel() // its own receiver, queue and keys; mostly waiting
	p := rsyslogtest.NewPKI(t)
	r := rsyslogtest.Start(t, p)
	r.Stop()
	d, err := ParseDestination(r.URL(p, p.ClientCert, p.ClientKey))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	s, err := New(d, dir, Options{Prefix: "SystemLog:"})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 100 {
		fmt.Fprintf(s, "SystemLog: waiting %d\n", i)
	}
	err = s.Close(300 * time.Millisecond)
	if err == nil || !strings.Contains(err.Error(), "100 line(s) not yet delivered") {
		t.Fatalf("Close with rsyslog down: %v", err)
	}
	r.Start()
	s, err = New(d, dir, Options{Prefix: "SystemLog:"})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(10 * time.Second); err != nil {
		t.Fatal(err)
	}
	if got := r.WaitReceived(t, 100); len(got) != 100 || got[100] != "SystemLog: waiting 99" {
		t.Fatalf("after resume rsyslog has %d lines", len(got))
	}
}

// TestHungServerNeitherBlocksNorGrows: with rsyslog hung (SIGSTOP), Write
// goes on at disk speed, the queue stays within its budget (the rest is
// dropped and counted), and once rsyslog resumes what was queued arrives.
func TestHungServerNeitherBlocksNorGrows(t *testing.T) {
	t.Parallel() // its own receiver, queue and keys; mostly waiting
	p := rsyslogtest.NewPKI(t)
	r := rsyslogtest.Start(t, p)
	d, err := ParseDestination(r.URL(p, p.ClientCert, p.ClientKey))
	if err != nil {
		t.Fatal(err)
	}
	r.Pause()
	const budget = 64 << 10
	s, err := New(d, t.TempDir(), Options{Prefix: "SystemLog:", Queue: QueueOptions{MaxBytes: budget, SegmentBytes: 8 << 10}})
	if err != nil {
		t.Fatal(err)
	}
	line := "SystemLog: " + strings.Repeat("x", 100)
	for i := range 5000 {
		fmt.Fprintf(s, "%s %d\n", line, i)
	}
	queued, size := s.q.Depth()
	if size > budget {
		t.Errorf("the queue holds %d bytes, over its budget of %d", size, budget)
	}
	if dropped := s.q.Dropped(); dropped == 0 || int64(queued)+dropped != 5000 {
		t.Errorf("queued %d and dropped %d of 5000 lines", queued, dropped)
	}
	r.Resume()
	if err := s.Close(30 * time.Second); err == nil || !strings.Contains(err.Error(), "dropped") {
		t.Errorf("Close does not report the dropped lines: %v", err)
	}
	if got := r.WaitReceived(t, int(queued)); len(got) != int(queued) {
		t.Errorf("after rsyslog resumed, %d of the %d queued lines arrived", len(got), queued)
	}
}
