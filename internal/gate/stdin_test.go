//go:build unix

package gate

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/conflog/conflog/scrub"
)

// A stdin the job could write through is a way out around the filters:
// inetd, socat's EXEC and socket-activated services give the gate one socket
// as stdin and stdout, and a file opened read-write (0<>) takes what is
// written to it. The job reads such a stdin through a pipe the gate fills,
// so what it writes to fd 0 reaches neither (it bypassed every filter, so
// --strict too), while what it reads is the same. (Red team: under --strict, `echo row >&0` went out
// on the gate's stdout socket unjudged.)
func TestJobCannotWriteThroughStdin(t *testing.T) {
	t.Parallel()
	const job = `read line
echo "SystemLog: read $line"
echo "LEAK jane@example.com" >&0
echo "SystemLog: LEAK prefixed" >&0
echo "SystemLog: done"`
	check := func(t *testing.T, out string) {
		t.Helper()
		if out != "SystemLog: read row 9\nSystemLog: done\n" {
			t.Errorf("public output %q: want the line read and done", out)
		}
	}

	t.Run("socket", func(t *testing.T) {
		t.Parallel()
		// As os/exec's own descriptors are made: no fork in between.
		syscall.ForkLock.RLock()
		fds, err := syscall.Socketpair(syscall.AF_UNIX, syscall.SOCK_STREAM, 0)
		if err == nil {
			syscall.CloseOnExec(fds[0])
			syscall.CloseOnExec(fds[1])
		}
		syscall.ForkLock.RUnlock()
		if err != nil {
			t.Fatal(err)
		}
		gateEnd, peer := os.NewFile(uintptr(fds[0]), "gate"), os.NewFile(uintptr(fds[1]), "peer")
		defer peer.Close()
		if _, err := peer.WriteString("row 9\n"); err != nil {
			t.Fatal(err)
		}
		syscall.Shutdown(fds[1], syscall.SHUT_WR)
		var out bytes.Buffer
		res, err := Run(context.Background(), Config{
			Argv:   []string{"sh", "-c", job},
			Filter: scrub.Options{Prefix: "SystemLog:"},
			Stdin:  gateEnd,
			Stdout: &out,
			Stderr: io.Discard,
		})
		gateEnd.Close()
		if err != nil || res.Code != 0 {
			t.Fatalf("exit %d, err %v", res.Code, err)
		}
		check(t, out.String())
		// Every copy of the gate's end is closed once Run has returned
		// and the forwarder has read to the end of its input.
		got, _ := io.ReadAll(peer)
		if len(got) > 0 {
			t.Errorf("the job wrote %q to the socket its stdin was", got)
		}
	})

	t.Run("read-write file", func(t *testing.T) {
		t.Parallel()
		path := filepath.Join(t.TempDir(), "in")
		if err := os.WriteFile(path, []byte("row 9\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		in, err := os.OpenFile(path, os.O_RDWR, 0)
		if err != nil {
			t.Fatal(err)
		}
		defer in.Close()
		var out bytes.Buffer
		res, err := Run(context.Background(), Config{
			Argv:   []string{"sh", "-c", job},
			Filter: scrub.Options{Prefix: "SystemLog:"},
			Stdin:  in,
			Stdout: &out,
			Stderr: io.Discard,
		})
		if err != nil || res.Code != 0 {
			t.Fatalf("exit %d, err %v", res.Code, err)
		}
		check(t, out.String())
		if b, _ := os.ReadFile(path); strings.Contains(string(b), "LEAK") {
			t.Errorf("the job wrote to its stdin's file: %q", b)
		}
	})
}
