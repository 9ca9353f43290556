// Package ignore exercises //conflog:ignore directives.
package ignore

import (
	"fmt"
	"os"

	"github.com/conflog/conflog"
)

var logger = conflog.New(os.Stderr, "SystemLog:", nil)

func f(args []string) {
	name, token := args[0], args[1]
	logger.Info(name, conflog.Public) //conflog:ignore CL001 name is a run name chosen by the operator
	//conflog:ignore CL002 the token is a per-run public nonce
	logger.Info("run", conflog.Public, "token", token)
	//conflog:ignore CL001,CL002 both reviewed: operator-chosen values
	logger.Info(name, conflog.Public, "token", token)

	// A directive without a reason, or with an unknown ID, silences nothing.
	logger.Info(name, conflog.Public) //conflog:ignore CL001 // want `CL000 conflog:ignore directive gives no reason` `CL001`
	logger.Info(name, conflog.Public) //conflog:ignore CL009 typo // want `CL000 .*unknown finding ID "CL009"` `CL001`
	logger.Info(name, conflog.Public) //conflog:ignore // want `CL000 .*names no finding ID` `CL001`

	// A directive for another ID does not cover this one, and is itself
	// reported: it silences nothing.
	fmt.Println(token) //conflog:ignore CL001 wrong id // want `CL005` `CL000 .*names CL001, but no CL001 finding`

	// A stale directive: the code it was written for is gone.
	//conflog:ignore CL002 the token was a public nonce // want `CL000 .*names CL002, but no CL002 finding .*remove CL002`
	logger.Info("run", conflog.Public)

	// Of two IDs, the one that silences nothing is reported.
	logger.Info(name, conflog.Public) //conflog:ignore CL001,CL002 reviewed // want `CL000 .*names CL002`

	// A trailing directive covers only its own line.
	logger.Info(name, conflog.Public) //conflog:ignore CL001 reviewed
	logger.Info(name, conflog.Public) // want `CL001`
}

// A parameter used as the message makes callers responsible for passing a
// constant; a directive on that line takes the responsibility here instead.
func step(run string) {
	logger.Info(run, conflog.Public) //conflog:ignore CL001 run names are chosen by the operator
}

func stepCaller(args []string) {
	step(args[0])
}
