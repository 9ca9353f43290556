package conflog

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"reflect"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/conflog/conflog/internal/channel"
)

// The tests in this file are named for the rules of the package doc; each
// tries hard to break its rule.

// secretMark is put in values a public line must never echo (error messages,
// panic values); the checks look for it.
const secretMark = "S3CR3T"

var policies = map[string]Policy{"Keep": Keep, "Drop": Drop, "Length": Length, "Hash": Hash}

// checkLine checks the rules on the output of one record: one line; the
// prefix at byte 0 iff public (or a scrubbed line); valid JSON after the
// prefix in JSON; no secretMark in a public line.
func checkLine(t *testing.T, out []byte, format Format, public bool, policy string, rewritten bool) {
	t.Helper()
	checkLineAs(t, out, format, public, policy, rewritten, testPrefix)
}

// checkLineAs is checkLine for a handler whose public lines carry prefix,
// and whose private lines must start with none of prefix and also.
func checkLineAs(t *testing.T, out []byte, format Format, public bool, policy string, rewritten bool, prefix string, also ...string) {
	t.Helper()
	if !public && policy == "Drop" {
		if len(out) != 0 {
			t.Fatalf("Drop wrote %q", out)
		}
		return
	}
	// Rule 1: one record, one line.
	if bytes.Count(out, []byte{'\n'}) != 1 || out[len(out)-1] != '\n' {
		t.Fatalf("rule 1: not one line: %q", out)
	}
	if i := bytes.IndexAny(out, "\r\x1b\x00\x7f"); i >= 0 {
		t.Fatalf("rule 1: raw control byte %q at %d: %q", out[i], i, out)
	}
	wantPrefix := public || policy == "Length" || policy == "Hash"
	// Rules 2 and 3.
	if got := bytes.HasPrefix(out, []byte(prefix)); got != wantPrefix {
		t.Fatalf("rules 2/3: prefix %q=%v, want %v: %q", prefix, got, wantPrefix, out)
	}
	for _, p := range also {
		if !wantPrefix && bytes.HasPrefix(out, []byte(p)) {
			t.Fatalf("rule 3: private line starts with %q: %q", p, out)
		}
	}
	body := bytes.TrimSuffix(out, []byte{'\n'})
	if wantPrefix {
		body = body[len(prefix):]
		if bytes.Contains(out, []byte(secretMark)) {
			t.Fatalf("public line echoes a secret: %q", out)
		}
	}
	if format == JSON && !json.Valid(body) {
		t.Fatalf("not JSON: %q", body)
	}
	// After the prefix, which is the caller's and may be any bytes but
	// \n and \r: nor may a reader that breaks lines where Unicode does
	// (Python's str.splitlines, editors, log viewers) find a line end: VT,
	// FF, the separators FS, GS and RS, NEL and every C1 control, LS and
	// PS; nor may a JSON line hold invalid UTF-8.
	if i := bytes.IndexFunc(body, isUnicodeBreak); i >= 0 {
		t.Fatalf("rule 1: raw line break or control at %d: %q", len(out)-len(body)-1+i, out)
	}
	if format == JSON && !utf8.Valid(body) {
		t.Fatalf("rule 1: invalid UTF-8 in a JSON line: %q", out)
	}
	if !public && !rewritten && (policy == "Length" || policy == "Hash") {
		// A scrubbed line is built from constants, the time and the level
		// only: the records here have no time and no PC.
		want := `level=INFO msg="private message scrubbed" `
		if format == JSON {
			want = `{"level":"INFO","msg":"private message scrubbed",`
		}
		if !bytes.HasPrefix(body, []byte(want)) {
			t.Fatalf("scrubbed line carries content: %q", out)
		}
	}
}

// isUnicodeBreak reports whether r breaks a line for some reader (Unicode's
// mandatory breaks, those of Python's str.splitlines) or is a control
// character, C0 or C1, other than a tab.
func isUnicodeBreak(r rune) bool {
	return unicode.IsControl(r) && r != '\t' || r == '\u2028' || r == '\u2029' // a tab may be the guard
}

// isC1 reports whether r is a C1 control, which slog's JSONHandler writes
// raw and this handler escapes.
func isC1(r rune) bool { return r >= 0x80 && r < 0xa0 }

// rawJSON is a json.Marshaler whose output is its own bytes.
type rawJSON string

func (r rawJSON) MarshalJSON() ([]byte, error) { return []byte(r), nil }

// panicky is a LogValuer and Stringer that panics with its value.
type panicky struct{ v string }

func (p panicky) LogValue() slog.Value { panic(p.v) }

// loopValuer's LogValue returns itself: resolving it must stop.
type loopValuer struct{ v string }

func (l loopValuer) LogValue() slog.Value { return slog.AnyValue(l) }

type panickyStringer struct{ v string }

func (p panickyStringer) String() string { panic(p.v) }

type panickyError struct{ v string }

func (p *panickyError) Error() string { panic(p.v) }

// panickyUnwrap is an error whose Unwrap panics: scrubbing walks its chain.
type panickyUnwrap struct{ v string }

func (p panickyUnwrap) Error() string { return p.v }
func (p panickyUnwrap) Unwrap() error { panic(p.v) }

// logTricky logs one record built from the given bytes, through a handler
// with context and groups made of them too.
func logTricky(h slog.Handler, msg, key, val, group string, public bool) {
	h = h.WithAttrs([]slog.Attr{slog.String(key, val), Public})
	if group != "" {
		h = h.WithGroup(group)
	}
	secret := secretMark + val
	r := slog.NewRecord(time.Time{}, slog.LevelInfo, msg, 0)
	r.AddAttrs(
		slog.String(key, val),
		slog.Group(group, slog.String(key, val), slog.Group(key, slog.String(group, val))),
		slog.Any("err", fmt.Errorf("%s: %w", secret, errors.New(secret))),
		slog.Any("lv", panicky{secret}),
		slog.Any("str", panickyStringer{secret}),
		slog.Any("perr", &panickyError{secret}),
		slog.Any(testPrefix, val),
		slog.Any("map", map[string]any{key: val, group: []string{msg}}),
		slog.Any("bytes", []byte(val)),
		slog.Any("loop", loopValuer{secretMark + val}),
		// Errors inside values (issue 9 §4): a public line echoes none.
		slog.Any("errs", []error{errors.New(secret), nil}),
		slog.Any("emap", map[string]any{key: errors.New(secret), group: []any{val, &fs.PathError{Op: val, Path: secret, Err: errors.New(secret)}}}),
		slog.Any("pathv", fs.PathError{Op: val, Path: secret, Err: syscall.ENOENT}),
		slog.Any("holder", holder{N: len(val), Err: errors.New(secret), errs: []error{errors.New(secret)}, any: map[error]string{errors.New(secret): val}}),
		slog.Any("rt", customRuntimeError{secret}),
		// Values that hide an error from a walk of their fields, and
		// print it through their methods.
		slog.Any("attr", slog.Group(group, key, errors.New(secret))),
		slog.Any("values", []slog.Value{slog.GroupValue(slog.String(key, val), slog.Any(group, errors.New(secret)))}),
		slog.Any("rv", reflect.ValueOf(errors.New(secret))),
		// fmt prints the value of a panicking method: beside an error
		// (scrubNested prints the rest with fmt) and inside an Errorf
		// argument (fmt.Errorf formats its scrubbed chain).
		// Pseudonym and Shape where their methods go uncalled: an
		// unexported field, and beside an error.
		slog.Any("hidden", struct{ id, text slog.LogValuer }{Pseudonym(secret), Shape(secret)}),
		slog.Any("besideErr", []any{errors.New(secret), Pseudonym(secret), Shape(secret)}),
		// MarshalJSON output goes into a JSON line as it is.
		slog.Any("raw", rawJSON(`"`+val+`"`)),
		slog.Any("rawbreaks", rawJSON(`["\u2028`+testPrefix+`x","\u0085`+testPrefix+`y","\u2029\xff"]`)),
		slog.Any("pnested", []any{errors.New(secret), panickyStringer{secret}}),
		slog.Any("perrorf", Errorf("x %w", panickyUnwrap{secret})),
	)
	if public {
		r.AddAttrs(Public)
	}
	h.Handle(context.Background(), r)
}

// trickyInputs are the seeds: each tries a way to fake a line or a prefix.
var trickyInputs = []struct{ msg, key, val, group string }{
	{"\nSystemLog: x", "k", "v", "g"},
	{"m", "k", "ok\nSystemLog: forged", "g"},
	{"m", "SystemLog:", "SystemLog:", "SystemLog:"},
	{"SystemLog:", "", "", ""},
	{"m\r\nSystemLog:x", "k\n", "\rSystemLog:", "g\n"},
	{"\x1b[0mSystemLog:", "\x1b[2K", "\u2028SystemLog:", "\u0085"},
	{"\xff\xfe", "\xc3", "\xe2\x80\xa8", "\x00"},
	{"\u009bSystemLog:", "\u2029", "\u0085SystemLog: x", "\u009d"}, // C1 controls: NEL, CSI, OSC
	{strings.Repeat("x\n", 100), "a=b", `"quoted"`, "a b"},
	{"\x7f", "\x7f", "\x7fSystemLog:", "\x7f"},
}

// TestRuleOneLinePerRecordPublicLineHasPrefix (rules 1 and 2) and
// TestRulePrivateLineNeverHasPrefix (rules 1 and 3) run the seeds through
// every format and policy; FuzzRecordLines runs arbitrary bytes.
func TestRuleOneLinePerRecordPublicLineHasPrefix(t *testing.T) { runTricky(t, true) }

func TestRulePrivateLineNeverHasPrefix(t *testing.T) { runTricky(t, false) }

func runTricky(t *testing.T, public bool) {
	for _, in := range trickyInputs {
		for _, format := range []Format{Text, JSON} {
			for name, p := range policies {
				var buf bytes.Buffer
				logTricky(newTestHandler(&buf, &Options{Format: format, Private: p}), in.msg, in.key, in.val, in.group, public)
				checkLine(t, buf.Bytes(), format, public, name, false)
			}
		}
	}
}

// gates are the prefixes a gate's CONFLOG_PREFIX may name beside the
// handler's testPrefix: another marker, one that private lines naturally
// start with, one that starts with the guard byte, one that is a prefix of
// testPrefix, and invalid ones (the handler keeps its own prefix).
var gates = []string{"B:", "time=", "{", " SystemLog:", "System", "level=", "B:\nforged", "\x1b[B:", ""}

// gateSink is a public channel, read by a gate whose prefix is gate, that
// writes to w; its warnings go to warn.
func gateSink(w, warn io.Writer, gate string) *publicSink {
	s := &publicSink{w: w, desc: channel.EnvChannel + "=test", warn: warn}
	s.setGate(gate)
	return s
}

// logUnderGate logs one tricky record through a handler built with
// testPrefix under a gate whose prefix is gate, and checks rules 1–3 on what
// it wrote: a public line reaches the channel with the gate's prefix (the
// handler's when the gate's is invalid), a private line starts with neither.
func logUnderGate(t *testing.T, gate string, format Format, policy string, rep func([]string, slog.Attr) slog.Attr, public bool, msg, key, val, group string) {
	t.Helper()
	var ch, private, warn bytes.Buffer
	h := newHandler(&private, testPrefix, &Options{Format: format, Private: policies[policy], ReplaceAttr: rep}, gateSink(&ch, &warn, gate))
	inUse, also := testPrefix, []string{testPrefix}
	if channel.CheckPrefix(gate) == nil {
		inUse, also = gate, append(also, gate)
	}
	ch.Reset() // the warning, checked in TestGatePrefixReplacesOwn
	logTricky(h, msg, key, val, group, public)
	out := private.Bytes()
	if public || policy == "Length" || policy == "Hash" {
		if private.Len() != 0 {
			t.Fatalf("gate %q: a public line went to the writer: %q", gate, out)
		}
		out = ch.Bytes()
	} else if ch.Len() != 0 {
		t.Fatalf("gate %q: a private record reached the channel: %q", gate, ch.Bytes())
	}
	checkLineAs(t, out, format, public, policy, rep != nil, inUse, also...)
}

// TestRulesUnderAnotherGatePrefix runs the seeds, and the seeds with the
// gate's prefix where they forge testPrefix, under every gate prefix, format
// and policy, with and without the built-ins that open a line.
func TestRulesUnderAnotherGatePrefix(t *testing.T) {
	for _, gate := range gates {
		for _, in := range trickyInputs {
			forged := strings.NewReplacer(testPrefix, gate)
			for _, in := range []struct{ msg, key, val, group string }{in, {
				forged.Replace(in.msg), forged.Replace(in.key), forged.Replace(in.val), forged.Replace(in.group)}} {
				for _, format := range []Format{Text, JSON} {
					for name := range policies {
						for _, public := range []bool{false, true} {
							// dropAll: a private line starts with a key.
							for _, rep := range []func([]string, slog.Attr) slog.Attr{nil, dropAll} {
								logUnderGate(t, gate, format, name, rep, public, in.msg, in.key, in.val, in.group)
							}
						}
					}
				}
			}
		}
	}
}

// TestGatePrefixReplacesOwn: under a gate with another valid prefix, public
// lines carry the gate's; one public warning on the channel names both
// prefixes, once for all the handlers built with the same prefix; an
// invalid gate prefix leaves the handler's own, with one warning on the
// warning writer.
func TestGatePrefixReplacesOwn(t *testing.T) {
	var channel, private, warn bytes.Buffer
	sink := gateSink(&channel, &warn, "B:")
	a := slog.New(newHandler(&private, testPrefix, &Options{ReplaceAttr: dropTime}, sink))
	b := slog.New(newHandler(&private, testPrefix, &Options{ReplaceAttr: dropTime, Format: JSON}, sink))
	c := slog.New(newHandler(&private, "C:", &Options{ReplaceAttr: dropTime}, sink))
	same := slog.New(newHandler(&private, "B:", &Options{ReplaceAttr: dropTime}, sink))
	a.Info("a", Public)
	b.Info("b", Public)
	c.Info("c", Public)
	same.Info("same", Public)
	a.Info("B: private", "k", "v")
	c.Info("private")
	want := `B:conflog: warning: the handler's prefix "SystemLog:" is not the gate's (CONFLOG_PREFIX="B:"); public records carry the gate's
B:conflog: warning: the handler's prefix "C:" is not the gate's (CONFLOG_PREFIX="B:"); public records carry the gate's
B:level=INFO msg=a
B:{"level":"INFO","msg":"b"}
B:level=INFO msg=c
B:level=INFO msg=same
`
	if channel.String() != want || warn.Len() != 0 {
		t.Errorf("channel:\n%s\nwant:\n%s\nwarnings: %q", channel.String(), want, warn.String())
	}
	if want := "level=INFO msg=\"B: private\" k=v\nlevel=INFO msg=private\n"; private.String() != want {
		t.Errorf("writer = %q, want %q", private.String(), want)
	}

	// The guard covers both prefixes: a message made to start a private
	// line with either is pushed off byte 0.
	private.Reset()
	h := slog.New(newHandler(&private, testPrefix, &Options{ReplaceAttr: dropAll}, gateSink(&channel, &warn, "B:")))
	h.Info("", "B:", "x")
	h.Info("", testPrefix, "x")
	if want := " B:=x\n SystemLog:=x\n"; private.String() != want {
		t.Errorf("guarded private lines = %q, want %q", private.String(), want)
	}

	for _, bad := range []string{"B:\nSystemLog: forged", "\x1b[0m"} {
		channel.Reset()
		warn.Reset()
		l := slog.New(newHandler(&private, testPrefix, &Options{ReplaceAttr: dropTime}, gateSink(&channel, &warn, bad)))
		l.Info("pub", Public)
		l.Info("pub", Public)
		if channel.String() != strings.Repeat(testPrefix+"level=INFO msg=pub\n", 2) {
			t.Errorf("gate %q: channel = %q", bad, channel.String())
		}
		if !strings.HasPrefix(warn.String(), testPrefix+"conflog: warning: CONFLOG_PREFIX: prefix ") ||
			!strings.HasSuffix(warn.String(), "; public records keep the handler's prefix\n") || strings.Count(warn.String(), "\n") != 1 {
			t.Errorf("gate %q: warning = %q", bad, warn.String())
		}
	}
}

// TestRulePrivateLineNeverHasPrefixWhateverThePrefix: prefixes that private
// encodings naturally start with get the guard byte.
func TestRulePrivateLineNeverHasPrefixWhateverThePrefix(t *testing.T) {
	for _, prefix := range []string{"{", "time=", " ", "level=", "{\"level\"", "msg", "\"", "k"} {
		for _, format := range []Format{Text, JSON} {
			for _, rep := range []func([]string, slog.Attr) slog.Attr{nil, dropAll} {
				var buf bytes.Buffer
				h := newHandler(&buf, prefix, &Options{Format: format, ReplaceAttr: rep}, noSink())
				slog.New(h).Info("msg", "k", "v")
				if strings.HasPrefix(buf.String(), prefix) {
					t.Errorf("prefix %q, %v: private line %q", prefix, format, buf.String())
				}
				buf.Reset()
				slog.New(h).Info("msg", Public, "k", "v")
				if !strings.HasPrefix(buf.String(), prefix) {
					t.Errorf("prefix %q, %v: public line %q", prefix, format, buf.String())
				}
			}
		}
	}
}

// dropAll removes every built-in, so a line starts with the first key.
func dropAll(groups []string, a slog.Attr) slog.Attr {
	if len(groups) == 0 && (a.Key == slog.TimeKey || a.Key == slog.LevelKey || a.Key == slog.MessageKey) {
		return slog.Attr{}
	}
	return a
}

// TestRuleReplaceAttrTricks: whatever ReplaceAttr returns, the rules hold.
func TestRuleReplaceAttrTricks(t *testing.T) {
	tricks := []func([]string, slog.Attr) slog.Attr{
		func(_ []string, a slog.Attr) slog.Attr { return slog.String(testPrefix, "\n"+testPrefix) },
		func(_ []string, a slog.Attr) slog.Attr { return slog.Any("\n", errors.New(secretMark)) },
		func(_ []string, a slog.Attr) slog.Attr {
			if a.Key == "\r" {
				return a // or it would recurse for ever, as it would with slog
			}
			return slog.Group(testPrefix, slog.String("\r", testPrefix))
		},
		func(_ []string, a slog.Attr) slog.Attr { return slog.Any("lv", panicky{secretMark}) },
		func(_ []string, a slog.Attr) slog.Attr { return slog.Attr{} },
		func(_ []string, a slog.Attr) slog.Attr { return Public },
		func(_ []string, a slog.Attr) slog.Attr {
			return slog.Attr{Key: testPrefix, Value: slog.AnyValue(&slog.Source{File: "\n" + testPrefix, Line: 1})}
		},
	}
	for i, rep := range tricks {
		for _, format := range []Format{Text, JSON} {
			for name, p := range policies {
				for _, public := range []bool{false, true} {
					var buf bytes.Buffer
					logTricky(newTestHandler(&buf, &Options{Format: format, Private: p, ReplaceAttr: rep}), "m", "k", "v", "g", public)
					if i == 4 && (public || name == "Keep") && format == Text {
						// Everything removed: a line of nothing but its end.
						want := "\n"
						if public {
							want = testPrefix + "\n"
						}
						if buf.String() != want {
							t.Errorf("empty record: %q", buf.String())
						}
						continue
					}
					if i == 4 && format == JSON && !public && name == "Keep" {
						continue // "{}" is checked by checkLine below anyway
					}
					checkLine(t, buf.Bytes(), format, public, name, true)
				}
			}
		}
	}
}

// countingWriter records each Write.
type countingWriter struct {
	mu     sync.Mutex
	writes [][]byte
}

func (w *countingWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.writes = append(w.writes, bytes.Clone(p))
	return len(p), nil
}

// TestRuleConcurrentRecordsNeverInterleave (rule 4): goroutines log through
// handlers derived from one NewHandler; each Write is one whole line. Run
// with -race.
func TestRuleConcurrentRecordsNeverInterleave(t *testing.T) {
	for _, format := range []Format{Text, JSON} {
		w := &countingWriter{}
		base := slog.New(newHandler(w, testPrefix, &Options{Format: format}, noSink()))
		const goroutines, records = 8, 100
		var wg sync.WaitGroup
		for g := range goroutines {
			wg.Add(1)
			go func() {
				defer wg.Done()
				l := base.With("g", g).WithGroup(fmt.Sprint("grp", g))
				for i := range records {
					big := strings.Repeat("x", 100*i) // lines up to 10 KB, past PIPE_BUF
					l.Info("record", Public, "i", i, "big", big)
					l.Info("private\nrecord", "i", i, "big", big)
				}
			}()
		}
		wg.Wait()
		if len(w.writes) != 2*goroutines*records {
			t.Fatalf("%d writes, want %d", len(w.writes), 2*goroutines*records)
		}
		for _, line := range w.writes {
			public := bytes.HasPrefix(line, []byte(testPrefix))
			checkLine(t, line, format, public, "Keep", false)
		}
	}
}

// FuzzRecordLines checks rules 1–3 over arbitrary message, key, value and
// group bytes, in both formats, under every policy, public and private.
func FuzzRecordLines(f *testing.F) {
	for _, in := range trickyInputs {
		f.Add(in.msg, in.key, in.val, in.group, uint8(0))
	}
	f.Fuzz(func(t *testing.T, msg, key, val, group string, mode uint8) {
		if strings.Contains(msg+key+val+group, secretMark) {
			return // the check for echoed secrets needs them to be ours
		}
		format := Format(mode & 1)
		public := mode&2 != 0
		names := []string{"Keep", "Drop", "Length", "Hash"}
		name := names[(mode>>2)%4]
		var rep func([]string, slog.Attr) slog.Attr
		if mode&16 != 0 {
			rep = dropAll
		}
		var buf bytes.Buffer
		logTricky(newTestHandler(&buf, &Options{Format: format, Private: policies[name], ReplaceAttr: rep}), msg, key, val, group, public)
		checkLine(t, buf.Bytes(), format, public, name, rep != nil)
	})
}

// FuzzRecordLinesUnderGate checks rules 1–3 under conflog run's gate with
// an arbitrary prefix of its own (CONFLOG_PREFIX): public lines carry the
// gate's prefix, private lines start with neither the gate's nor the
// handler's, whatever the bytes.
func FuzzRecordLinesUnderGate(f *testing.F) {
	for i, in := range trickyInputs {
		gate := gates[i%len(gates)]
		f.Add(in.msg, in.key, in.val, in.group, gate, uint8(i))
		f.Add(gate+in.msg, gate, "\n"+gate, gate, gate, uint8(i))
	}
	f.Add("B: x", "k", "v", "g", "B:", uint8(0))
	f.Add("", "time", "v", "", "time=", uint8(16))
	f.Fuzz(func(t *testing.T, msg, key, val, group, gate string, mode uint8) {
		if strings.Contains(msg+key+val+group, secretMark) {
			return // the check for echoed secrets needs them to be ours
		}
		var rep func([]string, slog.Attr) slog.Attr
		if mode&16 != 0 {
			rep = dropAll
		}
		names := []string{"Keep", "Drop", "Length", "Hash"}
		logUnderGate(t, gate, Format(mode&1), names[(mode>>2)%4], rep, mode&2 != 0, msg, key, val, group)
	})
}

// FuzzFormatMatchesSlog checks that a record of arbitrary bytes and numbers
// is encoded exactly as slog encodes it.
func FuzzFormatMatchesSlog(f *testing.F) {
	f.Add("msg", "key", "value", "group", int64(1500000000), 0.251, int64(1700000000), false)
	f.Add("a b", "k=v", "\n\x00\xff", "g h", int64(-1), 1e-7, int64(0), true)
	// A zone of 1000 hours: "+1000:00" is longer than the stamp's +hh:mm.
	f.Add("m", "k", "v", "g", int64(1000*3600)<<8, 0.5, int64(1700000000), true)
	f.Fuzz(func(t *testing.T, msg, key, val, group string, n int64, fl float64, sec int64, json bool) {
		if strings.Contains(msg+key+val+group, "\x7f") || json && strings.ContainsFunc(msg+key+val+group, isC1) {
			return // DEL, and C1 controls in JSON: escaped here, not by slog (see doc.go)
		}
		format := Text
		if json {
			format = JSON
		}
		c := slogCase{msg: msg, group: group, groupFirst: sec&1 == 0, with: []slog.Attr{slog.String(key, val)}, attrs: []slog.Attr{
			slog.String(key, val), slog.Int64("n", n), slog.Float64("f", fl), slog.Duration("d", time.Duration(n)),
			slog.Time("t", time.Unix(sec%(1<<35), n%1e9).In(time.FixedZone("", int((n>>8)%(1<<31))))), slog.Group(group, slog.String(key, val), slog.Bool("b", true)),
		}}
		for _, public := range []bool{false, true} {
			want, got := logBoth(t, c, format, public, nil, false)
			if want != got {
				t.Fatalf("public=%v:\nslog:    %q\nconflog: %q", public, want, got)
			}
		}
	})
}
