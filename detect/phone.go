package detect

import (
	"github.com/nyaruka/phonenumbers"
)

// phoneDetector finds telephone numbers and checks them against the
// numbering plans of libphonenumber's metadata (github.com/nyaruka/
// phonenumbers, a Go port of Google's library, kept in step with it): a
// number must be valid for its country (length and ranges of the national
// plan), not merely digit-shaped.
//
// Candidates are international numbers (+ or 00 and the country code,
// with spaces, hyphens, dots, parentheses or a "(0)" between groups) and
// national numbers (0141 496 0835, (0141)4960835, 415-555-2671, (415)
// 555-2671). A national number, which holds no country code, is reported
// only after a word naming a phone (phone, tel, mobile, cell, fax, sms,
// whatsapp, call, and their German, French, Spanish, Italian and Dutch
// forms) and when valid in one of the countries of regionsTried; so is an
// international number written without any separator (+16777216 is a
// counter as often as a number). Logs hold many numbers of a phone's shape
// for other reasons, so its confidence is low and it is not in the default
// set (see docs/detection.md for the figures).
type phoneDetector struct{}

// regionsTried are the countries a national number is parsed for.
var regionsTried = []string{"US", "GB", "DE", "FR", "IT", "ES", "NL", "JP"}

var phoneWords = []string{"phone", "phones", "tel", "telephone", "mobile", "cell", "fax", "sms", "whatsapp", "call", "contact",
	"telefon", "handy", "telefono", "teléfono", "telefoon", "téléphone", "portable", "cellulare", "movil", "mobiel"}

func (d phoneDetector) extent(line []byte, start, _ int) (int, int, bool) {
	if !boundaryBefore(line, start) || start > 0 && (line[start-1] == '.' || line[start-1] == '-' || line[start-1] == '+') {
		return 0, 0, false
	}
	n, seps := phoneLen(line[start:])
	if n == 0 {
		return 0, 0, false
	}
	e := start + n
	if !boundaryAfter(line, e) || e+1 < len(line) && (line[e] == '.' || line[e] == '-' || line[e] == ',') && isDigit(line[e+1]) {
		return 0, 0, false
	}
	intl := line[start] == '+' || line[start] == '0' && start+1 < len(line) && line[start+1] == '0'
	if (!intl || seps == 0) && !wordBefore(line, start, 40, phoneWords) {
		return 0, 0, false
	}
	return start, e, true
}

// phoneLen returns the length of a phone-shaped run at the start of b
// (a '+', '(' or digit, then 7 to 15 digits with single separators,
// parentheses and "(0)", and an extension x123), and how many separators
// it holds; or 0.
func phoneLen(b []byte) (n, seps int) {
	i, digits, last, open := 0, 0, 0, false
	if len(b) > 0 && b[0] == '+' {
		i = 1
	}
	for ; i < len(b); i++ {
		c := b[i]
		switch {
		case isDigit(c):
			digits++
			last = i + 1
			if digits > 15 {
				return 0, 0
			}
			continue
		case c == '(' && !open && i+1 < len(b) && isDigit(b[i+1]):
			open = true
			seps++
			continue
		case c == ')' && open && i > 0 && isDigit(b[i-1]):
			open = false
			continue
		case (c == ' ' || c == '-' || c == '.') && i > 0 && (isDigit(b[i-1]) || b[i-1] == ')') && i+1 < len(b) && (isDigit(b[i+1]) || b[i+1] == '('):
			seps++
			continue
		}
		break
	}
	if open || digits < 7 {
		return 0, 0
	}
	// An extension: x123.
	if last+1 < len(b) && last == i && b[last] == 'x' && isDigit(b[last+1]) {
		last = span(b, last+1, 6, isDigit)
	}
	return last, seps
}

// Validate reports whether v is one phone number valid in its numbering
// plan: an international one for its country code, a national one in
// one of regionsTried.
func (phoneDetector) Validate(v []byte) bool {
	if n, _ := phoneLen(v); n == 0 || n != len(v) || len(v) > 32 {
		return false
	}
	s := string(v)
	if v[0] == '+' || len(v) > 1 && v[0] == '0' && v[1] == '0' {
		num, err := phonenumbers.Parse(s, "ZZ")
		if err != nil && v[0] == '0' {
			num, err = phonenumbers.Parse("+"+s[2:], "ZZ")
		}
		return err == nil && phonenumbers.IsValidNumber(num)
	}
	for _, r := range regionsTried {
		if num, err := phonenumbers.Parse(s, r); err == nil && phonenumbers.IsValidNumberForRegion(num, r) {
			return true
		}
	}
	return false
}
