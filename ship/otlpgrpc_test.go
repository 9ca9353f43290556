package ship

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/conflog/conflog/internal/rsyslogtest"
	collogs "go.opentelemetry.io/proto/otlp/collector/logs/v1"
	colmetrics "go.opentelemetry.io/proto/otlp/collector/metrics/v1"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
)

// grpcReceiver is an OTLP/gRPC server built from grpc-go and the
// protocol's own service definitions: TLS 1.2+, a client certificate from
// the test's CA required, and the bearer token checked on every call.
type grpcReceiver struct {
	collogs.UnimplementedLogsServiceServer
	colmetrics.UnimplementedMetricsServiceServer
	token   string
	mu      sync.Mutex
	bodies  []string
	keys    map[string]string
	metrics int
	denied  int
}

func (r *grpcReceiver) authorized(ctx context.Context) error {
	md, _ := metadata.FromIncomingContext(ctx)
	if v := md.Get("authorization"); len(v) != 1 || v[0] != "Bearer "+r.token {
		r.mu.Lock()
		r.denied++
		r.mu.Unlock()
		return status.Error(codes.Unauthenticated, "bad token")
	}
	return nil
}

func (r *grpcReceiver) Export(ctx context.Context, req *collogs.ExportLogsServiceRequest) (*collogs.ExportLogsServiceResponse, error) {
	if err := r.authorized(ctx); err != nil {
		return nil, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, rl := range req.GetResourceLogs() {
		for _, sl := range rl.GetScopeLogs() {
			for _, lr := range sl.GetLogRecords() {
				attrs := map[string]string{}
				for _, kv := range lr.GetAttributes() {
					attrs[kv.GetKey()] = fmt.Sprint(kv.GetValue().GetStringValue(), kv.GetValue().GetIntValue())
				}
				body := lr.GetBody().GetStringValue()
				r.bodies = append(r.bodies, body)
				r.keys[attrs["conflog.queue"]+"/"+attrs["conflog.seq"]] = body
			}
		}
	}
	return &collogs.ExportLogsServiceResponse{}, nil
}

type grpcMetrics struct{ *grpcReceiver }

func (m grpcMetrics) Export(ctx context.Context, req *colmetrics.ExportMetricsServiceRequest) (*colmetrics.ExportMetricsServiceResponse, error) {
	if err := m.authorized(ctx); err != nil {
		return nil, err
	}
	m.mu.Lock()
	m.metrics += len(req.GetResourceMetrics())
	m.mu.Unlock()
	return &colmetrics.ExportMetricsServiceResponse{}, nil
}

func startGRPC(t *testing.T, p *rsyslogtest.PKI, token string) (*grpcReceiver, string) {
	t.Helper()
	pair, err := tls.LoadX509KeyPair(p.ServerCert, p.ServerKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, err := os.ReadFile(p.CA.File)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(ca)
	srv := grpc.NewServer(grpc.Creds(credentials.NewTLS(&tls.Config{
		Certificates: []tls.Certificate{pair}, ClientCAs: pool, ClientAuth: tls.RequireAndVerifyClientCert, MinVersion: tls.VersionTLS12,
	})))
	r := &grpcReceiver{token: token, keys: map[string]string{}}
	collogs.RegisterLogsServiceServer(srv, r)
	colmetrics.RegisterMetricsServiceServer(srv, grpcMetrics{r})
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(l)
	t.Cleanup(srv.Stop)
	return r, l.Addr().String()
}

// TestOTLPGRPCBearerMetrics: over otlp+grpc, lines arrive each under one
// (conflog.queue, conflog.seq), no private line; the bearer token travels
// as gRPC metadata and the counters go out as OTLP metrics to the same
// server. (Its refusals are TestOTLPRefusesWrongCredentials's, with
// HTTPS's.)
func TestOTLPGRPCBearerMetrics(t *testing.T) {
	p := rsyslogtest.NewPKI(t)
	r, addr := startGRPC(t, p, "s3cret")
	d, err := ParseDestination(otlpURL(t, p, "otlp+grpc", addr, "s3cret", nil))
	if err != nil {
		t.Fatal(err)
	}
	if !d.IsOTLP() {
		t.Fatal("otlp+grpc is not OTLP")
	}
	shipWithMetrics(t, d, Job{Name: "train", ID: "grpc-7"}, 200, nil)
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.keys) != 200 || len(r.bodies) != 200 {
		t.Errorf("%d distinct records (%d in all), want 200", len(r.keys), len(r.bodies))
	}
	for _, b := range r.bodies {
		if strings.Contains(b, "PRIVATE") || !strings.HasPrefix(b, "SystemLog:") {
			t.Errorf("%q arrived", b)
		}
	}
	if r.metrics == 0 {
		t.Error("no OTLP metrics arrived over gRPC")
	}
}
