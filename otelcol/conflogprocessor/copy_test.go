package conflogprocessor

import (
	"bytes"
	"fmt"
	"reflect"
	"slices"
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
