// Package sinkuser does not import conflog, yet hands private data to a
// helper of another package that logs it publicly.
package sinkuser

import (
	"os"

	"metrics"
)

func report() {
	metrics.Gauge("file", mustRead("data.csv")) // want `CL003 public call in metrics.Gauge logs mustRead\("data.csv"\), which comes from os.ReadFile`
	metrics.Gauge("home", os.Getenv("HOME"))    // clean: not a secret by its name
	metrics.Gauge("args", len(os.Args))
}

func mustRead(name string) string { // want mustRead:"returns os.ReadFile"
	b, _ := os.ReadFile(name)
	return string(b)
}
