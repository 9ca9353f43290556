package ship

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/conflog/conflog/internal/rsyslogtest"
	"github.com/prometheus/client_golang/prometheus"
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

func grpcURL(t *testing.T, p *rsyslogtest.PKI, addr, token string, extra url.Values) string {
	t.Helper()
	tok := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(tok, []byte(token+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	v := url.Values{"ca": {p.CA.File}, "cert": {p.ClientCert}, "key": {p.ClientKey}, "bearer_file": {tok}}
	for k, x := range extra {
		v[k] = x
	}
	return "otlp+grpc://" + addr + "?" + v.Encode()
}

// TestOTLPGRPCBearerMetricsAndRefusals: over otlp+grpc, lines arrive each
// under one (conflog.queue, conflog.seq), no private line; the bearer
// token travels as gRPC metadata and the counters go out as OTLP metrics
// to the same server; a wrong token, a wrong peer name (name=) and a
// client without a certificate each deliver nothing and leave the lines
// queued.
func TestOTLPGRPCBearerMetricsAndRefusals(t *testing.T) {
	p := rsyslogtest.NewPKI(t)
	r, addr := startGRPC(t, p, "s3cret")
	d, err := ParseDestination(grpcURL(t, p, addr, "s3cret", nil))
	if err != nil {
		t.Fatal(err)
	}
	if !d.IsOTLP() {
		t.Fatal("otlp+grpc is not OTLP")
	}
	s, err := New(d, t.TempDir(), Options{Prefix: "SystemLog:", Job: "train"})
	if err != nil {
		t.Fatal(err)
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(s.Collectors()...)
	stop, err := ExportMetrics(d, reg, Job{Name: "train", ID: "grpc-7"}, 50*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 200 {
		fmt.Fprintf(s, "SystemLog: level=INFO %d\nPRIVATE customer %d\n", i, i)
	}
	if err := s.Close(10 * time.Second); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := stop(ctx); err != nil {
		t.Fatal(err)
	}
	r.mu.Lock()
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
	r.mu.Unlock()

	for _, tc := range []struct {
		name, url, why string
	}{
		{"a wrong token", grpcURL(t, p, addr, "wrong", nil), "Unauthenticated"},
		{"a wrong peer name", grpcURL(t, p, addr, "s3cret", url.Values{"name": {"other.example"}}), "other.example"},
		// Under TLS 1.3 the server refuses after the client's handshake
		// ended: the client sees "certificate required" or a broken pipe.
		{"no client certificate", "otlp+grpc://" + addr + "?" + url.Values{"ca": {p.CA.File}}.Encode(), ""},
	} {
		d, err := ParseDestination(tc.url)
		if err != nil {
			t.Fatal(err)
		}
		s, err := New(d, t.TempDir(), Options{Prefix: "SystemLog:"})
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(s, "SystemLog: refused one\nSystemLog: refused two\n")
		err = s.Close(500 * time.Millisecond)
		if err == nil || !strings.Contains(err.Error(), "2 line(s) not yet delivered") || !strings.Contains(err.Error(), tc.why) {
			t.Errorf("%s: Close: %v, want the lines queued and %q", tc.name, err, tc.why)
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, b := range r.bodies {
		if strings.Contains(b, "refused") {
			t.Errorf("a refused client delivered %q", b)
		}
	}
	if r.denied == 0 {
		t.Error("the server never refused the wrong token")
	}
}
