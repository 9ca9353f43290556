// Package llm stands for a model client library: a generation call that
// returns the model's output, one that streams it to a callback.
package llm

import "context"

type Client struct{}

type CompletionResponse struct {
	Content    string
	EvalCount  int
	DoneReason string
}

func (c *Client) Generate(ctx context.Context, prompt string) (string, error) { return "", nil }

func (c *Client) Completion(ctx context.Context, prompt string, fn func(CompletionResponse)) error {
	return nil
}

func (c *Client) ListModels(ctx context.Context) ([]string, error) { return nil, nil }
