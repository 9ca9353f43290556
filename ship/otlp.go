package ship

import (
	"context"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlplog/otlploggrpc"
	"go.opentelemetry.io/otel/exporters/otlp/otlplog/otlploghttp"
	"go.opentelemetry.io/otel/log"
	sdklog "go.opentelemetry.io/otel/sdk/log"
	"go.opentelemetry.io/otel/sdk/resource"
	"google.golang.org/grpc/credentials"
)

// otlpConn sends lines as OTLP log records over HTTPS or gRPC through the
// OpenTelemetry Go SDK's exporters (otlploghttp, otlploggrpc); everything
// but the exporter is shared, so both schemes send the same records. Unlike syslog, OTLP acknowledges: a
// batch the exporter returned from without error was accepted, so it is
// confirmed at once. The SDK's own retries are off: the queue retries.
//
// Each record: the line as its body, unchanged; its time; the severity
// parsed from it (see severity); attributes conflog.queue and conflog.seq,
// the receiver's de-duplication key. The resource names the job that
// queued the line (see [Job]): service.name (its name), service.instance.id
// (its id), host.name; and conflog.queue.
type otlpConn struct {
	ctx     context.Context
	exp     sdklog.Exporter
	batch   *batchProcessor
	h       headers
	loggers map[header]log.Logger // one provider, with its resource, per job
	acked   uint64
}

// batchProcessor gathers the records the logger emits, with the provider's
// resource set, for send to export them itself and see the error.
type batchProcessor struct{ recs []sdklog.Record }

func (p *batchProcessor) OnEmit(_ context.Context, r *sdklog.Record) error {
	p.recs = append(p.recs, r.Clone())
	return nil
}
func (p *batchProcessor) Enabled(context.Context, sdklog.EnabledParameters) bool { return true }
func (p *batchProcessor) Shutdown(context.Context) error                         { return nil }
func (p *batchProcessor) ForceFlush(context.Context) error                       { return nil }

func dialOTLP(ctx context.Context, d *Destination, h header) (*otlpConn, error) {
	cfg, err := d.files.config(time.Now())
	if err != nil {
		return nil, err
	}
	var hdr map[string]string
	if d.bearer != "" {
		hdr = map[string]string{"Authorization": "Bearer " + d.bearer}
	}
	var exp sdklog.Exporter
	switch d.scheme {
	case "otlp+grpc":
		// credentials.NewTLS keeps cfg's ServerName, RootCAs, client
		// certificate and MinVersion: the same checks as over HTTPS.
		opts := []otlploggrpc.Option{
			otlploggrpc.WithEndpoint(d.addr),
			otlploggrpc.WithTLSCredentials(credentials.NewTLS(cfg)),
			otlploggrpc.WithRetry(otlploggrpc.RetryConfig{Enabled: false}),
			otlploggrpc.WithTimeout(30 * time.Second),
		}
		if hdr != nil {
			opts = append(opts, otlploggrpc.WithHeaders(hdr))
		}
		exp, err = otlploggrpc.New(ctx, opts...)
	default:
		opts := []otlploghttp.Option{
			otlploghttp.WithEndpoint(d.addr),
			otlploghttp.WithTLSClientConfig(cfg),
			otlploghttp.WithRetry(otlploghttp.RetryConfig{Enabled: false}),
			otlploghttp.WithTimeout(30 * time.Second),
		}
		if d.path != "" {
			opts = append(opts, otlploghttp.WithURLPath(d.path))
		}
		if hdr != nil {
			opts = append(opts, otlploghttp.WithHeaders(hdr))
		}
		exp, err = otlploghttp.New(ctx, opts...)
	}
	if err != nil {
		return nil, err
	}
	return &otlpConn{ctx: ctx, exp: exp, batch: &batchProcessor{}, h: headers{def: h}, loggers: map[header]log.Logger{}}, nil
}

// logger is the logger of the job of h, its resource naming the job.
func (c *otlpConn) logger(h header) log.Logger {
	if l, ok := c.loggers[h]; ok {
		return l
	}
	res := resource.NewSchemaless(
		attribute.String("service.name", h.app),
		attribute.String("service.instance.id", h.job),
		attribute.String("host.name", h.host),
		attribute.String("conflog.queue", h.queue),
	)
	lp := sdklog.NewLoggerProvider(sdklog.WithResource(res), sdklog.WithProcessor(c.batch))
	l := lp.Logger("github.com/conflog/conflog/ship")
	c.loggers[h] = l
	return l
}

func (c *otlpConn) send(recs []Record, end uint64) error {
	c.batch.recs = c.batch.recs[:0]
	now := time.Now()
	for _, r := range recs {
		var lr log.Record
		lvl := severity(r.Line)
		lr.SetTimestamp(r.Time)
		lr.SetObservedTimestamp(now)
		lr.SetSeverity(log.Severity(lvl.otel))
		lr.SetSeverityText(lvl.text)
		lr.SetBody(attribute.StringValue(string(r.Line)))
		h := *c.h.of(&r)
		lr.AddAttributes(attribute.String("conflog.queue", h.queue), attribute.Int64("conflog.seq", int64(r.Seq)))
		if r.Event == EventBlocked {
			n := parseBlocked(r.Line)
			lr.SetEventName(EventBlocked)
			lr.AddAttributes(attribute.String("conflog.detector", n.Detector), attribute.Int("conflog.column", n.Column),
				attribute.String("conflog.stream", n.Stream), attribute.String("conflog.job", n.Job))
		}
		c.logger(h).Emit(c.ctx, lr)
	}
	if len(c.batch.recs) > 0 {
		if err := c.exp.Export(c.ctx, c.batch.recs); err != nil {
			return err
		}
	}
	c.acked = end
	return nil
}

func (c *otlpConn) confirmed(time.Time) uint64 { return c.acked }
func (c *otlpConn) broken() error              { return nil }

func (c *otlpConn) close(wait time.Duration) uint64 {
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	c.exp.Shutdown(ctx)
	return c.acked
}
