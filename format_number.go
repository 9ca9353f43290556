package conflog

// Numbers and durations, appended as strconv and time would write them,
// without their allocations.

import (
	"math"
	"strconv"
	"time"
)

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
