package conflog

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"testing"
	"time"
)

// identity is a ReplaceAttr that changes nothing; with it the handler takes
// the two-pass way (scan for the markers, then encode), without it the
// one-pass way. Both must write the same bytes.
func identity(_ []string, a slog.Attr) slog.Attr { return a }

// countingValuer counts its LogValue calls.
type countingValuer struct{ n *int }

func (v countingValuer) LogValue() slog.Value { *v.n++; return slog.StringValue("v") }

// onePassRecords are records whose category and rendering the one-pass
// encoding must get right: every mix of markers, plain values before and
// after values that render by category (errors, groups, LogValuers), and a
// marker inside a group, which does not count.
func onePassRecords(key, val string) [][]slog.Attr {
	plain := []slog.Attr{slog.String(key, val), slog.Int("n", 3), slog.Float64("f", 0.25), slog.Duration("d", time.Second)}
	err := slog.Any("err", errors.New(secretMark+val))
	group := slog.Group(key, slog.String(key, val), Public)
	priv := Category(ContainsPrivateData)
	fake := slog.String(markerKey, "public") // not a marker: data
	var recs [][]slog.Attr
	for _, markers := range [][]slog.Attr{nil, {Public}, {priv}, {Public, priv}, {priv, Public}, {Public, Public}} {
		for _, extra := range [][]slog.Attr{nil, {err}, {group}, {fake}, {slog.Any("v", Redact(val))}} {
			var as []slog.Attr
			if len(markers) > 0 {
				as = append(as, markers[0])
			}
			as = append(as, plain[:2]...)
			as = append(as, extra...)
			as = append(as, plain[2:]...)
			if len(markers) > 1 {
				as = append(as, markers[1])
			}
			recs = append(recs, as)
		}
	}
	return recs
}

// checkOnePass logs each record through both ways, with and without
// WithAttrs context, and compares the lines.
func checkOnePass(t *testing.T, msg, key, val string) {
	t.Helper()
	for _, format := range []Format{Text, JSON} {
		for _, as := range onePassRecords(key, val) {
			var one, two bytes.Buffer
			for _, with := range [][]slog.Attr{nil, {slog.String("run", val)}, {slog.Any("e", errors.New(val))}} {
				one.Reset()
				two.Reset()
				var ho, ht slog.Handler = newTestHandler(&one, &Options{Format: format}),
					newTestHandler(&two, &Options{Format: format, ReplaceAttr: identity})
				if with != nil {
					ho, ht = ho.WithAttrs(with), ht.WithAttrs(with)
				}
				r := slog.NewRecord(time.Unix(1700000000, 5), slog.LevelInfo, msg, 0)
				r.AddAttrs(as...)
				ho.Handle(context.Background(), r)
				ht.Handle(context.Background(), r)
				if one.String() != two.String() {
					t.Fatalf("%v, with=%v, attrs=%v:\none pass: %q\ntwo pass: %q", format, with, as, one.String(), two.String())
				}
			}
		}
	}
}

// TestOnePassMatchesTwoPass: the one-pass encoding of Keep writes exactly
// what the scan-then-encode way writes, public or private, whatever the
// record holds — including a message that would put the prefix at byte 0 of
// a private line.
func TestOnePassMatchesTwoPass(t *testing.T) {
	checkOnePass(t, "epoch finished", "k", "v")
	checkOnePass(t, "\n"+testPrefix+" x", testPrefix, "\n"+testPrefix)
}

// TestOnePassCallsLogValueOnce: a LogValuer is resolved once per record,
// as with slog, even when the one-pass encoding gives up at it.
func TestOnePassCallsLogValueOnce(t *testing.T) {
	for _, format := range []Format{Text, JSON} {
		for _, public := range []bool{false, true} {
			n := 0
			var buf bytes.Buffer
			l := slog.New(newTestHandler(&buf, &Options{Format: format}))
			args := []any{"a", 1, "v", countingValuer{&n}}
			if public {
				args = append(args, Public)
			}
			l.Info("m", args...)
			if n != 1 {
				t.Errorf("%v public=%v: LogValue called %d times: %q", format, public, n, buf.String())
			}
		}
	}
}

// FuzzOnePassMatchesTwoPass is TestOnePassMatchesTwoPass over arbitrary
// message, key and value bytes.
func FuzzOnePassMatchesTwoPass(f *testing.F) {
	f.Add("epoch finished", "k", "v")
	f.Add("\n"+testPrefix, testPrefix, "\x00\xff\u2028")
	f.Fuzz(func(t *testing.T, msg, key, val string) {
		checkOnePass(t, msg, key, val)
	})
}
