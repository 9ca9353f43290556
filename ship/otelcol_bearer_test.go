//go:build unix

package ship

import (
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/conflog/conflog/internal/otlptest"
	"github.com/conflog/conflog/internal/rsyslogtest"
)

// TestCollectorChecksTheBearerToken: a real Collector (conflog's
// distribution) whose otlp receiver requires a bearer token, over HTTPS and
// over gRPC, through contrib's bearertokenauth extension. With the right
// token (bearer_file), `conflog ship` and `conflog run --ship` deliver every
// public line and no private one. Without a token, or with another one, the
// Collector refuses the lines: the command says which destination refused
// them and why (HTTP 401 / gRPC Unauthenticated) and that they wait in the
// queue, and none of them reaches the Collector's export. Nothing is lost:
// once the token file holds the right token, `conflog ship --resume`
// delivers the refused lines, each once.
func TestCollectorChecksTheBearerToken(t *testing.T) {
	t.Parallel()
	const token = "c0nfl0g-test-token-5b1d8e"
	p := rsyslogtest.NewPKI(t)
	col := otlptest.StartCollectorToken(t, otlptest.CollectorBinary(t, "../otelcol/distribution/build.sh"), p.CA.File, p.ServerCert, p.ServerKey, token)
	work := t.TempDir()
	conflog := buildConflog(t, work)
	tokenFile := func(name, tok string) string {
		f := filepath.Join(work, name)
		if err := os.WriteFile(f, []byte(tok+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		return f
	}
	right := tokenFile("right.token", token)
	dest := func(scheme, addr, bearer string) string {
		v := url.Values{"ca": {p.CA.File}, "cert": {p.ClientCert}, "key": {p.ClientKey}}
		if bearer != "" {
			v.Set("bearer_file", bearer)
		}
		return scheme + "://" + addr + "?" + v.Encode()
	}
	// arrived reports whether a body holding s reached the export.
	arrived := func(s string) int {
		got, _, _ := col.Received()
		n := 0
		for _, body := range got {
			if strings.Contains(body, s) {
				n++
			}
		}
		return n
	}

	want := 0 // distinct lines the Collector must have in the end
	for _, proto := range []struct{ scheme, addr, refusal string }{
		{"otlp+https", col.Addr(), "401"},
		{"otlp+grpc", col.GRPCAddr(), "Unauthenticated"},
	} {
		// The right token: conflog ship on a file, conflog run on a job.
		in := filepath.Join(work, proto.scheme+".log")
		var file strings.Builder
		for i := range 100 {
			fmt.Fprintf(&file, "SystemLog: %s shipped line=%d\nPRIVATE customer %d\n", proto.scheme, i, i)
		}
		if err := os.WriteFile(in, []byte(file.String()), 0o600); err != nil {
			t.Fatal(err)
		}
		f, err := os.Open(in)
		if err != nil {
			t.Fatal(err)
		}
		ship := exec.Command(conflog, "ship", "--prefix", "SystemLog:", "--queue", filepath.Join(work, proto.scheme+"-ship"),
			"--wait", "2m", dest(proto.scheme, proto.addr, right))
		ship.Stdin = f
		out, err := ship.CombinedOutput()
		f.Close()
		if err != nil {
			t.Fatalf("conflog ship %s with the right token: %v\n%s", proto.scheme, err, out)
		}
		run := exec.Command(conflog, "run", "--prefix", "SystemLog:", "--ship", dest(proto.scheme, proto.addr, right),
			"--queue", filepath.Join(work, proto.scheme+"-run"), "--ship-wait", "2m", "--",
			"sh", "-c", fmt.Sprintf(`echo "SystemLog: %s run with the token"; echo "PRIVATE run"`, proto.scheme))
		if out, err := run.CombinedOutput(); err != nil || strings.Contains(string(out), "not yet delivered") {
			t.Fatalf("conflog run --ship %s with the right token: %v\n%s", proto.scheme, err, out)
		}
		want += 100 + 2 // ship's lines; run's line and its summary
		col.WaitFor(want)
		if n := arrived(proto.scheme + " shipped line="); n != 100 {
			t.Fatalf("%s: %d of conflog ship's 100 public lines arrived", proto.scheme, n)
		}
		if arrived(proto.scheme+" run with the token") != 1 {
			t.Fatalf("%s: conflog run's public line did not arrive", proto.scheme)
		}

		// No token, and a wrong one: refused, said, and kept.
		for _, c := range []struct{ name, bearer string }{
			{"no token", ""},
			{"a wrong token", tokenFile(proto.scheme+"-wrong.token", "not-"+token)},
		} {
			q := filepath.Join(work, proto.scheme+"-"+strings.ReplaceAll(c.name, " ", "-"))
			line := fmt.Sprintf("SystemLog: %s with %s", proto.scheme, c.name)
			run := exec.Command(conflog, "run", "--prefix", "SystemLog:", "--ship", dest(proto.scheme, proto.addr, c.bearer),
				"--queue", q, "--ship-wait", "3s", "--", "sh", "-c", `echo "$0"; echo "PRIVATE refused"`, line)
			out, err := run.CombinedOutput()
			if err != nil {
				t.Fatalf("%s with %s: the job's exit code is its own, got %v\n%s", proto.scheme, c.name, err, out)
			}
			msg := string(out)
			t.Logf("%s with %s:\n%s", proto.scheme, c.name, msg)
			if !strings.Contains(msg, "2 line(s) not yet delivered wait in "+q) || !strings.Contains(msg, proto.refusal) ||
				!strings.Contains(msg, "authorization") {
				t.Errorf("%s with %s: want the refusal (%s) and 2 lines left in %s, got\n%s", proto.scheme, c.name, proto.refusal, q, msg)
			}
			if n := arrived(line); n != 0 {
				t.Fatalf("%s with %s: the line reached the Collector", proto.scheme, c.name)
			}
			if c.bearer == "" {
				continue // the queue names a destination without a token: it stays
			}
			// The token file fixed, the queue is delivered, each line once.
			tokenFile(filepath.Base(c.bearer), token)
			resume := exec.Command(conflog, "ship", "--resume", q, "--wait", "2m")
			if out, err := resume.CombinedOutput(); err != nil {
				t.Fatalf("conflog ship --resume %s after the token was fixed: %v\n%s", q, err, out)
			}
			want += 2 // the line and its run's summary
			col.WaitFor(want)
			if n := arrived(line); n != 1 {
				t.Fatalf("%s with %s, resumed: the line arrived under %d keys, want 1", proto.scheme, c.name, n)
			}
		}
	}
	got, copies, _ := col.Received()
	for _, body := range got {
		if strings.Contains(body, "PRIVATE") || !strings.HasPrefix(body, "SystemLog:") {
			t.Fatalf("%q reached the Collector", body)
		}
		if strings.Contains(body, "with no token") {
			t.Fatalf("a line sent without a token reached the Collector: %q", body)
		}
	}
	if len(got) != want {
		t.Errorf("%d distinct lines at the Collector, want %d", len(got), want)
	}
	t.Logf("%d distinct lines arrived, %d copies", len(got), copies)
}
