package conflogprocessor

import (
	"context"
	"encoding/binary"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unsafe"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/processor/processorhelper"

	"github.com/conflog/conflog/detect"
	"github.com/conflog/conflog/internal/tripwire"
	"github.com/conflog/conflog/scrub"
	"github.com/conflog/conflog/traceback"
)

// gate judges log records. One mutex serialises batches: a stream's
// lines must be judged in order, and the state is shared by every batch.
type gate struct {
	cfg    *Config
	prefix []byte
	set    *detect.Set     // nil when detect is off
	wire   *tripwire.Judge // the tripwire's rule, with set; nil when off
	redact bool
	allow  *regexp.Regexp
	// keepAttr are the record attributes a public record keeps
	// (public_attributes); nil: all of them.
	keepAttr map[string]*keptAttr
	lastKeys []keyAt // see keptAt
	now      func() time.Time
	// slowOnly turns the plain-line path off (lines): tests compare the two.
	slowOnly bool
	tel      *telemetry

	mu      sync.Mutex
	streams *streamTable
	hash    keyHash // names the streams (streamKey)
	counts  counts
	// route keeps what is not public for a private pipeline (the
	// connector): each private line, as scrub hands it to its private
	// sink, a copy of its record; a record with a structured body whole.
	route  bool
	pout   []byte // private lines of the current scope, back to back
	pspans []span // each private line; start -1: the record as it is
	pfirst []int  // index into pspans of each record's first private line
	// filters are the scrub.Filters the streams share: see filter.go.
	filters [2][2]*sharedFilter
	priming bool // a filter is being primed: its private line is not counted
	// cur is the stream of the last record, at the front of the table: a
	// stream is only dropped from the back, and expire resets cur.
	cur *stream
	// curVals are the stream attributes' values of the record cur was
	// keyed for, when curSame: all strings, in the scope being judged.
	curVals []string
	curSame bool

	// Scratch, reused across records and batches.
	key     []byte   // the stream key being built
	line    []byte   // a body and its '\n'
	out     []byte   // public lines of the current scope, back to back
	outStr  string   // out as one string, made once per scope for the bodies
	spans   []span   // each public line of the current scope
	first   []int    // index into spans of each record's first line
	keep    []int    // publicRecords: the first line of each record kept
	keepRec []bool   // copiesBefore: the records kept
	attrKey []string // sorted resource attribute keys
	// private's: the checker of the stream whose tracer is fed, and the
	// scrubbed line being emitted.
	traceCheck *detect.Checker
	traceLine  []byte
	shown      []byte // the public line lines makes of one holding escapes
	emitFn     func([]byte)
	tmp        plog.LogRecord // swap's
}

// counts are what one batch did, added to the telemetry at its end.
type counts struct {
	records, public, private, blocked, broken, dropped int64
}

func newProcessor(cfg *Config, tel component.TelemetrySettings) (*gate, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	p := &gate{
		cfg:     cfg,
		prefix:  []byte(cfg.Prefix),
		redact:  cfg.Detect == detectRedact,
		now:     time.Now,
		streams: newStreamTable(cfg.Streams.MaxStreams, cfg.Streams.IdleTimeout),
		hash:    newKeyHash(),
	}
	if cfg.Detect != detectOff {
		set, err := detectorSet(cfg.Detectors)
		if err != nil {
			return nil, err
		}
		p.set, p.wire = set, tripwire.New(set)
	}
	if cfg.Allow != "" {
		p.allow = regexp.MustCompile(cfg.Allow) // Validate compiled it
	}
	keep := cfg.PublicAttributes
	if len(keep) == 0 {
		keep = DefaultPublicAttributes
	}
	if !slices.Equal(keep, []string{keepAllAttributes}) {
		p.keepAttr = make(map[string]*keptAttr, len(keep))
		for _, a := range keep {
			p.keepAttr[a] = new(keptAttr)
		}
	}
	var err error
	if p.tel, err = newTelemetry(tel); err != nil {
		return nil, err
	}
	return p, nil
}

// resetStream starts s's state afresh: strict when the stream was not seen
// whole, so that no line passes by its prefix (crash traces are still
// re-emitted scrubbed: the tracer emits only what a frame confirms).
func (p *gate) resetStream(s *stream, strict bool) {
	s.check = nil
	if p.set != nil {
		s.check = p.set.NewChecker()
	}
	s.trace = nil
	if p.cfg.Traces {
		s.trace = traceback.New(traceback.Options{Allow: p.allow, MaxMessageLines: p.cfg.MaxMessageLines})
	}
	s.broken = strict
}

// privateCounter is the filters' private sink: what is not public is
// dropped, and counted.
type privateCounter struct{ p *gate }

func (c privateCounter) Line(line []byte) error {
	if !c.p.priming {
		c.p.counts.private++
		c.p.addPrivate(line)
	}
	return nil
}

// processLogs keeps, of each record, the public lines its body makes: none
// (the record is dropped), one (the record with that body) or several (a
// body holding '\r' or '\n', or a crash trace line re-emitted beside it:
// copies of the record, one per line).
func (p *gate) processLogs(ctx context.Context, ld plog.Logs) (plog.Logs, error) {
	p.judge(ctx, ld)
	if ld.ResourceLogs().Len() == 0 {
		return ld, processorhelper.ErrSkipProcessingData
	}
	return ld, nil
}

// judge leaves in ld its public lines. With route set it returns what is
// not public, in records of the same resources and scopes; otherwise an
// empty plog.Logs.
func (p *gate) judge(ctx context.Context, ld plog.Logs) plog.Logs {
	var priv plog.Logs
	if p.route {
		priv = plog.NewLogs()
	}
	p.mu.Lock()
	now := p.now()
	p.counts = counts{}
	p.counts.dropped += int64(p.streams.expire(now))
	p.cur = nil // it may have expired
	rls := ld.ResourceLogs()
	for i := range rls.Len() {
		rl := rls.At(i)
		p.key = p.resourceKey(p.key[:0], rl.Resource())
		base := len(p.key)
		sls := rl.ScopeLogs()
		var prl plog.ResourceLogs
		for j := range sls.Len() {
			sl := sls.At(j)
			p.key = appendField(p.key[:base], 's', sl.Scope().Name())
			p.scope(sl.LogRecords(), now)
			if len(p.pspans) > 0 {
				if prl == (plog.ResourceLogs{}) {
					prl = priv.ResourceLogs().AppendEmpty()
					rl.Resource().CopyTo(prl.Resource())
					prl.SetSchemaUrl(rl.SchemaUrl())
				}
				psl := prl.ScopeLogs().AppendEmpty()
				sl.Scope().CopyTo(psl.Scope())
				psl.SetSchemaUrl(sl.SchemaUrl())
				p.privateRecords(sl.LogRecords(), psl.LogRecords())
			}
			p.publicRecords(sl.LogRecords())
			if p.keepAttr != nil {
				p.pruneAttributes(sl.LogRecords())
			}
		}
		sls.RemoveIf(func(sl plog.ScopeLogs) bool { return sl.LogRecords().Len() == 0 })
	}
	rls.RemoveIf(func(rl plog.ResourceLogs) bool { return rl.ScopeLogs().Len() == 0 })
	c, active := p.counts, p.streams.len()
	p.mu.Unlock()
	p.tel.record(ctx, c, active)
	return priv
}

// pruneAttributes removes from the public records every attribute that
// public_attributes does not name: only the body was judged. The string
// values it keeps go through the tripwire: a file named after a customer
// names them in log.file.path.
func (p *gate) pruneAttributes(recs plog.LogRecordSlice) {
	for i := range recs.Len() {
		attrs := recs.At(i).Attributes()
		drop := false
		j := 0
		for k, v := range attrs.All() {
			ka := p.keptAt(j, k)
			j++
			if ka == nil {
				drop = true
				continue
			}
			if p.set != nil && v.Type() == pcommon.ValueTypeStr && v.Str() != ka.clean && p.attributeTripwire(v) {
				ka.clean = v.Str()
			}
		}
		if drop {
			attrs.RemoveIf(func(k string, _ pcommon.Value) bool { return p.keepAttr[k] == nil })
		}
	}
}

// keptAt returns the keptAttr of key k, the record's j-th attribute, or nil
// if public records do not keep it. Records of one receiver list the same
// keys in the same order, so the last record's key at j answers most of
// the time, with one comparison instead of a map look-up.
func (p *gate) keptAt(j int, k string) *keptAttr {
	if j < len(p.lastKeys) && p.lastKeys[j].key == k {
		return p.lastKeys[j].ka
	}
	ka := p.keepAttr[k]
	if j < len(p.lastKeys) {
		p.lastKeys[j] = keyAt{k, ka}
	} else if j < 16 {
		p.lastKeys = append(p.lastKeys, keyAt{k, ka})
	}
	return ka
}

type keyAt struct {
	key string
	ka  *keptAttr
}

// A keptAttr is an attribute public records keep.
type keptAttr struct {
	// clean is the last value the tripwire found clean: the records of a
	// stream repeat their file's path.
	clean string
}

// attributeTripwire replaces a kept attribute's string value that holds
// personal data or a secret: by "conflog: blocked an attribute: DETECTOR
// at column N (value withheld)" (detect: block), or by the value with each
// finding replaced by its detector's tag (redact).
func (p *gate) attributeTripwire(v pcommon.Value) (clean bool) {
	s := v.Str()
	b := unsafe.Slice(unsafe.StringData(s), len(s))
	f, found := p.set.Check(b)
	if !found {
		return true
	}
	p.counts.blocked++
	if p.redact {
		v.SetStr(string(p.wire.AppendRedacted(nil, b, f)))
		return false
	}
	v.SetStr("conflog: blocked an attribute: " + f.Detector + " at column " + strconv.Itoa(f.Col) + " (value withheld)")
	return false
}

// privateRecords appends to dst, for each private line of the scope just
// judged, a copy of its record with that line as its body.
func (p *gate) privateRecords(recs, dst plog.LogRecordSlice) {
	pstr := string(p.pout)
	dst.EnsureCapacity(len(p.pspans))
	for k := range recs.Len() {
		for l := p.pfirst[k]; l < p.pfirst[k+1]; l++ {
			r := dst.AppendEmpty()
			recs.At(k).CopyTo(r)
			if sp := p.pspans[l]; sp.start >= 0 {
				r.Body().SetStr(pstr[sp.start:sp.end])
			}
		}
	}
}

// addPrivate keeps one private line of the record being judged, when
// routing.
func (p *gate) addPrivate(line []byte) {
	if !p.route {
		return
	}
	start := len(p.pout)
	p.pout = append(p.pout, line...)
	p.pspans = append(p.pspans, span{start: start, end: len(p.pout)})
}

// scope judges the records of one scope; p.key holds the key of their
// resource and scope.
func (p *gate) scope(recs plog.LogRecordSlice, now time.Time) {
	p.out, p.outStr, p.spans, p.first = p.out[:0], "", p.spans[:0], p.first[:0]
	p.pout, p.pspans, p.pfirst = p.pout[:0], p.pspans[:0], p.pfirst[:0]
	p.curSame = false // another scope: another key before the attributes
	base := len(p.key)
	for k := range recs.Len() {
		p.first = append(p.first, len(p.spans))
		p.pfirst = append(p.pfirst, len(p.pspans))
		p.record(recs.At(k), base, now)
	}
	p.first = append(p.first, len(p.spans))
	p.pfirst = append(p.pfirst, len(p.pspans))
	p.key = p.key[:base]
	p.counts.records += int64(recs.Len())
	p.counts.public += int64(len(p.spans))
	if len(p.out) > 0 {
		// One string for all the changed bodies of the scope, each a
		// substring of it: one allocation, not one per line.
		p.outStr = string(p.out)
	}
}

// publicRecords leaves in recs, judged by scope, the public lines: a
// record with none is dropped, one with one gets it as its body, one with
// several becomes copies of itself, one per line.
func (p *gate) publicRecords(recs plog.LogRecordSlice) {
	several := false
	for k := range recs.Len() {
		several = several || p.first[k+1]-p.first[k] > 1
	}
	if !several {
		k := 0
		recs.RemoveIf(func(r plog.LogRecord) bool {
			lo, hi := p.first[k], p.first[k+1]
			k++
			if lo == hi {
				return true
			}
			p.setBody(r.Body(), p.spans[lo])
			return false
		})
		return
	}
	if p.copiesBefore(recs) {
		return
	}
	// In place, the record of line s going to slot s, without deleting
	// a dropped record before its storage is used: a copy into the
	// storage of a dropped record of the same shape (the same attribute
	// keys, as a stream's records have) allocates nothing (copyRecord),
	// where CopyTo allocated the record and each value anew (most of the
	// processor's allocations where a batch holds progress bars).
	//
	// From the front, while a record's lines fit in the slots up to its
	// own: those before it are free (dropped records, or records moved
	// on), so its copies go there and it moves to the last.
	n := recs.Len()
	for k := 0; k < n; {
		lo, hi := p.first[k], p.first[k+1]
		if hi-1 > k {
			// Its lines would overwrite records not judged yet: the
			// records up to the first that fits again are placed from
			// the back, in their own slots (or, to the end, in the slots
			// the slice grows by).
			e := k + 1
			for e < n && p.first[e] > e {
				e++
			}
			p.expandRecords(recs, k, e)
			k = e
			continue
		}
		if lo < hi {
			r := recs.At(k)
			for l := lo; l < hi-1; l++ {
				dst := recs.At(l)
				p.copyLine(dst, r, p.spans[l])
			}
			last := recs.At(hi - 1)
			if hi-1 != k {
				p.swap(r, last)
			}
			p.setBody(last.Body(), p.spans[hi-1])
		}
		k++
	}
	if m := len(p.spans); recs.Len() > m {
		// The dropped records no copy took.
		i := 0
		recs.RemoveIf(func(plog.LogRecord) bool {
			i++
			return i > m
		})
	}
}

// copiesBefore places the lines of a scope whose every record of several
// lines has as many records without a line right before it as it has
// lines but one (a tqdm record after the private lines it follows), and
// reports whether it did. Those records take its copies; the other
// records without a line are removed, and nothing is moved: removing
// moves the slice's pointers, where placing the records one by one moves
// each record's fields (a swap), whose pointers cost write barriers while
// the collector marks.
func (p *gate) copiesBefore(recs plog.LogRecordSlice) bool {
	n := recs.Len()
	keep := p.keepRec[:0]
	run := 0 // records without a line since the last with one
	for k := range n {
		c := p.first[k+1] - p.first[k]
		if c == 0 {
			keep = append(keep, false)
			run++
			continue
		}
		if c-1 > run {
			p.keepRec = keep
			return false
		}
		for i := k - (c - 1); i < k; i++ {
			keep[i] = true
		}
		keep = append(keep, true)
		run = 0
	}
	p.keepRec = keep
	k := 0
	recs.RemoveIf(func(plog.LogRecord) bool {
		k++
		return !keep[k-1]
	})
	// Slot s holds line s: each record with lines is at its last line's
	// slot, the records it keeps before it at the others.
	for k := range n {
		lo, hi := p.first[k], p.first[k+1]
		if lo == hi {
			continue
		}
		r := recs.At(hi - 1)
		for l := lo; l < hi-1; l++ {
			dst := recs.At(l)
			p.copyLine(dst, r, p.spans[l])
		}
		p.setBody(r.Body(), p.spans[hi-1])
	}
	return true
}

// expandRecords places the lines of the records k to e-1, whose lines
// take more slots than there are up to each of them: their slots are
// p.first[k] to p.first[e]-1, and p.first[k] up to k are free. When e is
// the last record, the slice grows by what is missing; otherwise
// p.first[e] <= e, and the lines fit in the slots up to e. The records with
// lines are moved to the front of those slots (swapped with a dropped
// record, whose storage a copy may take), and from the back each record
// moves to the last of its slots (a swap) and is copied into the ones
// before. Every slot a record moves or is copied to is free: the records
// after it have moved further back already, and the ones before it stay
// before it.
func (p *gate) expandRecords(recs plog.LogRecordSlice, k, e int) {
	keep := p.keep[:0]
	w := p.first[k]
	for ; k < e; k++ {
		lo, hi := p.first[k], p.first[k+1]
		if lo == hi {
			continue
		}
		if w != k {
			p.swap(recs.At(w), recs.At(k))
		}
		keep = append(keep, lo)
		w++
	}
	end := p.first[e]
	keep = append(keep, end)
	p.keep = keep
	if slots := recs.Len(); end > slots {
		recs.EnsureCapacity(end)
		for range end - slots {
			recs.AppendEmpty()
		}
	}
	base := keep[0] // the slot of the first record moved to the front
	for j := len(keep) - 2; j >= 0; j-- {
		lo, hi := keep[j], keep[j+1] // the slots lo..hi-1 are its lines'
		last := recs.At(hi - 1)
		if at := base + j; hi-1 != at {
			p.swap(recs.At(at), last)
		}
		for l := lo; l < hi-1; l++ {
			r := recs.At(l)
			p.copyLine(r, last, p.spans[l])
		}
		p.setBody(last.Body(), p.spans[hi-1])
	}
}

// swap exchanges two records of a slice, each with its storage (MoveTo
// alone would free the destination's).
func (p *gate) swap(a, b plog.LogRecord) {
	if p.tmp == (plog.LogRecord{}) {
		p.tmp = plog.NewLogRecord()
	}
	a.MoveTo(p.tmp)
	b.MoveTo(a)
	p.tmp.MoveTo(b)
}

// copyRecord makes dst a copy of src. LogRecord.CopyTo allocates each
// attribute value anew; when dst already holds attributes with src's keys
// in src's order (a dropped record of the same stream), and src's body is a
// string, the values are set in place instead, and every other field of
// the record is set: TestCopyRecordEveryField holds the two to the same
// result, and fails when pdata adds a field.
func (p *gate) copyRecord(dst, src plog.LogRecord) {
	if !p.copyFields(dst, src) {
		src.CopyTo(dst)
		return
	}
	setStr(dst.Body(), src.Body().Str())
}

// copyLine makes dst a copy of src whose body is the line sp of src's, as
// copyRecord and setBody would, setting the body once.
func (p *gate) copyLine(dst, src plog.LogRecord, sp span) {
	if !p.copyFields(dst, src) {
		src.CopyTo(dst)
		p.setBody(dst.Body(), sp)
		return
	}
	if sp.body {
		setStr(dst.Body(), src.Body().Str()[sp.start:sp.end])
	} else {
		setStr(dst.Body(), p.outStr[sp.start:sp.end])
	}
}

// copyFields sets every field of dst but its body to src's, in place, when
// src's body is a string and dst's attributes are of src's shape
// (copyAttributes); it reports false, and dst is then to be overwritten
// whole, otherwise. A string equal to dst's is not stored again: while
// the collector marks, every pointer stored costs a write barrier, and a
// dropped record of the same stream mostly holds the same strings.
func (p *gate) copyFields(dst, src plog.LogRecord) bool {
	if src.Body().Type() != pcommon.ValueTypeStr || !p.copyAttributes(dst.Attributes(), src.Attributes()) {
		return false
	}
	dst.SetTimestamp(src.Timestamp())
	dst.SetObservedTimestamp(src.ObservedTimestamp())
	dst.SetSeverityNumber(src.SeverityNumber())
	if t := src.SeverityText(); dst.SeverityText() != t {
		dst.SetSeverityText(t)
	}
	dst.SetDroppedAttributesCount(src.DroppedAttributesCount())
	dst.SetFlags(src.Flags())
	dst.SetTraceID(src.TraceID())
	dst.SetSpanID(src.SpanID())
	if e := src.EventName(); dst.EventName() != e {
		dst.SetEventName(e)
	}
	return true
}

// setStr sets v to the string s, unless it is that string already.
func setStr(v pcommon.Value, s string) {
	if v.Type() != pcommon.ValueTypeStr || v.Str() != s {
		v.SetStr(s)
	}
}

// copyAttributes sets dst's values to src's, in place, when dst has src's
// keys in src's order and every value of src is a string, an integer, a
// double or a bool; it reports false otherwise, and dst is then to be
// overwritten whole.
func (p *gate) copyAttributes(dst, src pcommon.Map) bool {
	if dst.Len() != src.Len() || src.Len() == 0 {
		return false
	}
	// On the stack for a record's usual few attributes: stored in the
	// processor, each value cost a write barrier while the collector
	// marked (a third of a copy's instructions then, callgrind).
	var buf [8]keyValue
	kvs := buf[:0]
	for k, v := range src.All() {
		kvs = append(kvs, keyValue{k, v})
	}
	i := 0
	ok := true
	for k, v := range dst.All() {
		s := kvs[i]
		i++
		if k != s.key {
			ok = false
			break
		}
		switch s.val.Type() {
		case pcommon.ValueTypeStr:
			setStr(v, s.val.Str())
		case pcommon.ValueTypeInt:
			v.SetInt(s.val.Int())
		case pcommon.ValueTypeDouble:
			v.SetDouble(s.val.Double())
		case pcommon.ValueTypeBool:
			v.SetBool(s.val.Bool())
		default:
			ok = false
		}
		if !ok {
			break
		}
	}
	return ok
}

// keyValue is one attribute of a record being copied.
type keyValue struct {
	key string
	val pcommon.Value
}

// record judges one record's body in its stream.
func (p *gate) record(r plog.LogRecord, base int, now time.Time) {
	attrs := r.Attributes()
	// Records of one stream come in runs: a record whose stream attributes
	// are the strings of the last record's, in the same scope, is of the
	// last stream, and its key is not built again (it would be the same
	// bytes: the resource and scope's, and each value tagged as a string).
	s := p.cur
	if s == nil || !p.curSame || !p.sameValues(attrs) {
		p.key = p.key[:base]
		for _, name := range p.cfg.Streams.Attributes {
			v, ok := attrs.Get(name)
			if !ok {
				p.key = append(p.key, 'n')
				continue
			}
			p.key = appendValue(p.key, v)
		}
		// The last stream is at the front of the table already, and the
		// look-up is skipped.
		key := p.hash.of(p.key)
		if s == nil || s.key != key {
			if s = p.streams.get(key, now); s == nil {
				s = &stream{key: key, off: -1}
				// A stream dropped inside a message comes back broken.
				broken := p.streams.tomb.has(key)
				p.resetStream(s, broken)
				if broken {
					p.counts.broken++
				}
				if p.streams.add(s, now) {
					p.counts.dropped++
				}
			}
			p.cur = s
		}
		p.curSame = p.saveValues(attrs)
	}
	p.sequence(s, attrs)
	rest := p.continues(s, attrs)

	body := r.Body()
	var text string
	switch body.Type() {
	case pcommon.ValueTypeStr:
		text = body.Str()
	case pcommon.ValueTypeBytes:
		text = bytesString(body.Bytes().AsRaw())
	default:
		// A structured body has no line to judge: it is not public. It
		// is not fed to the stream either, which may now miss a line of
		// a trace: the stream fails closed.
		p.counts.private++
		if p.route {
			p.pspans = append(p.pspans, span{start: -1})
		}
		p.breakStream(s)
		s.cut = false
		return
	}
	if n := p.cfg.ReceiverMaxLogSize; n > 0 {
		s.cut = len(text) >= n
	}
	if name := p.cfg.Streams.Partial; name != "" && !s.cut {
		if v, ok := attrs.Get(name); ok {
			s.cut = v.Type() != pcommon.ValueTypeStr || partialTag(v.Str())
		}
	}
	if !s.cut {
		s.cut = dockerPiece(s, attrs, text)
	}
	if rest {
		// The rest of a line the receiver cut: private, as scrub keeps
		// the rest of a cut line, and not read as a line (the filter and
		// its tracer do not see it, as scrub's do not).
		p.counts.private++
		p.addPrivate(unsafe.Slice(unsafe.StringData(text), len(text)))
		return
	}
	if p.slowOnly || s.broken {
		// One Write with the line end, so that the filter judges the line
		// in place: written alone, the body would be copied into the
		// filter's carry, which would then keep the capacity of the
		// longest line.
		p.line = append(append(p.line[:0], text...), '\n')
		p.write(s, p.line)
		return
	}
	p.lines(s, text)
}

// lines judges the lines of a body (one, or several split at '\r' and
// '\n') as the filter would judge the body and its line end, but takes
// every line not longer than max_line itself (plain), in a stream seen
// whole (whose filter's only state between two records, whether it is
// inside an exception message, is its tracer's: see filter.go):
//   - a line without escape sequences that starts with the prefix, outside
//     an exception message, is scrub.Filter's first case, passed as it
//     is: here it goes to the tripwire without a copy, and leaves as the
//     body or a substring of it;
//   - a line holding an escape byte is public when scrub.MatchPrefix,
//     the filter's test, says so, outside a message, as the line
//     scrub.AppendPublic makes of it (the filter's too), through the
//     tripwire as the filter's output goes;
//   - every other line is private: it goes to the private count and the
//     stream's tracer (private), as the filter sends it.
//
// Only a line longer than max_line (which the filter cuts) is written to
// the filter, with a line end, in order: the stream's tracer sees the same
// private lines, in the same order, as with the whole body. Coloured lines
// through the filter were a tenth of the processor's time on the job
// corpus. TestSharedFiltersStreams
// and FuzzStreams hold the paths to scrub's verdict and to each other's
// (the same private lines and counts); FuzzSameAsScrub holds the processor
// to scrub's verdict.
func (p *gate) lines(s *stream, text string) {
	// run is text[run:runEnd], lines not taken here, written to the filter
	// together (with their own line ends, and a '\n' for the last): a
	// run of long lines costs one write, not one each.
	run, runEnd := -1, 0
	flush := func() {
		if run >= 0 {
			p.line = append(append(p.line[:0], text[run:runEnd]...), '\n')
			p.write(s, p.line)
			run = -1
		}
	}
	off := 0
	for {
		rest := text[off:]
		e := indexEnd(rest)
		line := rest
		if e >= 0 {
			line = rest[:e]
		}
		taken := true
		switch p.plain(line) {
		case plainPublic:
			// Whether the stream is inside a message depends on the
			// lines before: those of the run are fed first.
			flush()
			if s.trace != nil && s.trace.InMessage() {
				// Prefixed, and still the message: private.
				p.private(s, line)
				break
			}
			p.public(s.check, unsafe.Slice(unsafe.StringData(line), len(line)), off)
		case plainPrivate:
			flush()
			p.private(s, line)
		case plainESC:
			flush()
			b := unsafe.Slice(unsafe.StringData(line), len(line))
			n, ok := scrub.MatchPrefix(b, p.prefix)
			if !ok || s.trace != nil && s.trace.InMessage() {
				p.private(s, line)
				break
			}
			// The filter's public line: the prefix and the shown rest,
			// through the tripwire as the filter's writer hands it on.
			p.shown = scrub.AppendPublic(p.shown[:0], p.prefix, b, n, p.cfg.KeepANSI)
			p.public(s.check, p.shown, -1)
		default:
			taken = false
		}
		if !taken {
			if run < 0 {
				run = off
			}
			runEnd = off + len(line)
		}
		if e < 0 {
			flush()
			return
		}
		// "\r\n" is one line end. The filter would get the body and a
		// '\n': a body ending in a lone '\r' has no line after it (its
		// '\r' and that '\n' are one end); one ending in '\n' has an
		// empty one.
		n := 1
		if rest[e] == '\r' {
			if e+1 == len(rest) {
				flush()
				return
			}
			if rest[e+1] == '\n' {
				n = 2
			}
		}
		off += e + n
	}
}

// sameValues reports whether attrs has, for each stream attribute, the
// string value saved by saveValues.
func (p *gate) sameValues(attrs pcommon.Map) bool {
	for i, name := range p.cfg.Streams.Attributes {
		v, ok := attrs.Get(name)
		if !ok || v.Type() != pcommon.ValueTypeStr || v.Str() != p.curVals[i] {
			return false
		}
	}
	return true
}

// saveValues keeps the stream attributes' values of the record just keyed,
// for sameValues; it reports false, and keeps nothing, unless every one is
// present and a string.
func (p *gate) saveValues(attrs pcommon.Map) bool {
	p.curVals = p.curVals[:0]
	for _, name := range p.cfg.Streams.Attributes {
		v, ok := attrs.Get(name)
		if !ok || v.Type() != pcommon.ValueTypeStr {
			return false
		}
		p.curVals = append(p.curVals, v.Str())
	}
	return true
}

// indexEnd returns the index of the first '\r' or '\n' in s, or -1.
func indexEnd(s string) int {
	n := strings.IndexByte(s, '\n')
	if n < 0 {
		n = len(s)
	}
	if r := strings.IndexByte(s[:n], '\r'); r >= 0 {
		return r
	}
	if n == len(s) {
		return -1
	}
	return n
}

// Kinds of line, for lines: see plain.
const (
	notPlain     = iota
	plainPublic  // the filter would pass it unchanged outside an exception message
	plainPrivate // the filter would send it to the private sink and the tracer, and do nothing else
	plainESC     // not longer than max_line, with an escape byte: scrub.MatchPrefix decides
)

// plain says what the filter of a stream seen whole would do with line
// (without '\r' or '\n'), when that is simple: a line not longer than
// max_line without escape sequences is public as it is when it starts with
// the prefix (outside an exception message), and private otherwise; one
// with an escape byte is judged by scrub.MatchPrefix.
func (p *gate) plain(line string) int {
	switch {
	case len(line) > p.cfg.MaxLine:
		return notPlain
	case strings.IndexByte(line, 0x1b) >= 0:
		return plainESC
	case strings.HasPrefix(line, p.cfg.Prefix):
		return plainPublic
	}
	return plainPrivate
}

// private takes a plain private line (lines) of a stream seen whole as the
// filter takes it (scrub.Filter's private line: its sink, then its
// tracer, whose scrubbed lines go out prefixed, through the tripwire)
// without a write to the filter: a copy of the line, a search for its end
// and an escape, and a flush of an empty output each time were a fifth of
// the processor's time on the job corpus (customer rows, tqdm's private
// redraws, each redraw's empty first segment). TestSharedFiltersStreams,
// FuzzStreams and FuzzSameAsScrub hold it to scrub's verdict.
func (p *gate) private(s *stream, line string) {
	p.counts.private++
	p.addPrivate(unsafe.Slice(unsafe.StringData(line), len(line)))
	if s.trace == nil {
		return
	}
	// The tracer gets a copy: it is not promised a read-only line.
	p.line = append(p.line[:0], line...)
	if p.emitFn == nil {
		p.emitFn = p.emitTrace // bound once: a method value passed on allocates
	}
	p.traceCheck = s.check
	s.trace.Line(p.line, p.emitFn)
	p.traceCheck = nil
}

// emitTrace takes a scrubbed trace line from a stream's tracer (private)
// as scrub.Filter does: made public by scrub.AppendTraceLine, or dropped,
// then through the tripwire.
func (p *gate) emitTrace(public []byte) {
	t, ok := scrub.AppendTraceLine(p.traceLine[:0], p.prefix, public)
	if !ok {
		return
	}
	p.traceLine = t
	p.public(p.traceCheck, t, -1)
}

// sequence checks the record's number against its stream's: a stream seen
// from its first record, in order, is whole; anything else breaks it.
func (p *gate) sequence(s *stream, attrs pcommon.Map) {
	name := p.cfg.Streams.Sequence
	if name == "" {
		return
	}
	v, ok := attrs.Get(name)
	if !ok || v.Type() != pcommon.ValueTypeInt {
		if p.cfg.Streams.RequireSequence {
			p.breakStream(s)
		}
		return
	}
	seq := v.Int()
	switch {
	case seq == 1 && p.midFile(attrs):
		// Record 1, but not at the file's start: filelog numbers from 1
		// whatever offset its reader starts at (start_at: end, on the
		// Collector's start, begins at the end of the files already
		// there), so the offset attribute is what tells.
		p.breakStream(s)
	case seq == 1 && s.next != 1:
		// The file starts again at record 1: the stream's first record,
		// or a rotated or truncated file. A stream seen whole keeps its
		// state: a rotation can cut an exception message in two, and the
		// new file's first lines are still the message. A broken stream
		// starts afresh here; that it is not a rotation in the middle of
		// a message it lost is the one thing it must assume.
		if s.broken {
			p.resetStream(s, false)
		}
	case s.next != 0 && seq == s.next:
	default:
		p.breakStream(s)
	}
	s.next = seq + 1
}

// partialTag reports whether a CRI log tag may mark a partial line: any
// tag but "F". The container parser joins a line's parts until the tag is
// exactly "F" (its recombine's is_last_entry); the kubelet reads a line as
// partial when any of its ':'-separated tags is "P". A tag such as "P:x"
// or "F:x", or one neither knows, makes the next record the line's rest,
// private: it fails closed where the two readings differ.
func partialTag(tag string) bool { return tag != "F" }

// midFile reports whether the record's offset attribute says it does not
// start its file.
func (p *gate) midFile(attrs pcommon.Map) bool {
	name := p.cfg.Streams.Offset
	if name == "" {
		return false
	}
	v, ok := attrs.Get(name)
	return ok && v.Type() == pcommon.ValueTypeInt && v.Int() != 0
}

// continues reports whether the record is the rest of a line the receiver
// cut: its stream's last record was receiver_max_log_size long or partial
// (s.cut), or, by the offset attribute, started that many bytes or more
// before this one. A line
// of exactly that length is taken for a cut one too: the line after it is
// lost, which fails closed (docs/otelcol.md).
func (p *gate) continues(s *stream, attrs pcommon.Map) bool {
	rest := s.cut
	n := int64(p.cfg.ReceiverMaxLogSize)
	if n <= 0 {
		return rest
	}
	prev := s.off
	s.off = -1
	if name := p.cfg.Streams.Offset; name != "" {
		if v, ok := attrs.Get(name); ok && v.Type() == pcommon.ValueTypeInt && v.Int() >= 0 {
			s.off = v.Int()
			if prev >= 0 && s.off-prev >= n {
				rest = true
			}
		}
	}
	return rest
}

// dockerIOStream is the attribute the container parser gives every record
// it parses, Docker's json-file and CRI alike (log.iostream: stdout or
// stderr). Records without it are not examined for Docker's pieces.
const dockerIOStream = "log.iostream"

// dockerPieceLen is the length of every piece but the last of a line that
// Docker's json-file driver cut: its copier reads a container's output in
// 16 KiB (its defaultBufSize) and writes a full buffer without a line end
// as a partial entry. JSON keeps the bytes, or replaces an invalid one by
// U+FFFD, three bytes: a piece's body is never shorter.
const dockerPieceLen = 16 << 10

// dockerPiece reports whether the record is a piece of a longer line that
// Docker's json-file driver cut: the driver writes each piece of a line as
// an entry of its own whose `log` keeps the line end only in the last
// piece, and the container parser neither joins the pieces nor removes the
// line end. So a record of the container parser whose body lacks the line
// end is a piece, and the next record the line's rest, private, as after a
// CRI `P`, when its stream's bodies end with "\n" (Docker's) or it is as
// long as a piece (which also covers a stream's first record, and a stream
// dropped while idle and seen again). The CRI format, plain files and OTLP
// have no line end at the end of a body, and are not read so: an
// application whose message ends with "\n" does not lose the records after
// its others.
func dockerPiece(s *stream, attrs pcommon.Map, text string) bool {
	if strings.HasSuffix(text, "\n") {
		if !s.ends {
			_, s.ends = attrs.Get(dockerIOStream)
		}
		return false
	}
	if s.ends {
		return true
	}
	if len(text) < dockerPieceLen {
		return false
	}
	_, ok := attrs.Get(dockerIOStream)
	return ok
}

// breakStream makes s fail closed: records are missing from what it saw, so
// no line of it may pass by its prefix until it starts again at record 1.
func (p *gate) breakStream(s *stream) {
	if s.broken {
		return
	}
	p.resetStream(s, true)
	p.counts.broken++
}

// A span is one public line of the current scope: out[start:end], or
// when body is set the record's body[start:end].
type span struct {
	start, end int
	body       bool
}

// emit adds one public line to the current record's output.
func (p *gate) emit(line []byte) {
	start := len(p.out)
	p.out = append(p.out, line...)
	p.endLine(start)
}

func (p *gate) endLine(start int) { p.spans = append(p.spans, span{start: start, end: len(p.out)}) }

// setBody sets a body to the line sp, keeping its type; an unchanged body,
// the common case of a public line, is left alone.
func (p *gate) setBody(body pcommon.Value, sp span) {
	if sp.body {
		switch body.Type() {
		case pcommon.ValueTypeStr:
			if str := body.Str(); sp.start != 0 || sp.end != len(str) {
				body.SetStr(str[sp.start:sp.end])
			}
		case pcommon.ValueTypeBytes:
			if raw := body.Bytes().AsRaw(); sp.start != 0 || sp.end != len(raw) {
				body.SetEmptyBytes().FromRaw(slices.Clone(raw[sp.start:sp.end]))
			}
		}
		return
	}
	line := p.outStr[sp.start:sp.end]
	if body.Type() == pcommon.ValueTypeBytes {
		if string(body.Bytes().AsRaw()) != line {
			body.SetEmptyBytes().FromRaw([]byte(line))
		}
		return
	}
	if body.Type() == pcommon.ValueTypeStr && body.Str() == line {
		return
	}
	body.SetStr(line)
}

// bytesString views b as a string without a copy; it is only read while b
// is alive and unchanged.
func bytesString(b []byte) string { return unsafe.String(unsafe.SliceData(b), len(b)) }

// resourceKey appends to key the resource's attributes in key order, so
// the same set names the same stream whatever its order.
func (p *gate) resourceKey(key []byte, res pcommon.Resource) []byte {
	attrs := res.Attributes()
	p.attrKey = p.attrKey[:0]
	for k := range attrs.All() {
		p.attrKey = append(p.attrKey, k)
	}
	slices.Sort(p.attrKey)
	for _, k := range p.attrKey {
		v, _ := attrs.Get(k)
		key = appendField(key, 'k', k)
		key = appendValue(key, v)
	}
	return append(key, 'r')
}

// appendField appends a tagged, length-prefixed string: no two different
// sequences of fields encode alike, so two streams never share a key.
func appendField(key []byte, tag byte, s string) []byte {
	key = append(key, tag)
	key = binary.AppendUvarint(key, uint64(len(s)))
	return append(key, s...)
}

// appendValue appends a value with its type, so the string "1" and the
// integer 1 name different streams.
func appendValue(key []byte, v pcommon.Value) []byte {
	return appendField(key, 'a'+byte(v.Type()), v.AsString())
}
