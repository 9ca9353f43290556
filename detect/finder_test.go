package detect

import (
	"bytes"
	"strings"
	"testing"
)

// testFinder is a caller's detector for the tests: "cust-" or "customer_no="
// and seven digits, the last a check digit.
// Its Extent may be told to misbehave.
type testFinder struct {
	name  string
	lits  []string
	wild  bool // Extent returns bounds outside the line
	calls *int
}

func (f testFinder) Name() string         { return f.name }
func (testFinder) Confidence() Confidence { return High }
func (f testFinder) Literals() []string   { return f.lits }
func (testFinder) Validate(v []byte) bool { return checkDigit(v) }
func (f testFinder) Extent(line []byte, start, end int) (int, int, bool) {
	if f.calls != nil {
		*f.calls++
	}
	if f.wild {
		return -5, len(line) + 9, true
	}
	e := end
	for e < len(line) && isDigit(line[e]) {
		e++
	}
	return end, e, e > end
}

// checkDigit: seven digits, the last the sum of the others mod 10.
func checkDigit(v []byte) bool {
	if len(v) != 7 {
		return false
	}
	sum := 0
	for _, b := range v {
		if !isDigit(b) {
			return false
		}
		sum += int(b - '0')
	}
	last := int(v[6] - '0')
	return (sum-last)%10 == last
}

func newCustomer() testFinder {
	return testFinder{name: "customer", lits: []string{"cust-", "customer_no="}}
}

// TestNewSetFinder: a caller's Finder is found at its literals, decided by
// its Validate, and reported by Find, Check, the Checker and the Scanner
// beside the built-in detectors.
func TestNewSetFinder(t *testing.T) {
	email, _ := Lookup("email")
	s, err := NewSet(email, newCustomer())
	if err != nil {
		t.Fatal(err)
	}
	line := []byte("refund CUST-1234561 for jane@example.com; customer_no=1234562 (bad check); cust-12345618 (too long)")
	fs := s.Find(line, nil)
	var got []string
	for _, f := range fs {
		got = append(got, f.Detector+":"+string(line[f.Offset:f.Offset+int64(f.Len)]))
	}
	if want := "customer:1234561 email:jane@example.com"; strings.Join(got, " ") != want {
		t.Fatalf("Find = %v, want %s", got, want)
	}
	if f, ok := s.Check(line); !ok || f.Detector != "customer" {
		t.Errorf("Check = %+v, %v", f, ok)
	}
	if f, ok := s.NewChecker().Check([]byte("id cust-1234561")); !ok || f.Detector != "customer" {
		t.Errorf("Checker = %+v, %v", f, ok)
	}
	sc := s.NewScanner(strings.NewReader("a\nb cust-1234561\n"))
	n := 0
	for sc.Scan() {
		for _, f := range sc.Findings() {
			if f.Detector != "customer" || f.Line != 2 || f.Col != 8 {
				t.Errorf("Scanner finding %+v", f)
			}
			n++
		}
	}
	if sc.Err() != nil || n != 1 {
		t.Errorf("Scanner: %d findings, %v", n, sc.Err())
	}
	ds := s.Detectors()
	if len(ds) != 2 || ds[0].Name() != "email" {
		t.Fatalf("Detectors = %v", ds)
	}
	if _, ok := ds[1].(testFinder); !ok {
		t.Errorf("Detectors()[1] is %T, want the caller's testFinder", ds[1])
	}
	for _, l := range []string{string(line), "cust-", "xcust-1234566", "customer_no=", strings.Repeat("cust-1234561 ", 50)} {
		checkFilters(t, s, []byte(l))
	}
}

// TestNewSetBuiltins: NewSet of the built-in detectors as Detectors lists
// them finds what NewSet of Select("all") finds.
func TestNewSetBuiltins(t *testing.T) {
	byName := mustSet(t, "all")
	byValue, err := NewSet(Detectors()...)
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(scanLog, "\n") {
		a, b := byName.Find([]byte(l), nil), byValue.Find([]byte(l), nil)
		if len(a) != len(b) {
			t.Fatalf("%q: by name %v, by value %v", l, a, b)
		}
		for i := range a {
			if a[i] != b[i] {
				t.Fatalf("%q: by name %v, by value %v", l, a, b)
			}
		}
	}
}

// TestNewSetErrors: what a Set could not search for, or could not tell
// apart, is refused, not silently dropped.
type plainDetector struct{ name string }

func (d plainDetector) Name() string         { return d.name }
func (plainDetector) Confidence() Confidence { return High }
func (plainDetector) Validate([]byte) bool   { return true }

func TestNewSetErrors(t *testing.T) {
	c := newCustomer()
	many := testFinder{name: "many"}
	for i := range maxFinderLiterals + 1 {
		many.lits = append(many.lits, "lit"+strings.Repeat("x", i%50)+string(rune('a'+i%26))+string(rune('a'+i/26)))
	}
	for name, ds := range map[string][]Detector{
		"nil":            {nil},
		"no name":        {testFinder{lits: []string{"abc"}}},
		"not a Finder":   {plainDetector{"mine"}},
		"twice":          {c, c},
		"built-in name":  {testFinder{name: "email", lits: []string{"abc"}}},
		"no literals":    {testFinder{name: "x"}},
		"short literal":  {testFinder{name: "x", lits: []string{"ab"}}},
		"long literal":   {testFinder{name: "x", lits: []string{strings.Repeat("a", maxFinderLiteral+1)}}},
		"too many":       {many},
		"built-in plain": {plainDetector{"card"}},
	} {
		if _, err := NewSet(ds...); err == nil {
			t.Errorf("%s: NewSet accepted %v", name, ds)
		}
	}
}

// TestNewSetWildExtent: bounds outside the line are no finding and no
// panic; Extent is called only where a literal occurs.
func TestNewSetWildExtent(t *testing.T) {
	calls := 0
	s, err := NewSet(testFinder{name: "wild", lits: []string{"cust-"}, wild: true, calls: &calls})
	if err != nil {
		t.Fatal(err)
	}
	if fs := s.Find([]byte("a cust-123 b"), nil); len(fs) != 0 {
		t.Errorf("Find = %v", fs)
	}
	calls = 0
	s.Find(bytes.Repeat([]byte("customs cus-t cust "), 100), nil)
	if calls != 0 {
		t.Errorf("Extent called %d times on a line without its literal", calls)
	}
}

// FuzzNewSet: with a caller's Finder of arbitrary literal in the set,
// findings lie within the line, each accepted by its detector's Validate,
// and the filters hide nothing.
func FuzzNewSet(f *testing.F) {
	f.Add("cust-", []byte("refund cust-1234561 to jane@example.com"))
	f.Add("KEY=", []byte("KEY=1234561 password=Xk9#mP2$vL8q"))
	f.Fuzz(func(t *testing.T, lit string, line []byte) {
		if len(lit) < 3 || len(lit) > maxFinderLiteral {
			return
		}
		fd := testFinder{name: "customer", lits: []string{lit}}
		email, _ := Lookup("email")
		cred, _ := Lookup("credential")
		s, err := NewSet(email, cred, fd)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range s.Find(line, nil) {
			if f.Offset < 0 || f.Offset+int64(f.Len) > int64(len(line)) || f.Len <= 0 {
				t.Fatalf("finding %+v out of %d bytes", f, len(line))
			}
			v := line[f.Offset : f.Offset+int64(f.Len)]
			for _, d := range s.Detectors() {
				if d.Name() == f.Detector && !d.Validate(v) {
					t.Fatalf("%s reported %q, which it rejects", f.Detector, v)
				}
			}
		}
		checkFilters(t, s, line)
	})
}
