package conflog

import (
	"bytes"
	"encoding"
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
	if p := s.h.c.prefix; !s.public && len(s.buf) >= len(p) && string(s.buf[:len(p)]) == p {
		s.buf = append(s.buf, 0)
		copy(s.buf[1:], s.buf)
		s.buf[0] = s.h.c.guard
	}
}

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
		s.builtinKey(`"level":`, "level=")
		switch l := r.Level; l {
		case slog.LevelDebug, slog.LevelInfo, slog.LevelWarn, slog.LevelError:
			// Names that need neither quoting nor escaping.
			if s.json {
				s.buf = append(s.buf, '"')
				s.buf = append(s.buf, l.String()...)
				s.buf = append(s.buf, '"')
			} else {
				s.buf = append(s.buf, l.String()...)
			}
		default:
			s.str(l.String())
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
	if r.NumAttrs() > 0 {
		s.enterGroups(h.nOpen)
		pos, sep := len(s.buf), s.sep
		s.openPending(h.nOpen)
		appended := false
		r.Attrs(func(a slog.Attr) bool {
			if s.attr(a) {
				appended = true
			}
			return true
		})
		if appended {
			nOpen = len(h.groups)
		} else {
			s.buf, s.sep = s.buf[:pos], sep
		}
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
	s.prefix = append(s.prefix[:0], s.h.groupPrefix...)
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
	switch k := a.Value.Kind(); k {
	case slog.KindAny, slog.KindLogValuer, slog.KindGroup:
	default:
		if s.h.c.replace == nil {
			s.key(a.Key)
			s.valueOfKind(a.Value, k) // Kind is a type switch: once is enough
			return true
		}
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
	s.separate()
	switch {
	case s.json:
		s.buf = append(s.buf, '"')
		s.buf = appendJSONString(s.buf, k)
		s.buf = append(s.buf, '"', ':')
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
		s.buf = append(s.buf, '"')
		s.buf = appendJSONString(s.buf, v)
		s.buf = append(s.buf, '"')
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
		s.buf = strconv.AppendInt(s.buf, v.Int64(), 10)
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
	start := 0
	for i := 0; i < len(s); {
		b := s[i]
		if jsonSafe[b] {
			i++ // one load per byte: keys and values are mostly safe ASCII
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
