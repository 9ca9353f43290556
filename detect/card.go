package detect

import "strings"

// cardDetector finds payment card numbers (PANs): 13 to 19 digits, written
// together or in groups separated by single spaces or hyphens, from a known
// issuer range and with a valid Luhn check digit (ISO/IEC 7812-1).
//
// A bare run of 17 to 19 digits is not reported: in ML logs it is nearly
// always a 64-bit identifier (a random int64 has 19 digits, and one in a
// hundred or so passes both the issuer and Luhn checks — on the bench corpus
// that was 157 false positives in 8 MiB). PANs of those lengths are found
// when written in groups, as cards print them.
type cardDetector struct{}

func (cardDetector) Name() string           { return "card" }
func (cardDetector) Confidence() Confidence { return High }
func (cardDetector) literals() []string     { return nil }
func (cardDetector) priority() int          { return 1 }

// extent reads digit groups from start. When the groups hold more than 19
// digits (a card followed by another number), trailing groups are dropped
// until a valid length remains; Validate decides among them.
func (d cardDetector) extent(line []byte, start, _ int) (int, int, bool) {
	if !boundaryBefore(line, start) {
		return 0, 0, false
	}
	var ends [20]int // end of each group
	groups, digits := 0, 0
	var sep byte
	i := start
	for groups < len(ends) {
		j := span(line, i, 19, isDigit)
		if j == i {
			break
		}
		digits += j - i
		ends[groups] = j
		groups++
		if digits > 19+4 || j+1 >= len(line) || !isDigit(line[j+1]) {
			break
		}
		if c := line[j]; (c == ' ' || c == '-') && (sep == 0 || sep == c) {
			sep = c
			i = j + 1
			continue
		}
		break
	}
	for g := groups; g > 0; g-- {
		if e := ends[g-1]; cardEnd(line, e) && d.Validate(line[start:e]) {
			if g == 1 && idKey(line, start) {
				return 0, 0, false
			}
			return start, e, true
		}
	}
	return 0, 0, false
}

// idKeySuffixes end the keys whose numeric values are identifiers, hashes or
// counters, not cards: request_id=, trace_id=, seed=, sha=, offset=.
var idKeySuffixes = []string{"id", "ids", "hash", "sha", "seed", "nonce", "uuid", "ts", "time", "timestamp", "offset", "step", "steps", "count", "bytes", "size"}

// idKey reports whether the bare number at start is the value of a key
// named like an identifier (key=…, key: …, "key": "…"). A hex request id
// that happens to hold only digits passes the issuer and Luhn checks one
// time in a few hundred; written in groups, a card is still found.
func idKey(line []byte, start int) bool { return keyEndsWith(line, start, idKeySuffixes) }

// keyEndsWith reports whether the value at start follows a key (key=…,
// key: …, "key": "…") whose name, in lower case, ends with one of suffixes.
func keyEndsWith(line []byte, start int, suffixes []string) bool {
	i := start
	skip := func(set string) {
		for i > 0 && strings.IndexByte(set, line[i-1]) >= 0 {
			i--
		}
	}
	skip(`"' `)
	if i == 0 || (line[i-1] != '=' && line[i-1] != ':') {
		return false
	}
	i--
	skip(`"' `)
	e := i
	for i > 0 && e-i < 64 && (isAlnum(line[i-1]) || line[i-1] == '_' || line[i-1] == '-' || line[i-1] == '.') {
		i--
	}
	key := strings.ToLower(string(line[i:e]))
	for _, s := range suffixes {
		if strings.HasSuffix(key, s) {
			return true
		}
	}
	return false
}

// cardEnd reports whether a number may end at i: not inside a word and not
// followed by a decimal fraction.
func cardEnd(line []byte, i int) bool {
	if !boundaryAfter(line, i) {
		return false
	}
	return !(i+1 < len(line) && line[i] == '.' && isDigit(line[i+1]))
}

// Validate checks length, issuer range and the Luhn sum of v, whose
// separators (spaces or hyphens, one kind) are ignored.
func (cardDetector) Validate(v []byte) bool {
	var pan [19]byte
	n := 0
	var sep byte
	for i, b := range v {
		switch {
		case isDigit(b):
			if n == len(pan) {
				return false
			}
			pan[n] = b - '0'
			n++
		case (b == ' ' || b == '-') && i > 0 && i+1 < len(v) && isDigit(v[i-1]) && (sep == 0 || sep == b):
			sep = b
		default:
			return false
		}
	}
	if n < 13 || (sep == 0 && n > 16) || !issuerLength(pan[:n]) {
		return false
	}
	return luhn(pan[:n])
}

// luhn reports whether digits pass the Luhn mod 10 check.
func luhn(digits []byte) bool {
	sum := 0
	double := false
	for i := len(digits) - 1; i >= 0; i-- {
		d := int(digits[i])
		if double {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
		double = !double
	}
	return sum%10 == 0
}

// issuerLength reports whether the number's prefix belongs to a major
// network's issuer range and its length is one that network issues.
func issuerLength(p []byte) bool {
	n := len(p)
	prefix := func(k int) int {
		v := 0
		for i := 0; i < k; i++ {
			v = v*10 + int(p[i])
		}
		return v
	}
	p2, p3, p4, p6 := prefix(2), prefix(3), prefix(4), prefix(6)
	switch {
	case p[0] == 4: // Visa
		return n == 13 || n == 16 || n == 19
	case p2 >= 51 && p2 <= 55, p4 >= 2221 && p4 <= 2720: // Mastercard
		return n == 16
	case p2 == 34 || p2 == 37: // American Express
		return n == 15
	case p4 == 6011, p2 == 65, p3 >= 644 && p3 <= 649, p6 >= 622126 && p6 <= 622925: // Discover
		return n >= 16 && n <= 19
	case p2 == 62: // UnionPay
		return n >= 16 && n <= 19
	case p4 >= 3528 && p4 <= 3589: // JCB
		return n >= 16 && n <= 19
	case p3 >= 300 && p3 <= 305, p2 == 36, p2 == 38, p2 == 39: // Diners Club
		return n >= 14 && n <= 19
	case p4 == 5018, p4 == 5020, p4 == 5038, p4 == 5893, p4 == 6304, p4 == 6759, p4 >= 6761 && p4 <= 6763: // Maestro
		return n >= 13 && n <= 19
	}
	return false
}
