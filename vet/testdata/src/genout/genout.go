// Package genout logs what a model generated: its output is customer data,
// returned or handed to a streaming callback.
package genout

import (
	"context"
	"os"

	"example.com/llm"

	"github.com/conflog/conflog"
)

var logger = conflog.New(os.Stderr, "SystemLog:", nil)

func generate(ctx context.Context, c *llm.Client) { // want generate:"logs parameters publicly"
	out, err := c.Generate(ctx, "hello")
	logger.Info("generated", conflog.Public, "out", out) // want `CL003 public call logs out, which comes from model output \(llm.Client.Generate\)`
	c.Completion(ctx, "hello", func(cr llm.CompletionResponse) {
		logger.Info("chunk", conflog.Public, "content", cr.Content) // want `CL003 .*model output \(callback of llm.Client.Completion\)`
		logger.Info("chunk", conflog.Public, "n", cr.EvalCount)
	})
	models, _ := c.ListModels(ctx)
	// Clean: counts, the error (scrubbed), a listing that is not generated.
	logger.Info("generated", conflog.Public, "len", len(out), "err", err, "model", models[0])
}
