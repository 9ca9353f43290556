// Package conflogprocessor is conflog's egress gate as an OpenTelemetry
// Collector logs processor: each log record's body is judged by the same
// code as `conflog scrub` (package scrub: the prefix rule after escape
// sequences are removed, '\r' ending a line, long lines cut; package
// traceback: crash traces re-emitted scrubbed; package detect: the leak
// tripwire). Only public lines leave it; everything else is dropped.
//
// Records of one stream arrive one line each, so the state a line's verdict
// depends on (a Python exception message in progress, a private-key block)
// is kept per stream: per resource, scope and configured record attributes,
// bounded in number and dropped when idle. A stream the processor did not
// see from its start, or whose records arrive out of order (its sequence
// attribute says so), fails closed: no line of it passes by its prefix.
package conflogprocessor

import (
	"context"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/processor"
	"go.opentelemetry.io/collector/processor/processorhelper"
)

// typeStr is the component's type, as configurations name it.
const typeStr = "conflog"

// stability is the processor's stability level for logs.
const stability = component.StabilityLevelDevelopment

// NewFactory returns the factory of the conflog processor, for a
// distribution's components list.
func NewFactory() processor.Factory {
	return processor.NewFactory(
		component.MustNewType(typeStr),
		func() component.Config { return createDefaultConfig() },
		processor.WithLogs(createLogs, stability),
	)
}

func createLogs(ctx context.Context, set processor.Settings, cfg component.Config, next consumer.Logs) (processor.Logs, error) {
	p, err := newProcessor(cfg.(*Config), set.TelemetrySettings)
	if err != nil {
		return nil, err
	}
	return processorhelper.NewLogs(ctx, set, cfg, next, p.processLogs,
		processorhelper.WithCapabilities(consumer.Capabilities{MutatesData: true}))
}
