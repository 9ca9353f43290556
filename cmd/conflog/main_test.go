package main

import (
	"errors"
	"fmt"
	"io"
	"os"
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
	if os.Getenv("CONFLOG_TEST_MAIN") != "" {
		os.Exit(conflogMain(&cli{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr}, os.Args[1:]))
	}
	testscript.Main(m, map[string]func(){
		"conflog": func() {
			os.Exit(conflogMain(&cli{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr}, os.Args[1:]))
		},
		"channel-send": channelSend,
		"gojob":        goJob,
	})
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
