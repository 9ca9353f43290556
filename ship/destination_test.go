package ship

import (
	"bytes"
	"crypto/x509"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/conflog/conflog/internal/rsyslogtest"
)

// TestParseDestinationChecksFilesFirst: every bad certificate or key is
// refused when the URL is parsed, before any job starts, with a reason.
func TestParseDestinationChecksFilesFirst(t *testing.T) {
	dir := t.TempDir()
	ca := rsyslogtest.NewCA(t, dir, "ca")
	good, goodKey := ca.Issue(t, "good", rsyslogtest.CertOpts{Usage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}})
	_, openKey := ca.Issue(t, "open", rsyslogtest.CertOpts{KeyMode: 0o640})
	openCert := filepath.Join(dir, "open.pem")
	expired, expiredKey := ca.Issue(t, "expired", rsyslogtest.CertOpts{NotAfter: time.Now().Add(-time.Minute)})
	server, serverKey := ca.Issue(t, "server", rsyslogtest.CertOpts{Usage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}})
	notCert := filepath.Join(dir, "not-a-cert.pem")
	os.WriteFile(notCert, []byte("not a certificate"), 0o644)
	token, openToken := filepath.Join(dir, "token"), filepath.Join(dir, "open-token")
	os.WriteFile(token, []byte("s3cret\n"), 0o600)
	os.WriteFile(openToken, []byte("s3cret\n"), 0o644)

	u := func(q string) string { return "syslog+tls://logs.example:6514?" + q }
	for _, tc := range []struct{ url, want string }{
		{u("ca=" + ca.File + "&cert=" + good + "&key=" + goodKey), ""},
		{u("ca=" + ca.File), ""},
		{u("ca=" + ca.File + "&cert=" + openCert + "&key=" + openKey), "mode 0640 lets others read it"},
		{u("ca=" + ca.File + "&cert=" + expired + "&key=" + expiredKey), "expired on"},
		{u("ca=" + ca.File + "&cert=" + server + "&key=" + serverKey), "not for client authentication"},
		{u("ca=" + ca.File + "&cert=" + good), "go together"},
		{u(""), "no CA file"},
		{u("ca=" + notCert), "no PEM certificate"},
		{u("ca=" + filepath.Join(dir, "missing.pem")), "no such file"},
		{u("ca=" + ca.File + "&cert=" + good + "&key=" + serverKey), "private key does not match"},
		{u("ca=" + ca.File + "&token=x"), `unknown parameter "token"`},
		{"syslog://logs.example:514?ca=" + ca.File, `scheme "syslog"`},
		{"syslog+tls://logs.example?ca=" + ca.File, "want HOST:PORT"},
		{"otlp+grpc://logs.example:4317?ca=" + ca.File + "&cert=" + good + "&key=" + goodKey + "&bearer_file=" + token, ""},
		{"otlp+grpc://logs.example:4317?ca=" + ca.File + "&cert=" + expired + "&key=" + expiredKey, "expired on"},
		{"otlp+grpc://logs.example:4317?ca=" + ca.File + "&cert=" + openCert + "&key=" + openKey, "mode 0640 lets others read it"},
		{"otlp+grpc://logs.example:4317/v1/logs?ca=" + ca.File, "OTLP over gRPC has no path"},
		{"otlp+grpc://logs.example:4317", "no CA file"},
		{"otlp+grpc://logs.example:4317?ca=" + ca.File + "&bearer_file=" + openToken, "lets others read it"},
		{u("ca=" + ca.File + "&bearer_file=" + token), "bearer_file is for otlp+https and otlp+grpc"},
	} {
		_, err := ParseDestination(tc.url)
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%s: %v", tc.url, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("%s: error %v, want %q", tc.url, err, tc.want)
		}
	}
}

// TestParseDestinationMakesPathsAbsolute: the URL a queue records names its
// files absolutely, so conflog ship --resume finds them from anywhere.
func TestParseDestinationMakesPathsAbsolute(t *testing.T) {
	dir := t.TempDir()
	ca := rsyslogtest.NewCA(t, dir, "ca")
	t.Chdir(dir)
	d, err := ParseDestination("syslog+tls://127.0.0.1:6514?ca=ca.pem")
	if err != nil {
		t.Fatal(err)
	}
	if want := "syslog+tls://127.0.0.1:6514?ca=" + strings.ReplaceAll(ca.File, "/", "%2F"); d.String() != want {
		t.Errorf("canonical URL %s, want %s", d, want)
	}
	if d.Name() != "syslog+tls://127.0.0.1:6514" {
		t.Errorf("name %s", d.Name())
	}
}

// TestSyslogFrame: one RFC 5425 frame, its octet count right, holding an
// RFC 5424 message whose severity is the line's level.
func TestSyslogFrame(t *testing.T) {
	r := Record{Seq: 42, Time: time.Date(2026, 12, 5, 12, 0, 0, 123456000, time.UTC), Line: []byte("SystemLog: level=ERROR oom at step 7")}
	got := string(appendSyslog([]byte("x"), r, header{host: "gpu-3", app: "train", queue: "abcd"}))
	msg := `<11>1 2026-12-05T12:00:00.123456Z gpu-3 train - public [conflog@32473 queue="abcd" seq="42"] SystemLog: level=ERROR oom at step 7`
	if want := "x" + strconv.Itoa(len(msg)) + " " + msg; got != want {
		t.Errorf("frame\n got %q\nwant %q", got, want)
	}
}

func TestSeverity(t *testing.T) {
	for line, want := range map[string]string{
		"SystemLog: time=2026 level=WARN msg=slow":             "WARN",
		`SystemLog: {"time":"x","level":"ERROR","msg":"boom"}`: "ERROR",
		"SystemLog: ERROR:root:failed to load":                 "ERROR",
		"SystemLog: [debug] cache warm":                        "DEBUG",
		"SystemLog: 2026-12-05 12:00:00 CRITICAL disk full":    "FATAL",
		"SystemLog: epoch 3 loss 0.12":                         "INFO",
		"SystemLog: conflog run: exit=0 passed=3":              "INFO",
	} {
		if got := severity([]byte(line)).text; got != want {
			t.Errorf("%q: severity %s, want %s", line, got, want)
		}
	}
}

func TestHeaderName(t *testing.T) {
	if got := headerName("my job\n\"x\"", 48); got != `my_job_"x"` {
		t.Errorf("headerName: %q", got)
	}
	if got := headerName("", 48); got != "-" {
		t.Errorf("empty headerName: %q", got)
	}
}

// FuzzWriteQueuesOnlyPublic: whatever bytes the gate's writer gets, the
// queue holds only lines that start with the prefix, without a line end,
// and Write reports all of p written.
func FuzzWriteQueuesOnlyPublic(f *testing.F) {
	f.Add([]byte("SystemLog: a\nprivate\nSystemLog: b"))
	f.Add([]byte("\nSystemLog:\n\nSystemLo"))
	f.Add([]byte(" SystemLog: x\r\nSystemLog:\x00\n"))
	ca := rsyslogtest.NewCA(f, f.TempDir(), "ca")
	d, err := ParseDestination("syslog+tls://127.0.0.1:1?ca=" + ca.File)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, p []byte) {
		dir := t.TempDir()
		s, err := New(d, dir, Options{Prefix: "SystemLog:"})
		if err != nil {
			t.Fatal(err)
		}
		if n, err := s.Write(p); n != len(p) || err != nil {
			t.Fatalf("Write = %d, %v", n, err)
		}
		s.Close(0)
		q, err := OpenQueue(dir, "SystemLog:", d.String(), QueueOptions{})
		if err != nil {
			t.Fatal(err)
		}
		defer q.Close()
		var public int
		for _, l := range bytes.Split(p, []byte("\n")) {
			if bytes.HasPrefix(l, []byte("SystemLog:")) {
				public++
			}
		}
		recs, err := q.Read(q.Acked(), 1<<20, 1<<30)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range recs {
			if !bytes.HasPrefix(r.Line, []byte("SystemLog:")) || bytes.IndexByte(r.Line, '\n') >= 0 {
				t.Fatalf("queued %q", r.Line)
			}
		}
		if len(recs) != public {
			t.Fatalf("queued %d lines, %d public in the input", len(recs), public)
		}
	})
}

// TestSenderChecksThePrefixAgain: a line without the prefix that found its
// way into the queue's files is not sent.
func TestSenderChecksThePrefixAgain(t *testing.T) {
	t.Parallel() // its own receiver, queue and keys; mostly waiting
	p := rsyslogtest.NewPKI(t)
	r := rsyslogtest.Start(t, p)
	d, err := ParseDestination(r.URL(p, p.ClientCert, p.ClientKey))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	q, err := OpenQueue(dir, "SystemLog:", d.String(), QueueOptions{})
	if err != nil {
		t.Fatal(err)
	}
	q.Append(time.Now(), []byte("SystemLog: one"), []byte("PRIVATE smuggled"), []byte("SystemLog: three"))
	q.Close()
	s, err := New(d, dir, Options{Prefix: "SystemLog:"})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(10 * time.Second); err != nil {
		t.Fatal(err)
	}
	got := r.WaitReceived(t, 2)
	if fmt.Sprint(got) != "map[1:SystemLog: one 3:SystemLog: three]" || s.refused.Load() != 1 {
		t.Errorf("received %v, refused %d", got, s.refused.Load())
	}
}

// TestRefusedDestinationEchoesNoPassword: a URL refused for its user info
// (user:pass@) or any other reason never prints the password, the query's
// file names or a fragment back.
func TestRefusedDestinationEchoesNoPassword(t *testing.T) {
	for _, raw := range []string{
		"syslog+tls://user:hunter2@127.0.0.1:6514?ca=/x",
		"otlp+https://user:hunter2@127.0.0.1:4318/v1/logs",
		"otlp+grpc://user:hunter2@127.0.0.1:4317/p",
		"syslog+tls://127.0.0.1:6514#hunter2",
		"syslog+tls://user:hunter2@127.0.0.1/path",
		"ftp://user:hunter2@127.0.0.1:21",
		"syslog+tls://user:hunter2@127.0.0.1:65536x",
		"syslog+tls://user:hunter2@[::1:6514",
		"otlp+https://user:hunter2@127.0.0.1:4318/%zz",
	} {
		_, err := ParseDestination(raw)
		if err == nil {
			t.Fatalf("%s: accepted", raw)
		}
		if strings.Contains(err.Error(), "hunter2") {
			t.Errorf("%s: the error echoes the password: %v", raw, err)
		}
	}
}
