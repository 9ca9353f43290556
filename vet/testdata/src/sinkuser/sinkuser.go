// Package sinkuser does not import conflog, yet hands private data to a
// helper of another package that logs it publicly.
package sinkuser

import (
	"os"

	"metrics"
)

func report() {
	metrics.Gauge("home", os.Getenv("HOME")) // want `CL003 public call in metrics.Gauge logs os.Getenv\("HOME"\), which comes from os.Getenv`
	metrics.Gauge("args", len(os.Args))
}
