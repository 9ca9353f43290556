// Package testdefault installs conflog as the default logger in production
// code, while its TestMain installs a text handler for the tests' output.
package testdefault

import (
	"log/slog"
	"os"

	"github.com/conflog/conflog"
)

func init() {
	slog.SetDefault(conflog.New(os.Stderr, "SystemLog:", nil))
}

func serve() {
	// Clean: the default production installs is conflog's.
	slog.Info("serving")
}
