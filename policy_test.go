package conflog

import (
	"bytes"
	"context"
	"log/slog"
	"regexp"
	"strings"
	"testing"
)

// TestPolicies: what each policy makes of a private record, and that public
// records are untouched by the policy.
func TestPolicies(t *testing.T) {
	const secret = "customer 4111 1111 1111 1111"
	for name, p := range policies {
		var buf bytes.Buffer
		l := slog.New(newTestHandler(&buf, &Options{Private: p, ReplaceAttr: dropTime, Key: []byte("k")})).With("user", secret)
		l.Info(secret, "row", secret)
		private := buf.String()
		buf.Reset()
		l.Info("public", Public, "n", 1)
		if buf.String() != testPrefix+`level=INFO msg=public user="`+secret+`" n=1`+"\n" {
			t.Errorf("%s changed a public record: %q", name, buf.String())
		}
		var want *regexp.Regexp
		switch name {
		case "Keep":
			want = regexp.MustCompile(`^level=INFO msg="` + secret + `" user="` + secret + `" row="` + secret + `"\n$`)
		case "Drop":
			want = regexp.MustCompile(`^$`)
		case "Length":
			want = regexp.MustCompile(`^` + testPrefix + `level=INFO msg="private message scrubbed" length=28 source=policy_test.go:\d+\n$`)
		case "Hash":
			want = regexp.MustCompile(`^` + testPrefix + `level=INFO msg="private message scrubbed" hash=[0-9a-f]{32} source=policy_test.go:\d+\n$`)
		}
		if !want.MatchString(private) {
			t.Errorf("%s: private record gave %q, want %s", name, private, want)
		}
	}
}

// TestHashCorrelates: equal messages hash equal under one key, differently
// under another, and never show the message.
func TestHashCorrelates(t *testing.T) {
	hash := func(key, msg string) string {
		var buf bytes.Buffer
		slog.New(newTestHandler(&buf, &Options{Private: Hash, Key: []byte(key)})).Info(msg)
		return regexp.MustCompile(`hash=(\w+)`).FindStringSubmatch(buf.String())[1]
	}
	if hash("k1", "a") != hash("k1", "a") || hash("k1", "a") == hash("k1", "b") || hash("k1", "a") == hash("k2", "a") {
		t.Error("Hash does not correlate as documented")
	}
}

// recorder is a handler that keeps what it is given.
type recorder struct {
	records *[]slog.Record
	attrs   []slog.Attr
	groups  []string
}

func (r recorder) Enabled(context.Context, slog.Level) bool { return true }
func (r recorder) Handle(_ context.Context, rec slog.Record) error {
	*r.records = append(*r.records, rec)
	return nil
}
func (r recorder) WithAttrs(as []slog.Attr) slog.Handler {
	r.attrs = append(r.attrs[:len(r.attrs):len(r.attrs)], as...)
	return r
}
func (r recorder) WithGroup(g string) slog.Handler {
	r.groups = append(r.groups[:len(r.groups):len(r.groups)], g)
	return r
}

// TestRoute: private records go to the routed handler, with the context and
// groups, without markers; public ones stay.
func TestRoute(t *testing.T) {
	var recs []slog.Record
	var buf bytes.Buffer
	h := newTestHandler(&buf, &Options{Private: Route(recorder{records: &recs}), ReplaceAttr: dropTime})
	l := slog.New(h).With("a", 1, Public).WithGroup("g")
	l.Info("private", "b", 2, Category(ContainsPrivateData))
	l.Info("public", Public)
	if buf.String() != testPrefix+"level=INFO msg=public a=1\n" {
		t.Errorf("writer got %q", buf.String())
	}
	if len(recs) != 1 || recs[0].Message != "private" || recs[0].NumAttrs() != 1 {
		t.Fatalf("routed %v", recs)
	}
	routed := l.Handler().(*Handler).route.(recorder)
	if len(routed.attrs) != 1 || routed.attrs[0].Key != "a" || strings.Join(routed.groups, ".") != "g" {
		t.Errorf("routed handler context: %v %v", routed.attrs, routed.groups)
	}
	defer func() {
		if recover() == nil {
			t.Error("Route(nil) did not panic")
		}
	}()
	Route(nil)
}

// TestScrubbedLineWithSource: with AddSource, the Length line carries the
// built-in source, as any line does, and no second one.
func TestScrubbedLineWithSource(t *testing.T) {
	for _, format := range []Format{Text, JSON} {
		var buf bytes.Buffer
		slog.New(newTestHandler(&buf, &Options{Format: format, Private: Length, AddSource: true, ReplaceAttr: dropTime})).Info("secret")
		out := buf.String()
		if strings.Count(out, "source") != 1 || !strings.Contains(out, "policy_test.go") || strings.Contains(out, "secret") ||
			!strings.HasPrefix(out, testPrefix) {
			t.Errorf("%v: %q", format, out)
		}
	}
}
