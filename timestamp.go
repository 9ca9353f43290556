package conflog

import "time"

// A stamp is the second of the last time a handler formatted: its date,
// clock and zone, formatted once by the standard library. Records come many
// per second, so most times only need their fraction appended; formatting
// the whole time was a tenth of a public record's cost.
type stamp struct {
	sec  int64
	loc  *time.Location
	date []byte // "2006-01-02T15:04:05"
	zone []byte // "Z" or "+01:00", as RFC 3339 writes it
}

// Unix seconds of years safely inside 0000–9999 whatever the zone, the range
// where RFC 3339's date has exactly 19 bytes. Times outside are formatted
// the slow way.
const (
	stampMin = -62167219200 + 2*86400 // 0000-01-03
	stampMax = 253402300799 - 2*86400 // 9999-12-29
)

// stampOf returns the stamp of t's second, or nil if t is outside the range.
func (c *core) stampOf(t time.Time) *stamp {
	sec := t.Unix()
	if sec < stampMin || sec > stampMax {
		return nil
	}
	loc := t.Location()
	if st := c.stamp.Load(); st != nil && st.sec == sec && st.loc == loc {
		return st
	}
	b := t.AppendFormat(make([]byte, 0, 32), time.RFC3339)
	st := &stamp{sec: sec, loc: loc, date: b[:19], zone: b[19:]}
	c.stamp.Store(st)
	return st
}

// append writes t, which must be in st's second: as slog's JSON handler
// does (RFC 3339 with nanoseconds, trailing zeros trimmed, quoted) or as its
// text handler does (exactly three fractional digits).
func (st *stamp) append(b []byte, t time.Time, json bool) []byte {
	ns := t.Nanosecond()
	if json {
		b = append(b, '"')
		b = append(b, st.date...)
		if ns != 0 {
			digits := 9
			for ns%10 == 0 {
				ns /= 10
				digits--
			}
			b = appendDigits(append(b, '.'), ns, digits)
		}
		b = append(b, st.zone...)
		return append(b, '"')
	}
	b = append(b, st.date...)
	b = appendDigits(append(b, '.'), ns/1e6, 3)
	return append(b, st.zone...)
}

// appendDigits writes v in exactly n decimal digits.
func appendDigits(b []byte, v, n int) []byte {
	var tmp [9]byte
	for i := n - 1; i >= 0; i-- {
		tmp[i] = byte('0' + v%10)
		v /= 10
	}
	return append(b, tmp[:n]...)
}

// appendRFC3339Millis writes t as slog's text handler does: RFC 3339 with
// exactly three fractional digits. It serves the times outside stamps'.
func appendRFC3339Millis(b []byte, t time.Time) []byte {
	// RFC3339Nano is the fast path of AppendFormat but trims trailing zeros;
	// adding 0.1ms after truncating forces four digits, and we drop the last.
	const upToMillis = len("2006-01-02T15:04:05.000")
	n := len(b)
	t = t.Truncate(time.Millisecond).Add(time.Millisecond / 10)
	b = t.AppendFormat(b, time.RFC3339Nano)
	if len(b) < n+upToMillis+1 {
		return b // a year of more than four digits: leave it as formatted
	}
	return append(b[:n+upToMillis], b[n+upToMillis+1:]...)
}
