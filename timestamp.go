package conflog

import (
	"slices"
	"time"
)

// A stamp is the second of the last time a handler formatted: its date,
// clock and zone, formatted once by the standard library. Records come many
// per second, so most times only need their fraction appended; formatting
// the whole time was a tenth of a public record's cost.
type stamp struct {
	sec  int64
	loc  *time.Location
	date []byte // "2006-01-02T15:04:05"
	zone []byte // "Z" or "+01:00", as RFC 3339 writes it
	// The same for JSON, with the quotes, as arrays: stored into the buffer
	// as whole arrays, without a memmove call each.
	jsonDate    [20]byte // `"2006-01-02T15:04:05`
	jsonZone    [8]byte  // `Z"` or `+01:00"`, then zeros
	jsonZoneLen int
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
	// The range is of UTC years; a zone of more than 48 hours (FixedZone
	// takes any offset) can still move the date to year 10000, and from 100
	// hours on writes a zone longer than "+hh:mm". Such times go the slow
	// way: the stamp's date is exactly 19 bytes and its zone fits jsonZone.
	if b[4] != '-' || len(b)-19 > len("+hh:mm") {
		return nil
	}
	st := &stamp{sec: sec, loc: loc, date: b[:19], zone: b[19:]}
	st.jsonDate[0] = '"'
	copy(st.jsonDate[1:], b[:19])
	st.jsonZoneLen = copy(st.jsonZone[:], b[19:]) + 1 // RFC3339's zone: at most "+hh:mm"
	st.jsonZone[st.jsonZoneLen-1] = '"'
	c.stamp.Store(st)
	return st
}

// append writes t, which must be in st's second: as slog's JSON handler
// does (RFC 3339 with nanoseconds, trailing zeros trimmed, quoted) or as its
// text handler does (exactly three fractional digits).
func (st *stamp) append(b []byte, t time.Time, json bool) []byte {
	// Digits two at a time from a table, and trailing zeros trimmed as
	// bytes: the divisions by ten one digit at a time were 300
	// instructions a record, 6 % of a public JSON one (callgrind).
	ns := t.Nanosecond()
	if json {
		// Room for all of it, then three array stores (trimmed after):
		// the three appends' memmove calls were a third of this function.
		const most = len(st.jsonDate) + len(".123456789") + len(st.jsonZone)
		n := len(b)
		b = slices.Grow(b, most)[:n+most]
		*(*[20]byte)(b[n:]) = st.jsonDate
		i := n + len(st.jsonDate)
		if ns != 0 {
			var frac [10]byte
			frac[0] = '.'
			putNanos((*[9]byte)(frac[1:]), ns)
			m := len(frac)
			for frac[m-1] == '0' {
				m--
			}
			*(*[10]byte)(b[i:]) = frac
			i += m
		}
		*(*[8]byte)(b[i:]) = st.jsonZone
		return b[:i+st.jsonZoneLen]
	}
	var frac [9]byte
	putNanos(&frac, ns)
	b = append(b, st.date...)
	b = append(b, '.', frac[0], frac[1], frac[2])
	return append(b, st.zone...)
}

// digitTens[v] and digitOnes[v] are the two digits of v < 100.
var digitTens, digitOnes = func() (t, o [100]byte) {
	for v := range 100 {
		t[v], o[v] = byte('0'+v/10), byte('0'+v%10)
	}
	return t, o
}()

// putNanos writes ns, below 1e9, as nine decimal digits: two at a time,
// unrolled, from tables indexed below 100 (no bounds checks).
func putNanos(d *[9]byte, ns int) {
	v := uint32(ns)
	r := v % 100
	v /= 100
	d[7], d[8] = digitTens[r], digitOnes[r]
	r = v % 100
	v /= 100
	d[5], d[6] = digitTens[r], digitOnes[r]
	r = v % 100
	v /= 100
	d[3], d[4] = digitTens[r], digitOnes[r]
	r = v % 100
	v /= 100
	d[1], d[2] = digitTens[r], digitOnes[r]
	d[0] = byte('0' + v%10)
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
