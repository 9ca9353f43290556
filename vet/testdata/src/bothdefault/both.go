// Package bothdefault installs both kinds of default logger in production
// code: which one is current is not visible, so neither is reported.
package bothdefault

import (
	"log/slog"
	"os"

	"github.com/conflog/conflog"
)

func setup(debug bool) {
	if !debug {
		slog.SetDefault(conflog.New(os.Stderr, "SystemLog:", nil))
		return
	}
	slog.SetDefault(slog.New(slog.NewTextHandler(os.Stderr, nil)))
}

func serve() {
	slog.Info("serving") // unknown default: not CL006
}
