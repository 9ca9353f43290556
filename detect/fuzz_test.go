package detect

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
)

func addSeeds(f *testing.F) { addSeedSample(f, 1) }

// addSeedSample adds every every-th seed of addSeeds' corpus, in order, and
// always the first (a sample for the quick -short loop, issue 16).
func addSeedSample(f *testing.F, every int) {
	var seeds []string
	for _, tab := range samples {
		seeds = append(append(seeds, tab.found...), tab.clean...)
	}
	seeds = append(append(seeds, credentialLines.found...), credentialLines.clean...)
	seeds = append(seeds, scanLog)
	seeds = append(seeds, lineSeeds()...)
	for i, v := range seeds {
		if i%every == 0 {
			f.Add([]byte(v))
		}
	}
}

// FuzzValidate guards every validator (no panic on any input) and the mask
// promise: a masked value never shows the value whole.
func FuzzValidate(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, v []byte) {
		for _, d := range Detectors() {
			d.Validate(v)
		}
		checkMask(t, v)
	})
}

func checkMask(t *testing.T, v []byte) {
	m := Mask(v)
	keep := min(4, len(v)/3)
	if len(v) > 0 && keep >= len(v) {
		t.Fatalf("Mask(%q) keeps %d of %d bytes", v, keep, len(v))
	}
	if !strings.HasSuffix(m, string(v[len(v)-keep:])) || strings.Trim(m[:len(m)-keep], "*") != "" {
		t.Fatalf("Mask(%q) = %q: want stars then the last %d bytes", v, m, keep)
	}
}

// FuzzFind guards the per-line API: findings lie in the line, do not
// overlap, come in order, and each value passes its own validator.
func FuzzFind(f *testing.F) {
	addSeeds(f)
	s, err := NewSet(mustSelect("all")...)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, line []byte) {
		end := int64(0)
		for _, fd := range s.Find(line, nil) {
			if fd.Offset < end || fd.Len <= 0 || fd.Offset+int64(fd.Len) > int64(len(line)) || fd.Col != int(fd.Offset)+1 {
				t.Fatalf("finding %+v out of place in %d bytes (previous ended at %d)", fd, len(line), end)
			}
			end = fd.Offset + int64(fd.Len)
			d, _ := Lookup(fd.Detector)
			if v := line[fd.Offset:end]; !d.Validate(v) {
				t.Fatalf("%s reported %q, which its validator rejects", fd.Detector, v)
			}
		}
		if fd, ok := s.Check(line); ok != (len(s.Find(line, nil)) > 0) || ok && fd != s.Find(line, nil)[0] {
			t.Fatalf("Check = %+v, %v disagrees with Find", fd, ok)
		}
	})
}

// FuzzScanner guards the stream: segments concatenate to the input, findings
// lie within it with the right line and column, whatever the window, and a
// redacted stream holds no reported value.
func FuzzScanner(f *testing.F) {
	if testing.Short() {
		// Each seed scans twice and redacts: under -short (the quick
		// loop, issue 16) every fourth; go test without -short runs all.
		addSeedSample(f, 4)
	} else {
		addSeeds(f)
	}
	f.Add([]byte("-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n"))
	s, err := NewSet(mustSelect("all")...)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		for _, window := range []int{2*MaxValue + 7, MaxLine} {
			got := scanAll(t, s, bytes.NewReader(in), window)
			if !bytes.Equal(got.segs, in) {
				t.Fatalf("window %d: segments do not concatenate to the input", window)
			}
			checkFindings(t, in, got.findings)
			for _, fd := range got.findings {
				checkMask(t, in[fd.Offset:fd.Offset+int64(fd.Len)])
			}
		}
		var out bytes.Buffer
		n := 0
		if err := (&Redactor{Set: s}).Copy(&out, bytes.NewReader(in), func(Finding) { n++ }); err != nil {
			t.Fatal(err)
		}
		if n == 0 && !bytes.Equal(out.Bytes(), in) {
			t.Fatal("redaction changed a stream with no findings")
		}
	})
}

// findSlow is find without its filters: the automaton from every position
// and every byte-class trigger tried. The filters may only save work, never
// hide a value, so both must agree.
func (s *Set) findSlow(line []byte) []match {
	var ms []match
	for i := range line {
		ms = s.literalsAt(line, i, ms)
		ms = s.classAt(line, i, ms)
	}
	return resolve(ms, s)
}

func checkFilters(t *testing.T, s *Set, line []byte) {
	fast := s.find(line, nil)
	slow := s.findSlow(line)
	if len(fast) != len(slow) {
		t.Fatalf("find %v, unfiltered %v in %q", fast, slow, line)
	}
	for i := range fast {
		if fast[i] != slow[i] {
			t.Fatalf("find %v, unfiltered %v in %q", fast, slow, line)
		}
	}
}

// TestFiltersHideNothing guards the prefilters on every sample line.
func TestFiltersHideNothing(t *testing.T) {
	for _, names := range [][]string{nil, {"all"}} {
		s := mustSet(t, names...)
		for _, tab := range samples {
			for _, v := range append(append([]string{}, tab.found...), tab.clean...) {
				for _, l := range []string{v, "x " + v + " y", "key=" + v, `{"k": "` + v + `"}`} {
					checkFilters(t, s, []byte(l))
				}
			}
		}
		for _, l := range strings.Split(scanLog, "\n") {
			checkFilters(t, s, []byte(l))
		}
	}
}

// TestFiltersEveryLane moves each sample value across the positions of the
// prefilter's seven-byte steps and its byte-at-a-time tail: a value starting
// in any lane, straddling a step, or ending the line is found as the
// unfiltered search finds it.
func TestFiltersEveryLane(t *testing.T) {
	for _, names := range [][]string{nil, {"all"}} {
		s := mustSet(t, names...)
		found := 0
		for _, tab := range samples {
			for _, v := range append(append([]string{}, tab.found...), tab.clean...) {
				for pad := 0; pad < 16; pad++ {
					for _, l := range []string{
						strings.Repeat("a", pad) + " " + v,
						strings.Repeat("=", pad) + v + " tail of the line",
					} {
						checkFilters(t, s, []byte(l))
						found += len(s.find([]byte(l), nil))
					}
				}
			}
		}
		if found == 0 {
			t.Fatalf("set %v: no sample found at any offset", names)
		}
	}
}

// FuzzFilters guards the prefilters: find agrees with the unfiltered search.
func FuzzFilters(f *testing.F) {
	addSeeds(f)
	all, def := mustSet(f, "all"), mustSet(f)
	f.Fuzz(func(t *testing.T, line []byte) {
		checkFilters(t, all, line)
		checkFilters(t, def, line)
	})
}

// lineSeeds returns the lines of the context tests, for a fuzz corpus.
func lineSeeds() []string {
	var seeds []string
	for _, tab := range []struct{ found, clean []string }{cardLines, idLines, phoneLines, contextKeyLines, credentialLines, fixtureLines, personLines} {
		for _, l := range append(append([]string{}, tab.found...), tab.clean...) {
			seeds = append(seeds, strings.NewReplacer("«", "", "»", "").Replace(l))
		}
	}
	for _, tc := range tripwireMisses {
		seeds = append(seeds, tc.line)
	}
	return append(seeds, mlDecoys...)
}

// FuzzCheckDigits guards the checksummed validators: a value built from
// arbitrary digits, with its check computed as the format's specification
// says, passes; and changing any one of its digits fails, since each of
// these checks (Luhn, the BSN's elfproef, mod 97, mod 23, CRC32, Bech32)
// detects every single substitution.
func FuzzCheckDigits(f *testing.F) {
	f.Add([]byte("4111111111111111"), uint8(3))
	f.Add([]byte("0123456789abcdefghijklmnopqrstuvwxyz"), uint8(200))
	f.Fuzz(func(t *testing.T, seed []byte, pos uint8) {
		if len(seed) == 0 {
			return
		}
		digit := func(i int) byte { return '0' + seed[i%len(seed)]%10 }
		digits := func(n int) []byte {
			b := make([]byte, n)
			for i := range b {
				b[i] = digit(i)
			}
			return b
		}
		type tc struct {
			name string
			d    rule
			v    []byte
			at   []int // positions of digits that a substitution must break
		}
		var cases []tc
		// A card: Visa, 16 digits, Luhn.
		pan := append([]byte("4"), digits(14)...)
		for c := byte('0'); c <= '9'; c++ {
			if luhn(toDigits(append(append([]byte{}, pan...), c))) {
				pan = append(pan, c)
				break
			}
		}
		cases = append(cases, tc{"card", cardDetector{}, []byte(string(pan[:4]) + " " + string(pan[4:8]) + " " + string(pan[8:12]) + " " + string(pan[12:])), nil})
		// A BSN: eight digits and the ninth that makes the elfproef hold,
		// when one does.
		b := digits(8)
		b[0] = '1'
		sum := 0
		for i := range 8 {
			sum += int(b[i]-'0') * (9 - i)
		}
		if d9 := sum % 11; d9 <= 9 {
			cases = append(cases, tc{"nl-bsn", wordNumberDetector{wordNumberSpecs[0]}, append(b, byte('0'+d9)), nil})
		}
		// A NIR: thirteen digits (sex 1, month 01) and the key.
		n := append([]byte("1"), digits(12)...)
		n[3], n[4] = '0', '1'
		r := 0
		for _, x := range n {
			r = (r*10 + int(x-'0')) % 97
		}
		cases = append(cases, tc{"fr-nir", wordNumberDetector{wordNumberSpecs[1]}, fmt.Appendf(n, "%02d", 97-r), nil})
		// A DNI: eight digits and the letter.
		dn := digits(8)
		dn[0] = '1'
		v := 0
		for _, x := range dn {
			v = v*10 + int(x-'0')
		}
		cases = append(cases, tc{"es-dni", dniDetector{}, append(dn, "TRWAGMYFPDXBNJZSQVHLCKE"[v%23]), nil})
		// A GitHub token: thirty base62 characters and their CRC32.
		body := make([]byte, 30)
		for i := range body {
			body[i] = base62Digits[seed[i%len(seed)]%62]
		}
		check := githubChecksum(body)
		cases = append(cases, tc{"github-token", githubDetector{}, append(append([]byte("ghp_"), body...), check[:]...), nil})
		for _, c := range cases {
			if !c.d.Validate(c.v) {
				t.Fatalf("%s: Validate(%q) = false for a value with its check", c.name, c.v)
			}
			// Substitute one digit (or base62 character) at pos.
			var at []int
			for i, x := range c.v {
				if isDigit(x) || c.name == "github-token" && i >= 4 && isAlnum(x) {
					at = append(at, i)
				}
			}
			i := at[int(pos)%len(at)]
			w := append([]byte{}, c.v...)
			if isDigit(w[i]) {
				w[i] = '0' + (w[i]-'0'+1+seed[0]%9)%10
			} else {
				w[i] = base62Digits[(strings.IndexByte(base62Digits, w[i])+1+int(seed[0]%61))%62]
			}
			if c.d.Validate(w) {
				t.Fatalf("%s: Validate(%q) = true after a substitution at %d of %q", c.name, w, i, c.v)
			}
		}
	})
}

func toDigits(v []byte) []byte {
	out := make([]byte, len(v))
	for i, b := range v {
		out[i] = b - '0'
	}
	return out
}

// mustSelect is Select for names known to exist.
func mustSelect(names ...string) []Detector {
	ds, err := Select(names...)
	if err != nil {
		panic(err)
	}
	return ds
}
