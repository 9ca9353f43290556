package conflog

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"log/slog"
	"math"
	"strconv"
	"strings"
	"testing"
	"testing/slogtest"
	"time"
)

const testPrefix = "SystemLog:"

// noSink is a process channel that is not there: tests of the handler's own
// writer use it, so a CONFLOG_CHANNEL in the test's environment cannot
// change what they see.
func noSink() *publicSink { return &publicSink{} }

func newTestHandler(w *bytes.Buffer, opts *Options) *Handler {
	return newHandler(w, testPrefix, opts, noSink())
}

var testTime = time.Date(2026, 11, 23, 17, 4, 5, 123456789, time.UTC)

// slogCase is a record logged through both slog and conflog.
type slogCase struct {
	name  string
	attrs []slog.Attr
	with  []slog.Attr
	group string
	msg   string
	// groupFirst applies WithGroup before WithAttrs.
	groupFirst bool
}

type textMarshaler struct{ s string }

func (t textMarshaler) MarshalText() ([]byte, error) { return []byte("T(" + t.s + ")"), nil }

type point struct{ X, Y int }

// textError is an error that marshals itself as text: slog's text handler
// prefers MarshalText.
type textError struct{}

func (textError) Error() string                { return "as error" }
func (textError) MarshalText() ([]byte, error) { return []byte("as text"), nil }

var slogCases = []slogCase{
	{name: "plain", msg: "hello"},
	{name: "kinds", msg: "epoch finished", attrs: []slog.Attr{
		slog.String("s", "abc"), slog.Int("i", -3), slog.Uint64("u", 7), slog.Float64("f", 0.251),
		slog.Bool("b", true), slog.Duration("d", 1500*time.Millisecond), slog.Time("t", testTime),
	}},
	{name: "quoting", msg: "two words", attrs: []slog.Attr{
		slog.String("", "empty key"), slog.String("k=v", "a=b"), slog.String("q", `say "hi"`),
		slog.String("nl", "line\nbreak\r\x1b[31m"), slog.String("bad", "\xff\xfe"), slog.String("empty", ""),
		slog.String("uni", "héllo\u2028wörld\u00a0"), slog.String("bs", `a\b`),
	}},
	{name: "floats", msg: "f", attrs: []slog.Attr{
		slog.Float64("tiny", 1e-7), slog.Float64("huge", 1e21), slog.Float64("neg", -2.5e-300),
		slog.Float64("zero", 0), slog.Float64("nan", math.NaN()), slog.Float64("inf", math.Inf(-1)),
		slog.Float64("int", 3), slog.Float64("big", 123456789012345678),
	}},
	{name: "durations", msg: "d", attrs: []slog.Attr{
		slog.Duration("a", 0), slog.Duration("b", 999), slog.Duration("c", 1001*time.Microsecond),
		slog.Duration("d", -90*time.Minute), slog.Duration("e", math.MinInt64), slog.Duration("f", 1234567),
		slog.Duration("g", 26*time.Hour+3*time.Second+7),
	}},
	{name: "any", msg: "any", attrs: []slog.Attr{
		slog.Any("tm", textMarshaler{"x y"}), slog.Any("bytes", []byte("raw\n")), slog.Any("pt", point{1, 2}),
		slog.Any("map", map[string]int{"a": 1}), slog.Any("nil", nil), slog.Any("err", errors.New("boom")),
		slog.Any("lvl", slog.LevelWarn), slog.Any("terr", textError{}),
	}},
	{name: "groups", msg: "g", group: "outer", with: []slog.Attr{slog.Int("w", 1), slog.Group("wg", slog.String("x", "y"))},
		attrs: []slog.Attr{slog.Group("g", slog.Int("a", 1), slog.Group("h", slog.Int("b", 2))),
			slog.Group("", slog.Int("inlined", 3)), slog.Group("empty"), slog.Int("c", 4)}},
	{name: "group with quoting", msg: "gq", group: "a b", attrs: []slog.Attr{slog.Int("c d", 1), slog.Group("e=f", slog.Int("g", 2))}},
	{name: "empty group record", msg: "e", group: "G"},
	{name: "group then with", msg: "gw", group: "G", groupFirst: true, with: []slog.Attr{slog.Int("w", 1), slog.Group("h", slog.Int("x", 2))},
		attrs: []slog.Attr{slog.Int("i", 3), slog.Group("k", slog.Int("i", 4))}},
	{name: "group then empty record", msg: "ge", group: "G", groupFirst: true, with: []slog.Attr{slog.Int("w", 1)}},
}

// logBoth writes c through a slog handler and a conflog one with the same
// options and returns both outputs.
func logBoth(t *testing.T, c slogCase, format Format, public bool, rep func([]string, slog.Attr) slog.Attr, addSource bool) (want, got string) {
	t.Helper()
	var sb, cb bytes.Buffer
	sopts := &slog.HandlerOptions{ReplaceAttr: rep, AddSource: addSource}
	var sh slog.Handler = slog.NewTextHandler(&sb, sopts)
	if format == JSON {
		sh = slog.NewJSONHandler(&sb, sopts)
	}
	var ch slog.Handler = newTestHandler(&cb, &Options{Format: format, ReplaceAttr: rep, AddSource: addSource})
	if c.group != "" && c.groupFirst {
		sh, ch = sh.WithGroup(c.group), ch.WithGroup(c.group)
	}
	if c.with != nil {
		sh, ch = sh.WithAttrs(c.with), ch.WithAttrs(c.with)
	}
	if c.group != "" && !c.groupFirst {
		sh, ch = sh.WithGroup(c.group), ch.WithGroup(c.group)
	}
	var pcs [1]uintptr
	r := slog.NewRecord(testTime, slog.LevelInfo, c.msg, pcs[0])
	r.AddAttrs(c.attrs...)
	if err := sh.Handle(context.Background(), r); err != nil {
		t.Fatal(err)
	}
	r2 := slog.NewRecord(testTime, slog.LevelInfo, c.msg, 0)
	if public {
		r2.AddAttrs(Public)
	}
	r2.AddAttrs(c.attrs...)
	if public {
		r2.AddAttrs(Public) // twice, before and after: neither is printed
	}
	if err := ch.Handle(context.Background(), r2); err != nil {
		t.Fatal(err)
	}
	if public {
		return testPrefix + sb.String(), cb.String()
	}
	return sb.String(), cb.String()
}

// TestFormatMatchesSlog: private lines are byte for byte what slog's
// handlers write, and public lines are the same after the prefix — for the
// public rendering, records without error values.
func TestFormatMatchesSlog(t *testing.T) {
	reps := map[string]func([]string, slog.Attr) slog.Attr{
		"no ReplaceAttr": nil,
		"ReplaceAttr": func(groups []string, a slog.Attr) slog.Attr {
			switch {
			case a.Key == "i":
				return slog.String("i", strings.Join(groups, "/"))
			case a.Key == "drop":
				return slog.Attr{}
			case a.Key == slog.LevelKey:
				return slog.String("severity", a.Value.String())
			}
			return a
		},
	}
	for _, format := range []Format{Text, JSON} {
		for rname, rep := range reps {
			for _, c := range slogCases {
				for _, public := range []bool{false, true} {
					if public && c.name == "any" {
						continue // the error is scrubbed: see TestPublicErrorScrubbed
					}
					want, got := logBoth(t, c, format, public, rep, false)
					if want != got {
						t.Errorf("%v/%s/%s/public=%v:\nslog:    %q\nconflog: %q", format, rname, c.name, public, want, got)
					}
				}
			}
		}
	}
}

// TestSourceMatchesSlog: AddSource prints the call site as slog does.
func TestSourceMatchesSlog(t *testing.T) {
	for _, format := range []Format{Text, JSON} {
		var sb, cb bytes.Buffer
		sl := slog.New(slog.NewTextHandler(&sb, &slog.HandlerOptions{AddSource: true, ReplaceAttr: dropTime}))
		if format == JSON {
			sl = slog.New(slog.NewJSONHandler(&sb, &slog.HandlerOptions{AddSource: true, ReplaceAttr: dropTime}))
		}
		cl := slog.New(newTestHandler(&cb, &Options{Format: format, AddSource: true, ReplaceAttr: dropTime}))
		for _, l := range []*slog.Logger{sl, cl} {
			l.Info("same line", "a", 1) // both calls report this line
		}
		if sb.String() != cb.String() {
			t.Errorf("%v:\nslog:    %q\nconflog: %q", format, sb.String(), cb.String())
		}
	}
}

func dropTime(groups []string, a slog.Attr) slog.Attr {
	if a.Key == slog.TimeKey && len(groups) == 0 {
		return slog.Attr{}
	}
	return a
}

// publicHandler adds Public to every record, so slogtest can check the
// public path too.
type publicHandler struct{ slog.Handler }

func (h publicHandler) Handle(ctx context.Context, r slog.Record) error {
	r.AddAttrs(Public)
	return h.Handler.Handle(ctx, r)
}
func (h publicHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return publicHandler{h.Handler.WithAttrs(as)}
}
func (h publicHandler) WithGroup(name string) slog.Handler {
	return publicHandler{h.Handler.WithGroup(name)}
}

// TestSlogtest runs testing/slogtest over private and public records, in
// both formats.
func TestSlogtest(t *testing.T) {
	for _, format := range []Format{Text, JSON} {
		for _, public := range []bool{false, true} {
			t.Run(fmt.Sprintf("%v/public=%v", format, public), func(t *testing.T) { runSlogtest(t, format, public) })
		}
	}
}

func runSlogtest(t *testing.T, format Format, public bool) {
	var buf bytes.Buffer
	newH := func(t *testing.T) slog.Handler {
		buf.Reset()
		var h slog.Handler = newTestHandler(&buf, &Options{Format: format})
		if public {
			h = publicHandler{h}
		}
		return h
	}
	result := func(t *testing.T) map[string]any {
		line := buf.Bytes()
		if public {
			if !bytes.HasPrefix(line, []byte(testPrefix)) {
				t.Fatalf("public line without prefix: %q", line)
			}
			line = line[len(testPrefix):]
		}
		if format == Text {
			m, err := parseTextLine(string(bytes.TrimSuffix(line, []byte{'\n'})))
			if err != nil {
				t.Fatalf("%q: %v", line, err)
			}
			return m
		}
		var m map[string]any
		if err := json.Unmarshal(line, &m); err != nil {
			t.Fatalf("%q: %v", line, err)
		}
		return m
	}
	slogtest.Run(t, newH, result)
}

// parseTextLine reads a text line back into the nested map slogtest wants:
// key=value pairs separated by spaces, keys and values possibly quoted,
// dotted keys for groups.
func parseTextLine(line string) (map[string]any, error) {
	m := map[string]any{}
	for line != "" {
		key, rest, err := textToken(line, '=')
		if err != nil {
			return nil, err
		}
		if rest == "" || rest[0] != '=' {
			return nil, fmt.Errorf("no '=' after key %q", key)
		}
		val, rest2, err := textToken(rest[1:], ' ')
		if err != nil {
			return nil, err
		}
		line = strings.TrimPrefix(rest2, " ")
		dst := m
		parts := strings.Split(key, ".")
		for _, g := range parts[:len(parts)-1] {
			sub, ok := dst[g].(map[string]any)
			if !ok {
				sub = map[string]any{}
				dst[g] = sub
			}
			dst = sub
		}
		dst[parts[len(parts)-1]] = val
	}
	return m, nil
}

// textToken reads a quoted string or the bytes up to end.
func textToken(s string, end byte) (tok, rest string, err error) {
	if strings.HasPrefix(s, `"`) {
		q, err := strconv.QuotedPrefix(s)
		if err != nil {
			return "", "", err
		}
		tok, err = strconv.Unquote(q)
		return tok, s[len(q):], err
	}
	i := strings.IndexByte(s, end)
	if i < 0 {
		return s, "", nil
	}
	return s[:i], s[i:], nil
}

// TestNewHandlerRejectsBadPrefix: a misconfigured logger must not start.
func TestNewHandlerRejectsBadPrefix(t *testing.T) {
	for _, p := range []string{"", "System\nLog:", "SystemLog:\r", "\n", "\x1b[0mSystemLog:", "Log\x00", "\tLog:", "Log\x7f"} {
		func() {
			defer func() {
				r := recover()
				if r == nil {
					t.Errorf("prefix %q: no panic", p)
					return
				}
				if msg := fmt.Sprint(r); !strings.HasPrefix(msg, "conflog: ") || !strings.Contains(msg, "prefix") {
					t.Errorf("prefix %q: unclear panic %q", p, msg)
				}
			}()
			NewHandler(&bytes.Buffer{}, p, nil)
		}()
	}
	defer func() {
		if r := recover(); r == nil || !strings.Contains(fmt.Sprint(r), "Format") {
			t.Errorf("bad Format: panic %v", r)
		}
	}()
	NewHandler(&bytes.Buffer{}, testPrefix, &Options{Format: 7})
}

// TestLevel: Options.Level filters, and a LevelVar changes it live.
func TestLevel(t *testing.T) {
	var buf bytes.Buffer
	lv := new(slog.LevelVar)
	l := slog.New(newTestHandler(&buf, &Options{Level: lv, ReplaceAttr: dropTime}))
	l.Debug("hidden", Public)
	lv.Set(slog.LevelDebug)
	l.Debug("shown", Public)
	if got, want := buf.String(), testPrefix+"level=DEBUG msg=shown\n"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if NewHandler(&buf, testPrefix, nil).Enabled(context.Background(), slog.LevelDebug) {
		t.Error("default level enables Debug")
	}
}

// TestMarkerRules: only a marker among a record's own attributes makes it
// public; With and WithGroup never do; a nested marker does not count; an
// explicit private marker wins; the marker is never printed.
func TestMarkerRules(t *testing.T) {
	cases := []struct {
		name   string
		log    func(l *slog.Logger)
		public bool
	}{
		{"no marker", func(l *slog.Logger) { l.Info("m", "a", 1) }, false},
		{"Public", func(l *slog.Logger) { l.Info("m", Public, "a", 1) }, true},
		{"Public last", func(l *slog.Logger) { l.Info("m", "a", 1, Public) }, true},
		{"Category(OnlyPublicData)", func(l *slog.Logger) { l.Info("m", Category(OnlyPublicData)) }, true},
		{"With(Public)", func(l *slog.Logger) { l.With(Public).Info("m", "a", 1) }, false},
		{"With(Public) twice", func(l *slog.Logger) { l.With(Public).With(Public, "b", 2).Info("m") }, false},
		{"WithGroup", func(l *slog.Logger) { l.WithGroup(testPrefix).Info("m", "a", 1) }, false},
		{"marker under WithGroup", func(l *slog.Logger) { l.WithGroup("g").Info("m", Public, "a", 1) }, true},
		{"nested marker", func(l *slog.Logger) { l.Info("m", slog.Group("g", Public)) }, false},
		{"inlined group marker", func(l *slog.Logger) { l.Info("m", slog.Group("", Public)) }, false},
		{"private wins", func(l *slog.Logger) { l.Info("m", Public, Category(ContainsPrivateData)) }, false},
		{"private wins, reversed", func(l *slog.Logger) { l.Info("m", Category(ContainsPrivateData), Public) }, false},
		{"unknown category", func(l *slog.Logger) { l.Info("m", Category(DataCategory(9))) }, false},
		{"look-alike key", func(l *slog.Logger) { l.Info("m", markerKey, "public") }, false},
		{"look-alike value", func(l *slog.Logger) { l.Info("m", "cat", OnlyPublicData) }, false},
		{"marker via LogValuer", func(l *slog.Logger) { l.Info("m", "x", valuer{Public.Value}) }, false},
	}
	for _, c := range cases {
		for _, format := range []Format{Text, JSON} {
			var buf bytes.Buffer
			c.log(slog.New(newTestHandler(&buf, &Options{Format: format})))
			out := buf.String()
			if got := strings.HasPrefix(out, testPrefix); got != c.public {
				t.Errorf("%s/%v: public=%v, want %v: %q", c.name, format, got, c.public, out)
			}
			if strings.Contains(out, markerKey) && c.name != "look-alike key" {
				t.Errorf("%s/%v: marker printed: %q", c.name, format, out)
			}
		}
	}
}

type valuer struct{ v slog.Value }

func (v valuer) LogValue() slog.Value { return v.v }

// TestReplaceAttrCannotTouchCategory: ReplaceAttr never sees the marker,
// cannot remove it, and cannot forge one.
func TestReplaceAttrCannotTouchCategory(t *testing.T) {
	var seen []string
	var buf bytes.Buffer
	forge := func(groups []string, a slog.Attr) slog.Attr {
		seen = append(seen, a.Key)
		if a.Key == "forge" {
			return Public
		}
		if a.Key == slog.MessageKey {
			return Category(OnlyPublicData)
		}
		return a
	}
	l := slog.New(newTestHandler(&buf, &Options{ReplaceAttr: forge}))
	l.Info("private", "forge", 1)
	l.Info("public", Public, "forge", 1)
	lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
	if len(lines) != 2 || strings.HasPrefix(lines[0], testPrefix) || !strings.HasPrefix(lines[1], testPrefix) {
		t.Fatalf("ReplaceAttr changed a category: %q", lines)
	}
	if strings.Contains(buf.String(), markerKey) || strings.Contains(buf.String(), "forge") {
		t.Errorf("forged marker printed: %q", buf.String())
	}
	for _, k := range seen {
		if k == markerKey {
			t.Errorf("ReplaceAttr saw the marker")
		}
	}
}

// TestSetDefaultMakesLogPrivate: log.Printf through slog.SetDefault is
// private.
func TestSetDefaultMakesLogPrivate(t *testing.T) {
	var buf bytes.Buffer
	old := slog.Default()
	defer slog.SetDefault(old)
	slog.SetDefault(slog.New(newTestHandler(&buf, nil)))
	slog.Info("via slog")
	log.Printf("via log %d", 1)
	out := buf.String()
	if strings.Count(out, "\n") != 2 || strings.Contains(out, testPrefix) {
		t.Errorf("default logging not private: %q", out)
	}
}

// TestTimeMatchesSlog: times in many zones and at many fractions, built-in
// and as attributes, one after the other through the same handler (so most
// come from the cached second), read as slog writes them.
func TestTimeMatchesSlog(t *testing.T) {
	zones := []*time.Location{time.UTC, time.Local, time.FixedZone("", 5*3600+1800), time.FixedZone("", -8*3600),
		time.FixedZone("odd", 3600+1800+17), time.FixedZone("", -(3600 + 59)),
		// Offsets of 100 hours and more write a zone longer than +hh:mm,
		// and move a second near the cached range's ends to years 0000
		// and 10000: the stamp's zone overflowed and its date was cut.
		time.FixedZone("", 99*3600), time.FixedZone("", 100*3600), time.FixedZone("", -1000*3600),
		time.FixedZone("", 10000*3600), time.FixedZone("", 40*24*3600)}
	secs := []int64{0, 1700000000, -1, 951782400 /* 2000-02-29 */, 253402300799 - 86400, -62135596800, 253402300799 + 1,
		stampMax, stampMin}
	nanos := []int64{0, 1, 100, 999, 1000000, 123456789, 999999999, 500000000}
	for _, format := range []Format{Text, JSON} {
		var sb, cb bytes.Buffer
		var sh slog.Handler = slog.NewTextHandler(&sb, nil)
		if format == JSON {
			sh = slog.NewJSONHandler(&sb, nil)
		}
		ch := newTestHandler(&cb, &Options{Format: format})
		for _, z := range zones {
			for _, sec := range secs {
				for _, ns := range nanos {
					tm := time.Unix(sec, ns).In(z)
					if y := tm.Year(); format == JSON && (y < 0 || y >= 10000) {
						continue // slog writes invalid JSON there (see doc.go)
					}
					r := slog.NewRecord(tm, slog.LevelInfo, "t", 0)
					r.AddAttrs(slog.Time("t", tm), slog.Time("u", tm.Add(time.Millisecond)))
					sh.Handle(context.Background(), r)
					ch.Handle(context.Background(), r)
				}
			}
		}
		want, got := strings.Split(sb.String(), "\n"), strings.Split(cb.String(), "\n")
		if len(want) != len(got) || len(want) < 300 {
			t.Fatalf("%v: %d lines from slog, %d from conflog", format, len(want), len(got))
		}
		for i := range want {
			if want[i] != got[i] {
				t.Errorf("%v:\nslog:    %q\nconflog: %q", format, want[i], got[i])
			}
		}
	}
}

// TestLevelsMatchSlog: the level names written as constants, and the
// others, are what slog writes.
func TestLevelsMatchSlog(t *testing.T) {
	for _, format := range []Format{Text, JSON} {
		for l := slog.LevelDebug - 5; l <= slog.LevelError+5; l++ {
			var sb, cb bytes.Buffer
			var sh slog.Handler = slog.NewTextHandler(&sb, &slog.HandlerOptions{Level: slog.Level(-100)})
			if format == JSON {
				sh = slog.NewJSONHandler(&sb, &slog.HandlerOptions{Level: slog.Level(-100)})
			}
			ch := newTestHandler(&cb, &Options{Format: format, Level: slog.Level(-100)})
			r := slog.NewRecord(time.Unix(1700000000, 0), l, "m", 0)
			sh.Handle(context.Background(), r)
			ch.Handle(context.Background(), r)
			if sb.String() != cb.String() {
				t.Errorf("%v %v:\nslog:    %q\nconflog: %q", format, l, sb.String(), cb.String())
			}
		}
	}
}
