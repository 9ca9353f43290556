package conflogprocessor

import (
	"strings"
	"testing"

	"go.opentelemetry.io/collector/pdata/plog"
)

// parsedBatch makes the records a receiver's parser leaves: the body, and
// attributes filled from it and from the file's name (a regex_parser's
// `message`, filelog's log.file.name), as well as the stream's own.
func parsedBatch(bodies []string, firstSeq int64) plog.Logs {
	ld := plog.NewLogs()
	rl := ld.ResourceLogs().AppendEmpty()
	rl.Resource().Attributes().PutStr("k8s.pod.name", "train-0")
	sl := rl.ScopeLogs().AppendEmpty()
	for i, body := range bodies {
		lr := sl.LogRecords().AppendEmpty()
		lr.Body().SetStr(body)
		lr.Attributes().PutStr("log.file.path", "/var/log/jobs/0.log")
		lr.Attributes().PutStr("log.file.name", "jane.doe@example.com-invoices.log")
		lr.Attributes().PutInt("log.file.record_number", firstSeq+int64(i))
		lr.Attributes().PutStr("message", body) // regex_parser: (?P<message>.*)
	}
	return ld
}

// TestPublicAttributes: only the body is judged, so an attribute a parser
// filled from it carries its private lines out beside its public one (a
// tqdm redraw whose tail is a customer row), and the file's name carries
// whatever the file was named after. With public_attributes the public
// records keep only the attributes named, in every way a record leaves
// (as it came, cut to one of its lines, a copy per line); the stream's
// attributes are read before, so its numbering goes on across batches.
// Fails if the records leave with every attribute.
func TestPublicAttributes(t *testing.T) {
	cfg := testConfig()
	cfg.PublicAttributes = []string{"log.file.path", "log.file.record_number"}
	p, sink := start(t, cfg)
	send := func(ld plog.Logs) {
		t.Helper()
		if err := p.ConsumeLogs(t.Context(), ld); err != nil {
			t.Fatal(err)
		}
	}
	send(parsedBatch([]string{
		prefix + " epoch 1", // leaves as it came
		prefix + " loss=0.3\rcustomer jane.doe@example.com 7", // cut to its public line
		"private row jane.doe@example.com",                    // dropped
		prefix + " a\r" + prefix + " b\rjane.doe@example.com", // a copy per public line
	}, 1))
	send(parsedBatch([]string{prefix + " epoch 2"}, 5))
	want := []string{prefix + " epoch 1", prefix + " loss=0.3", prefix + " a", prefix + " b", prefix + " epoch 2"}
	if got := bodies(sink); strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("bodies: got %q, want %q", got, want)
	}
	recs := sunk(sink)
	for _, lr := range recs {
		attrs := lr.Attributes()
		for k, v := range attrs.All() {
			if k != "log.file.path" && k != "log.file.record_number" {
				t.Errorf("%q left with attribute %s=%q", lr.Body().Str(), k, v.AsString())
			}
		}
		if v, ok := attrs.Get("log.file.path"); !ok || v.Str() != "/var/log/jobs/0.log" {
			t.Errorf("%q lost log.file.path, which public_attributes names", lr.Body().Str())
		}
	}
	if len(recs) != len(want) {
		t.Fatalf("%d records, want %d", len(recs), len(want))
	}
}

// TestPublicAttributesTripwire: the attributes public_attributes keeps go
// through the tripwire, as a public line does: a job's log file named after
// a customer names the customer in log.file.path. Blocked, the value is a
// notice naming the detector; redacted, each value is its detector's tag.
// Fails if the kept attributes leave as they came.
func TestPublicAttributesTripwire(t *testing.T) {
	for _, mode := range []string{detectBlock, detectRedact} {
		cfg := testConfig()
		cfg.Detect = mode
		cfg.PublicAttributes = []string{"log.file.path", "log.file.name"}
		p, sink := start(t, cfg)
		ld := parsedBatch([]string{prefix + " epoch 1"}, 1)
		lr := ld.ResourceLogs().At(0).ScopeLogs().At(0).LogRecords().At(0)
		lr.Attributes().PutStr("log.file.path", "/var/log/jobs/jane.doe@example.com.log")
		if err := p.ConsumeLogs(t.Context(), ld); err != nil {
			t.Fatal(err)
		}
		out := sink.AllLogs()[0].ResourceLogs().At(0).ScopeLogs().At(0).LogRecords().At(0)
		want := map[string]any{
			detectBlock: map[string]any{
				"log.file.path": "conflog: blocked an attribute: email at column 15 (value withheld)",
				"log.file.name": "conflog: blocked an attribute: email at column 1 (value withheld)",
			},
			detectRedact: map[string]any{"log.file.path": "/var/log/jobs/<EMAIL>", "log.file.name": "<EMAIL>"},
		}[mode].(map[string]any)
		got := out.Attributes().AsRaw()
		if len(got) != len(want) || got["log.file.path"] != want["log.file.path"] || got["log.file.name"] != want["log.file.name"] {
			t.Errorf("detect %s: attributes %v, want %v", mode, got, want)
		}
		if out.Body().Str() != prefix+" epoch 1" {
			t.Errorf("detect %s: body %q", mode, out.Body().Str())
		}
	}
}

// FuzzPublicAttributes: whatever the body (lines, redraws, escapes, cut
// lines) and whatever a parser copied of it into the attributes, a public
// record leaves with the attributes public_attributes names and no other,
// and no value of them in which the tripwire finds anything (the file's
// path, here named by the fuzzer).
func FuzzPublicAttributes(f *testing.F) {
	f.Add(prefix+" loss=0.3\rcustomer jane.doe@example.com 7", "jane.doe@example.com.log", false)
	f.Add(prefix+" a\r"+prefix+" b\r\n"+prefix+" c\rjane", "", true)
	f.Add("\x1b[32m"+prefix+"\x1b[0m ok\nTraceback (most recent call last):\n  File \"a.py\", line 1, in <module>\nKeyError: 'jane'", "card 4111 1111 1111 1111.log", true)
	f.Fuzz(func(t *testing.T, body, name string, redact bool) {
		cfg := testConfig()
		cfg.MaxLine = 32
		cfg.ReceiverMaxLogSize = 0
		if redact {
			cfg.Detect = detectRedact
		}
		cfg.PublicAttributes = []string{"log.file.path", "log.file.record_number"}
		set, err := detectorSet(cfg.Detectors)
		if err != nil {
			t.Fatal(err)
		}
		p, sink := start(t, cfg)
		path := "/var/log/jobs/" + name
		ld := parsedBatch([]string{body, prefix + " after", body}, 1)
		for _, lr := range ld.ResourceLogs().At(0).ScopeLogs().At(0).LogRecords().All() {
			lr.Attributes().PutStr("log.file.name", name)
			lr.Attributes().PutStr("log.file.path", path)
		}
		if err := p.ConsumeLogs(t.Context(), ld); err != nil {
			t.Fatal(err)
		}
		_, pathFinding := set.Check([]byte(path))
		for _, ld := range sink.AllLogs() {
			for _, lr := range ld.ResourceLogs().At(0).ScopeLogs().At(0).LogRecords().All() {
				attrs := lr.Attributes()
				if attrs.Len() != 2 {
					t.Fatalf("%q left with %v, want log.file.path and log.file.record_number only", lr.Body().Str(), attrs.AsRaw())
				}
				v, ok := attrs.Get("log.file.path")
				if !ok {
					t.Fatalf("%q left without log.file.path: %v", lr.Body().Str(), attrs.AsRaw())
				}
				if f, found := set.Check([]byte(v.Str())); found && !strings.HasPrefix(v.Str(), "conflog: blocked an attribute: ") {
					t.Fatalf("%q left with log.file.path %q, in which %s is found", lr.Body().Str(), v.Str(), f.Detector)
				}
				if !pathFinding && v.Str() != path {
					t.Fatalf("%q left with log.file.path %q, want %q as it came", lr.Body().Str(), v.Str(), path)
				}
			}
		}
	})
}

// TestPublicAttributesDefault: without public_attributes a public record
// keeps only DefaultPublicAttributes, the ones filelog fills from the file,
// and those go through the tripwire; ["*"] is the explicit way to keep
// every attribute. Fails if the default lets a parser's field out.
func TestPublicAttributesDefault(t *testing.T) {
	for _, tc := range []struct {
		keep        []string
		wantMessage bool
	}{{nil, false}, {[]string{"*"}, true}} {
		cfg := testConfig()
		cfg.PublicAttributes = tc.keep
		p, sink := start(t, cfg)
		if err := p.ConsumeLogs(t.Context(), parsedBatch([]string{
			prefix + " loss=0.3\rcustomer jane.doe@example.com 7",
			prefix + " epoch 2",
		}, 1)); err != nil {
			t.Fatal(err)
		}
		recs := sunk(sink)
		for _, lr := range recs {
			attrs := lr.Attributes()
			if _, ok := attrs.Get("message"); ok != tc.wantMessage {
				t.Errorf("public_attributes %q: %q has the parser's message attribute: %v, want %v", tc.keep, lr.Body().Str(), ok, tc.wantMessage)
			}
			if v, ok := attrs.Get("log.file.path"); !ok || v.Str() != "/var/log/jobs/0.log" {
				t.Errorf("public_attributes %q: %q lost log.file.path", tc.keep, lr.Body().Str())
			}
			name, _ := attrs.Get("log.file.name")
			if tc.keep == nil && strings.Contains(name.Str(), "jane.doe") {
				t.Errorf("default: log.file.name %q left without the tripwire", name.Str())
			}
		}
		if len(recs) != 2 {
			t.Fatalf("public_attributes %q: %d records, want 2", tc.keep, len(recs))
		}
	}
}
