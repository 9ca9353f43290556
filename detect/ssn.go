package detect

// ssnDetector finds US Social Security numbers written AAA-GG-SSSS (or with
// spaces), under the Social Security Administration's rules: area not 000,
// 666 or 900–999, group not 00, serial not 0000, and not one of the numbers
// known to be published samples. Nine bare digits are reported only after a
// word naming them (ssn, social security): logs are full of nine-digit
// identifiers.
type ssnDetector struct{}

func (ssnDetector) Name() string           { return "ssn" }
func (ssnDetector) Confidence() Confidence { return High }
func (ssnDetector) literals() []string     { return nil }
func (ssnDetector) priority() int          { return 1 }

var ssnWords = []string{"ssn", "ssns", "social"}

func (ssnDetector) extent(line []byte, start, _ int) (int, int, bool) {
	if start+9 <= len(line) && isDigit(line[start+3]) {
		e := start + 9
		if !boundaryBefore(line, start) || !boundaryAfter(line, e) || !wordBefore(line, start, 40, ssnWords) {
			return 0, 0, false
		}
		return start, e, true
	}
	e := start + 11
	if e > len(line) || !boundaryBefore(line, start) || !boundaryAfter(line, e) {
		return 0, 0, false
	}
	// "123-45-6789-…" is part of a longer identifier, not an SSN.
	if e+1 < len(line) && (line[e] == '-' || line[e] == '.') && isDigit(line[e+1]) {
		return 0, 0, false
	}
	return start, e, true
}

// ssnSamples are numbers printed in advertising and documentation, which
// the SSA voided: they show up in test data, not in customer records.
var ssnSamples = []string{"078051120", "219099999", "457555462", "123456789"}

// Validate checks the shape AAA-GG-SSSS (hyphens or spaces, one kind) and
// the SSA's allocation rules.
func (ssnDetector) Validate(v []byte) bool {
	if len(v) == 9 {
		v = []byte{v[0], v[1], v[2], '-', v[3], v[4], '-', v[5], v[6], v[7], v[8]}
	}
	if len(v) != 11 || v[3] != v[6] || (v[3] != '-' && v[3] != ' ') {
		return false
	}
	var d [9]byte
	n := 0
	for i, b := range v {
		if i == 3 || i == 6 {
			continue
		}
		if !isDigit(b) {
			return false
		}
		d[n] = b
		n++
	}
	area := string(d[0:3])
	if area == "000" || area == "666" || d[0] == '9' || string(d[3:5]) == "00" || string(d[5:9]) == "0000" {
		return false
	}
	for _, s := range ssnSamples {
		if string(d[:]) == s {
			return false
		}
	}
	return true
}
