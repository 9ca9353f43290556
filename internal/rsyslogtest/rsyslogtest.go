// Package rsyslogtest starts a real rsyslog (Debian's rsyslog and
// rsyslog-gnutls) on 127.0.0.1 for tests, receiving RFC 5425 with mutual
// TLS, with certificates the test makes. Tests only.
package rsyslogtest

import (
	"bufio"
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"syscall"
	"testing"
	"time"
)

// A CA signs certificates for the tests, written as PEM files in dir.
type CA struct {
	dir  string
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
	File string // the CA certificate's PEM file
}

func NewCA(t testing.TB, dir, name string) *CA {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: name},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	ca := &CA{dir: dir, cert: cert, key: key, File: filepath.Join(dir, name+".pem")}
	writePEM(t, ca.File, "CERTIFICATE", der, 0o644)
	return ca
}

// CertOpts vary an issued certificate.
type CertOpts struct {
	Usage     []x509.ExtKeyUsage
	NotAfter  time.Time
	KeyMode   os.FileMode
	DNSNames  []string
	IPAddress bool
}

// issue writes name.pem and name.key, a certificate for CommonName name.
func (ca *CA) Issue(t testing.TB, name string, o CertOpts) (certFile, keyFile string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	if o.NotAfter.IsZero() {
		o.NotAfter = time.Now().Add(24 * time.Hour)
	}
	if o.KeyMode == 0 {
		o.KeyMode = 0o600
	}
	serial, _ := rand.Int(rand.Reader, big.NewInt(1<<62))
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: name},
		NotBefore:    time.Now().Add(-2 * time.Hour),
		NotAfter:     o.NotAfter,
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  o.Usage,
		DNSNames:     append([]string{name}, o.DNSNames...),
	}
	if o.IPAddress {
		tmpl.IPAddresses = []net.IP{net.IPv4(127, 0, 0, 1)}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &key.PublicKey, ca.key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(ca.dir, name+".pem"), filepath.Join(ca.dir, name+".key")
	writePEM(t, certFile, "CERTIFICATE", der, 0o644)
	writePEM(t, keyFile, "PRIVATE KEY", kder, o.KeyMode)
	return certFile, keyFile
}

func writePEM(t testing.TB, path, typ string, der []byte, mode os.FileMode) {
	t.Helper()
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, mode); err != nil {
		t.Fatal(err)
	}
}

// A Server is one rsyslogd process receiving RFC 5425 with mutual TLS and
// writing each message as "STRUCTURED-DATA MSG" to a file.
type Server struct {
	t    testing.TB
	dir  string
	port int
	conf string
	Out  string // what it received: "SD MSG" per line
	cmd  *exec.Cmd
	done chan struct{} // closed when cmd has exited and been waited for
}

// A PKI is the certificates of a test: a CA, the server's certificate
// (for localhost and 127.0.0.1), a permitted client's.
type PKI struct {
	dir                   string
	CA                    *CA
	ServerCert, ServerKey string
	ClientCert, ClientKey string
}

// PermittedClient is the one client name the server accepts.
const PermittedClient = "client.conflog.test"

// NewPKI makes the certificates in a temporary directory.
func NewPKI(t testing.TB) *PKI {
	dir := t.TempDir()
	p := &PKI{dir: dir, CA: NewCA(t, dir, "ca")}
	p.ServerCert, p.ServerKey = p.CA.Issue(t, "localhost", CertOpts{Usage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, IPAddress: true})
	p.ClientCert, p.ClientKey = p.CA.Issue(t, PermittedClient, CertOpts{Usage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}})
	return p
}

// Start starts rsyslogd on a free port of 127.0.0.1; the test's cleanup
// stops it.
func Start(t testing.TB, p *PKI) *Server {
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
	r := &Server{t: t, dir: dir, port: port, conf: filepath.Join(dir, "rsyslog.conf"), Out: filepath.Join(dir, "out.log")}
	conf := fmt.Sprintf(`global(workDirectory=%[1]q maxMessageSize="64k"
  defaultNetstreamDriver="gtls"
  defaultNetstreamDriverCAFile=%[2]q
  defaultNetstreamDriverCertFile=%[3]q
  defaultNetstreamDriverKeyFile=%[4]q)
module(load="imtcp" streamDriver.name="gtls" streamDriver.mode="1"
  streamDriver.authMode="x509/name" permittedPeer=[%[5]q])
input(type="imtcp" address="127.0.0.1" port="%[6]d")
template(name="sdmsg" type="string" string="%%app-name%% %%structured-data%% %%msg%%\n")
action(type="omfile" file=%[7]q template="sdmsg")
`, dir, p.CA.File, p.ServerCert, p.ServerKey, PermittedClient, port, r.Out)
	if err := os.WriteFile(r.conf, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("rsyslogd", "-N1", "-f", r.conf).CombinedOutput(); err != nil {
		t.Fatalf("rsyslogd -N1: %v\n%s", err, out)
	}
	r.Start()
	t.Cleanup(func() {
		r.Stop()
		if t.Failed() {
			b, _ := os.ReadFile(filepath.Join(dir, "rsyslogd.log"))
			t.Logf("rsyslogd's messages:\n%s", b)
		}
	})
	return r
}

// Start starts rsyslogd again on the same port, as after a restart.
func (r *Server) Start() {
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
	done := make(chan struct{})
	r.done = done
	go func(cmd *exec.Cmd) { cmd.Wait(); close(done) }(r.cmd)
	// Until it listens or exits, with no limit of its own: on a loaded
	// machine rsyslogd with TLS can take many seconds to start, and a hang
	// is the test's -timeout to report.
	for {
		if c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", r.port)); err == nil {
			c.Close()
			return
		}
		select {
		case <-done:
			r.t.Fatalf("rsyslogd exited before it listened on %d (%v)", r.port, r.cmd.ProcessState)
		case <-time.After(25 * time.Millisecond):
		}
	}
}

// Stop ends rsyslogd in order (SIGTERM), as a restart does.
func (r *Server) Stop() {
	if r.cmd == nil {
		return
	}
	r.cmd.Process.Signal(syscall.SIGTERM)
	<-r.done
	r.cmd = nil
	os.Remove(filepath.Join(r.dir, "pid"))
}

// URL is the destination URL of the server for a client certificate
// ("" for none), verified against the PKI's CA.
func (r *Server) URL(p *PKI, certFile, keyFile string) string {
	v := url.Values{"ca": {p.CA.File}}
	if certFile != "" {
		v.Set("cert", certFile)
		v.Set("key", keyFile)
	}
	return fmt.Sprintf("syslog+tls://127.0.0.1:%d?%s", r.port, v.Encode())
}

// sdRe matches what the template writes: conflog's element, any other
// elements (the notice of a blocked line has one; its values hold no ']'),
// the message.
var sdRe = regexp.MustCompile(`^(\S+) \[conflog@32473 queue="([0-9a-f]+)" seq="([0-9]+)"(?: job="([A-Za-z0-9._:-]+)")?\](?:\[[^\]]*\])* (.*)$`)

// Received returns rsyslog's lines by seq, after de-duplication, and how
// many copies arrived in all.
func (r *Server) Received(t testing.TB) (bySeq map[uint64]string, copies int) {
	t.Helper()
	b, err := os.ReadFile(r.Out)
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
		seq, _ := strconv.ParseUint(m[3], 10, 64)
		if old, dup := bySeq[seq]; dup && old != m[5] {
			t.Fatalf("seq %d arrived as %q and as %q", seq, old, m[5])
		}
		bySeq[seq] = m[5]
		copies++
	}
	return bySeq, copies
}

// Jobs returns the job of each line rsyslog received, by seq: its
// APP-NAME and the job id of conflog's structured data ("" if none).
func (r *Server) Jobs(t testing.TB) map[uint64][2]string {
	t.Helper()
	b, err := os.ReadFile(r.Out)
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	jobs := map[uint64][2]string{}
	for _, l := range bytes.Split(b, []byte("\n")) {
		if m := sdRe.FindSubmatch(l); m != nil {
			seq, _ := strconv.ParseUint(string(m[3]), 10, 64)
			jobs[seq] = [2]string{string(m[1]), string(m[4])}
		}
	}
	return jobs
}

// WaitReceived waits until rsyslog has written n distinct lines, with no
// limit of its own: a line that never arrives is the test's -timeout to
// report, not a clock's guess of how slow the machine may be.
func (r *Server) WaitReceived(t testing.TB, n int) map[uint64]string {
	t.Helper()
	for {
		if got, _ := r.Received(t); len(got) >= n {
			return got
		}
		time.Sleep(25 * time.Millisecond)
	}
}

// Lines counts the lines rsyslog has written, copies and all.
func (r *Server) Lines(t testing.TB) int {
	t.Helper()
	b, err := os.ReadFile(r.Out)
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	return bytes.Count(b, []byte("\n"))
}

// StartForwarder starts a second rsyslogd that forwards file, read from
// its start by imfile, to the server r as rsyslog itself forwards: omfwd
// over TLS (the PKI's client certificate, the server's name checked) with
// octet-counted framing, RFC 5424 messages. It is what conflog's delivery
// is measured beside. The test's cleanup stops it.
func StartForwarder(t testing.TB, p *PKI, r *Server, file string) {
	t.Helper()
	dir := t.TempDir()
	conf := filepath.Join(dir, "forward.conf")
	text := fmt.Sprintf(`global(workDirectory=%[1]q maxMessageSize="64k"
  defaultNetstreamDriver="gtls"
  defaultNetstreamDriverCAFile=%[2]q
  defaultNetstreamDriverCertFile=%[3]q
  defaultNetstreamDriverKeyFile=%[4]q)
module(load="imfile")
input(type="imfile" file=%[5]q tag="train" freshStartTail="off")
action(type="omfwd" target="127.0.0.1" port="%[6]d" protocol="tcp"
  streamDriver="gtls" streamDriverMode="1" streamDriverAuthMode="x509/name"
  streamDriverPermittedPeers="localhost" tcp_framing="octet-counted"
  template="RSYSLOG_SyslogProtocol23Format")
`, dir, p.CA.File, p.ClientCert, p.ClientKey, file, r.port)
	if err := os.WriteFile(conf, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("rsyslogd", "-N1", "-f", conf).CombinedOutput(); err != nil {
		t.Fatalf("rsyslogd -N1: %v\n%s", err, out)
	}
	cmd := exec.Command("rsyslogd", "-n", "-f", conf, "-i", filepath.Join(dir, "pid"))
	log, err := os.OpenFile(filepath.Join(dir, "rsyslogd.log"), os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	defer log.Close()
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		cmd.Wait()
		if t.Failed() {
			b, _ := os.ReadFile(filepath.Join(dir, "rsyslogd.log"))
			t.Logf("the forwarder's messages:\n%s", b)
		}
	})
}
