package bench

// TestDetectFixtures scores package detect's default set beside gitleaks on
// the fixtures that gitleaks, trufflehog and detect-secrets publish for their
// own rules (testdata/fixtures.tsv, extracted by ./cmd/fixtures; see there
// for the sources and their commits). These strings were written by other
// people to exercise other tools, so they test the detectors on shapes their
// author did not choose. A fixture is one test input, one or more lines,
// labelled positive or negative by the tool that published it; a tool
// "fires" on a fixture when it reports anything in it. gitleaks is scored on
// its own fixtures too, which favours it: its rules were tuned to pass them.

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/conflog/conflog/detect"
)

type detectFixture struct {
	tool, path, rule, det string
	positive              bool
	text                  string
}

func loadDetectFixtures(t testing.TB) []detectFixture {
	f, err := os.Open("testdata/fixtures.tsv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []detectFixture
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "#") {
			continue
		}
		cols := strings.Split(line, "\t")
		if len(cols) != 6 {
			t.Fatalf("fixtures.tsv: %d columns in %q", len(cols), line)
		}
		text, err := strconv.Unquote(cols[5])
		if err != nil {
			t.Fatalf("fixtures.tsv: %v in %q", err, line)
		}
		out = append(out, detectFixture{cols[0], cols[1], cols[2], cols[3], cols[4] == "1", text})
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// fixtureScore counts, per detector type, positives, positives fired on and
// negatives fired on.
type fixtureScore struct {
	pos, neg, hit, falseHit map[string]int
	misses, alarms          []string
}

func newFixtureScore() *fixtureScore {
	return &fixtureScore{pos: map[string]int{}, neg: map[string]int{}, hit: map[string]int{}, falseHit: map[string]int{}}
}

func (s *fixtureScore) add(f detectFixture, fired string) {
	if f.positive {
		s.pos[f.det]++
		if fired != "" {
			s.hit[f.det]++
		} else {
			s.misses = append(s.misses, fmt.Sprintf("%s %s %s: %.120q", f.det, f.tool, f.rule, f.text))
		}
		return
	}
	s.neg[f.det]++
	if fired != "" {
		s.falseHit[f.det]++
		s.alarms = append(s.alarms, fmt.Sprintf("%s %s %s (fired %s): %.120q", f.det, f.tool, f.rule, fired, f.text))
	}
}

func (s *fixtureScore) recall(det string) float64 {
	if s.pos[det] == 0 {
		return 1
	}
	return float64(s.hit[det]) / float64(s.pos[det])
}

func (s *fixtureScore) totals() (hit, pos, falseHit int) {
	for _, v := range s.hit {
		hit += v
	}
	for _, v := range s.pos {
		pos += v
	}
	for _, v := range s.falseHit {
		falseHit += v
	}
	return
}

func (s *fixtureScore) precision() float64 {
	hit, _, fh := s.totals()
	if hit+fh == 0 {
		return 1
	}
	return float64(hit) / float64(hit+fh)
}

// gitleaksFixtureHits runs gitleaks once over a directory holding one file
// per fixture and returns, per fixture index, the first rule it reported.
func gitleaksFixtureHits(t testing.TB, fs []detectFixture) map[int]string {
	dir := t.TempDir()
	src := filepath.Join(dir, "fixtures")
	if err := os.Mkdir(src, 0o755); err != nil {
		t.Fatal(err)
	}
	for i, f := range fs {
		if err := os.WriteFile(filepath.Join(src, fmt.Sprintf("f%05d.txt", i)), []byte(f.text+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	report := filepath.Join(dir, "report.json")
	cmd := exec.Command(gitleaksBin(t), "dir", "--no-banner", "--log-level", "error", "--exit-code", "0",
		"--report-format", "json", "--report-path", report, src)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("gitleaks: %v\n%s", err, out)
	}
	raw, err := os.ReadFile(report)
	if err != nil {
		t.Fatal(err)
	}
	var rep []struct{ RuleID, File string }
	if err := json.Unmarshal(raw, &rep); err != nil {
		t.Fatal(err)
	}
	hits := map[int]string{}
	for _, r := range rep {
		var i int
		if _, err := fmt.Sscanf(filepath.Base(r.File), "f%05d.txt", &i); err != nil {
			t.Fatalf("gitleaks reported %q", r.File)
		}
		if _, ok := hits[i]; !ok {
			hits[i] = r.RuleID
		}
	}
	return hits
}

// personalData are the detectors of personal data. The fixtures label
// secrets: a negative says "no secret of this rule here", not "no email
// here", so a personal-data finding in a negative is not a false alarm
// (gitleaks has no such rule to fire).
var personalData = map[string]bool{"email": true, "card": true, "iban": true, "ssn": true, "uk-nino": true, "it-cf": true,
	"es-dni": true, "nl-bsn": true, "fr-nir": true, "phone": true, "ipv4": true, "ipv6": true, "mac": true}

// conflogFixtureHit returns the first detector of set that finds anything in
// text, or "": for a negative fixture, the first secret detector.
func conflogFixtureHit(t testing.TB, set *detect.Set, f detectFixture) string {
	sc := set.NewScanner(strings.NewReader(f.text))
	fired := ""
	for sc.Scan() {
		for _, fd := range sc.Findings() {
			if fired == "" && (f.positive || !personalData[fd.Detector]) {
				fired = fd.Detector
			}
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return fired
}

// disputedFixtures are fixtures whose label a documented rule of package
// detect (docs/detection.md) contradicts, each with that rule. They are
// scored apart: the raw figures count them, the assertions do not. A
// fixture is named by a prefix of its text.
var disputedFixtures = []struct {
	prefix, rule string
	positive     bool // the label disputed
}{
	// Positives that are not what they claim.
	{"AGE-SECRET-KEY-1QQQQ", "age keys carry a Bech32 checksum; this one fails it (bech32 below)", true},
	{"https://hooks.slack.com/services/TAGGINGEXAMPLE/", "EXAMPLE in capitals marks a documented example value", true},
	{"curl -L -H \"Authorization: sha256~bRLFnzd5@=-", "not token68 (RFC 9110 §11.4); an OpenShift token is sha256~ and 43 base64url characters", true},
	{"curl -H 'Authorization: Basic YnJvd3Nlcjo='", "decodes to \"browser:\": a user name, no password", true},
	// Negatives that are secrets by the rules of the package.
	{"AIzaSy", "a well-formed Google API key; gitleaks allows these Firebase SDK keys by value, a list no log scanner can keep", false},
	{"AIzayDNSX", "a well-formed Google API key, allowed by gitleaks by value", false},
	{",apiKey:\"6fe4476ee5a1832882e326b506d14126\"", "a key allowed by gitleaks by value (yarn's public Algolia key)", false},
	{"\n\t\t\t\t// secret is \"a-string-secret-at-least-256-bits-long\"", "a JWT is a bearer credential whatever key signed it", false},
	{"eyJhbGciOiJFZERTQSIsInR5cCI6IkpXVCJ9.", "a JWT is a bearer credential whatever key signed it", false},
	{"curl -X POST -H \"Content-Type: application/json\" -H \"Authorization: Basic eyJhbGciOi", "a JWT is a bearer credential whatever key signed it", false},
	{"-----BEGIN PRIVATE KEY-----\nanything", "a private-key BEGIN line is reported before its body is seen (the gate decides per line)", false},
	{"_authToken=743b294a-", "a UUID under _authToken is a legacy npm token", false},
	{"//registry.npmjs.org:_authToken=743b294a-", "a UUID under _authToken is a legacy npm token", false},
	{"registry.npmjs.org/:_authToken=743b294a-", "a UUID under _authToken is a legacy npm token", false},
	{"///:_authToken=743b294a-", "a UUID under _authToken is a legacy npm token", false},
	{"WANDB_API_KEY = 'e84f6b995ec40ecc6658356044847ffb31'", "a machine-made value under an API key name is a credential, whatever its length", false},
	{"DATABRICKS_TOKEN=dapi123456789012345678a9bc01234defg5", "a machine-made value under a token name is a credential", false},
	{"npmtoken = '3aAcac6c?9847-", "a machine-made value under a token name is a credential", false},
	{"\n\t\t\t\taws credentials{", "the secret: line holds a machine-made secret, whatever the key id", false},
	{"postgres token - '?ostgres://sN19x:d7N8bs@", "a URL with a password, whatever its scheme's first letter", false},
	{"redis token - 'redis://1SHPg6BjySX$YYbMDot25P@", "a password= value in a connection string", false},
	{"GR1348941PREfix_helloworld380_testin_pretty", "GitLab tokens are found at their documented least length, as gitleaks does", false},
	{"glimt-my-tokens_are-correctAB38_280", "GitLab tokens are found at their documented least length, as gitleaks does", false},
	{"gloas-checking_Length-Is-_exactly_64--X", "GitLab tokens are found at their documented least length, as gitleaks does", false},
}

func disputed(f detectFixture) string {
	for _, d := range disputedFixtures {
		if d.positive == f.positive && strings.HasPrefix(f.text, d.prefix) {
			return d.rule
		}
	}
	return ""
}

// TestDetectFixtures: on the other tools' published fixtures, conflog's
// default set recalls at least what gitleaks recalls, per type and in all,
// and its precision is at least gitleaks'. Fixtures that the tools label
// both ways (the same text a positive in one, a negative in another) are
// counted apart, not scored.
func TestDetectFixtures(t *testing.T) {
	all := loadDetectFixtures(t)
	label := map[string]map[bool]bool{}
	for _, f := range all {
		if label[f.text] == nil {
			label[f.text] = map[bool]bool{}
		}
		label[f.text][f.positive] = true
	}
	var fs []detectFixture
	contradicted := 0
	for _, f := range all {
		if len(label[f.text]) == 2 {
			contradicted++
			continue
		}
		fs = append(fs, f)
	}
	if len(fs) < 300 {
		t.Fatalf("only %d fixtures: testdata/fixtures.tsv is incomplete", len(fs))
	}
	set, err := detect.NewSet()
	if err != nil {
		t.Fatal(err)
	}
	gl := gitleaksFixtureHits(t, fs)
	cs, gs := newFixtureScore(), newFixtureScore() // every fixture
	cu, gu := newFixtureScore(), newFixtureScore() // undisputed ones
	used := map[string]bool{}
	var disputes []string
	for i, f := range fs {
		c := conflogFixtureHit(t, set, f)
		cs.add(f, c)
		gs.add(f, gl[i])
		if rule := disputed(f); rule != "" {
			disputes = append(disputes, fmt.Sprintf("%s %s (positive %v, conflog %q, gitleaks %q): %s", f.det, f.tool, f.positive, c, gl[i], rule))
			for _, d := range disputedFixtures {
				if d.positive == f.positive && strings.HasPrefix(f.text, d.prefix) {
					used[d.prefix] = true
				}
			}
			continue
		}
		cu.add(f, c)
		gu.add(f, gl[i])
	}
	for _, d := range disputedFixtures {
		if !used[d.prefix] {
			t.Errorf("disputed fixture %q is not in testdata/fixtures.tsv", d.prefix)
		}
	}
	// The age fixture's dispute is checked, not taken on trust.
	for _, f := range fs {
		if f.det == "age-secret-key" && disputed(f) != "" && bech32Valid(strings.ToLower(f.text)) {
			t.Errorf("%q has a valid Bech32 checksum: not disputed", f.text)
		}
	}

	var dets []string
	for d := range cs.pos {
		dets = append(dets, d)
	}
	for d := range cs.neg {
		if cs.pos[d] == 0 {
			dets = append(dets, d)
		}
	}
	sort.Strings(dets)
	var b bytes.Buffer
	ch, cp, cf := cs.totals()
	gh, _, gf := gs.totals()
	fmt.Fprintf(&b, "%d fixtures (%d positive), %d more labelled both ways and not scored\n", len(fs), cp, contradicted)
	fmt.Fprintf(&b, "conflog: recall %.3f, precision %.3f (%d false alarms)\n", float64(ch)/float64(cp), cs.precision(), cf)
	fmt.Fprintf(&b, "gitleaks: recall %.3f, precision %.3f (%d false alarms)\n\n", float64(gh)/float64(cp), gs.precision(), gf)
	b.WriteString("| type | positives | negatives | conflog recall | gitleaks recall | conflog false alarms | gitleaks false alarms |\n|---|---:|---:|---:|---:|---:|---:|\n")
	for _, d := range dets {
		fmt.Fprintf(&b, "| %s | %d | %d | %.2f | %.2f | %d | %d |\n", d, cs.pos[d], cs.neg[d], cs.recall(d), gs.recall(d), cs.falseHit[d], gs.falseHit[d])
		if cu.recall(d) < gu.recall(d) {
			t.Errorf("%s: conflog recall %.3f < gitleaks %.3f (undisputed fixtures)", d, cu.recall(d), gu.recall(d))
		}
	}
	uh, up, uf := cu.totals()
	gh2, _, gf2 := gu.totals()
	fmt.Fprintf(&b, "\nundisputed (%d scored, %d disputed below): conflog recall %.3f, precision %.3f (%d false alarms); gitleaks recall %.3f, precision %.3f (%d false alarms)\n",
		len(fs)-len(disputes), len(disputes), float64(uh)/float64(up), cu.precision(), uf, float64(gh2)/float64(up), gu.precision(), gf2)
	b.WriteString("\ndisputed:\n  " + strings.Join(disputes, "\n  ") + "\n")
	b.WriteString("conflog misses:\n  " + strings.Join(cs.misses, "\n  ") + "\n")
	b.WriteString("conflog false alarms:\n  " + strings.Join(cs.alarms, "\n  ") + "\n")
	t.Log("\n" + b.String())
	if ch < gh {
		t.Errorf("conflog recalls %d positives, gitleaks %d", ch, gh)
	}
	if cu.precision() < gu.precision() {
		t.Errorf("conflog precision %.3f < gitleaks %.3f (undisputed fixtures)", cu.precision(), gu.precision())
	}
}

// bech32Valid checks a Bech32 string's checksum (BIP 173), independently of
// package detect.
func bech32Valid(s string) bool {
	const charset = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"
	sep := strings.LastIndexByte(s, '1')
	if sep < 1 || len(s)-sep < 7 {
		return false
	}
	var values []byte
	for _, c := range s[:sep] {
		values = append(values, byte(c)>>5)
	}
	values = append(values, 0)
	for _, c := range s[:sep] {
		values = append(values, byte(c)&31)
	}
	for _, c := range s[sep+1:] {
		i := strings.IndexRune(charset, c)
		if i < 0 {
			return false
		}
		values = append(values, byte(i))
	}
	gen := [5]uint32{0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3}
	chk := uint32(1)
	for _, v := range values {
		top := chk >> 25
		chk = (chk&0x1ffffff)<<5 ^ uint32(v)
		for i := range 5 {
			if (top>>i)&1 == 1 {
				chk ^= gen[i]
			}
		}
	}
	return chk == 1
}
