package ship

import (
	"bytes"
	"strconv"
	"strings"
	"testing"
	"time"
)

// severityRef is the first, plain implementation of severity (two scans,
// bytes.TrimLeft and IndexAny): the fast one must agree with it on every
// input.
func severityRef(line []byte) level {
	word := func(b []byte) level {
		end := bytes.IndexAny(b, " \t\",")
		if end < 0 {
			end = len(b)
		}
		if l, ok := knownLevel(b[:end]); ok {
			return l
		}
		return levelInfo
	}
	if i := bytes.Index(line, []byte("level=")); i >= 0 {
		return word(line[i+len("level="):])
	}
	if i := bytes.Index(line, []byte(`"level":"`)); i >= 0 {
		return word(line[i+len(`"level":"`):])
	}
	rest := line
	for w := 0; w < 6 && len(rest) > 0; w++ {
		rest = bytes.TrimLeft(rest, " \t:[]|-")
		end := bytes.IndexAny(rest, " \t:[]|")
		if end < 0 {
			end = len(rest)
		}
		if l, ok := knownLevel(rest[:end]); ok {
			return l
		}
		rest = rest[end:]
	}
	return levelInfo
}

func FuzzSeverity(f *testing.F) {
	for _, s := range []string{
		"SystemLog: time=2026 level=WARN msg=slow",
		`SystemLog: {"time":"x","level":"ERROR","msg":"boom"}`,
		`SystemLog: {"level":"debug"} level=ERROR`,
		`SystemLog: "level":"warn" "level":"error"`,
		`SystemLog: level":"warn"`,
		"SystemLog: levellevel=fatal",
		"SystemLog: ERROR:root:failed to load",
		"SystemLog: [debug] cache warm",
		"SystemLog: - | :: [] warning",
		"SystemLog: 2026-12-05 12:00:00 CRITICAL disk full",
		"SystemLog: a b c d e f ERROR",
		"level=",
		`"level":"`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, line []byte) {
		if got, want := severity(line), severityRef(line); got != want {
			t.Fatalf("%q: severity %v, the reference %v", line, got, want)
		}
	})
}

func FuzzStamp(f *testing.F) {
	f.Add(int64(0))
	f.Add(time.Date(2026, 12, 5, 12, 0, 0, 123456789, time.UTC).UnixNano())
	f.Add(time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC).UnixNano())
	f.Fuzz(func(t *testing.T, ns int64) {
		tm := time.Unix(0, ns).In(time.FixedZone("X", 3600+1800))
		if y := tm.UTC().Year(); y < 0 || y > 9999 {
			return // RFC 5424 has four digits for the year
		}
		got := string(appendStamp([]byte("x"), tm))
		if want := "x" + tm.UTC().Format("2006-01-02T15:04:05.000000Z"); got != want {
			t.Fatalf("%d: %s, want %s", ns, got, want)
		}
	})
}

// FuzzFramerStamp: the framer's stamp, copied whole from the call before
// at the same microsecond and its date and time to the second kept from
// the call before in the same second, is appendStamp's, for any two times
// in a row (the same, the same second, the next, one before 1970).
func FuzzFramerStamp(f *testing.F) {
	f.Add(int64(0), int64(1))
	f.Add(int64(-1), int64(-1000))
	f.Add(time.Date(2026, 12, 5, 12, 0, 0, 999999999, time.UTC).UnixNano(), time.Date(2026, 12, 5, 12, 0, 1, 0, time.UTC).UnixNano())
	f.Add(time.Date(2026, 12, 5, 12, 0, 0, 123456789, time.UTC).UnixNano(), time.Date(2026, 12, 5, 12, 0, 0, 123457789, time.UTC).UnixNano())
	f.Fuzz(func(t *testing.T, a, b int64) {
		var fr framer
		for _, ns := range []int64{a, a, b, b, a} {
			tm := time.Unix(0, ns).In(time.FixedZone("X", -7200))
			if got, want := string(fr.appendStamp([]byte("x"), tm)), string(appendStamp([]byte("x"), tm)); got != want {
				t.Fatalf("%d after %d, %d: %s, want %s", ns, a, b, got, want)
			}
		}
	})
}

// appendSyslogRef is the first implementation of appendSyslog: the frame
// built whole, then shifted right by the length's width.
func appendSyslogRef(b []byte, r Record, h header) []byte {
	start := len(b)
	b = append(b, '<')
	b = strconv.AppendInt(b, int64(facility*8+severity(r.Line).syslog), 10)
	b = append(b, ">1 "...)
	b = appendStamp(b, r.Time)
	b = append(b, ' ')
	b = append(b, h.host...)
	b = append(b, ' ')
	b = append(b, h.app...)
	b = append(b, ` - public [conflog@`+pen+` queue="`...)
	b = append(b, h.queue...)
	b = append(b, `" seq="`...)
	b = strconv.AppendUint(b, r.Seq, 10)
	if h.job != "" {
		b = append(b, `" job="`...)
		b = append(b, h.job...)
	}
	b = append(b, `"]`...)
	if r.Event == EventBlocked {
		b = appendBlockedSD(b, parseBlocked(r.Line))
	}
	b = append(b, ' ')
	b = append(b, r.Line...)
	n := len(b) - start
	lenField := strconv.AppendInt(nil, int64(n), 10)
	lenField = append(lenField, ' ')
	b = append(b, lenField...)
	copy(b[start+len(lenField):], b[start:start+n])
	copy(b[start:], lenField)
	return b
}

// FuzzFramer: a framer reused across records (events among them) frames
// each as the first implementation did, and every frame's octet count is
// its message's length: whatever the sequence numbers, which the framer
// counts up in decimal while they follow each other.
func FuzzFramer(f *testing.F) {
	f.Add([]byte("SystemLog: level=ERROR oom"), []byte("SystemLog: ok"), uint64(1), int64(0))
	f.Add([]byte("SystemLog: x"), []byte("SystemLog: "+strings.Repeat("y", 300)), uint64(99999), int64(1e15))
	f.Add([]byte("SystemLog: a"), []byte("SystemLog: b"), uint64(98), int64(1))      // 99, 100: a digit more
	f.Add([]byte("SystemLog: a"), []byte("SystemLog: b"), uint64(1<<64-2), int64(1)) // ..., max, 0
	f.Add([]byte("SystemLog: level=WARN event=conflog.blocked detector=email column=12 stream=stdout job=train msg=\"x\""), []byte(""), uint64(7), int64(-5))
	f.Fuzz(func(t *testing.T, l1, l2 []byte, seq uint64, us int64) {
		var fr framer
		h := header{host: "gpu-3", app: "train", queue: "abcd", job: "j1"}
		var b []byte
		for i, l := range [][]byte{l1, l2, l1} {
			r := Record{Seq: seq + uint64(i), Time: time.UnixMicro(us + int64(i)*700_000), Line: l}
			if i == 1 {
				r.Event = EventBlocked
			}
			start := len(b)
			b = fr.appendSyslog(b, &r, &h)
			frame := b[start:]
			if want := appendSyslogRef(nil, r, h); !bytes.Equal(frame, want) {
				t.Fatalf("record %d: %q, the reference %q", i, frame, want)
			}
			n, msg, ok := bytes.Cut(frame, []byte(" "))
			if k, err := strconv.Atoi(string(n)); !ok || err != nil || k != len(msg) {
				t.Fatalf("record %d: octet count %q for %d bytes", i, n, len(msg))
			}
			if !bytes.HasSuffix(msg, l) {
				t.Fatalf("record %d: the message does not end in the line", i)
			}
		}
	})
}
