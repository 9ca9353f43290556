package detect

import (
	"fmt"
	"slices"
	"strings"
)

// Confidence says how sure a detector is that a validated candidate is
// really a secret or personal data.
type Confidence uint8

const (
	// Low: a well-formed value that logs also hold for innocent reasons
	// (an IP address, a MAC address, a phone-shaped number).
	Low Confidence = iota + 1
	// High: a value whose format and check digits or checksum were
	// verified, or whose key names it and whose shape matches (a personal
	// name, a postal address, a compact NINO).
	High
)

func (c Confidence) String() string {
	switch c {
	case Low:
		return "low"
	case High:
		return "high"
	}
	return fmt.Sprintf("Confidence(%d)", uint8(c))
}

// A Detector recognises one kind of value.
type Detector interface {
	// Name is the detector's stable name, as used by NewSet and reports.
	Name() string
	// Confidence is the confidence of every finding of this detector.
	Confidence() Confidence
	// Validate reports whether v, taken whole, is a value of this kind.
	Validate(v []byte) bool
}

// A Finding is one detected value. It never holds the value itself: callers
// that hold the input can slice it with Offset and Len, and show it with Mask.
type Finding struct {
	Detector   string
	Line       int   // 1-based line number
	Col        int   // 1-based byte column of the value's first byte
	Offset     int64 // byte offset of the value's first byte in the input
	Len        int   // length of the value in bytes
	Confidence Confidence
}

// detector is what a Set runs: the public interface plus how candidates
// are found and bounded in a line. The built-in detectors are rows of the
// table below (*spec); a caller's Finder is wrapped in a finderDetector.
type detector interface {
	Detector
	// literals are the case-insensitive literals that start a candidate
	// (found by the Aho–Corasick pass), nil for byte-class detectors.
	literals() []string
	// extent returns the value's bounds in line, given a literal match at
	// [start, end) (or a byte-class trigger at start == end), or ok=false.
	extent(line []byte, start, end int) (vs, ve int, ok bool)
	// priority settles overlapping findings (see resolve): 3 for vendor
	// tokens and keys, 2 for credentials, 1 for personal data.
	priority() int
}

// A spec is one row of the detector table: a built-in detector's name,
// confidence, literals and priority, and the code that bounds and checks
// its values (a rule type of the detector's file: extent and Validate).
type spec struct {
	name string
	conf Confidence
	lits []string
	prio int
	rule rule
}

// A rule bounds and checks the values of one kind.
type rule interface {
	extent(line []byte, start, end int) (vs, ve int, ok bool)
	Validate(v []byte) bool
}

func (s *spec) Name() string           { return s.name }
func (s *spec) Confidence() Confidence { return s.conf }
func (s *spec) Validate(v []byte) bool { return s.rule.Validate(v) }
func (s *spec) literals() []string     { return s.lits }
func (s *spec) priority() int          { return s.prio }
func (s *spec) extent(line []byte, start, end int) (int, int, bool) {
	return s.rule.extent(line, start, end)
}

// Priorities: see detector.priority.
const (
	personal   = 1
	credential = 2
	token      = 3
)

// registry is the detector table, in the order reports list them. The
// table-driven vendor, context-key and national-id formats are added by
// init from their own tables.
var registry = []*spec{
	{"email", High, []string{"%40"}, personal, emailDetector{}},
	{"card", High, nil, personal, cardDetector{}},
	{"iban", High, nil, personal, ibanDetector{}},
	{"ssn", High, nil, personal, ssnDetector{}},
	{"uk-nino", High, nil, personal, ninoDetector{}},
	{"it-cf", High, nil, personal, codiceFiscaleDetector{}},
	{"es-dni", High, nil, personal, dniDetector{}},
	{"phone", Low, nil, personal, phoneDetector{}},
	{"ipv4", Low, nil, personal, ipv4Detector{}},
	{"ipv6", Low, nil, personal, ipv6Detector{}},
	{"mac", Low, nil, personal, macDetector{}},
	{"jwt", High, []string{"eyJ"}, token, jwtDetector{}},
	{"aws-key", High, awsKeyPrefixes, token, awsKeyDetector{}},
	{"github-token", High, []string{"ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_"}, token, githubDetector{}},
	{"gitlab-token", High, gitlabPrefixes, token, gitlabDetector{}},
	{"slack-token", High, []string{"xoxb-", "xoxp-", "xoxa-", "xoxr-", "xoxs-", "xoxe-", "xoxo-", "xapp-", "xoxe.xox"}, token, slackTokenDetector{}},
	{"slack-webhook", High, slackHookPaths, token, slackWebhookDetector{}},
	{"stripe-key", High, stripePrefixes, token, stripeDetector{}},
	{"google-api-key", High, []string{"AIza"}, token, googleKeyDetector{}},
	{"private-key", High, []string{"-----BEGIN "}, token, privateKeyDetector{}},
	{"authorization", High, []string{"bearer ", "basic ", "authorization"}, credential, authorizationDetector{}},
	{"url-password", High, []string{"://", "%3a%2f%2f"}, credential, urlPasswordDetector{}},
	{"person-name", High, nameLiterals, personal, personNameDetector{}},
	{"postal-address", High, addressKeys, personal, postalAddressDetector{}},
	{"credential", High, []string{"password", "passwd", "_pw", "_pass", "passphrase", "token", "secret", "api_key", "apikey", "api-key",
		"_auth", "accesskey", "access_key", "access-key", "private_key", "credential", "credentials", "-u ", "--user "}, credential, credentialDetector{}},
}

func init() {
	// The table-driven vendor formats go after the token detectors, before
	// the generic ones.
	var vendors []*spec
	for _, v := range vendorSpecs {
		vendors = append(vendors, &spec{v.name, High, v.prefixes, token, vendorDetector{v}})
	}
	for _, c := range contextSpecs {
		vendors = append(vendors, &spec{c.name, High, c.words, token, contextKeyDetector{c}})
	}
	i := slices.IndexFunc(registry, func(d *spec) bool { return d.name == "private-key" })
	registry = slices.Insert(registry, i, vendors...)
	var ids []*spec
	for _, w := range wordNumberSpecs {
		ids = append(ids, &spec{w.name, High, w.words, personal, wordNumberDetector{w}})
	}
	i = slices.IndexFunc(registry, func(d *spec) bool { return d.name == "phone" })
	registry = slices.Insert(registry, i, ids...)
}

// Detectors returns every built-in detector.
func Detectors() []Detector {
	out := make([]Detector, len(registry))
	for i, d := range registry {
		out[i] = d
	}
	return out
}

// Lookup returns the built-in detector with the given name.
func Lookup(name string) (Detector, bool) {
	for _, d := range registry {
		if d.Name() == name {
			return d, true
		}
	}
	return nil, false
}

// Names returns the names of the built-in detectors with at least the given
// confidence.
func Names(min Confidence) []string {
	var out []string
	for _, d := range registry {
		if d.Confidence() >= min {
			out = append(out, d.Name())
		}
	}
	return out
}

// A Set is a compiled group of detectors. It is safe for concurrent use.
type Set struct {
	dets   []detector
	ac     *automaton
	byPat  [][]int // pattern index -> indexes into dets
	email  int     // index into dets, or -1
	digits []int   // card, ssn, phone, ipv4 detectors present
	// runs and sepRuns are bit sets of the lengths of a first run of
	// digits that a digit detector of the set can start with: alone
	// (runs), or followed by a separator and a digit (sepRuns).
	runs, sepRuns uint32
	iban          int
	upper         []int // detectors a capital and another capital start: iban, uk-nino, it-cf
	nie           int   // es-dni, which X, Y or Z and a digit start too
	hexSep        []int // mac, ipv6
	plus          int   // phone, for "+1…" and "(555)…"
	pem           int
	ipv4          int
	pairs         [1 << 16]uint8 // byte pair -> reasons it may be hot; see nextHot
	before        uint8          // flags of a pair's first byte that start a detector
}

// Select returns the built-in detectors with the given names, for NewSet:
// with no names, the high-confidence ones (what the egress gate applies by
// default); "all" alone names every detector. An unknown name is an error
// that lists the known ones.
func Select(names ...string) ([]Detector, error) {
	if len(names) == 0 {
		names = Names(High)
	}
	if len(names) == 1 && names[0] == "all" {
		names = Names(Low)
	}
	out := make([]Detector, 0, len(names))
	for _, name := range names {
		if slices.ContainsFunc(out, func(d Detector) bool { return d.Name() == name }) {
			continue // a name given twice is one detector
		}
		d, ok := Lookup(name)
		if !ok {
			return nil, fmt.Errorf("detect: unknown detector %q (known: %s)", name, strings.Join(Names(Low), ", "))
		}
		out = append(out, d)
	}
	return out, nil
}

// A Finder is a Detector that says where its values are, so that a Set can
// search for it: a detector of the caller's own, for a format the package
// does not know (an internal token, a customer number). Give it to
// [NewSet].
type Finder interface {
	Detector
	// Literals are the literals that begin or announce a value, matched
	// in any ASCII case: a token's prefix ("acme_"), or a key that names
	// one ("customer_no"). Each has 3 to 64 bytes.
	Literals() []string
	// Extent returns the bounds [vs, ve) of the value in line, given a
	// literal match at [start, end), or ok=false. The Set reports it when
	// Validate accepts line[vs:ve].
	Extent(line []byte, start, end int) (vs, ve int, ok bool)
}

// Bounds of a Finder's literals.
const (
	maxFinderLiteral  = 64
	maxFinderLiterals = 256
)

// finderDetector runs a caller's Finder among the built-in detectors, as
// a vendor token would: found at its literals, decided by its Validate.
type finderDetector struct{ f Finder }

func (d finderDetector) Name() string           { return d.f.Name() }
func (d finderDetector) Confidence() Confidence { return d.f.Confidence() }
func (d finderDetector) Validate(v []byte) bool { return d.f.Validate(v) }
func (d finderDetector) literals() []string     { return d.f.Literals() }
func (finderDetector) priority() int            { return 3 }

func (d finderDetector) extent(line []byte, start, end int) (int, int, bool) {
	vs, ve, ok := d.f.Extent(line, start, end)
	if !ok || vs < 0 || ve > len(line) || vs >= ve {
		return 0, 0, false
	}
	return vs, ve, d.f.Validate(line[vs:ve])
}

// NewSet compiles detectors into a Set, which is safe for concurrent use:
// built-in ones (from [Select], [Lookup] or [Detectors]) and the caller's
// own [Finder]s, in any mix. With none it compiles the high-confidence
// built-in detectors, what the egress gate applies by default. Names must
// be unique; a Detector that is neither built in nor a Finder is an error,
// since the Set could not search for it. The filters of a Set hold for a
// Finder too: only where one of its literals occurs is its Extent called.
func NewSet(ds ...Detector) (*Set, error) {
	if len(ds) == 0 {
		ds, _ = Select()
	}
	var dets []detector
	seen := map[string]bool{}
	nlit := 0
	for _, d := range ds {
		if d == nil || d.Name() == "" {
			return nil, fmt.Errorf("detect: a detector has no name")
		}
		if seen[d.Name()] {
			return nil, fmt.Errorf("detect: two detectors are named %q", d.Name())
		}
		seen[d.Name()] = true
		if sp, ok := d.(*spec); ok && slices.Contains(registry, sp) {
			dets = append(dets, sp)
			continue
		}
		if _, ok := Lookup(d.Name()); ok {
			return nil, fmt.Errorf("detect: %q is the name of a built-in detector", d.Name())
		}
		f, ok := d.(Finder)
		if !ok {
			return nil, fmt.Errorf("detect: detector %q is not built in and has no Literals and Extent (see Finder)", d.Name())
		}
		lits := f.Literals()
		if len(lits) == 0 {
			return nil, fmt.Errorf("detect: detector %q has no literals", d.Name())
		}
		for _, l := range lits {
			if len(l) < 3 || len(l) > maxFinderLiteral {
				return nil, fmt.Errorf("detect: detector %q: literal %q is not 3 to %d bytes", d.Name(), l, maxFinderLiteral)
			}
		}
		if nlit += len(lits); nlit > maxFinderLiterals {
			return nil, fmt.Errorf("detect: more than %d literals of the caller's detectors", maxFinderLiterals)
		}
		dets = append(dets, finderDetector{f})
	}
	return compileSet(dets), nil
}

// compileSet builds the Set of dets, each once.
func compileSet(dets []detector) *Set {
	s := &Set{email: -1, iban: -1, plus: -1, pem: -1, ipv4: -1, nie: -1}
	var pats []string
	for _, d := range dets {
		if slices.ContainsFunc(s.dets, func(o detector) bool { return o.Name() == d.Name() }) {
			continue
		}
		idx := len(s.dets)
		s.dets = append(s.dets, d)
		for _, lit := range d.literals() {
			pi := slices.Index(pats, strings.ToLower(lit))
			if pi < 0 {
				pi = len(pats)
				pats = append(pats, strings.ToLower(lit))
				s.byPat = append(s.byPat, nil)
			}
			s.byPat[pi] = append(s.byPat[pi], idx)
		}
		switch ruleOf(d).(type) {
		case emailDetector:
			s.email = idx
		case cardDetector:
			s.digits = append(s.digits, idx)
			s.runs |= bitRange(12, 20) // bare 12–19 digits (20: too long, cut by the span)
			s.sepRuns |= bitRange(4, 4) | bitRange(12, 20)
		case ssnDetector:
			s.digits = append(s.digits, idx)
			s.runs |= bitRange(9, 9)
			s.sepRuns |= bitRange(3, 3) | bitRange(9, 9)
		case dniDetector:
			s.digits = append(s.digits, idx)
			s.nie = idx
			s.runs |= bitRange(8, 8)
			s.sepRuns |= bitRange(8, 8)
		case ninoDetector, codiceFiscaleDetector:
			s.upper = append(s.upper, idx)
		case ipv4Detector:
			s.digits = append(s.digits, idx)
			s.ipv4 = idx
			s.sepRuns |= bitRange(1, 3)
		case phoneDetector:
			s.digits = append(s.digits, idx)
			s.plus = idx
			s.runs |= bitRange(7, 15)
			s.sepRuns |= bitRange(1, 15)
		case ibanDetector:
			s.iban = idx
			s.upper = append(s.upper, idx)
		case macDetector, ipv6Detector:
			s.hexSep = append(s.hexSep, idx)
		case privateKeyDetector:
			s.pem = idx
		}
	}
	s.ac = compile(pats)
	s.buildHot()
	return s
}

// bitRange returns the bits lo to hi, inclusive.
func bitRange(lo, hi int) uint32 { return (1<<(hi+1) - 1) &^ (1<<lo - 1) }

// Detectors returns the detectors of the set.
func (s *Set) Detectors() []Detector {
	out := make([]Detector, len(s.dets))
	for i, d := range s.dets {
		out[i] = d
		if f, ok := d.(finderDetector); ok {
			out[i] = f.f
		}
	}
	return out
}

// Check reports the first finding in one line, for callers that must decide
// per line, such as the egress gate. Line is 1, Col and Offset count from the
// line's start. It does not allocate when the line is clean.
func (s *Set) Check(line []byte) (Finding, bool) {
	var buf [8]match
	ms := s.find(line, buf[:0])
	if len(ms) == 0 {
		return Finding{}, false
	}
	return s.finding(ms[0], 1, 0), true
}

// Find appends every finding in one line to dst, in order of position. Line
// is 1, Col and Offset count from the line's start.
func (s *Set) Find(line []byte, dst []Finding) []Finding {
	var buf [8]match
	for _, m := range s.find(line, buf[:0]) {
		dst = append(dst, s.finding(m, 1, 0))
	}
	return dst
}

func (s *Set) finding(m match, line int, base int64) Finding {
	d := s.dets[m.det]
	return Finding{
		Detector:   d.Name(),
		Line:       line,
		Col:        m.start + 1,
		Offset:     base + int64(m.start),
		Len:        m.end - m.start,
		Confidence: d.Confidence(),
	}
}

// A match is a validated value in a line: [start, end) and its detector.
type match struct {
	start, end int
	det        int
}
