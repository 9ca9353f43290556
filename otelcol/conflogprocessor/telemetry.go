package conflogprocessor

import (
	"context"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/otel/metric"
)

// telemetry is the processor's counters, as the Collector's own metrics
// (otelcol_conflog_… on its Prometheus endpoint).
type telemetry struct {
	records, public, private, blocked, broken, dropped metric.Int64Counter
	streams                                            metric.Int64Gauge
}

const scopeName = "github.com/conflog/conflog/otelcol/conflogprocessor"

func newTelemetry(set component.TelemetrySettings) (*telemetry, error) {
	m := set.MeterProvider.Meter(scopeName)
	t := &telemetry{}
	for _, c := range []struct {
		dst         *metric.Int64Counter
		name, unit  string
		description string
	}{
		{&t.records, "conflog.records", "{record}", "log records judged"},
		{&t.public, "conflog.lines.public", "{line}", "public lines sent on, each a record (notices and scrubbed trace lines included)"},
		{&t.private, "conflog.lines.private", "{line}", "lines dropped as private (held prefixed lines, cut lines' rests and structured bodies included)"},
		{&t.blocked, "conflog.lines.blocked", "{line}", "public lines the leak tripwire blocked or redacted"},
		{&t.broken, "conflog.streams.broken", "{stream}", "streams that failed closed: not seen from their first record, or out of order"},
		{&t.dropped, "conflog.streams.dropped", "{stream}", "stream states dropped: idle past the time-out, or the least recently used at max_streams"},
	} {
		var err error
		if *c.dst, err = m.Int64Counter(c.name, metric.WithUnit(c.unit), metric.WithDescription(c.description)); err != nil {
			return nil, err
		}
	}
	var err error
	t.streams, err = m.Int64Gauge("conflog.streams", metric.WithUnit("{stream}"), metric.WithDescription("streams whose state is kept"))
	return t, err
}

func (t *telemetry) record(ctx context.Context, c counts, streams int) {
	t.records.Add(ctx, c.records)
	t.public.Add(ctx, c.public)
	t.private.Add(ctx, c.private)
	t.blocked.Add(ctx, c.blocked)
	t.broken.Add(ctx, c.broken)
	t.dropped.Add(ctx, c.dropped)
	t.streams.Record(ctx, int64(streams))
}
