package conflog_test

import (
	"flag"
	"os"

	"github.com/conflog/conflog"
)

func ExampleLogFlags() {
	fs := flag.NewFlagSet("train", flag.ContinueOnError)
	epochs := fs.Int("epochs", 3, "passes over the data")
	data := fs.String("data", "/secure/customers.csv", "training data")
	fs.Parse([]string{"-epochs=5"})
	_, _ = epochs, data

	logger := conflog.New(os.Stdout, "SystemLog:", &conflog.Options{ReplaceAttr: noTime})
	conflog.LogFlags(logger, fs, "epochs")
	// Output:
	// SystemLog:level=INFO msg=flags epochs=5
	// level=INFO msg=flags data=/secure/customers.csv
}
