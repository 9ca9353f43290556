package conflogprocessor

import (
	"context"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/connector"
	"go.opentelemetry.io/collector/connector/connectortest"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pipeline"
)

var (
	publicID  = pipeline.NewIDWithName(pipeline.SignalLogs, "public")
	privateID = pipeline.NewIDWithName(pipeline.SignalLogs, "private")
)

// startConnector builds the connector as a Collector does, from its factory
// and a YAML-like map, between two sinks.
func startConnector(t *testing.T, conf map[string]any) (connector.Logs, *consumertest.LogsSink, *consumertest.LogsSink) {
	t.Helper()
	f := NewConnectorFactory()
	cfg := f.CreateDefaultConfig()
	if err := confmap.NewFromStringMap(conf).Unmarshal(cfg); err != nil {
		t.Fatal(err)
	}
	if err := cfg.(*ConnectorConfig).Validate(); err != nil {
		t.Fatal(err)
	}
	pub, priv := new(consumertest.LogsSink), new(consumertest.LogsSink)
	router := connector.NewLogsRouter(map[pipeline.ID]consumer.Logs{publicID: pub, privateID: priv})
	c, err := f.CreateLogsToLogs(context.Background(), connectortest.NewNopSettings(f.Type()), cfg, router)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Start(context.Background(), componenttest.NewNopHost()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Shutdown(context.Background()) })
	return c, pub, priv
}

var routes = map[string]any{"prefix": prefix, "public": []any{"logs/public"}, "private": []any{"logs/private"}}

// TestConnectorRoutes: the public pipeline gets what the processor passes
// (what conflog scrub gives), the private one the rest, each line a copy of
// its record: the customer rows, the exception's message, the progress
// bars' private pieces, the line the tripwire blocked as it was. No private
// line reaches the public pipeline.
func TestConnectorRoutes(t *testing.T) {
	c, pub, priv := startConnector(t, routes)
	job := readJob(t)
	send(t, c, "train-7", records("/var/log/pods/train-7/0.log", fileLines(job)), rand.New(rand.NewPCG(5, 6)))
	public, private := bodies(pub), bodies(priv)
	if want := oracle(t, testConfig(), job); !slices.Equal(public, want) {
		t.Fatalf("public pipeline:\n got %q\nwant %q", public, want)
	}
	for _, want := range []string{
		"Alice Martin,alice.martin@example.com,4111 1111 1111 1111",
		"\x1b[1;31mERROR\x1b[0m a coloured private line",
		prefix + " using token 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 for the hub",
		"customer bob.stone@example.org",
		prefix + " the message goes on with 4111 1111 1111 1111",
	} {
		if !slices.Contains(private, want) {
			t.Errorf("the private pipeline did not get %q; it got:\n%q", want, private)
		}
	}
	for _, l := range public {
		if slices.Contains(private, l) {
			t.Errorf("%q went to both pipelines", l)
		}
		for _, secret := range []string{"alice.martin", "4111", "ghp_", "bob.stone"} {
			if strings.Contains(l, secret) {
				t.Errorf("the public pipeline got %q", l)
			}
		}
	}
	// Each private line keeps its record's attributes: it can be found.
	for _, ld := range priv.AllLogs() {
		for _, rl := range ld.ResourceLogs().All() {
			if v, ok := rl.Resource().Attributes().Get("k8s.pod.name"); !ok || v.Str() != "train-7" {
				t.Fatalf("a private record lost its resource: %v", rl.Resource().Attributes().AsRaw())
			}
			for _, sl := range rl.ScopeLogs().All() {
				for _, r := range sl.LogRecords().All() {
					if _, ok := r.Attributes().Get("log.file.record_number"); !ok {
						t.Fatalf("a private record lost its attributes: %v", r.Attributes().AsRaw())
					}
				}
			}
		}
	}
}

// TestConnectorStructuredBody: a record whose body is a map has no line to
// judge: it goes to the private pipeline whole, never to the public one.
func TestConnectorStructuredBody(t *testing.T) {
	c, pub, priv := startConnector(t, routes)
	ld := batch("pod", rec{body: prefix + " before", path: "/a.log", seq: 1})
	r := ld.ResourceLogs().At(0).ScopeLogs().At(0).LogRecords().AppendEmpty()
	r.Body().SetEmptyMap().PutStr("email", "carol@example.net")
	r.Attributes().PutStr("log.file.path", "/a.log")
	r.Attributes().PutInt("log.file.record_number", 2)
	if err := c.ConsumeLogs(context.Background(), ld); err != nil {
		t.Fatal(err)
	}
	if got := bodies(pub); !slices.Equal(got, []string{prefix + " before"}) {
		t.Errorf("public: %q", got)
	}
	if got := bodies(priv); len(got) != 1 || !strings.Contains(got[0], "carol@example.net") {
		t.Errorf("private: %q, want the map record", got)
	}
}

// TestConnectorConfig: routes are required, logs pipelines, and no pipeline
// is both public and private.
func TestConnectorConfig(t *testing.T) {
	for _, tc := range []struct {
		conf map[string]any
		want string
	}{
		{map[string]any{"prefix": prefix, "private": []any{"logs/private"}}, "public: name the logs pipelines"},
		{map[string]any{"prefix": prefix, "public": []any{"logs/public"}}, "private: name the logs pipelines"},
		{map[string]any{"prefix": prefix, "public": []any{"logs/x", "logs/public"}, "private": []any{"logs/x"}}, `public and private both name "logs/x"`},
		{map[string]any{"prefix": prefix, "public": []any{"traces/public"}, "private": []any{"logs/private"}}, `public[0]: "traces/public" is not a logs pipeline`},
		{map[string]any{"public": []any{"logs/public"}, "private": []any{"logs/private"}}, "prefix: required"},
	} {
		cfg := NewConnectorFactory().CreateDefaultConfig()
		if err := confmap.NewFromStringMap(tc.conf).Unmarshal(cfg); err != nil {
			t.Fatal(err)
		}
		err := cfg.(*ConnectorConfig).Validate()
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: got %v, want %q", tc.conf, err, tc.want)
		}
	}
}

// TestConnectorPublicAttributes: public_attributes, read by the connector
// from its YAML as by the processor, prunes the public route's records; the
// private route keeps every attribute, its records being private whole.
func TestConnectorPublicAttributes(t *testing.T) {
	conf := map[string]any{"public_attributes": []any{"log.file.path", "log.file.record_number"}}
	for k, v := range routes {
		conf[k] = v
	}
	c, pub, priv := startConnector(t, conf)
	if err := c.ConsumeLogs(context.Background(), parsedBatch([]string{prefix + " ok\rcustomer jane.doe@example.com"}, 1)); err != nil {
		t.Fatal(err)
	}
	for name, sink := range map[string]*consumertest.LogsSink{"public": pub, "private": priv} {
		if len(sink.AllLogs()) != 1 {
			t.Fatalf("%s: %d batches, want 1", name, len(sink.AllLogs()))
		}
		lr := sink.AllLogs()[0].ResourceLogs().At(0).ScopeLogs().At(0).LogRecords().At(0)
		_, message := lr.Attributes().Get("message")
		if name == "public" && (message || lr.Attributes().Len() != 2) {
			t.Errorf("public: %q left with %v", lr.Body().Str(), lr.Attributes().AsRaw())
		}
		if name == "private" && !message {
			t.Errorf("private: %q lost its attributes: %v", lr.Body().Str(), lr.Attributes().AsRaw())
		}
	}
}
