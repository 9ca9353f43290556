package main

import (
	"os"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
)

// TestMain lets the txtar scripts run this very binary as "conflog".
// With $CONFLOG_TEST_MAIN set, the test binary is conflog itself, for tests
// that must kill a real gate process.
func TestMain(m *testing.M) {
	if os.Getenv("CONFLOG_TEST_MAIN") != "" {
		os.Exit(conflogMain(&cli{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr}, os.Args[1:]))
	}
	testscript.Main(m, map[string]func(){
		"conflog": func() {
			os.Exit(conflogMain(&cli{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr}, os.Args[1:]))
		},
	})
}

// TestScripts runs the CLI's behaviour specs: one txtar file per feature in
// testdata/script at the module root (see the testscript package for the language).
func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir:                 "../../testdata/script",
		RequireExplicitExec: true,
		RequireUniqueNames:  true,
	})
}
