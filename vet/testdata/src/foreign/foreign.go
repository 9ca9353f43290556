// Package foreign logs through slog loggers conflog did not build.
package foreign

import (
	"log/slog"
	"os"

	"github.com/conflog/conflog"
)

var (
	text    = slog.New(slog.NewTextHandler(os.Stderr, nil))
	handler = slog.NewJSONHandler(os.Stdout, nil)
	jsonLog = slog.New(handler)
	good    = conflog.New(os.Stderr, "SystemLog:", nil)
	viaH    = slog.New(conflog.NewHandler(os.Stderr, "SystemLog:", nil))
)

func init() {
	slog.SetDefault(text)
}

func logs(l *slog.Logger) {
	text.Info("x")                       // want `CL006 slog.Info on a logger not built by conflog`
	jsonLog.Warn("y", "k", 1)            // want `CL006 slog.Warn`
	text.With("run", 1).Error("z")       // want `CL006`
	slog.Info("default is foreign")      // want `CL006`
	slog.Default().Info("default again") // want `CL006`

	// Clean: conflog-built loggers, and a logger whose origin is not visible.
	good.Info("x")
	good.With("run", 1).Info("x")
	viaH.Info("x", conflog.Public)
	l.Info("x")
}
