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

// typePrecision is the share of a type's firings that are on its
// positives (1 when the tool never fired on that type's fixtures).
func (s *fixtureScore) typePrecision(det string) float64 {
	if s.hit[det]+s.falseHit[det] == 0 {
		return 1
	}
	return float64(s.hit[det]) / float64(s.hit[det]+s.falseHit[det])
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
	"es-dni": true, "nl-bsn": true, "fr-nir": true, "phone": true, "ipv4": true, "ipv6": true, "mac": true,
	"person-name": true, "postal-address": true}

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

// A relabel corrects the published label of the fixtures of one tool that
// begin with prefix, for the reason given (testdata/fixtures-relabel.tsv).
type relabel struct {
	tool           string
	from, to       bool
	prefix, reason string
}

func loadRelabels(t testing.TB) []relabel {
	raw, err := os.ReadFile("testdata/fixtures-relabel.tsv")
	if err != nil {
		t.Fatal(err)
	}
	var out []relabel
	for _, line := range strings.Split(strings.TrimSpace(string(raw)), "\n") {
		if strings.HasPrefix(line, "#") {
			continue
		}
		cols := strings.Split(line, "\t")
		if len(cols) != 5 || cols[1] == cols[2] || strings.TrimSpace(cols[4]) == "" {
			t.Fatalf("fixtures-relabel.tsv: want tool, two different labels, prefix and a reason in %q", line)
		}
		prefix, err := strconv.Unquote(cols[3])
		if err != nil {
			t.Fatalf("fixtures-relabel.tsv: %v in %q", err, line)
		}
		out = append(out, relabel{cols[0], cols[1] == "1", cols[2] == "1", prefix, cols[4]})
	}
	return out
}

// TestDetectFixtures: on the other tools' published fixtures, conflog's
// default set recalls at least what gitleaks recalls, per type and in all,
// with precision at least 0.99, both under the corrected labels. Fixtures
// that the tools label both ways (the same text a positive in one, a
// negative in another) are counted apart, not scored.
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
	rels := loadRelabels(t)
	gl := gitleaksFixtureHits(t, fs)
	cs, gs := newFixtureScore(), newFixtureScore() // published labels
	cc, gc := newFixtureScore(), newFixtureScore() // corrected labels
	used := make([]int, len(rels))
	var changes []string
	for i, f := range fs {
		c := conflogFixtureHit(t, set, f)
		cs.add(f, c)
		gs.add(f, gl[i])
		for j, r := range rels {
			if r.tool == f.tool && r.from == f.positive && strings.HasPrefix(f.text, r.prefix) {
				used[j]++
				f.positive = r.to
				changes = append(changes, fmt.Sprintf("%s %s %v→%v (conflog %q, gitleaks %q): %s", f.det, f.tool, r.from, r.to, c, gl[i], r.reason))
				c = conflogFixtureHit(t, set, f) // personal data counts in a positive only
				break
			}
		}
		cc.add(f, c)
		gc.add(f, gl[i])
		// The age fixture's correction is checked, not taken on trust.
		if f.det == "age-secret-key" && !f.positive && bech32Valid(strings.ToLower(f.text)) {
			t.Errorf("%q has a valid Bech32 checksum: not a false positive", f.text)
		}
	}
	for j, r := range rels {
		if used[j] != 1 {
			t.Errorf("fixtures-relabel.tsv: %s %q matches %d fixtures, want 1", r.tool, r.prefix, used[j])
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
	fmt.Fprintf(&b, "%d fixtures, %d more labelled both ways and not scored\n", len(fs), contradicted)
	fmt.Fprintf(&b, "published labels (%d positive): conflog recall %.3f, precision %.3f (%d false alarms); gitleaks recall %.3f, precision %.3f (%d false alarms)\n",
		cp, float64(ch)/float64(cp), cs.precision(), cf, float64(gh)/float64(cp), gs.precision(), gf)
	ch, cp, cf = cc.totals()
	gh, _, gf = gc.totals()
	fmt.Fprintf(&b, "corrected labels (%d positive, %d corrected): conflog recall %.3f, precision %.3f (%d false alarms); gitleaks recall %.3f, precision %.3f (%d false alarms)\n\n",
		cp, len(changes), float64(ch)/float64(cp), cc.precision(), cf, float64(gh)/float64(cp), gc.precision(), gf)
	b.WriteString("corrected labels:\n\n| type | positives | negatives | conflog recall | gitleaks recall | conflog precision | gitleaks precision | conflog false alarms | gitleaks false alarms |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|\n")
	dets = dets[:0]
	for d := range cc.pos {
		dets = append(dets, d)
	}
	for d := range cc.neg {
		if cc.pos[d] == 0 {
			dets = append(dets, d)
		}
	}
	sort.Strings(dets)
	for _, d := range dets {
		fmt.Fprintf(&b, "| %s | %d | %d | %.2f | %.2f | %.2f | %.2f | %d | %d |\n", d, cc.pos[d], cc.neg[d], cc.recall(d), gc.recall(d),
			cc.typePrecision(d), gc.typePrecision(d), cc.falseHit[d], gc.falseHit[d])
		if cc.recall(d) < gc.recall(d) {
			t.Errorf("%s: conflog recall %.3f < gitleaks %.3f", d, cc.recall(d), gc.recall(d))
		}
	}
	b.WriteString("\ncorrected:\n  " + strings.Join(changes, "\n  ") + "\n")
	b.WriteString("conflog misses (corrected labels):\n  " + strings.Join(cc.misses, "\n  ") + "\n")
	b.WriteString("conflog false alarms (corrected labels):\n  " + strings.Join(cc.alarms, "\n  ") + "\n")
	b.WriteString("conflog false alarms (published labels):\n  " + strings.Join(cs.alarms, "\n  ") + "\n")
	t.Log("\n" + b.String())
	if ch < gh {
		t.Errorf("conflog recalls %d positives, gitleaks %d", ch, gh)
	}
	if p := cc.precision(); p < 0.99 {
		t.Errorf("conflog precision %.3f < 0.99 (corrected labels)", p)
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
