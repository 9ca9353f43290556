// Package otlptest is an OTLP/HTTP receiver for tests: a real HTTPS server
// on 127.0.0.1 that requires a client certificate from the test's CA and a
// bearer token, and decodes each export with the OTLP protobuf types
// (go.opentelemetry.io/proto/otlp), to see exactly what the SDK sent; and
// [Collector], a real OpenTelemetry Collector process (conflog's builder
// distribution) with the otlp receiver over mutual TLS and the file
// exporter. Tests only.
package otlptest

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"sync"
	"testing"
	"time"

	collogs "go.opentelemetry.io/proto/otlp/collector/logs/v1"
	colmetrics "go.opentelemetry.io/proto/otlp/collector/metrics/v1"
	common "go.opentelemetry.io/proto/otlp/common/v1"
	logspb "go.opentelemetry.io/proto/otlp/logs/v1"
	metricspb "go.opentelemetry.io/proto/otlp/metrics/v1"
	"google.golang.org/protobuf/proto"
)

// A Log is one record received, with its resource's attributes.
type Log struct {
	Resource map[string]string
	Record   *logspb.LogRecord
	Attrs    map[string]string // the record's attributes, as strings
}

// A Receiver is one HTTPS server; Stop and Start restart it on the same
// address, as a Collector restarted in the middle of a job.
type Receiver struct {
	t     testing.TB
	addr  string
	tls   *tls.Config
	token string
	srv   *http.Server
	// Delay, when set, is how long each export waits before it is
	// answered: a slow destination.
	Delay time.Duration
	// Hold, when set, keeps every export waiting until it is closed (or the
	// request ends): a destination that answers nothing, with no clock in
	// the test's verdict.
	Hold chan struct{}

	mu      sync.Mutex
	logs    []Log
	metrics []*metricspb.ResourceMetrics
	denied  int // exports refused for a wrong or missing token
}

// Start serves on a free port of 127.0.0.1 with the server certificate
// and key, accepting only clients with a certificate signed by caFile and
// the header "Authorization: Bearer token". The test's cleanup stops it.
func Start(t testing.TB, caFile, certFile, keyFile, token string) *Receiver {
	t.Helper()
	pem, err := os.ReadFile(caFile)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(pem)
	pair, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		t.Fatal(err)
	}
	r := &Receiver{t: t, token: token, tls: &tls.Config{
		Certificates: []tls.Certificate{pair}, ClientCAs: pool, ClientAuth: tls.RequireAndVerifyClientCert, MinVersion: tls.VersionTLS12,
	}}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	r.addr = l.Addr().String()
	r.serve(l)
	t.Cleanup(r.Stop)
	return r
}

// Addr is HOST:PORT.
func (r *Receiver) Addr() string { return r.addr }

func (r *Receiver) serve(l net.Listener) {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/logs", func(w http.ResponseWriter, req *http.Request) {
		var msg collogs.ExportLogsServiceRequest
		if !r.decode(w, req, &msg) {
			return
		}
		r.mu.Lock()
		for _, rl := range msg.GetResourceLogs() {
			res := attrs(rl.GetResource().GetAttributes())
			for _, sl := range rl.GetScopeLogs() {
				for _, lr := range sl.GetLogRecords() {
					r.logs = append(r.logs, Log{Resource: res, Record: lr, Attrs: attrs(lr.GetAttributes())})
				}
			}
		}
		r.mu.Unlock()
		r.reply(w, &collogs.ExportLogsServiceResponse{})
	})
	mux.HandleFunc("POST /v1/metrics", func(w http.ResponseWriter, req *http.Request) {
		var msg colmetrics.ExportMetricsServiceRequest
		if !r.decode(w, req, &msg) {
			return
		}
		r.mu.Lock()
		r.metrics = append(r.metrics, msg.GetResourceMetrics()...)
		r.mu.Unlock()
		r.reply(w, &colmetrics.ExportMetricsServiceResponse{})
	})
	r.srv = &http.Server{Handler: mux, TLSConfig: r.tls, ReadHeaderTimeout: 10 * time.Second, ErrorLog: nil}
	r.srv.ErrorLog = nil
	go r.srv.Serve(tls.NewListener(l, r.tls))
}

func (r *Receiver) decode(w http.ResponseWriter, req *http.Request, m proto.Message) bool {
	if req.Header.Get("Authorization") != "Bearer "+r.token {
		r.mu.Lock()
		r.denied++
		r.mu.Unlock()
		http.Error(w, "unauthorized", http.StatusUnauthorized)
		return false
	}
	if ct := req.Header.Get("Content-Type"); ct != "application/x-protobuf" {
		http.Error(w, "content type "+ct, http.StatusUnsupportedMediaType)
		return false
	}
	b, err := io.ReadAll(req.Body)
	if err != nil {
		return false
	}
	if err := proto.Unmarshal(b, m); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return false
	}
	if r.Delay > 0 {
		time.Sleep(r.Delay)
	}
	if r.Hold != nil {
		select {
		case <-r.Hold:
		case <-req.Context().Done():
		}
	}
	return true
}

func (r *Receiver) reply(w http.ResponseWriter, m proto.Message) {
	b, _ := proto.Marshal(m)
	w.Header().Set("Content-Type", "application/x-protobuf")
	w.Write(b)
}

func attrs(kvs []*common.KeyValue) map[string]string {
	m := map[string]string{}
	for _, kv := range kvs {
		v := kv.GetValue()
		switch x := v.GetValue().(type) {
		case *common.AnyValue_StringValue:
			m[kv.GetKey()] = x.StringValue
		case *common.AnyValue_IntValue:
			m[kv.GetKey()] = fmt.Sprint(x.IntValue)
		default:
			m[kv.GetKey()] = fmt.Sprint(v)
		}
	}
	return m
}

// Stop closes the server and its connections at once, as a crash would.
func (r *Receiver) Stop() {
	if r.srv != nil {
		r.srv.Close()
		r.srv = nil
	}
}

// Start serves again on the same address.
func (r *Receiver) Start() {
	r.t.Helper()
	var l net.Listener
	var err error
	for range 100 {
		if l, err = net.Listen("tcp", r.addr); err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		r.t.Fatal(err)
	}
	r.serve(l)
}

// Logs returns every record received, copies included.
func (r *Receiver) Logs() []Log {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Log(nil), r.logs...)
}

// Metrics returns every resource's metrics received.
func (r *Receiver) Metrics() []*metricspb.ResourceMetrics {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]*metricspb.ResourceMetrics(nil), r.metrics...)
}

// Denied counts the exports refused for their token.
func (r *Receiver) Denied() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.denied
}

// Distinct returns the bodies received by (queue, seq), the receiver's
// de-duplication key, and fails the test if one key arrived with two
// bodies or without its attributes.
func (r *Receiver) Distinct(t testing.TB) map[string]string {
	t.Helper()
	m := map[string]string{}
	for _, l := range r.Logs() {
		q, s := l.Attrs["conflog.queue"], l.Attrs["conflog.seq"]
		if q == "" || s == "" {
			t.Fatalf("a record without conflog.queue and conflog.seq: %v", l.Record)
		}
		body := l.Record.GetBody().GetStringValue()
		if old, ok := m[q+"/"+s]; ok && old != body {
			t.Fatalf("%s/%s arrived as %q and as %q", q, s, old, body)
		}
		m[q+"/"+s] = body
	}
	return m
}
