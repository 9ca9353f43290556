// Package errtext makes errors strings in public calls, which undoes
// conflog's scrubbing of errors in public records.
package errtext

import (
	"errors"
	"fmt"
	"log/slog"
	"os"

	"github.com/conflog/conflog"
)

var logger = conflog.New(os.Stderr, "SystemLog:", nil)

func load(path string) error {
	_, err := os.Open(path)
	return err
}

func idiom(path string) {
	err := load(path)
	logger.Error("load failed", conflog.Public, slog.String("error", err.Error())) // want `CL007 public call logs err.Error\(\), which is err.Error\(\)`
	logger.Error("load failed", conflog.Public, "error", fmt.Sprint(err))          // want `CL007 public call logs fmt.Sprint\(err\), which is the text of err`
	logger.Error("load failed", conflog.Public, "error", fmt.Sprintf("%v", err))   // want `CL007`
	logger.Error(err.Error(), conflog.Public)                                      // want `CL007 public log message err.Error\(\) is err.Error\(\), an error's text`
	logger.Error(fmt.Sprintf("load %s: %v", "x", err), conflog.Public)             // want `CL007`
	msg := "load: " + err.Error()
	logger.Error("load failed", conflog.Public, "why", msg) // want `CL007 public call logs msg`

	// Clean: the error itself (scrubbed by conflog), its type, a wrapped
	// error, and the text of an error in a private call.
	logger.Error("load failed", conflog.Public, "error", err, "type", fmt.Sprintf("%T", err))
	logger.Error("load failed", conflog.Public, "error", fmt.Errorf("load: %w", err))
	logger.Error("load failed", conflog.Public, "error", errors.Unwrap(err))
	logger.Error("load failed", "error", err.Error())
}
