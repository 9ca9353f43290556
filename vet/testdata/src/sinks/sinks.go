// Package sinks holds helpers that log their parameters publicly: the leak
// is reported where private data is handed to them.
package sinks

import (
	"os"
	"strings"

	"github.com/conflog/conflog"
)

var logger = conflog.New(os.Stderr, "SystemLog:", nil)

// logMetric logs v publicly: a sink for its parameter v (and name).
func logMetric(name string, v any) { // want logMetric:"logs parameters publicly"
	logger.Info("metric", conflog.Public, "name", name, "v", v)
}

// record wraps logMetric: its parameter x becomes a sink too.
func record(x any) { // want record:"logs parameters publicly"
	logMetric("x", x)
}

// publicf passes its variadic args on to a public call, the way wrapper
// helpers add the marker.
func publicf(args ...any) { // want publicf:"logs parameters publicly"
	logger.Info("event", append(args, conflog.Public)...)
}

// publicInfo takes the message too: callers must pass a constant.
func publicInfo(msg string, args ...any) { // want publicInfo:"logs parameters publicly"
	logger.Info(msg, append(args, conflog.Public)...)
}

// step wraps publicInfo, passing its own message on.
func step(msg string, n int) { // want step:"logs parameters publicly"
	publicInfo(msg, "n", n)
}

// quiet logs its parameter privately: not a sink.
func quiet(v any) { logger.Info("quiet", "v", v) }

func use(path string, epoch int, u struct{ Name string }) {
	raw, _ := os.ReadFile(path)
	rows := strings.Split(string(raw), "\n")
	logMetric("row", rows[0])                  // want `CL003 public call in logMetric logs rows\[0\], which comes from os.ReadFile`
	record(rows)                               // want `CL003 public call in record logs rows`
	publicf("first", rows[0], "n", 3)          // want `CL003 public call in publicf logs rows\[0\]`
	publicf(rows)                              // want `CL003`
	logMetric("user", u)                       // want `CL002 public call in logMetric prints u whole \(a struct\)`
	publicInfo("loaded "+path, "n", len(rows)) // want `CL001 message of the public call in publicInfo, "loaded " \+ path is not a constant`
	publicInfo("loaded", "row", rows[1])       // want `CL003 public call in publicInfo logs rows\[1\]`
	step(rows[2], 1)                           // want `CL001 message of the public call in step, rows\[2\]`

	// Clean: numbers, sanitised values, a private helper.
	logMetric("epoch", epoch)
	logMetric("rows", len(rows))
	record(conflog.Shape(rows))
	publicf("epoch", epoch, "shape", conflog.Shape(rows))
	quiet(rows[0])
	publicInfo("loaded", "n", len(rows))
	step("epoch", epoch)
}
