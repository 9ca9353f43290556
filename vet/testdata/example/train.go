// Package train is the module ExampleCheck checks.
package train

import (
	"os"

	"github.com/conflog/conflog"
)

var logger = conflog.New(os.Stderr, "SystemLog:", nil)

func Epoch(epoch int, loss float64, prompt string) {
	logger.Info("epoch finished", conflog.Public, "epoch", epoch, "loss", loss)
	logger.Info("epoch finished", conflog.Public, "prompt", prompt)
	logger.Info("prompt", "prompt", prompt) // private: fine
}
