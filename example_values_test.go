package conflog_test

import (
	"os"

	"github.com/conflog/conflog"
)

func ExampleRedact() {
	logger := conflog.New(os.Stdout, "SystemLog:", &conflog.Options{ReplaceAttr: noTime})
	logger.Info("login", conflog.Public, "password", conflog.Redact("hunter2"))
	// Output:
	// SystemLog:level=INFO msg=login password=[REDACTED]
}

func ExampleMask() {
	logger := conflog.New(os.Stdout, "SystemLog:", &conflog.Options{ReplaceAttr: noTime})
	logger.Info("payment", conflog.Public, "card", conflog.Mask("4111111111111111", 4))
	// Output:
	// SystemLog:level=INFO msg=payment card=************1111
}

func ExamplePseudonym() {
	opts := &conflog.Options{Key: []byte("per-project key"), ReplaceAttr: noTime}
	logger := conflog.New(os.Stdout, "SystemLog:", opts)
	logger.Info("sample", conflog.Public, "user", conflog.Pseudonym("jane@example.com"))
	logger.Info("sample", conflog.Public, "user", conflog.Pseudonym("jane@example.com"))
	// Output:
	// SystemLog:level=INFO msg=sample user=pn:1d66a5c57bf91998
	// SystemLog:level=INFO msg=sample user=pn:1d66a5c57bf91998
}

type tensor struct{ dims []int }

func (t tensor) Shape() []int { return t.dims }

func ExampleShape() {
	logger := conflog.New(os.Stdout, "SystemLog:", &conflog.Options{ReplaceAttr: noTime})
	batch := make([]float32, 4096)
	images := tensor{[]int{32, 3, 224, 224}}
	logger.Info("batch", conflog.Public, "x", conflog.Shape(batch), "images", conflog.Shape(images))
	// Output:
	// SystemLog:level=INFO msg=batch x="[]float32 len=4096" images="conflog_test.tensor shape=[32 3 224 224]"
}
