package conflog

import (
	"encoding"
	"encoding/json"
	"fmt"
	"log/slog"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Format is the encoding of a line after its prefix.
type Format uint8

const (
	// Text is slog.TextHandler's key=value format.
	Text Format = iota
	// JSON is slog.JSONHandler's one-object-per-line format.
	JSON
)

// String returns "Text" or "JSON".
func (f Format) String() string {
	switch f {
	case Text:
		return "Text"
	case JSON:
		return "JSON"
	}
	return fmt.Sprintf("Format(%d)", uint8(f))
}

// state encodes one record (or one WithAttrs call). Both formats share it:
// one pipeline, two small switches, as in slog's commonHandler.
type state struct {
	h           *Handler
	public      bool
	json        bool
	buf         []byte
	sep         bool     // a separator goes before the next key
	prefix      []byte   // text: the dotted group path of the next key
	prefixQuote int      // how many group names in prefix need quoting
	groups      []string // the open groups, for ReplaceAttr (only when it is set)
	depth       int      // how deep attr is in groups
	nGroups     int      // how many groups the record has opened

	// The one-pass encoding (see Handler.encodeOnePass): scan is set while
	// attr sees the record's own attributes; the markers seen among them;
	// and whether it met a value whose rendering depends on the category.
	onePass, scan, sawPublic, sawPrivate, abort bool
}

// statePool recycles states and their buffers: the common path allocates
// nothing.
var statePool = sync.Pool{New: func() any {
	return &state{buf: make([]byte, 0, 1024), prefix: make([]byte, 0, 64)}
}}

func newState(h *Handler, public bool) *state {
	s := statePool.Get().(*state)
	s.h, s.public, s.json = h, public, h.c.json
	return s
}

// maxPooled keeps one huge record from pinning its buffer forever.
const maxPooled = 64 << 10

func (s *state) free() {
	if cap(s.buf) > maxPooled {
		return
	}
	*s = state{buf: s.buf[:0], prefix: s.prefix[:0], groups: s.groups[:0]}
	statePool.Put(s)
}

// record encodes r as one whole line, ending in '\n'.
func (s *state) record(r *slog.Record) {
	if s.public {
		s.buf = append(s.buf, s.h.c.prefix...)
	}
	if s.json {
		s.buf = append(s.buf, '{')
	}
	s.builtins(r, r.Message)
	s.nonBuiltins(r)
	s.end()
}

// end closes the line, and keeps a private line from starting with the
// prefix (invariant 3).
func (s *state) end() {
	if s.json {
		s.buf = append(s.buf, '}')
	}
	s.buf = append(s.buf, '\n')
	if !s.public {
		s.guard()
	}
}

// guard puts the guard byte before a private line that starts with the
// prefix, or with the handler's own prefix when the gate's replaced it.
func (s *state) guard() {
	c := s.h.c
	if hasPrefix(s.buf, c.prefix) || c.own != "" && hasPrefix(s.buf, c.own) {
		s.buf = append(s.buf, 0)
		copy(s.buf[1:], s.buf)
		s.buf[0] = c.guard
	}
}

func hasPrefix(b []byte, p string) bool { return len(b) >= len(p) && string(b[:len(p)]) == p }

// builtins encodes time, level, source and message, outside any group, in
// slog's order.
func (s *state) builtins(r *slog.Record, msg string) {
	rep := s.h.c.replace
	if !r.Time.IsZero() {
		t := r.Time.Round(0) // strip the monotonic clock reading, as slog does
		if rep == nil {
			s.builtinKey(`"time":`, "time=")
			s.time(t)
		} else {
			s.attr(slog.Time(slog.TimeKey, t))
		}
	}
	if rep == nil {
		// The four common levels as constants, key and value in one
		// append, quoted for JSON: Level.String and four appends were 60
		// instructions a record (callgrind).
		switch r.Level {
		case slog.LevelInfo:
			s.builtinKey(`"level":"INFO"`, "level=INFO")
		case slog.LevelDebug:
			s.builtinKey(`"level":"DEBUG"`, "level=DEBUG")
		case slog.LevelWarn:
			s.builtinKey(`"level":"WARN"`, "level=WARN")
		case slog.LevelError:
			s.builtinKey(`"level":"ERROR"`, "level=ERROR")
		default:
			s.builtinKey(`"level":`, "level=")
			s.str(r.Level.String())
		}
	} else {
		s.attr(slog.Any(slog.LevelKey, r.Level))
	}
	if s.h.c.addSource {
		src := r.Source()
		if src == nil {
			src = &slog.Source{}
		}
		s.attr(slog.Any(slog.SourceKey, src))
	}
	if rep == nil {
		s.builtinKey(`"msg":`, "msg=")
		s.str(msg)
	} else {
		s.attr(slog.String(slog.MessageKey, msg))
	}
}

// nonBuiltins encodes the handler's preformatted attributes and the record's
// own, in the handler's groups. Groups without attributes are not printed.
func (s *state) nonBuiltins(r *slog.Record) {
	h := s.h
	if pre := h.pre[s.index()]; len(pre) > 0 {
		s.separate()
		s.buf = append(s.buf, pre...)
		s.sep = !(s.json && pre[len(pre)-1] == '{')
	}
	nOpen := h.nOpen
	// Without a r.NumAttrs() > 0 test: a record without attributes appends
	// nothing and takes its pending groups back below, and the test copied
	// the 312-byte Record (value receiver) on every record.
	s.enterGroups(h.nOpen)
	pos, sep := len(s.buf), s.sep
	s.openPending(h.nOpen)
	appended := false
	s.scan = s.onePass
	r.Attrs(func(a slog.Attr) bool {
		if s.attr(a) {
			appended = true
		}
		return !s.abort
	})
	s.scan = false
	if appended {
		nOpen = len(h.groups)
	} else {
		s.buf, s.sep = s.buf[:pos], sep
	}
	if s.json {
		for range nOpen {
			s.buf = append(s.buf, '}')
		}
	}
}

func (s *state) index() int {
	if s.public {
		return 1
	}
	return 0
}

// enterGroups puts the state inside the handler's first n groups, which its
// preformatted attributes already opened.
func (s *state) enterGroups(n int) {
	s.prefix = s.prefix[:0]
	if s.h.groupPrefix != "" { // skips a memmove call on most records
		s.prefix = append(s.prefix, s.h.groupPrefix...)
	}
	s.prefixQuote = s.h.prefixQuote
	if s.h.c.replace != nil {
		s.groups = append(s.groups[:0], s.h.groups[:n]...)
	}
}

// openPending opens the handler's groups from the n-th on.
func (s *state) openPending(n int) {
	for _, g := range s.h.groups[n:] {
		s.openGroup(g)
	}
}

func (s *state) openGroup(name string) {
	if s.json {
		s.key(name)
		s.buf = append(s.buf, '{')
		s.sep = false
	} else {
		s.prefix = append(s.prefix, name...)
		s.prefix = append(s.prefix, '.')
		if needsQuoting(name) {
			s.prefixQuote++
		}
	}
	if s.h.c.replace != nil {
		s.groups = append(s.groups, name)
	}
}

// closeGroup closes the group name; write is false when the group's opening
// was taken back because it turned out empty.
func (s *state) closeGroup(name string, write bool) {
	if s.json {
		if write {
			s.buf = append(s.buf, '}')
		}
	} else {
		s.prefix = s.prefix[:len(s.prefix)-len(name)-1]
		if needsQuoting(name) {
			s.prefixQuote--
		}
	}
	if s.h.c.replace != nil {
		s.groups = s.groups[:len(s.groups)-1]
	}
}

// attr encodes a, and reports whether it wrote anything.
func (s *state) attr(a slog.Attr) bool {
	// The common case first: a plain value (no LogValuer, error, marker,
	// Source or group can hide in these kinds) and no ReplaceAttr.
	k := a.Value.Kind()
	switch k {
	case slog.KindAny, slog.KindLogValuer, slog.KindGroup:
	default:
		if s.h.c.replace == nil {
			s.key(a.Key)
			s.valueOfKind(a.Value, k) // Kind is a type switch: once is enough
			return true
		}
	}
	if s.scan {
		// k is known: marker's own Kind call, whose LogValuer case is an
		// interface assertion, was 9 % of the handler's CPU profile.
		m, ok := DataCategory(0), false
		if k == slog.KindAny && a.Key == markerKey {
			m, ok = a.Value.Any().(DataCategory)
		}
		if !ok {
			// An error, LogValuer or group renders by category, which
			// is not known yet: give up before resolving it.
			s.abort = true
			return false
		}
		if m == OnlyPublicData {
			s.sawPublic = true
		} else {
			s.sawPrivate = true
		}
		return false // never printed
	}
	if isMarker(a) {
		return false // never printed, never shown to ReplaceAttr
	}
	a.Value = s.resolve(a.Value)
	if rep := s.h.c.replace; rep != nil && a.Value.Kind() != slog.KindGroup {
		a = rep(s.groups, a)
		if isMarker(a) {
			return false // ReplaceAttr cannot forge a category
		}
		a.Value = s.resolve(a.Value)
	}
	if a.Key == "" && a.Value.Kind() == slog.KindAny && a.Value.Any() == nil {
		return false // the empty Attr
	}
	if src, ok := anySource(a.Value); ok {
		if *src == (slog.Source{}) {
			return false
		}
		if s.json {
			a.Value = sourceGroup(src)
		} else {
			s.key(a.Key)
			s.str(src.File + ":" + strconv.Itoa(src.Line))
			return true
		}
	}
	if a.Value.Kind() == slog.KindGroup {
		attrs := a.Value.Group()
		if len(attrs) == 0 {
			return false
		}
		if s.depth >= maxGroupDepth || s.nGroups >= maxGroups {
			s.key(a.Key)
			s.str("!ERROR:too many groups")
			return true
		}
		s.depth++
		s.nGroups++
		defer func() { s.depth-- }()
		pos, sep := len(s.buf), s.sep
		if a.Key != "" {
			s.openGroup(a.Key)
		}
		appended := false
		for _, ga := range attrs {
			if s.attr(ga) {
				appended = true
			}
		}
		if !appended {
			s.buf, s.sep = s.buf[:pos], sep
		}
		if a.Key != "" {
			s.closeGroup(a.Key, appended)
		}
		s.sep = s.sep || appended
		return appended
	}
	s.key(a.Key)
	s.value(a.Value)
	return true
}

func anySource(v slog.Value) (*slog.Source, bool) {
	if v.Kind() != slog.KindAny {
		return nil, false
	}
	src, ok := v.Any().(*slog.Source)
	return src, ok && src != nil
}

func sourceGroup(src *slog.Source) slog.Value {
	var as []slog.Attr
	if src.Function != "" {
		as = append(as, slog.String("function", src.Function))
	}
	if src.File != "" {
		as = append(as, slog.String("file", src.File))
	}
	if src.Line != 0 {
		as = append(as, slog.Int("line", src.Line))
	}
	return slog.GroupValue(as...)
}

// maxGroupDepth and maxGroups bound the groups of one record. A ReplaceAttr
// that turns each attribute into a group (or a Source, which JSON encodes as
// a group) would otherwise recurse until the stack overflows, or for ever,
// as it does with slog: a log call must return.
const (
	maxGroupDepth = 64
	maxGroups     = 1024
)

// maxResolve bounds LogValue chains, as slog.Value.Resolve does.
const maxResolve = 100

// resolve is slog.Value.Resolve with two differences: a Pseudonym becomes its
// token under the handler's key, and a LogValue that panics never puts its
// panic value into a public line.
func (s *state) resolve(v slog.Value) slog.Value {
	for range maxResolve {
		if v.Kind() != slog.KindLogValuer {
			return v
		}
		lv := v.LogValuer()
		if p, ok := lv.(pseudonym); ok {
			return slog.StringValue(p.token(s.h.c.key))
		}
		v = s.logValue(lv)
	}
	if v.Kind() == slog.KindLogValuer {
		return slog.StringValue("!ERROR:LogValue called too many times")
	}
	return v
}

func (s *state) logValue(lv slog.LogValuer) (v slog.Value) {
	defer func() {
		if r := recover(); r != nil {
			v = slog.StringValue(s.panicText("LogValue", r))
		}
	}()
	return lv.LogValue()
}

// panicText is what a line shows for a value whose method panicked: slog
// prints the panic value; a public line must not, it may be the data.
func (s *state) panicText(what string, r any) string {
	if s.public {
		return scrubbedPanic(what)
	}
	return fmt.Sprintf("!PANIC: %s panicked: %v", what, r)
}

// scrubbedPanic is what a public line says of a method of what that
// panicked: that it did, never the panic value.
func scrubbedPanic(what string) string { return "!PANIC: " + what + " panicked: " + scrubbed }

// fmtPanicked reports whether fmt caught a panicking method (String, Error,
// Format) while it made text: it prints the panic value there, as
// "%!v(PANIC=String method: …)", and that value may be the data.
func fmtPanicked(text string) bool { return strings.Contains(text, "(PANIC=") }

// separate writes the separator before a key, if one is due.
func (s *state) separate() {
	if s.sep {
		if s.json {
			s.buf = append(s.buf, ',')
		} else {
			s.buf = append(s.buf, ' ')
		}
	}
}

// builtinKey writes a built-in key, already encoded: the same bytes key
// would write for it, without looking at them again on every record.
func (s *state) builtinKey(json, text string) {
	s.separate()
	if s.json {
		s.buf = append(s.buf, json...)
	} else {
		s.buf = append(s.buf, text...)
	}
	s.sep = true
}

func (s *state) key(k string) {
	if s.json {
		// The buffer in a local: one load and one store of s.buf instead
		// of one per append.
		b := s.buf
		if s.sep {
			b = append(b, ',')
		}
		b = append(b, '"')
		if jsonSafeWords(k) {
			b = append(b, k...) // inlined: a call less per key
		} else {
			b = appendJSONString(b, k)
		}
		s.buf = append(b, '"', ':')
		s.sep = true
		return
	}
	s.separate()
	switch {
	case len(s.prefix) == 0:
		s.str(k)
		s.buf = append(s.buf, '=')
	case s.prefixQuote == 0 && !needsQuoting(k):
		s.buf = append(s.buf, s.prefix...)
		s.buf = append(s.buf, k...)
		s.buf = append(s.buf, '=')
	default:
		s.buf = strconv.AppendQuote(s.buf, string(s.prefix)+k)
		s.buf = append(s.buf, '=')
	}
	s.sep = true
}

// str encodes a string value: quoted and escaped in JSON, and in text when
// slog would quote it (spaces, '=', '"', control bytes, invalid UTF-8...),
// so no byte of it can end the line.
func (s *state) str(v string) {
	if s.json {
		b := append(s.buf, '"') // in a local, as in key
		if jsonSafeWords(v) {
			b = append(b, v...)
		} else {
			b = appendJSONString(b, v)
		}
		s.buf = append(b, '"')
	} else if needsQuoting(v) {
		s.buf = strconv.AppendQuote(s.buf, v)
	} else {
		s.buf = append(s.buf, v...)
	}
}

func (s *state) time(t time.Time) {
	if st := s.h.c.stampOf(t); st != nil {
		s.buf = st.append(s.buf, t, s.json)
		return
	}
	if s.json {
		if y := t.Year(); y < 0 || y >= 10000 {
			// RFC 3339 has four-digit years; slog writes an error and the
			// bad time after it, which is not JSON. We write the error only.
			s.str("!ERROR:time.Time year outside of range [0,9999]")
			return
		}
		s.buf = append(s.buf, '"')
		s.buf = t.AppendFormat(s.buf, time.RFC3339Nano)
		s.buf = append(s.buf, '"')
		return
	}
	s.buf = appendRFC3339Millis(s.buf, t)
}

func (s *state) value(v slog.Value) { s.valueOfKind(v, v.Kind()) }

func (s *state) valueOfKind(v slog.Value, k slog.Kind) {
	switch k {
	case slog.KindString:
		s.str(v.String())
	case slog.KindInt64:
		s.buf = appendInt(s.buf, v.Int64())
	case slog.KindUint64:
		s.buf = strconv.AppendUint(s.buf, v.Uint64(), 10)
	case slog.KindFloat64:
		if s.json {
			s.jsonFloat(v.Float64())
		} else {
			s.buf = strconv.AppendFloat(s.buf, v.Float64(), 'g', -1, 64)
		}
	case slog.KindBool:
		s.buf = strconv.AppendBool(s.buf, v.Bool())
	case slog.KindDuration:
		if s.json {
			s.buf = strconv.AppendInt(s.buf, int64(v.Duration()), 10)
		} else {
			s.buf = appendDuration(s.buf, v.Duration())
		}
	case slog.KindTime:
		s.time(v.Time())
	case slog.KindAny:
		s.any(v.Any())
	default: // an unresolved LogValuer or a group where a value belongs
		s.str(fmt.Sprintf("!BADVALUE:%s", v.Kind()))
	}
}

// any encodes a value of kind Any. Its methods (Error, String, MarshalText,
// MarshalJSON) are the caller's code and may panic or echo data, so a
// public line shows neither the panic value nor an error's message.
func (s *state) any(x any) {
	pos, sep := len(s.buf), s.sep
	defer func() {
		if r := recover(); r != nil {
			s.buf, s.sep = s.buf[:pos], sep
			if rv := reflect.ValueOf(x); rv.Kind() == reflect.Pointer && rv.IsNil() {
				s.str("<nil>")
				return
			}
			s.str(s.panicText(fmt.Sprintf("%T", x), r))
		}
	}()
	if err, ok := x.(error); ok {
		if s.public {
			s.str(scrubError(err))
			return
		}
		// Private: slog's rules. JSON prints Error() unless the error
		// marshals itself; text goes the general way below.
		if _, jm := x.(json.Marshaler); s.json && !jm {
			s.str(err.Error())
			return
		}
	} else if s.public {
		if text, ok := scrubNested(x); ok {
			s.str(text)
			return
		}
	}
	if s.json {
		s.jsonAny(x)
		return
	}
	if tm, ok := x.(encoding.TextMarshaler); ok {
		data, err := tm.MarshalText()
		if err != nil {
			s.error(err)
			return
		}
		s.str(string(data))
		return
	}
	if bs, ok := byteSlice(x); ok {
		s.buf = strconv.AppendQuote(s.buf, string(bs))
		return
	}
	text := fmt.Sprintf("%+v", x)
	if s.public && fmtPanicked(text) {
		// fmt caught a panicking String or Error method and printed its
		// value: not in a public line.
		text = s.panicText(fmt.Sprintf("%T", x), nil)
	}
	s.str(text)
}

// error writes a failure to encode a value, like slog's !ERROR, scrubbed in a
// public line.
func (s *state) error(err error) {
	if s.public {
		s.str("!ERROR:" + scrubError(err))
		return
	}
	s.str(fmt.Sprintf("!ERROR:%v", err))
}

// byteSlice returns x as a []byte if its underlying type is one, as fmt's %s
// and slog's text handler accept it.
func byteSlice(x any) ([]byte, bool) {
	if bs, ok := x.([]byte); ok {
		return bs, true
	}
	t := reflect.TypeOf(x)
	if t != nil && t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.Uint8 {
		return reflect.ValueOf(x).Bytes(), true
	}
	return nil, false
}
