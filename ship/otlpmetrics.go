package ship

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	promb "go.opentelemetry.io/contrib/bridges/prometheus"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlpmetric/otlpmetricgrpc"
	"go.opentelemetry.io/otel/exporters/otlp/otlpmetric/otlpmetrichttp"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/resource"
	"google.golang.org/grpc/credentials"
)

// IsOTLP reports whether the destination takes OTLP, and so metrics too.
func (d *Destination) IsOTLP() bool { return d.scheme == "otlp+https" || d.scheme == "otlp+grpc" }

// ExportMetrics sends what g gathers (the gate's and the shippers'
// Prometheus counters, the same ones --metrics serves) to the OTLP
// destination d as OTLP metrics, every interval, through the OpenTelemetry
// Go SDK's otlpmetrichttp or otlpmetricgrpc exporter (as d's scheme says)
// with d's TLS settings and bearer token.
// The path is d's with /v1/logs made /v1/metrics (default /v1/metrics).
// The resource names the job as the logs' does (service.name,
// service.instance.id, host.name). stop exports once more
// and stops; an export that fails is dropped (the next one carries the
// counters' new totals).
func ExportMetrics(d *Destination, g prometheus.Gatherer, job Job, interval time.Duration) (stop func(context.Context) error, err error) {
	if !d.IsOTLP() {
		return nil, errors.New("metrics go only to an otlp+https or otlp+grpc destination")
	}
	cfg, err := d.files.config(time.Now())
	if err != nil {
		return nil, err
	}
	var hdr map[string]string
	if d.bearer != "" {
		hdr = map[string]string{"Authorization": "Bearer " + d.bearer}
	}
	var exp sdkmetric.Exporter
	if d.scheme == "otlp+grpc" {
		opts := []otlpmetricgrpc.Option{
			otlpmetricgrpc.WithEndpoint(d.addr),
			otlpmetricgrpc.WithTLSCredentials(credentials.NewTLS(cfg)),
			otlpmetricgrpc.WithRetry(otlpmetricgrpc.RetryConfig{Enabled: false}),
			otlpmetricgrpc.WithTimeout(10 * time.Second),
		}
		if hdr != nil {
			opts = append(opts, otlpmetricgrpc.WithHeaders(hdr))
		}
		exp, err = otlpmetricgrpc.New(context.Background(), opts...)
	} else {
		opts := []otlpmetrichttp.Option{
			otlpmetrichttp.WithEndpoint(d.addr),
			otlpmetrichttp.WithTLSClientConfig(cfg),
			otlpmetrichttp.WithRetry(otlpmetrichttp.RetryConfig{Enabled: false}),
			otlpmetrichttp.WithTimeout(10 * time.Second),
		}
		if p, ok := strings.CutSuffix(d.path, "/v1/logs"); ok {
			opts = append(opts, otlpmetrichttp.WithURLPath(p+"/v1/metrics"))
		}
		if hdr != nil {
			opts = append(opts, otlpmetrichttp.WithHeaders(hdr))
		}
		exp, err = otlpmetrichttp.New(context.Background(), opts...)
	}
	if err != nil {
		return nil, err
	}
	if job.Host == "" {
		job.Host = hostName()
	}
	h := newHeader(job, "")
	res := resource.NewSchemaless(
		attribute.String("service.name", h.app),
		attribute.String("service.instance.id", h.job),
		attribute.String("host.name", h.host),
	)
	reader := sdkmetric.NewPeriodicReader(exp, sdkmetric.WithInterval(interval),
		sdkmetric.WithProducer(promb.NewMetricProducer(promb.WithGatherer(g))))
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithResource(res), sdkmetric.WithReader(reader))
	return mp.Shutdown, nil
}
