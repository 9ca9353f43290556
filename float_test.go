package conflog

import (
	"math"
	"strconv"
	"testing"
)

// checkShortDecimal fails if appendShortDecimal writes anything but what
// strconv writes for f.
func checkShortDecimal(t *testing.T, f float64) {
	t.Helper()
	got, ok := appendShortDecimal(nil, f)
	if !ok {
		return // strconv's own path
	}
	if want := strconv.FormatFloat(f, 'f', -1, 64); string(got) != want {
		t.Fatalf("appendShortDecimal(%v (%#x)) = %q, strconv: %q", f, math.Float64bits(f), got, want)
	}
}

// TestShortDecimalMatchesStrconv: short decimals, their float neighbours
// (which need 17 digits), powers of two and ten, and the edges of the fast
// path's range are written as strconv writes them.
func TestShortDecimalMatchesStrconv(t *testing.T) {
	t.Parallel()
	fast := 0
	for _, f := range []float64{0.2513, 3e-4, 0.95, 1, 2, 10, 1e8, 0.1, 0.2, 0.3, 0.7, 1.5, 123456.789,
		1e-6, 1.5e-6, 0.00000123, 5e-324, 1 << 49, 1<<49 - 1, 1<<48 + 0.5, 562949953421311.5, 1e14 + 0.25,
		4503599627370495.5, 0.1 + 0.2, 1.0 / 3, 2.0 / 3, math.Pi, math.MaxFloat64, 9007199254740993} {
		for _, g := range []float64{f, -f, math.Nextafter(f, 0), math.Nextafter(f, math.Inf(1))} {
			checkShortDecimal(t, g)
			if _, ok := appendShortDecimal(nil, g); ok {
				fast++
			}
		}
	}
	// Every decimal with up to four places below 30, and its neighbours;
	// under -short every seventh (a second instead of seven).
	step := 1
	if testing.Short() {
		step = 7
	}
	for i := 0; i < 300_000; i += step {
		f := float64(i) / 1e4
		checkShortDecimal(t, f)
		checkShortDecimal(t, math.Nextafter(f, 0))
		checkShortDecimal(t, math.Nextafter(f, 1e9))
	}
	if fast < 20 {
		t.Fatalf("only %d values took the fast path", fast)
	}
}

// FuzzShortDecimal compares the fast path with strconv for arbitrary float
// bits and for short decimals built from an integer and a scale.
func FuzzShortDecimal(f *testing.F) {
	f.Add(math.Float64bits(0.2513), int64(2513), uint8(4))
	f.Add(math.Float64bits(1e-7), int64(-3), uint8(8))
	f.Fuzz(func(t *testing.T, bits uint64, m int64, k uint8) {
		checkShortDecimal(t, math.Float64frombits(bits))
		d := float64(m) / math.Pow(10, float64(k%24))
		checkShortDecimal(t, d)
		checkShortDecimal(t, math.Nextafter(d, 0))
	})
}
