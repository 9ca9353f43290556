package conflog

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/conflog/conflog/internal/channel"
)

// Options configure a Handler. The zero value, and a nil *Options, give the
// defaults: level Info, no source, Text, no ReplaceAttr, Keep, a per-process
// random key.
type Options struct {
	// Level is the minimum level of records to handle; nil means Info.
	// A *slog.LevelVar changes it while the program runs.
	Level slog.Leveler

	// AddSource adds the source=file:line of the logging call.
	AddSource bool

	// Format is Text (the default) or JSON.
	Format Format

	// ReplaceAttr rewrites or removes attributes exactly as it does for
	// slog's handlers, with three rules of its own. It never sees a category
	// marker, so it can neither remove one nor learn it; an attribute it
	// returns that looks like a marker is dropped, never obeyed and never
	// printed; and it sees values already resolved, with Pseudonym values
	// already replaced by their tokens. The category of a record is decided
	// before ReplaceAttr runs, so it cannot change it.
	ReplaceAttr func(groups []string, a slog.Attr) slog.Attr

	// Private is what becomes of private records: Keep (the default), Drop,
	// Length, Hash or Route(h).
	Private Policy

	// Key keys the HMACs of Pseudonym values and of the Hash policy. Without
	// a key, a random key is drawn once per process: tokens then correlate
	// within one run only, and never reveal the value.
	Key []byte
}

// A Handler is a confidential slog.Handler. See the package documentation
// for the rules it keeps.
type Handler struct {
	c *core

	// pre holds the attributes of WithAttrs already encoded, twice: pre[0]
	// as a private line shows them, pre[1] as a public line does (with
	// errors scrubbed). The slog handler guide's preformatting, kept per
	// category because the two renderings differ.
	pre         [2][]byte
	groupPrefix string   // text: "g.h." for the groups opened in pre
	prefixQuote int      // how many names in groupPrefix need quoting
	groups      []string // every group from WithGroup
	nOpen       int      // how many of groups are already opened in pre
	preSame     bool     // pre[0] and pre[1] are the same bytes
	route       slog.Handler
}

var _ slog.Handler = (*Handler)(nil)

// core is what all the handlers derived from one NewHandler share, by
// pointer: the configuration and the mutex that makes each record one
// uninterrupted Write.
type core struct {
	mu        sync.Mutex
	w         io.Writer
	prefix    string // the prefix public lines carry: the gate's under conflog run
	own       string // the handler's own prefix when the gate's replaced it, else ""
	guard     byte   // put before a private line that would start with either
	json      bool
	level     slog.Leveler
	minLevel  slog.Level // the level, when fixed
	fixed     bool       // level is a constant slog.Level
	addSource bool
	replace   func([]string, slog.Attr) slog.Attr
	policy    Policy
	key       []byte
	sink      *publicSink
	stamp     atomic.Pointer[stamp] // the last second formatted
}

// NewHandler returns a Handler that writes one line per record to w. Public
// lines start with prefix; private ones never do and are treated by
// opts.Private. It panics, like regexp.MustCompile, if the prefix is empty or
// holds a newline, a carriage return or another control byte, or if opts are
// invalid: a misconfigured logger must not start.
//
// Under conflog run, which names its public channel in CONFLOG_CHANNEL,
// public lines are sent there instead of to w, with the gate's prefix from
// CONFLOG_PREFIX if it differs from prefix; see the package documentation.
func NewHandler(w io.Writer, prefix string, opts *Options) *Handler {
	return newHandler(w, prefix, opts, processSink())
}

// New returns a *slog.Logger over NewHandler(w, prefix, opts).
func New(w io.Writer, prefix string, opts *Options) *slog.Logger {
	return slog.New(NewHandler(w, prefix, opts))
}

func newHandler(w io.Writer, prefix string, opts *Options, sink *publicSink) *Handler {
	if err := channel.CheckPrefix(prefix); err != nil {
		panic("conflog: " + err.Error())
	}
	if w == nil {
		panic("conflog: NewHandler: nil io.Writer")
	}
	var o Options
	if opts != nil {
		o = *opts
	}
	if o.Format != Text && o.Format != JSON {
		panic(fmt.Sprintf("conflog: NewHandler: unknown Format %d; use conflog.Text or conflog.JSON", o.Format))
	}
	if o.Level == nil {
		o.Level = slog.LevelInfo
	}
	// A constant level is kept as a value: Enabled runs on every call, even
	// for records Drop discards, and an interface call there is measurable.
	min, fixed := o.Level.(slog.Level)
	key := bytes.Clone(o.Key)
	if len(key) == 0 {
		key = processKey()
	}
	c := &core{
		w:         w,
		prefix:    sink.gatePrefix(prefix),
		guard:     ' ',
		json:      o.Format == JSON,
		level:     o.Level,
		minLevel:  min,
		fixed:     fixed,
		addSource: o.AddSource,
		replace:   o.ReplaceAttr,
		policy:    o.Private,
		key:       key,
		sink:      sink,
	}
	if c.prefix != prefix {
		// Invariant 3 holds for both: the handler's own prefix may be what
		// some other reader of this output looks for.
		c.own = prefix
	}
	// No prefix starts with a tab: CheckPrefix refuses control bytes.
	if prefix[0] == ' ' || c.prefix[0] == ' ' {
		c.guard = '\t'
	}
	sink.warnOnce(c.prefix)
	return &Handler{c: c, route: o.Private.route, preSame: true}
}

// Enabled reports whether the level is at least Options.Level. It cannot see
// the record's category, so private records under Drop still reach Handle.
func (h *Handler) Enabled(_ context.Context, l slog.Level) bool {
	if h.c.fixed {
		return l >= h.c.minLevel
	}
	return l >= h.c.level.Level()
}

// WithAttrs returns a handler whose records carry as. A category marker
// among as is ignored: With(conflog.Public) does not make a logger public.
func (h *Handler) WithAttrs(as []slog.Attr) slog.Handler {
	h2 := h.clone()
	if h.route != nil {
		h2.route = h.route.WithAttrs(withoutMarkers(as))
	}
	opened := false
	var groupPrefix string
	var prefixQuote int
	for i := range h2.pre {
		s := newState(h2, i == 1)
		s.buf = append(s.buf, h.pre[i]...)
		s.sep = len(s.buf) > 0 && !(h.c.json && s.buf[len(s.buf)-1] == '{')
		s.enterGroups(h.nOpen)
		s.openPending(h.nOpen)
		appended := false
		for _, a := range as {
			if s.attr(a) {
				appended = true
			}
		}
		if appended {
			h2.pre[i] = slices.Clone(s.buf)
			opened = true
			groupPrefix, prefixQuote = string(s.prefix), s.prefixQuote
		}
		s.free()
	}
	// Only now: both passes must start from h's groups.
	if opened {
		h2.groupPrefix, h2.prefixQuote, h2.nOpen = groupPrefix, prefixQuote, len(h2.groups)
	}
	h2.preSame = bytes.Equal(h2.pre[0], h2.pre[1])
	return h2
}

// WithGroup returns a handler that puts the attributes that follow in the
// group name. It never changes the category of a record.
func (h *Handler) WithGroup(name string) slog.Handler {
	if name == "" {
		return h
	}
	h2 := h.clone()
	h2.groups = append(h2.groups, name)
	if h.route != nil {
		h2.route = h.route.WithGroup(name)
	}
	return h2
}

func (h *Handler) clone() *Handler {
	return &Handler{
		c:           h.c,
		pre:         [2][]byte{slices.Clip(h.pre[0]), slices.Clip(h.pre[1])},
		groupPrefix: h.groupPrefix,
		prefixQuote: h.prefixQuote,
		groups:      slices.Clip(h.groups),
		nOpen:       h.nOpen,
		preSame:     h.preSame,
		route:       h.route,
	}
}

// Handle writes r as one line: with the prefix if r carries Public (and no
// Category(ContainsPrivateData)), otherwise as the private policy says.
func (h *Handler) Handle(ctx context.Context, r slog.Record) error {
	if h.c.policy.kind == policyKeep && h.c.replace == nil && h.preSame {
		if s := h.encodeOnePass(&r); s != nil {
			defer s.free()
			return h.write(s.buf, s.public)
		}
	}
	cat, sawMarker := category(&r)
	public := cat == OnlyPublicData
	if !public {
		switch h.c.policy.kind {
		case policyDrop:
			return nil
		case policyRoute:
			if !h.route.Enabled(ctx, r.Level) {
				return nil
			}
			if sawMarker {
				r = recordWithoutMarkers(r)
			}
			return h.route.Handle(ctx, r)
		case policyLength, policyHash:
			return h.handleScrubbed(&r)
		}
	}
	s := newState(h, public)
	defer s.free()
	s.record(&r)
	return h.write(s.buf, public)
}

// encodeOnePass encodes r under Keep while it learns r's category, instead
// of a scan for the markers and then the encoding: the scan was 365
// instructions of a public JSON record of five attributes (callgrind). The
// line is encoded as a public one and loses its prefix if r turns out
// private; that is the same line only if nothing in it renders by category,
// so without ReplaceAttr (which must see each attribute once), with
// preformatted attributes alike in both renderings, and with the record's
// own values of plain kinds: at the first error, LogValuer or group
// encodeOnePass stops, before resolving it, and returns nil for the
// two-pass way.
func (h *Handler) encodeOnePass(r *slog.Record) *state {
	s := newState(h, true)
	s.onePass = true
	s.record(r)
	if s.abort {
		s.free()
		return nil
	}
	if !s.sawPublic || s.sawPrivate {
		s.public = false
		s.buf = s.buf[:copy(s.buf, s.buf[len(h.c.prefix):])]
		s.guard()
	}
	return s
}

// write makes line one Write: to the public channel for a public line when
// conflog run provided one, else to the handler's writer.
func (h *Handler) write(line []byte, public bool) error {
	if public && h.c.sink.w != nil && h.c.sink.write(line, h.c.prefix) {
		return nil
	}
	h.c.mu.Lock()
	defer h.c.mu.Unlock()
	_, err := h.c.w.Write(line)
	return err
}

// withoutMarkers returns as without category markers, copying only if it
// must.
func withoutMarkers(as []slog.Attr) []slog.Attr {
	if !slices.ContainsFunc(as, isMarker) {
		return as
	}
	return slices.DeleteFunc(slices.Clone(as), isMarker)
}

func isMarker(a slog.Attr) bool {
	_, ok := marker(a)
	return ok
}

// recordWithoutMarkers copies r without its category markers, so a routed
// handler never prints them.
func recordWithoutMarkers(r slog.Record) slog.Record {
	r2 := slog.NewRecord(r.Time, r.Level, r.Message, r.PC)
	r.Attrs(func(a slog.Attr) bool {
		if !isMarker(a) {
			r2.AddAttrs(a)
		}
		return true
	})
	return r2
}
