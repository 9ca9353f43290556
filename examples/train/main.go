// Command train is a small training loop that logs the conflog way: public
// progress (flags, epochs, loss, the shape of a batch) with the prefix,
// customer data (a sample row, a file path in an error) without it.
//
// It fits a linear model by gradient descent on a tiny synthetic in-memory
// "customer" dataset, in well under a second:
//
//	go run ./examples/train                       # public lines start with SystemLog:
//	go run ./examples/train 2>&1 | grep ^SystemLog:  # what would leave the boundary
//	conflog run --prefix SystemLog: -- go run ./examples/train
//
// -stable drops times and durations, and fixes the pseudonym key unless
// TRAIN_PSEUDONYM_KEY sets one, so that the output can be compared byte for
// byte.
package main

import (
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math"
	"os"
	"time"

	"github.com/conflog/conflog"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stderr))
}

// row is one customer record: text nobody may read, features, a label.
type row struct {
	Text     string
	Email    string
	Features []float32
	Label    float32
}

// dataset builds the synthetic rows: label = 2·x0 − x1 + 0.5, exactly.
func dataset() []row {
	names := []string{"Jane Doe", "John Roe", "Ada Poe", "Max Moe", "Eva Loe", "Ian Koe", "Uma Foe", "Lea Hoe"}
	rows := make([]row, len(names))
	for i, n := range names {
		x0, x1 := float32(i)/4, float32(i%3)/2
		rows[i] = row{
			Text:     fmt.Sprintf("%s, %d Main St, card 4111 1111 1111 %04d", n, 10+i, 1000+i),
			Email:    fmt.Sprintf("customer%d@example.com", i),
			Features: []float32{x0, x1},
			Label:    2*x0 - x1 + 0.5,
		}
	}
	return rows
}

func run(args []string, stderr io.Writer) int {
	fs := flag.NewFlagSet("train", flag.ContinueOnError)
	fs.SetOutput(stderr)
	epochs := fs.Int("epochs", 3, "passes over the data")
	lr := fs.Float64("lr", 0.2, "learning rate")
	batchSize := fs.Int("batch", 4, "rows per batch")
	data := fs.String("data", "/secure/customers.csv", "customer data; the synthetic set is used if it cannot be read")
	stable := fs.Bool("stable", false, "omit times and durations, for tests")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *epochs < 1 || *batchSize < 1 {
		fmt.Fprintln(stderr, "train: -epochs and -batch must be at least 1")
		return 2
	}
	// The key of the pseudonyms: a secret of the project in a real job, so
	// that tokens match across runs. Without one, tokens hold for one run.
	opts := &conflog.Options{Key: []byte(os.Getenv("TRAIN_PSEUDONYM_KEY"))}
	if *stable {
		if len(opts.Key) == 0 {
			opts.Key = []byte("stable test key")
		}
		opts.ReplaceAttr = func(groups []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey || a.Key == "took" {
				return slog.Attr{}
			}
			return a
		}
	}
	logger := conflog.New(stderr, "SystemLog:", opts)
	slog.SetDefault(logger) // anything that logs through slog or log: private
	defer conflog.HandlePanic(logger)

	conflog.LogFlags(logger, fs, "epochs", "lr", "batch")

	rows := dataset()
	if _, err := os.Open(*data); err != nil {
		// The path may name a customer: public with the arguments scrubbed,
		// and in full in a private line.
		logger.Warn("customer data unavailable, using the synthetic set", conflog.Public,
			"err", conflog.Errorf("open %s: %w", *data, err), "rows", len(rows))
		logger.Warn("customer data unavailable", "err", err)
	}
	logger.Info("sample row", "text", rows[0].Text, "email", rows[0].Email)
	logger.Info("sample row", conflog.Public, "customer", conflog.Pseudonym(rows[0].Email),
		"text", conflog.Shape(rows[0].Text), "email", conflog.Mask(rows[0].Email, 4))

	w := []float32{0, 0}
	var b float32
	start := time.Now()
	var loss float64
	for epoch := 1; epoch <= *epochs; epoch++ {
		var sum float64
		for i := 0; i < len(rows); i += *batchSize {
			batch := rows[i:min(i+*batchSize, len(rows))]
			var gw [2]float32
			var gb float32
			for _, r := range batch {
				pred := w[0]*r.Features[0] + w[1]*r.Features[1] + b
				diff := pred - r.Label
				sum += float64(diff * diff)
				gw[0] += diff * r.Features[0]
				gw[1] += diff * r.Features[1]
				gb += diff
			}
			step := float32(*lr) * 2 / float32(len(batch))
			w[0] -= step * gw[0]
			w[1] -= step * gw[1]
			b -= step * gb
			if epoch == 1 && i == 0 {
				logger.Info("first batch", conflog.Public, "rows", conflog.Shape(batch), "features", conflog.Shape(batch[0].Features))
			}
		}
		loss = math.Round(sum/float64(len(rows))*1e4) / 1e4
		logger.Info("epoch finished", conflog.Public, "epoch", epoch, "loss", loss)
	}
	logger.Info("training finished", conflog.Public, "epochs", *epochs, "final_loss", loss, "took", time.Now().Sub(start))
	return 0
}
