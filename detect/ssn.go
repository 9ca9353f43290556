package detect

// ssnDetector finds US Social Security numbers written AAA-GG-SSSS (or with
// spaces) under the Social Security Administration's rules (area not 000,
// 666 or 900–999, group not 00, serial not 0000, not a number known to be a
// published sample), and IRS individual taxpayer numbers (ITINs: area
// 9xx, group 50–65, 70–88, 90–92 or 94–99), which are as personal. After a
// word naming them (ssn, social security) nine digits are reported bare
// too, and in any allocation: a value under an "ssn" key is one, whatever
// the generator or clerk that made it thought of the SSA's rules.
type ssnDetector struct{}

var ssnWords = []string{"ssn", "ssns", "social", "itin", "tin"}

func (d ssnDetector) extent(line []byte, start, _ int) (int, int, bool) {
	e := start + 11
	if start+9 <= len(line) && isDigit(line[start+3]) {
		e = start + 9
	}
	if e > len(line) || !boundaryBefore(line, start) || !boundaryAfter(line, e) {
		return 0, 0, false
	}
	// "123-45-6789-…" is part of a longer identifier, not an SSN.
	if e+1 < len(line) && (line[e] == '-' || line[e] == '.') && isDigit(line[e+1]) {
		return 0, 0, false
	}
	if wordBefore(line, start, 40, ssnWords) {
		return start, e, true
	}
	return start, e, e == start+11 && ssnAllocated(line[start:e])
}

// ssnSamples are numbers printed in advertising and documentation, which
// the SSA voided: they show up in test data, not in customer records.
var ssnSamples = []string{"078051120", "219099999", "457555462", "123456789"}

// ssnDigits returns the nine digits of v, written AAA-GG-SSSS, AAA GG SSSS
// or bare, and reports whether v has one of those shapes.
func ssnDigits(v []byte) ([9]byte, bool) {
	var d [9]byte
	switch len(v) {
	case 9:
	case 11:
		if v[3] != v[6] || (v[3] != '-' && v[3] != ' ') {
			return d, false
		}
		v = []byte{v[0], v[1], v[2], v[4], v[5], v[7], v[8], v[9], v[10]}
	default:
		return d, false
	}
	for i, b := range v {
		if !isDigit(b) {
			return d, false
		}
		d[i] = b
	}
	return d, true
}

// Validate checks the shape and that no part is all zeros, and that the
// number is not a published sample.
func (ssnDetector) Validate(v []byte) bool {
	d, ok := ssnDigits(v)
	if !ok || string(d[0:3]) == "000" || string(d[3:5]) == "00" || string(d[5:9]) == "0000" {
		return false
	}
	for _, s := range ssnSamples {
		if string(d[:]) == s {
			return false
		}
	}
	return true
}

// ssnAllocated applies the SSA's and IRS's allocation rules.
func ssnAllocated(v []byte) bool {
	d, ok := ssnDigits(v)
	if !ok {
		return false
	}
	if string(d[0:3]) == "666" {
		return false
	}
	if d[0] == '9' {
		g := int(d[3]-'0')*10 + int(d[4]-'0')
		return g >= 50 && g <= 65 || g >= 70 && g <= 88 || g >= 90 && g <= 92 || g >= 94
	}
	return true
}
