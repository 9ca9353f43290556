// Package bench measures the conflog processor beside the contrib filter
// processor (the prefix rule alone, in OTTL) and the contrib redaction
// processor (regular expressions for conflog's detectors) in the same
// Collector pipeline, on the same records. It is a module of its own so
// that the processor's users never download contrib. Its Collector core is
// the distribution's (pdata v1.71.0, whose record copies cost what they
// cost in the binary); the two contrib processors are at v0.161.0, the
// newest release whose modules the proxy serves, taken up to that core as
// otelcol/bench/distribution takes the filter processor.
//
//	cd otelcol/bench
//	go test -run='^$' -bench=Prefix -count=6 -benchtime=320x . | tee prefix.txt
//	benchstat -col /proc prefix.txt
//	go test -run='^$' -bench=Redaction -count=6 -benchtime=8x . | tee redaction.txt
//	benchstat -col /proc redaction.txt
//
// Each benchmark reports cpu-sec/op, the process's CPU time (every thread:
// the garbage collector's too) while the timer runs: on a loaded machine it
// is steadier than sec/op.
package bench

import (
	"context"
	"fmt"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/open-telemetry/opentelemetry-collector-contrib/processor/filterprocessor"
	"github.com/open-telemetry/opentelemetry-collector-contrib/processor/redactionprocessor"
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
	return conflogWith(b, next, map[string]any{"prefix": prefix})
}

// conflogNoDetect is conflog without its leak tripwire (detect: off): not a
// configuration to run, the measure of what the tripwire costs.
func conflogNoDetect(b testing.TB, next *consumertest.LogsSink) processor.Logs {
	return conflogWith(b, next, map[string]any{"prefix": prefix, "detect": "off"})
}

func conflogWith(b testing.TB, next *consumertest.LogsSink, conf map[string]any) processor.Logs {
	f := conflogprocessor.NewFactory()
	cfg := f.CreateDefaultConfig()
	if err := confmap.NewFromStringMap(conf).Unmarshal(cfg); err != nil {
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

// detectorRegexps are conflog's high-confidence detectors (package detect's
// registry) as regular expressions, written after their documented formats
// the way a redaction processor configuration would: what they miss or
// over-match is not the point; each is matched against every string value.
// The detectors' checksums (Luhn, IBAN mod 97, GitHub's CRC32) have no
// regular expression; the vendor and context-key tables of package detect
// are left out, which only favours the redaction processor.
var detectorRegexps = []string{
	`[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}`,                              // email
	`\b(?:\d[ -]?){12,18}\d\b`,                                                    // card
	`\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,4})?\b`,                 // iban
	`\b\d{3}-\d{2}-\d{4}\b`,                                                       // ssn
	`\b[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z] ?\d{2} ?\d{2} ?\d{2} ?[A-D]\b`,         // uk-nino
	`\b[A-Z]{6}\d{2}[A-EHLMPR-T]\d{2}[A-Z]\d{3}[A-Z]\b`,                           // it-cf
	`\b\d{8}-?[A-HJ-NP-TV-Z]\b`,                                                   // es-dni
	`\beyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*`,                         // jwt
	`\b(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}\b`,                                     // aws-key
	`\b(?:gh[pousr]_[A-Za-z0-9]{36}|github_pat_[A-Za-z0-9_]{82})\b`,               // github-token
	`\bgl(?:pat|dt|rt|ptt|ft|imt|agent|oas|cbt|soat|ffct)-[A-Za-z0-9_-]{20,}`,     // gitlab-token
	`\bxox[bparseo]-[A-Za-z0-9-]{10,}`,                                            // slack-token
	`https://hooks\.slack\.com/(?:services|workflows)/[A-Za-z0-9/_-]+`,            // slack-webhook
	`\b[rs]k_(?:live|test)_[A-Za-z0-9]{16,}`,                                      // stripe-key
	`\bAIza[A-Za-z0-9_-]{35}`,                                                     // google-api-key
	`-----BEGIN [A-Z ]*PRIVATE KEY-----`,                                          // private-key
	`(?i)\b(?:bearer|basic) [A-Za-z0-9._~+/=-]{8,}`,                               // authorization
	`[a-z][a-z0-9+.-]*://[^/\s:@]+:[^/\s@]+@`,                                     // url-password
	`(?i)\b(?:password|passwd|secret|api_?key|access_?key|token)\s*[=:]\s*\S{6,}`, // credential
}

// redaction is the contrib redaction processor masking the values that
// match detectorRegexps, in the body and every attribute.
func redaction(b testing.TB, next *consumertest.LogsSink) processor.Logs {
	f := redactionprocessor.NewFactory()
	cfg := f.CreateDefaultConfig()
	blocked := make([]any, len(detectorRegexps))
	for i, re := range detectorRegexps {
		blocked[i] = re
	}
	conf := confmap.NewFromStringMap(map[string]any{
		"allow_all_keys": true,
		"blocked_values": blocked,
		"summary":        "silent",
	})
	if err := conf.Unmarshal(cfg); err != nil {
		b.Fatal(err)
	}
	return create(b, f, cfg, next)
}

type procDef struct {
	name string
	make func(testing.TB, *consumertest.LogsSink) processor.Logs
}

// processors are the three, as the benchmarks name them.
var processors = []procDef{{"conflog", conflog}, {"filter", filter}, {"redaction", redaction}}

// cpuTime is the process's CPU time so far, user and system.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		panic(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
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
	b.Run("corpus=job", func(b *testing.B) { benchPrefix(b, corpus(b), processors[:2]) })
	b.Run("corpus=train", func(b *testing.B) { benchPrefix(b, trainCorpus(), processors[:2]) })
}

// BenchmarkTripwire runs conflog with and without its tripwire beside the
// filter: what of conflog's time is the tripwire's.
func BenchmarkTripwire(b *testing.B) {
	procs := []procDef{processors[0], {"conflog-nodetect", conflogNoDetect}, processors[1]}
	b.Run("corpus=job", func(b *testing.B) { benchPrefix(b, corpus(b), procs) })
}

// BenchmarkRedaction runs conflog and the redaction processor on the same
// batches. The redaction processor is so much slower that it has a
// benchmark of its own, run with fewer iterations.
func BenchmarkRedaction(b *testing.B) {
	both := []procDef{processors[0], processors[2]}
	b.Run("corpus=job", func(b *testing.B) { benchPrefix(b, corpus(b), both) })
	b.Run("corpus=train", func(b *testing.B) { benchPrefix(b, trainCorpus(), both) })
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

func benchPrefix(b *testing.B, lines []string, procs []procDef) {
	for _, pc := range procs {
		b.Run("proc="+pc.name, func(b *testing.B) {
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
			var cpu time.Duration
			cpuStart := cpuTime()
			for b.Loop() {
				if len(pool) == 0 {
					// Stopping the timer reads the memory statistics,
					// which stops the world: once per poolSize batches.
					cpu += cpuTime() - cpuStart
					b.StopTimer()
					public += sink.LogRecordCount()
					sink.Reset()
					for range poolSize {
						pool = append(pool, makeBatch(lines, next))
						next += batchSize
					}
					b.StartTimer()
					cpuStart = cpuTime()
				}
				ld := pool[0] // in order: conflog checks the numbering
				pool = pool[1:]
				if err := p.ConsumeLogs(context.Background(), ld); err != nil {
					b.Fatal(err)
				}
			}
			cpu += cpuTime() - cpuStart
			public += sink.LogRecordCount()
			b.ReportMetric(float64(public)/float64(b.N), "public/op")
			b.ReportMetric(cpu.Seconds()/float64(b.N), "cpu-sec/op")
		})
	}
}

// TestSameRecords: on one batch of the corpus, the filter keeps exactly the
// records that start with the prefix as written; conflog keeps only public
// lines too, but more records: a tqdm bar redrawn with '\r' in one record is
// a run of lines, each its own record. The redaction processor keeps every
// record and masks the values its expressions match. All do their work on
// the same input.
func TestSameRecords(t *testing.T) {
	lines := corpus(t)
	var prefixed int
	for i := range batchSize {
		if strings.HasPrefix(lines[i%len(lines)], prefix) {
			prefixed++
		}
	}
	for _, pc := range processors {
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
		masked := 0
		for _, ld := range sink.AllLogs() {
			for _, rl := range ld.ResourceLogs().All() {
				for _, sl := range rl.ScopeLogs().All() {
					for _, r := range sl.LogRecords().All() {
						body := r.Body().Str()
						if strings.Contains(body, "****") {
							masked++
						}
						// The filter knows the prefix only: it lets the
						// leaks on public lines out, the others do not.
						if pc.name != "filter" && (strings.Contains(body, "alice.martin@example.com") || strings.Contains(body, "ghp_")) {
							t.Errorf("%s let out %q", pc.name, body)
						}
						if pc.name != "redaction" && !strings.HasPrefix(body, prefix) {
							t.Fatalf("%s let out %q", pc.name, body)
						}
					}
				}
			}
		}
		if pc.name == "redaction" {
			if sink.LogRecordCount() != batchSize || masked == 0 {
				t.Errorf("redaction: %d records, %d masked; want all %d, some masked", sink.LogRecordCount(), masked, batchSize)
			}
		}
	}
}
