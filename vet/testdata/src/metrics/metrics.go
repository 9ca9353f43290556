// Package metrics exports a helper that logs publicly.
package metrics

import (
	"os"

	"github.com/conflog/conflog"
)

var logger = conflog.New(os.Stderr, "SystemLog:", nil)

// Gauge logs a named value publicly.
func Gauge(name string, v any) {
	logger.Info("gauge", conflog.Public, "name", name, "v", v)
}
