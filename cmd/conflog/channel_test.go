//go:build unix

package main

import (
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"log/slog"

	"github.com/conflog/conflog"
	"github.com/conflog/conflog/internal/channel"
)

// End-to-end tests of the public channel v1 (internal/channel/SPEC.md) under
// conflog run --strict, where only the channel can carry public lines. The
// job is "gojob", this test binary playing a Go job (see main_test.go).

// goJob is a Go job that logs through conflog's handler; os.Args[1] is
// what it does:
//
//	spawn             start "gojob log child" with os/exec, no extra files; log "parent"
//	log NAME          log one public record and one private one, as NAME
//	datafile PATH     open PATH first, name it in a stale CONFLOG_PUBLIC_FD; log
//	planted PATH      name the socket at PATH as the channel; log
//	big N G           start N "gojob big 0 G" children and log G goroutines'
//	                  worth of records over 64 KiB, concurrently
//	stall             stop the gate (the parent) for its first record, past
//	                  the greeting deadline, then log 60 more, 50 ms apart
func goJob() {
	if os.Args[1] == "planted" {
		// Something of the job's own pretends to be the channel.
		os.Setenv(channel.EnvChannel, "unix:"+os.Args[2])
	}
	logger := conflog.New(os.Stderr, "SystemLog:", &conflog.Options{ReplaceAttr: dropTimeAttr})
	switch os.Args[1] {
	case "spawn":
		child := exec.Command("gojob", "log", "child")
		child.Stderr = os.Stderr
		if err := child.Run(); err != nil {
			fmt.Fprintln(os.Stderr, "gojob:", err)
			os.Exit(1)
		}
		logger.Info("record", conflog.Public, "from", "parent")
	case "log":
		logger.Info("record", conflog.Public, "from", os.Args[2]) //conflog:ignore CL003 the test's own label for the job, not data
		logger.Info("private record", "row", "alice@example.com")
	case "planted":
		logger.Info("record", conflog.Public, "from", "planted job")
	case "datafile":
		f, err := os.OpenFile(os.Args[2], os.O_WRONLY|os.O_APPEND, 0)
		if err != nil {
			fmt.Fprintln(os.Stderr, "gojob:", err)
			os.Exit(1)
		}
		defer f.Close()
		os.Setenv(channel.EnvPublicFD, strconv.Itoa(int(f.Fd())))
		logger.Info("record", conflog.Public, "from", "datafile job")
	case "stall":
		gate := os.Getppid()
		syscall.Kill(gate, syscall.SIGSTOP)
		waitStopped(gate)
		logger.Info("stalled", conflog.Public, "n", 0)
		syscall.Kill(gate, syscall.SIGCONT)
		// 3 s in all, whatever the load: past the client's first backoff.
		for n := 1; n <= 60; n++ {
			time.Sleep(50 * time.Millisecond)
			logger.Info("stalled", conflog.Public, "n", n)
		}
	case "big":
		children, _ := strconv.Atoi(os.Args[2])
		goroutines, _ := strconv.Atoi(os.Args[3])
		var wg sync.WaitGroup
		for c := range children {
			wg.Add(1)
			go func() {
				defer wg.Done()
				child := exec.Command("gojob", "big", "0", os.Args[3])
				child.Env = append(os.Environ(), "GOJOB_ID="+strconv.Itoa(c+1))
				child.Stderr = os.Stderr
				child.Run()
			}()
		}
		for g := range goroutines {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range 3 {
					id := fmt.Sprintf("%s.%d.%d", os.Getenv("GOJOB_ID"), g, i)
					logger.Info("big", conflog.Public, "id", id, "pad", bigPad(id))
				}
			}()
		}
		wg.Wait()
	}
}

// waitStopped returns once every thread of pid is stopped, as /proc shows
// it: SIGSTOP is delivered asynchronously, and a thread of the gate still
// running could greet the first record.
func waitStopped(pid int) {
	for {
		tasks, _ := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/stat", pid))
		stopped := len(tasks) > 0
		for _, task := range tasks {
			b, err := os.ReadFile(task)
			// The state follows the command's closing parenthesis.
			if i := strings.LastIndexByte(string(b), ')'); err != nil || i < 0 || !strings.HasPrefix(string(b[i:]), ") T") {
				stopped = false
			}
		}
		if stopped {
			return
		}
		time.Sleep(time.Millisecond)
	}
}

func dropTimeAttr(groups []string, a slog.Attr) slog.Attr {
	if len(groups) == 0 && a.Key == "time" {
		return slog.Attr{}
	}
	return a
}

// bigPad is a record's padding, over 64 KiB and different for each id.
func bigPad(id string) string {
	return strings.Repeat(id[len(id)-1:], 65<<10+len(id)*977)
}

// TestChannelReachesChildProcess (issue 9 §2): a Go job's child, started
// with os/exec and no extra files, reaches the channel through the
// environment alone; under --strict its public record gets out, its private
// one does not.
func TestChannelReachesChildProcess(t *testing.T) {
	t.Parallel()
	stdout, stderr, code := gateRun(t, "run", "--strict", "--prefix", "SystemLog:", "--", "gojob", "spawn")
	if code != 0 {
		t.Fatalf("exit %d:\n%s", code, stderr)
	}
	for _, want := range []string{"SystemLog:level=INFO msg=record from=child\n", "SystemLog:level=INFO msg=record from=parent\n"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
	if stdout != "" || strings.Contains(stderr, "alice") || strings.Contains(stderr, "warning") {
		t.Errorf("stdout %q, stderr:\n%s", stdout, stderr)
	}
	if m := summaryRE.FindStringSubmatch(stderr); m == nil || m[2] != "2" || m[7] != "0" {
		t.Errorf("summary: want passed=2 held=0:\n%s", stderr)
	}
}

// TestStalePublicFDNotWrittenUnderRun (issue 9 §2, the predictions.csv
// report): a job whose environment names its first opened file in
// CONFLOG_PUBLIC_FD writes nothing to that file; its record gets out on the
// channel. run itself passes no CONFLOG_PUBLIC_FD on.
func TestStalePublicFDNotWrittenUnderRun(t *testing.T) {
	data := filepath.Join(t.TempDir(), "predictions.csv")
	if err := os.WriteFile(data, []byte("id,label\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv(channel.EnvPublicFD, "3")
	_, stderr, code := gateRun(t, "run", "--strict", "--prefix", "SystemLog:", "--", "gojob", "datafile", data)
	if code != 0 {
		t.Fatalf("exit %d:\n%s", code, stderr)
	}
	if b, _ := os.ReadFile(data); string(b) != "id,label\n" {
		t.Errorf("the job's data file became %q", b)
	}
	if !strings.Contains(stderr, "SystemLog:level=INFO msg=record from=\"datafile job\"\n") {
		t.Errorf("the record did not get out:\n%s", stderr)
	}
}

// TestChannelBigRecordsManyWriters (issue 9 §2 (c)): records over 64 KiB
// from concurrent goroutines in three processes, each with its own
// connection, all get out whole under --strict, none interleaved.
func TestChannelBigRecordsManyWriters(t *testing.T) {
	t.Parallel()
	const children, goroutines = 2, 3
	_, stderr, code := gateRun(t, "run", "--strict", "--detect", "off", "--prefix", "SystemLog:", "--", "gojob", "big", strconv.Itoa(children), strconv.Itoa(goroutines))
	if code != 0 {
		t.Fatalf("exit %d:\n%.2000s", code, stderr)
	}
	re := regexp.MustCompile(`^SystemLog:level=INFO msg=big id=(\S+) pad=(\S+)$`)
	seen := map[string]bool{}
	for _, line := range strings.Split(strings.TrimSuffix(stderr, "\n"), "\n") {
		if strings.HasPrefix(line, "SystemLog: conflog run:") {
			continue
		}
		m := re.FindStringSubmatch(line)
		if m == nil || m[2] != bigPad(m[1]) || seen[m[1]] {
			t.Fatalf("torn or repeated record: %.200q", line)
		}
		seen[m[1]] = true
	}
	if want := (children + 1) * goroutines * 3; len(seen) != want {
		t.Errorf("%d records, want %d", len(seen), want)
	}
}

// TestChannelPlantedSocketRefused (issue 9 §2 (a)): a job whose environment
// names a socket that is not this run's gate (in a directory others may
// use; one that greets with another token) never writes to it: its record
// falls back to stderr, where --strict holds it, with the warning.
func TestChannelPlantedSocketRefused(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name  string
		mode  os.FileMode
		greet string
	}{
		{"group may enter", 0o750, ""},
		{"another token", 0o700, "conflog-channel 1 " + strings.Repeat("0", 32) + "\n"},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			os.Chmod(dir, c.mode)
			sock := filepath.Join(dir, "public.sock")
			ln, err := net.Listen("unix", sock)
			if err != nil {
				t.Fatal(err)
			}
			received := make(chan int, 1)
			go func() {
				n := 0
				defer func() { received <- n }()
				conn, err := ln.Accept()
				if err != nil {
					return
				}
				io.WriteString(conn, c.greet)
				b, _ := io.ReadAll(conn)
				n = len(b)
			}()
			_, stderr, code := gateRun(t, "run", "--strict", "--prefix", "SystemLog:", "--", "gojob", "planted", sock)
			ln.Close()
			if code != 0 {
				t.Fatalf("exit %d:\n%s", code, stderr)
			}
			if n := <-received; n != 0 {
				t.Errorf("the planted socket received %d bytes", n)
			}
			if strings.Contains(stderr, "planted job") || strings.Contains(stderr, "warning: CONFLOG_CHANNEL") {
				t.Errorf("a line that fell back passed --strict:\n%s", stderr)
			}
			if m := summaryRE.FindStringSubmatch(stderr); m == nil || m[2] != "0" || m[7] != "2" {
				t.Errorf("summary: want passed=0 held=2 (the warning and the record):\n%s", stderr)
			}
		})
	}
}
