package ship

import (
	"bufio"
	"bytes"
	"context"
	"crypto/x509"
	"fmt"
	"net"
	"net/url"
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

// These tests drive a real rsyslog (Debian's rsyslog and rsyslog-gnutls,
// installed by .ci/run) on 127.0.0.1, with certificates made by the test.

// rsyslog is one rsyslogd process receiving RFC 5425 with mutual TLS.
type rsyslog struct {
	t    testing.TB
	dir  string
	port int
	conf string
	out  string // what it received: "SD MSG" per line
	cmd  *exec.Cmd
}

// pki is the certificates of a test: the server's, a permitted client's.
type pki struct {
	dir                   string
	ca                    *testCA
	serverCert, serverKey string
	clientCert, clientKey string
}

const permittedClient = "client.conflog.test"

func newPKI(t testing.TB) *pki {
	dir := t.TempDir()
	p := &pki{dir: dir, ca: newTestCA(t, dir, "ca")}
	p.serverCert, p.serverKey = p.ca.issue(t, "localhost", certOpts{usage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, ipAddress: true})
	p.clientCert, p.clientKey = p.ca.issue(t, permittedClient, certOpts{usage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}})
	return p
}

func startRsyslog(t testing.TB, p *pki) *rsyslog {
	t.Helper()
	if _, err := exec.LookPath("rsyslogd"); err != nil {
		t.Fatalf("rsyslogd not found: install Debian's rsyslog and rsyslog-gnutls (.ci/run does)")
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	dir := t.TempDir()
	r := &rsyslog{t: t, dir: dir, port: port, conf: filepath.Join(dir, "rsyslog.conf"), out: filepath.Join(dir, "out.log")}
	conf := fmt.Sprintf(`global(workDirectory=%[1]q maxMessageSize="64k"
  defaultNetstreamDriver="gtls"
  defaultNetstreamDriverCAFile=%[2]q
  defaultNetstreamDriverCertFile=%[3]q
  defaultNetstreamDriverKeyFile=%[4]q)
module(load="imtcp" streamDriver.name="gtls" streamDriver.mode="1"
  streamDriver.authMode="x509/name" permittedPeer=[%[5]q])
input(type="imtcp" address="127.0.0.1" port="%[6]d")
template(name="sdmsg" type="string" string="%%structured-data%% %%msg%%\n")
action(type="omfile" file=%[7]q template="sdmsg")
`, dir, p.ca.file, p.serverCert, p.serverKey, permittedClient, port, r.out)
	if err := os.WriteFile(r.conf, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("rsyslogd", "-N1", "-f", r.conf).CombinedOutput(); err != nil {
		t.Fatalf("rsyslogd -N1: %v\n%s", err, out)
	}
	r.start()
	t.Cleanup(func() {
		r.stop()
		if t.Failed() {
			b, _ := os.ReadFile(filepath.Join(dir, "rsyslogd.log"))
			t.Logf("rsyslogd's messages:\n%s", b)
		}
	})
	return r
}

func (r *rsyslog) start() {
	r.t.Helper()
	r.cmd = exec.Command("rsyslogd", "-n", "-f", r.conf, "-i", filepath.Join(r.dir, "pid"))
	// Its complaints (the readiness probe's bare TCP connection, refused
	// clients) are shown only when a test fails.
	log, err := os.OpenFile(filepath.Join(r.dir, "rsyslogd.log"), os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		r.t.Fatal(err)
	}
	defer log.Close()
	r.cmd.Stdout, r.cmd.Stderr = log, log
	if err := r.cmd.Start(); err != nil {
		r.t.Fatal(err)
	}
	for range 200 {
		if c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", r.port)); err == nil {
			c.Close()
			return
		}
		time.Sleep(25 * time.Millisecond)
	}
	r.t.Fatalf("rsyslogd did not listen on %d", r.port)
}

// stop ends rsyslogd in order (SIGTERM), as a restart does.
func (r *rsyslog) stop() {
	if r.cmd == nil {
		return
	}
	r.cmd.Process.Signal(syscall.SIGTERM)
	r.cmd.Wait()
	r.cmd = nil
	os.Remove(filepath.Join(r.dir, "pid"))
}

func (r *rsyslog) url(p *pki, certFile, keyFile string) string {
	v := url.Values{"ca": {p.ca.file}}
	if certFile != "" {
		v.Set("cert", certFile)
		v.Set("key", keyFile)
	}
	return fmt.Sprintf("syslog+tls://127.0.0.1:%d?%s", r.port, v.Encode())
}

var sdRe = regexp.MustCompile(`^\[conflog@32473 queue="([0-9a-f]+)" seq="([0-9]+)"\] (.*)$`)

// received returns rsyslog's lines by seq, after de-duplication, and how
// many copies arrived in all.
func (r *rsyslog) received(t testing.TB) (bySeq map[uint64]string, copies int) {
	t.Helper()
	b, err := os.ReadFile(r.out)
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	bySeq = map[uint64]string{}
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		m := sdRe.FindStringSubmatch(sc.Text())
		if m == nil {
			t.Fatalf("rsyslog received a line without conflog's structured data: %q", sc.Text())
		}
		seq, _ := strconv.ParseUint(m[2], 10, 64)
		if old, dup := bySeq[seq]; dup && old != m[3] {
			t.Fatalf("seq %d arrived as %q and as %q", seq, old, m[3])
		}
		bySeq[seq] = m[3]
		copies++
	}
	return bySeq, copies
}

// waitReceived waits until rsyslog has written n distinct lines.
func (r *rsyslog) waitReceived(t testing.TB, n int) map[uint64]string {
	t.Helper()
	var got map[uint64]string
	for range 400 {
		if got, _ = r.received(t); len(got) >= n {
			return got
		}
		time.Sleep(25 * time.Millisecond)
	}
	return got
}

// TestRsyslogMutualTLS: a client with the permitted certificate gets its
// lines through, each once, with its level as the syslog severity; private
// lines written to the Shipper never arrive.
func TestRsyslogMutualTLS(t *testing.T) {
	p := newPKI(t)
	r := startRsyslog(t, p)
	d, err := ParseDestination(r.url(p, p.clientCert, p.clientKey))
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
	r.waitReceived(t, len(want))
	time.Sleep(100 * time.Millisecond) // a copy too many would show now
	got, copies := r.received(t)
	if len(got) != len(want) || copies != len(want) {
		t.Fatalf("rsyslog got %d distinct lines (%d copies), want %d", len(got), copies, len(want))
	}
	for i, w := range want {
		if got[uint64(i+1)] != w {
			t.Fatalf("seq %d: got %q, want %q", i+1, got[uint64(i+1)], w)
		}
	}
	if b, _ := os.ReadFile(r.out); bytes.Contains(b, []byte("PRIVATE")) {
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
	p := newPKI(t)
	r := startRsyslog(t, p)
	other := newTestCA(t, t.TempDir(), "other")
	otherCert, otherKey := other.issue(t, permittedClient, certOpts{usage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}})
	wrongCert, wrongKey := p.ca.issue(t, "intruder.conflog.test", certOpts{usage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}})
	for _, tc := range []struct {
		name, url string
	}{
		{"no client certificate", r.url(p, "", "")},
		{"a certificate from another CA", r.url(p, otherCert, otherKey)},
		{"a name rsyslog does not permit", r.url(p, wrongCert, wrongKey)},
		{"a server name that is not the certificate's", r.url(p, p.clientCert, p.clientKey) + "&name=logs.example.com"},
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
	if got, _ := r.received(t); len(got) != 0 {
		t.Errorf("rsyslog received %d lines from refused clients", len(got))
	}
}

// TestRsyslogRestartLosesNothing: rsyslog is stopped in the middle of a job
// and started again a moment later; every public line arrives, exactly once
// after de-duplication on (queue, seq), and no private one.
func TestRsyslogRestartLosesNothing(t *testing.T) {
	p := newPKI(t)
	r := startRsyslog(t, p)
	d, err := ParseDestination(r.url(p, p.clientCert, p.clientKey))
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
	r.stop()
	time.Sleep(700 * time.Millisecond)
	r.start()
	<-done
	if err := s.Close(20 * time.Second); err != nil {
		t.Fatal(err)
	}
	r.waitReceived(t, n)
	got, copies := r.received(t)
	for i := range n {
		if w := fmt.Sprintf("SystemLog: line %d", i); got[uint64(i+1)] != w {
			t.Fatalf("seq %d: got %q, want %q", i+1, got[uint64(i+1)], w)
		}
	}
	if len(got) != n {
		t.Fatalf("%d distinct lines arrived, want %d", len(got), n)
	}
	if b, _ := os.ReadFile(r.out); bytes.Contains(b, []byte("PRIVATE")) {
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
	p := newPKI(t)
	r := startRsyslog(t, p)
	r.stop()
	d, err := ParseDestination(r.url(p, p.clientCert, p.clientKey))
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
	r.start()
	s, err = New(d, dir, Options{Prefix: "SystemLog:"})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(10 * time.Second); err != nil {
		t.Fatal(err)
	}
	if got := r.waitReceived(t, 100); len(got) != 100 || got[100] != "SystemLog: waiting 99" {
		t.Fatalf("after resume rsyslog has %d lines", len(got))
	}
}
