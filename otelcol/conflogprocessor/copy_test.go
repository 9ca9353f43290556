package conflogprocessor

import (
	"bytes"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
)

// fullRecord sets every field of r, with attributes of every scalar type;
// records of another n differ in every field.
func fullRecord(r plog.LogRecord, body string, n uint8) {
	r.Body().SetStr(body)
	r.SetTimestamp(pcommon.Timestamp(11 + n))
	r.SetObservedTimestamp(pcommon.Timestamp(12 + n))
	r.SetSeverityNumber(plog.SeverityNumberWarn2 + plog.SeverityNumber(n))
	r.SetSeverityText(fmt.Sprint("WARN", n))
	r.SetDroppedAttributesCount(3 + uint32(n))
	r.SetFlags(plog.LogRecordFlags(1 - n%2))
	r.SetTraceID(pcommon.TraceID{1 + n, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16})
	r.SetSpanID(pcommon.SpanID{8 + n, 7, 6, 5, 4, 3, 2, 1})
	r.SetEventName(fmt.Sprint("epoch.end", n))
	r.Attributes().PutStr("log.file.path", fmt.Sprint("/a.log", n))
	r.Attributes().PutInt("log.file.record_number", 7+int64(n))
	r.Attributes().PutDouble("ratio", 0.5+float64(n))
	r.Attributes().PutBool("tty", n == 0)
}

// marshalRecord is r's protobuf encoding, in a batch of its own.
func marshalRecord(t *testing.T, r plog.LogRecord) []byte {
	t.Helper()
	ld := plog.NewLogs()
	r.CopyTo(ld.ResourceLogs().AppendEmpty().ScopeLogs().AppendEmpty().LogRecords().AppendEmpty())
	b, err := (&plog.ProtoMarshaler{}).MarshalLogs(ld)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestCopyRecordEveryField: copyRecord, which sets a dropped record's
// fields and attribute values in place rather than allocating them anew,
// gives the record LogRecord.CopyTo gives, for a destination of the same
// shape (every field set, on values of other types too) and for those it
// cannot reuse (other keys, fewer, a structured value, a bytes body).
func TestCopyRecordEveryField(t *testing.T) {
	var p gate
	src := plog.NewLogRecord()
	fullRecord(src, "SystemLog: a\rSystemLog: b", 0)
	want := marshalRecord(t, src)
	for name, dst := range map[string]func(plog.LogRecord){
		"empty":      func(plog.LogRecord) {},
		"same shape": func(r plog.LogRecord) { fullRecord(r, "private row", 1) },
		"other types": func(r plog.LogRecord) {
			r.Attributes().PutInt("log.file.path", 1)
			r.Attributes().PutStr("log.file.record_number", "x")
			r.Attributes().PutBool("ratio", false)
			r.Attributes().PutDouble("tty", 2)
			r.Body().SetInt(4)
		},
		"other keys": func(r plog.LogRecord) {
			fullRecord(r, "x", 1)
			r.Attributes().Remove("tty")
			r.Attributes().PutBool("other", true)
		},
		"fewer": func(r plog.LogRecord) {
			fullRecord(r, "x", 1)
			r.Attributes().Remove("ratio")
		},
		"more": func(r plog.LogRecord) {
			fullRecord(r, "x", 1)
			r.Attributes().PutStr("more", "y")
		},
	} {
		r := plog.NewLogRecord()
		dst(r)
		p.copyRecord(r, src)
		if got := marshalRecord(t, r); !bytes.Equal(got, want) {
			t.Errorf("%s: copyRecord gave %v, want %v", name, r.Attributes().AsRaw(), src.Attributes().AsRaw())
		}
	}
	// Values copyRecord cannot set in place: CopyTo's copy.
	for name, change := range map[string]func(plog.LogRecord){
		"map value":  func(r plog.LogRecord) { r.Attributes().PutEmptyMap("log.file.path").PutStr("k", "v") },
		"bytes body": func(r plog.LogRecord) { r.Body().SetEmptyBytes().FromRaw([]byte("SystemLog: a")) },
		"map body":   func(r plog.LogRecord) { r.Body().SetEmptyMap().PutStr("k", "v") },
	} {
		s := plog.NewLogRecord()
		fullRecord(s, "SystemLog: a", 0)
		change(s)
		r := plog.NewLogRecord()
		fullRecord(r, "x", 1)
		p.copyRecord(r, s)
		if got, want := marshalRecord(t, r), marshalRecord(t, s); !bytes.Equal(got, want) {
			t.Errorf("%s: copyRecord gave %v, want %v", name, r.Attributes().AsRaw(), s.Attributes().AsRaw())
		}
		// The copy is its own: changing it leaves the source.
		r.Attributes().PutStr("mark", "copy")
		if _, ok := s.Attributes().Get("mark"); ok {
			t.Errorf("%s: the copy shares its attributes with the source", name)
		}
	}
}

// TestCopyRecordKnowsEveryField: copyRecord sets each field pdata's
// LogRecord has by name; a field added to pdata must be added there, or
// copies made in place would lose it. The method set is the list of fields.
func TestCopyRecordKnowsEveryField(t *testing.T) {
	known := []string{
		"Attributes", "Body", "CopyTo", "DroppedAttributesCount", "EventName", "Flags", "MoveTo",
		"ObservedTimestamp", "SetDroppedAttributesCount", "SetEventName", "SetFlags",
		"SetObservedTimestamp", "SetSeverityNumber", "SetSeverityText", "SetSpanID", "SetTimestamp",
		"SetTraceID", "SeverityNumber", "SeverityText", "SpanID", "Timestamp", "TraceID",
	}
	typ := reflect.TypeFor[plog.LogRecord]()
	var got []string
	for i := range typ.NumMethod() {
		got = append(got, typ.Method(i).Name)
	}
	slices.Sort(got)
	if !slices.Equal(got, known) {
		t.Errorf("plog.LogRecord's methods are %q, copyRecord knows %q: set the new fields in copyRecord, and add them to fullRecord", got, known)
	}
}

// FuzzPublicRecords: whatever the number of lines each record of a scope
// makes (none: dropped; several: copies) and whatever the shapes of the
// records (a copy reuses a dropped record's storage when the shapes
// match), publicRecords leaves one record per line, in order, each a copy
// of its own source with every field, and no two sharing storage.
func FuzzPublicRecords(f *testing.F) {
	f.Add([]byte{1, 0, 3, 0, 0, 1, 2})
	f.Add([]byte{3, 3, 0x40, 2, 0x81})
	f.Add([]byte{0, 0, 0, 5, 1, 0, 0, 4})
	f.Add([]byte{2, 0xc0, 0xc3, 0, 1})
	f.Add([]byte{0x80, 2, 0x40, 0, 3}) // dropped records of other keys, as many or more
	f.Add([]byte{3, 0, 0, 0, 1, 4, 0, 0, 0, 2})
	f.Add([]byte{0x08, 0x0b, 0x80, 0x8a, 0x0c, 0, 0, 0x0b}) // lines of the body itself // lines that overtake, then fit again
	f.Fuzz(func(t *testing.T, spec []byte) {
		if len(spec) > 64 {
			spec = spec[:64]
		}
		var p gate
		recs := plog.NewLogRecordSlice()
		type out struct {
			src  int
			body string
		}
		var want []out
		p.first = p.first[:0]
		for k, b := range spec {
			lines := int(b & 7) // 0..7 lines
			r := recs.AppendEmpty()
			fullRecord(r, fmt.Sprint("body ", k), uint8(k))
			switch b >> 6 { // the record's shape
			case 1:
				r.Attributes().PutStr("extra", "x")
			case 2: // as many attributes, another key
				r.Attributes().Remove("ratio")
				r.Attributes().PutDouble("rate", 0.5)
			case 3:
				r.Attributes().PutEmptyMap("log.file.path").PutInt("k", int64(k))
			}
			p.first = append(p.first, len(p.spans))
			var body []string
			for i := range lines {
				body = append(body, fmt.Sprintf("line %d.%d", k, i))
			}
			if b&8 != 0 {
				// The lines are the body's, split at '\r': spans of
				// the body, as a plain public line's.
				r.Body().SetStr(strings.Join(body, "\r"))
			}
			at := 0
			for _, line := range body {
				if b&8 != 0 {
					p.spans = append(p.spans, span{start: at, end: at + len(line), body: true})
					at += len(line) + 1
				} else {
					start := len(p.out)
					p.out = append(p.out, line...)
					p.endLine(start)
				}
				want = append(want, out{k, line})
			}
		}
		p.first = append(p.first, len(p.spans))
		p.outStr = string(p.out)
		// The sources, as they were.
		srcs := plog.NewLogRecordSlice()
		recs.CopyTo(srcs)

		p.publicRecords(recs)
		if recs.Len() != len(want) {
			t.Fatalf("%d records for %d lines", recs.Len(), len(want))
		}
		for i, w := range want {
			r := recs.At(i)
			if r.Body().Str() != w.body {
				t.Fatalf("record %d: body %q, want %q", i, r.Body().Str(), w.body)
			}
			src := plog.NewLogRecord()
			srcs.At(w.src).CopyTo(src)
			src.Body().SetStr(w.body)
			if got, want := marshalRecord(t, r), marshalRecord(t, src); !bytes.Equal(got, want) {
				t.Fatalf("record %d (%s) is not a copy of record %d: %v, want %v", i, w.body, w.src, r.Attributes().AsRaw(), src.Attributes().AsRaw())
			}
			r.Attributes().PutInt("mark", int64(i))
		}
		for i := range recs.Len() {
			if v, _ := recs.At(i).Attributes().Get("mark"); v.Int() != int64(i) {
				t.Fatalf("record %d shares its attributes with record %d", i, v.Int())
			}
		}
	})
}
