package conflog

import (
	"bytes"
	"encoding"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"log/slog"
	"math"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"
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
		return "!PANIC: " + what + " panicked: " + scrubbed
	}
	return fmt.Sprintf("!PANIC: %s panicked: %v", what, r)
}

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

// appendInt is strconv.AppendInt in base 10 with one digit appended as a
// byte: strconv appends its small numbers with a memmove call.
func appendInt(b []byte, v int64) []byte {
	if 0 <= v && v < 10 {
		return append(b, byte('0'+v))
	}
	return strconv.AppendInt(b, v, 10)
}

// jsonFloat writes f as encoding/json does (slog JSON's format), without
// encoding/json's cost: 'f' notation unless the exponent is below -6 or at
// least 21, exponents without a leading zero. NaN and infinities are not
// JSON; slog writes the marshalling error, and so do we.
func (s *state) jsonFloat(f float64) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		s.str("!ERROR:json: unsupported value: " + strconv.FormatFloat(f, 'g', -1, 64))
		return
	}
	format := byte('f')
	if a := math.Abs(f); a != 0 && (a < 1e-6 || a >= 1e21) {
		format = 'e'
	} else if b, ok := appendShortDecimal(s.buf, f); ok {
		s.buf = b
		return
	}
	s.buf = strconv.AppendFloat(s.buf, f, format, -1, 64)
	if format == 'e' {
		// 1e-07 becomes 1e-7.
		n := len(s.buf)
		if n >= 4 && s.buf[n-4] == 'e' && s.buf[n-3] == '-' && s.buf[n-2] == '0' {
			s.buf[n-2] = s.buf[n-1]
			s.buf = s.buf[:n-1]
		}
	}
}

// appendShortDecimal appends f as strconv.AppendFloat(b, f, 'f', -1, 64)
// does, when f's shortest decimal has at most eight places and |f|·10^8 is
// below 2^49 (loss=0.2513, lr=3e-4, 0.95); otherwise it reports false and
// the caller asks strconv. strconv's shortest search was 500 instructions
// for the benchmark's 0.2513; this is under 200 (callgrind).
//
// Why it is exact: let x be a·10^8 (a = |f|), M its nearest integer. The
// float product is within x·2^-53 of the true one, and the decimals with
// eight places that read back as a lie within x·2^-53 of it too: below
// 2^49 that is 1/16 each, so there is at most one such decimal, and it can
// only be M·10^-8. M/10^8, one correctly rounded division of two exact
// numbers, equals a exactly when M·10^-8 reads back as a. A shorter decimal
// that reads back as a is that same one with fewer places, so the shortest
// is M with its trailing zeros dropped — what strconv finds. Fuzzed against
// strconv by FuzzShortDecimal.
func appendShortDecimal(b []byte, f float64) ([]byte, bool) {
	a := math.Abs(f)
	x := a * 1e8
	if a == 0 || x >= 1<<49 {
		return b, false // 0 and -0 too: strconv's
	}
	r := float64(uint64(x + 0.5)) // x+0.5 is exact below 2^52
	if r/1e8 != a {
		return b, false
	}
	if f < 0 {
		b = append(b, '-')
	}
	m := uint64(r)
	if ip := m / 1e8; ip < 10 {
		b = append(b, byte('0'+ip)) // 0.2513: a byte, not strconv's memmove
	} else {
		b = strconv.AppendUint(b, ip, 10)
	}
	frac := m % 1e8
	if frac == 0 {
		return b, true
	}
	var d [9]byte
	putNanos(&d, int(frac)) // "0" and the eight places
	n := len(d)
	for d[n-1] == '0' {
		n--
	}
	d[0] = '.'
	return append(b, d[:n]...), true
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
	if s.public && strings.Contains(text, "(PANIC=") {
		// fmt caught a panicking String or Error method and printed its
		// value: not in a public line.
		text = s.panicText(fmt.Sprintf("%T", x), nil)
	}
	s.str(text)
}

func (s *state) jsonAny(x any) {
	var bb bytes.Buffer
	enc := json.NewEncoder(&bb)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(x); err != nil {
		s.error(err)
		return
	}
	out := bytes.TrimSuffix(bb.Bytes(), []byte{'\n'})
	// encoding/json leaves DEL raw; in valid JSON it can only be inside a
	// string, where \u007f means the same.
	for {
		i := bytes.IndexByte(out, 0x7f)
		if i < 0 {
			break
		}
		s.buf = append(s.buf, out[:i]...)
		s.buf = append(s.buf, `\u007f`...)
		out = out[i+1:]
	}
	s.buf = append(s.buf, out...)
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

// needsQuoting reports whether slog's text format quotes s: when it is empty
// or holds a space, '=', '"', a control byte, invalid UTF-8, or a
// non-printing or space rune — and, unlike slog, DEL (0x7f), a control byte. Quoting (strconv.Quote) then escapes every
// such byte, which is what keeps a text record on one line.
func needsQuoting(s string) bool {
	if s == "" {
		return true
	}
	for i := 0; i < len(s); {
		b := s[i]
		if textSafe[b] {
			i++
			continue
		}
		if b < utf8.RuneSelf {
			return true
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError || unicode.IsSpace(r) || !unicode.IsPrint(r) {
			return true
		}
		i += size
	}
	return false
}

const hexDigits = "0123456789abcdef"

// textSafe[b] says that ASCII byte b needs no quoting in text: printable,
// not a space, '=' or '"' (and not DEL). Bytes from 0x80 are false, as in
// jsonSafe.
var textSafe = func() (t [256]bool) {
	for b := '!'; b < 0x7f; b++ {
		t[b] = b != '=' && b != '"'
	}
	return t
}()

// jsonSafe[b] says that ASCII byte b stands for itself inside a JSON
// string: printable, not '"' or '\\' (and not DEL). Bytes from 0x80 are
// false: they start UTF-8 sequences, checked one rune at a time.
var jsonSafe = func() (t [256]bool) {
	for b := ' '; b < 0x7f; b++ {
		t[b] = b != '"' && b != '\\'
	}
	return t
}()

// appendJSONString appends s escaped as the inside of a JSON string, with
// slog's escapes: '"', '\\', every byte below 0x20 (so '\n' and '\r' can
// never end a line), U+2028 and U+2029; invalid UTF-8 becomes U+FFFD. Unlike
// slog it also escapes DEL (0x7f), a control byte.
func appendJSONString(buf []byte, s string) []byte {
	// Keys and values are mostly short safe ASCII: checking them a word at a
	// time and copying them in one append took this function from 18 to 4
	// instructions a byte on the benchmark's record (callgrind), 7 % of a
	// public JSON record.
	if jsonSafeWords(s) {
		return append(buf, s...)
	}
	start := 0
	for i := 0; i < len(s); {
		if i+8 <= len(s) && jsonUnsafe8(binary.LittleEndian.Uint64([]byte(s[i:i+8]))) == 0 {
			i += 8 // a safe run in a long string with something to escape
			continue
		}
		b := s[i]
		if jsonSafe[b] {
			i++
			continue
		}
		if b < utf8.RuneSelf {
			buf = append(buf, s[start:i]...)
			switch b {
			case '"', '\\':
				buf = append(buf, '\\', b)
			case '\n':
				buf = append(buf, '\\', 'n')
			case '\r':
				buf = append(buf, '\\', 'r')
			case '\t':
				buf = append(buf, '\\', 't')
			default:
				buf = append(buf, '\\', 'u', '0', '0', hexDigits[b>>4], hexDigits[b&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			buf = append(buf, s[start:i]...)
			buf = append(buf, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			buf = append(buf, s[start:i]...)
			buf = append(buf, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	return append(buf, s[start:]...)
}

// Bytes of a word, repeated: the SWAR ("SIMD within a register") tests
// below look at eight bytes with a few integer operations.
const (
	swarOnes = 0x0101010101010101
	swarHigh = 0x8080808080808080
)

// jsonUnsafe8 is non-zero if one of the eight bytes in x is not jsonSafe: a
// byte below 0x20, '"', '\\', or a byte from 0x7f (DEL and the bytes of
// UTF-8 sequences). It never misses one; it may flag a safe byte next to an
// unsafe one, which only sends the caller to its byte loop.
func jsonUnsafe8(x uint64) uint64 {
	ctl := (x - 0x20*swarOnes) &^ x // a high bit where a byte is below 0x20
	q := x ^ '"'*swarOnes
	quote := (q - swarOnes) &^ q // a high bit where a byte is '"'
	bs := x ^ '\\'*swarOnes
	back := (bs - swarOnes) &^ bs // … where it is '\\'
	// x+1 sets the high bit of 0x7f; bytes from 0x80 have it already (and
	// only such a byte, 0xff, carries into its neighbour).
	high := x | (x + swarOnes)
	return (ctl | quote | back | high) & swarHigh
}

// jsonSafeWords reports whether every byte of s is jsonSafe, reading it in
// words: eight bytes at a time, the last eight overlapping, and two
// overlapping four-byte halves for four to seven bytes.
func jsonSafeWords(s string) bool {
	n := len(s)
	switch {
	case n >= 8:
		for i := 0; i+8 <= n; i += 8 {
			if jsonUnsafe8(binary.LittleEndian.Uint64([]byte(s[i:i+8]))) != 0 {
				return false
			}
		}
		return jsonUnsafe8(binary.LittleEndian.Uint64([]byte(s[n-8:]))) == 0
	case n >= 4:
		// Both halves in one word: one test instead of two.
		return jsonUnsafe8(uint64(binary.LittleEndian.Uint32([]byte(s[:4])))|
			uint64(binary.LittleEndian.Uint32([]byte(s[n-4:])))<<32) == 0
	}
	for i := 0; i < n; i++ {
		if !jsonSafe[s[i]] {
			return false
		}
	}
	return true
}

// appendDuration writes d exactly as d.String() does. It is hand-written
// because time.Duration has no Append method and String allocates, which
// would be the only allocation of a text record with a duration.
func appendDuration(b []byte, d time.Duration) []byte {
	if d == 0 {
		return append(b, "0s"...)
	}
	u := uint64(d)
	if d < 0 {
		b = append(b, '-')
		u = -u
	}
	if u < uint64(time.Second) {
		switch {
		case u < uint64(time.Microsecond):
			b = strconv.AppendUint(b, u, 10)
			return append(b, "ns"...)
		case u < uint64(time.Millisecond):
			b = appendFraction(b, u, 3)
			return append(b, "µs"...)
		default:
			b = appendFraction(b, u, 6)
			return append(b, "ms"...)
		}
	}
	hours := u / uint64(time.Hour)
	u -= hours * uint64(time.Hour)
	minutes := u / uint64(time.Minute)
	u -= minutes * uint64(time.Minute)
	if hours > 0 {
		b = strconv.AppendUint(b, hours, 10)
		b = append(b, 'h')
	}
	if hours > 0 || minutes > 0 {
		b = strconv.AppendUint(b, minutes, 10)
		b = append(b, 'm')
	}
	b = appendFraction(b, u, 9)
	return append(b, 's')
}

// appendFraction writes v/10^digits as a decimal without trailing zeros.
func appendFraction(b []byte, v uint64, digits int) []byte {
	pow := uint64(1)
	for range digits {
		pow *= 10
	}
	b = strconv.AppendUint(b, v/pow, 10)
	frac := v % pow
	if frac == 0 {
		return b
	}
	for frac%10 == 0 {
		frac /= 10
		digits--
	}
	b = append(b, '.')
	var tmp [9]byte
	for i := digits - 1; i >= 0; i-- {
		tmp[i] = byte('0' + frac%10)
		frac /= 10
	}
	return append(b, tmp[:digits]...)
}
