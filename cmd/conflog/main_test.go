//go:build unix

package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"testing"

	"github.com/conflog/conflog/internal/channel"

	"github.com/rogpeppe/go-internal/testscript"
)

// TestMain lets the txtar scripts run this very binary as "conflog", and as
// "channel-send", which a job runs to send its stdin, as is, on the public
// channel its environment names (the Go client of internal/channel). With
// $CONFLOG_TEST_MAIN set, the test binary is conflog itself, for tests that
// must kill a real gate process.
func TestMain(m *testing.M) {
	// main itself, not conflogMain: "go vet -vettool=conflog" in the vet
	// script runs this binary with go vet's protocol, which main hands to
	// the analyzer before any verb is parsed.
	if os.Getenv("CONFLOG_TEST_MAIN") != "" {
		main()
	}
	commands := map[string]func(){
		"conflog":      main,
		"channel-send": channelSend,
		"gojob":        goJob,
	}
	if commands[filepath.Base(os.Args[0])] == nil {
		moreParallel()
		testscript.Main(inTempDir{m}, commands)
	}
	testscript.Main(m, commands)
}

// inTempDir runs the tests with TMPDIR set to a directory of their own,
// removed at the end, for every process they start: a gate a test kills
// with SIGKILL cannot remove its public channel's directory, which would
// otherwise stay behind in the machine's /tmp after every run.
type inTempDir struct{ m *testing.M }

func (t inTempDir) Run() int {
	dir, err := os.MkdirTemp("", "conflog-cmd-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	os.Setenv("TMPDIR", dir)
	return t.m.Run()
}

// moreParallel raises -parallel, unless it was given, from GOMAXPROCS to
// four times that: nearly every test here starts conflog and a job and then
// waits for them, so with two lanes on a two-core machine the package took
// 35 s of which 10 s were CPU. Called only when this binary runs as the
// test binary, not as one of the commands, whose flags are not go test's.
func moreParallel() {
	flag.Parse()
	given := false
	flag.Visit(func(f *flag.Flag) { given = given || f.Name == "test.parallel" })
	if !given {
		flag.Set("test.parallel", strconv.Itoa(4*runtime.GOMAXPROCS(0)))
	}
}

func channelSend() {
	c, err := channel.FromEnv(os.Getenv)
	if err == nil && c == nil {
		err = errors.New("no channel: " + channel.EnvChannel + " is not set")
	}
	var b []byte
	if err == nil {
		b, err = io.ReadAll(os.Stdin)
	}
	if err == nil {
		_, err = c.Write(b)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "channel-send:", err)
		os.Exit(1)
	}
}

// TestScripts runs the CLI's behaviour specs: one txtar file per feature in
// testdata/script beside it (see the testscript package for the language).
func TestScripts(t *testing.T) {
	t.Parallel()
	testscript.Run(t, testscript.Params{
		Dir:                 "testdata/script",
		RequireExplicitExec: true,
		RequireUniqueNames:  true,
	})
}
