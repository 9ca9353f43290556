package conflogprocessor_test

import (
	"context"
	"fmt"

	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/processor/processortest"

	"github.com/conflog/conflog/otelcol/conflogprocessor"
)

// A distribution creates the processor from its factory and the YAML's
// settings; here one file's lines go through it as filelog reads them.
func ExampleNewFactory() {
	f := conflogprocessor.NewFactory()
	cfg := f.CreateDefaultConfig()
	if err := confmap.NewFromStringMap(map[string]any{"prefix": "SystemLog:"}).Unmarshal(cfg); err != nil {
		panic(err)
	}
	sink := new(consumertest.LogsSink)
	p, err := f.CreateLogs(context.Background(), processortest.NewNopSettings(f.Type()), cfg, sink)
	if err != nil {
		panic(err)
	}
	p.Start(context.Background(), componenttest.NewNopHost())
	defer p.Shutdown(context.Background())

	ld := plog.NewLogs()
	recs := ld.ResourceLogs().AppendEmpty().ScopeLogs().AppendEmpty().LogRecords()
	for i, line := range []string{
		"SystemLog: epoch 1 loss=0.31",
		"\x1b[32mSystemLog: colours are removed\x1b[0m",
		"alice@example.com,4111 1111 1111 1111",
		"SystemLog: 50%|█████     |\rSystemLog: 100%|██████████|",
		"Traceback (most recent call last):",
		`  File "train.py", line 9, in <module>`,
		"KeyError: 'alice@example.com'",
		"SystemLog: the message goes on: 4111 1111 1111 1111",
	} {
		r := recs.AppendEmpty()
		r.Body().SetStr(line)
		r.Attributes().PutStr("log.file.path", "/var/log/pods/ml_train/main/0.log")
		r.Attributes().PutInt("log.file.record_number", int64(i+1))
	}
	if err := p.ConsumeLogs(context.Background(), ld); err != nil {
		panic(err)
	}
	for _, ld := range sink.AllLogs() {
		recs := ld.ResourceLogs().At(0).ScopeLogs().At(0).LogRecords()
		for _, r := range recs.All() {
			fmt.Println(r.Body().Str())
		}
	}
	// Output:
	// SystemLog: epoch 1 loss=0.31
	// SystemLog: colours are removed
	// SystemLog: 50%|█████     |
	// SystemLog: 100%|██████████|
	// SystemLog: Traceback (most recent call last):
	// SystemLog:   File "train.py", line 9, in <module>
	// SystemLog: KeyError: [scrubbed]
}
