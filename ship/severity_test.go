package ship

import (
	"bytes"
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
