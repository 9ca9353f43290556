package detect

import (
	"bytes"
	"strings"
	"testing"
)

func addSeeds(f *testing.F) {
	for _, tab := range samples {
		for _, v := range append(append([]string{}, tab.found...), tab.clean...) {
			f.Add([]byte(v))
		}
	}
	for _, l := range append(append([]string{}, credentialLines.found...), credentialLines.clean...) {
		f.Add([]byte(l))
	}
	f.Add([]byte(scanLog))
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
	s, err := NewSet("all")
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
	addSeeds(f)
	f.Add([]byte("-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n"))
	s, err := NewSet("all")
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
