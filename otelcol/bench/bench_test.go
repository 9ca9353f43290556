// Package bench measures the conflog processor beside the contrib filter
// processor in the same Collector pipeline, on the same records. It is a
// module of its own so that the processor's users never download contrib.
//
//	cd otelcol/bench
//	go test -run='^$' -bench=Prefix -count=10 . | tee new.txt
//	benchstat -col /proc new.txt
package bench

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/open-telemetry/opentelemetry-collector-contrib/processor/filterprocessor"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/processor"
	"go.opentelemetry.io/collector/processor/processortest"

	"github.com/conflog/conflog/otelcol/conflogprocessor"
)

const prefix = "SystemLog:"

// batchSize is the records of one ConsumeLogs call: the batch processor's
// default send_batch_size is 8192; 1000 keeps -short runs small.
const batchSize = 1000

// poolSize is how many batches are made ahead, with the timer stopped.
const poolSize = 32

// corpus is the lines of the processor's test job (a real Python job's
// output: tqdm bars, colours, customer rows, a leaked token, forged
// prefixes) up to its traceback, which would hold the rest of the stream
// private as an exception message, repeated.
func corpus(b testing.TB) []string {
	raw, err := os.ReadFile("../conflogprocessor/testdata/job.log")
	if err != nil {
		b.Fatal(err)
	}
	text, _, _ := strings.Cut(string(raw), "Traceback (most recent call last):")
	return strings.Split(strings.TrimSuffix(text, "\n"), "\n")
}

// makeBatch returns batchSize records of one file, numbered from first.
func makeBatch(lines []string, first int64) plog.Logs {
	ld := plog.NewLogs()
	rl := ld.ResourceLogs().AppendEmpty()
	rl.Resource().Attributes().PutStr("k8s.pod.name", "train-7")
	rl.Resource().Attributes().PutStr("k8s.namespace.name", "ml")
	recs := rl.ScopeLogs().AppendEmpty().LogRecords()
	recs.EnsureCapacity(batchSize)
	for i := range batchSize {
		n := first + int64(i)
		r := recs.AppendEmpty()
		r.Body().SetStr(lines[int(n-1)%len(lines)])
		r.Attributes().PutStr("log.file.path", "/var/log/pods/ml_train-7/main/0.log")
		r.Attributes().PutStr("log.iostream", "stdout")
		r.Attributes().PutInt("log.file.record_number", n)
	}
	return ld
}

func conflog(b testing.TB, next *consumertest.LogsSink) processor.Logs {
	f := conflogprocessor.NewFactory()
	cfg := f.CreateDefaultConfig()
	if err := confmap.NewFromStringMap(map[string]any{"prefix": prefix}).Unmarshal(cfg); err != nil {
		b.Fatal(err)
	}
	return create(b, f, cfg, next)
}

// filter is the contrib filter processor doing only the prefix rule, with
// OTTL: a record is dropped unless its body matches ^SystemLog:.
func filter(b testing.TB, next *consumertest.LogsSink) processor.Logs {
	f := filterprocessor.NewFactory()
	cfg := f.CreateDefaultConfig()
	conf := confmap.NewFromStringMap(map[string]any{
		"error_mode": "ignore",
		"logs":       map[string]any{"log_record": []any{`not IsMatch(body, "^SystemLog:")`}},
	})
	if err := conf.Unmarshal(cfg); err != nil {
		b.Fatal(err)
	}
	return create(b, f, cfg, next)
}

func create(b testing.TB, f processor.Factory, cfg any, next *consumertest.LogsSink) processor.Logs {
	if err := confmap.Validate(cfg); err != nil {
		b.Fatal(err)
	}
	p, err := f.CreateLogs(context.Background(), processortest.NewNopSettings(f.Type()), cfg, next)
	if err != nil {
		b.Fatal(err)
	}
	if err := p.Start(context.Background(), componenttest.NewNopHost()); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { p.Shutdown(context.Background()) })
	return p
}

// BenchmarkPrefix runs each processor on the same batches of one stream,
// numbered on, as a pipeline would hand them over. A batch is consumed in
// place, so each iteration gets a fresh one, made ahead with the timer
// stopped.
func BenchmarkPrefix(b *testing.B) {
	b.Run("corpus=job", func(b *testing.B) { benchPrefix(b, corpus(b)) })
	b.Run("corpus=train", func(b *testing.B) { benchPrefix(b, trainCorpus()) })
}

// trainCorpus is the common case: a training loop's progress lines, public,
// with one private line (a data row) in ten.
func trainCorpus() []string {
	var lines []string
	for i := range 100 {
		if i%10 == 9 {
			lines = append(lines, fmt.Sprintf("row %d: sample id=%d label=%d", i, 7000+i, i%3))
			continue
		}
		lines = append(lines, fmt.Sprintf("%s epoch 3 step %d loss=0.%04d lr=3e-4 grad_norm=1.%02d", prefix, 1200+i, 3412-i, i))
	}
	return lines
}

func benchPrefix(b *testing.B, lines []string) {
	for _, pc := range []struct {
		name string
		make func(testing.TB, *consumertest.LogsSink) processor.Logs
	}{{"proc=conflog", conflog}, {"proc=filter", filter}} {
		b.Run(pc.name, func(b *testing.B) {
			sink := new(consumertest.LogsSink)
			p := pc.make(b, sink)
			var bytes int64
			for _, l := range lines {
				bytes += int64(len(l) + 1)
			}
			b.SetBytes(bytes * batchSize / int64(len(lines)))
			b.ReportAllocs()
			next := int64(1)
			var pool []plog.Logs
			var public int
			for b.Loop() {
				if len(pool) == 0 {
					// Stopping the timer reads the memory statistics,
					// which stops the world: once per poolSize batches.
					b.StopTimer()
					public += sink.LogRecordCount()
					sink.Reset()
					for range poolSize {
						pool = append(pool, makeBatch(lines, next))
						next += batchSize
					}
					b.StartTimer()
				}
				ld := pool[0] // in order: conflog checks the numbering
				pool = pool[1:]
				if err := p.ConsumeLogs(context.Background(), ld); err != nil {
					b.Fatal(err)
				}
			}
			public += sink.LogRecordCount()
			b.ReportMetric(float64(public)/float64(b.N), "public/op")
		})
	}
}

// TestSameRecords: on one batch of the corpus, the filter keeps exactly the
// records that start with the prefix as written; conflog keeps only public
// lines too, but more records: a tqdm bar redrawn with '\r' in one record is
// a run of lines, each its own record. Both do their work on the same input.
func TestSameRecords(t *testing.T) {
	lines := corpus(t)
	var prefixed int
	for i := range batchSize {
		if strings.HasPrefix(lines[i%len(lines)], prefix) {
			prefixed++
		}
	}
	for _, pc := range []struct {
		name string
		make func(testing.TB, *consumertest.LogsSink) processor.Logs
	}{{"conflog", conflog}, {"filter", filter}} {
		sink := new(consumertest.LogsSink)
		p := pc.make(t, sink)
		if err := p.ConsumeLogs(context.Background(), makeBatch(lines, 1)); err != nil {
			t.Fatal(err)
		}
		t.Logf("%s: %d records out of %d (%d start with the prefix)", pc.name, sink.LogRecordCount(), batchSize, prefixed)
		if pc.name == "filter" && sink.LogRecordCount() != prefixed {
			t.Errorf("filter kept %d records, want the %d that start with the prefix", sink.LogRecordCount(), prefixed)
		}
		if sink.LogRecordCount() == 0 {
			t.Errorf("%s kept nothing", pc.name)
		}
		for _, ld := range sink.AllLogs() {
			for _, rl := range ld.ResourceLogs().All() {
				for _, sl := range rl.ScopeLogs().All() {
					for _, r := range sl.LogRecords().All() {
						if !strings.HasPrefix(r.Body().Str(), prefix) {
							t.Fatalf("%s let out %q", pc.name, r.Body().Str())
						}
					}
				}
			}
		}
	}
}
