package detect

import (
	"bytes"
	"unicode/utf8"
)

// cardDetector finds payment card numbers (PANs): 12 to 19 digits from an
// issuer's range with a valid Luhn check digit (ISO/IEC 7812-1), written
//   - in groups (4-4-4-4, 4-6-5, 4-4-4-4-3) separated by one kind of
//     separator: a space, a hyphen, a dot, or an invisible character (a
//     zero-width space or joiner, a word joiner, a BOM, a soft hyphen): the
//     grouping is how cards are printed, and is context enough; or
//   - bare, when the words before it on the line name a card: card, cc,
//     pan, payment, credit, debit, visa, mastercard, amex… (as words or
//     parts of a key: card_number=, ccNum:, "payment_pan": …).
//
// A bare number with no such word is not a card, however Luhn-valid: a
// tenth of random numbers pass Luhn, and ML logs are full of 12–19 digit
// counters, seeds and ids (num_tokens=6011820449486005, rng=…, sample_idx).
type cardDetector struct{}

// sepLen returns the length of a digit-group separator at line[j], or 0.
func sepLen(line []byte, j int) int {
	if j >= len(line) {
		return 0
	}
	switch b := line[j]; {
	case b == ' ' || b == '-' || b == '.':
		return 1
	case b >= 0xC2:
		if r, n := utf8.DecodeRune(line[j:]); invisible(r) {
			return n
		}
	}
	return 0
}

// extent reads digit groups from start. When the groups hold more than 19
// digits (a card followed by another number), trailing groups are dropped
// until a valid length remains; Validate decides among them.
func (d cardDetector) extent(line []byte, start, _ int) (int, int, bool) {
	if !boundaryBefore(line, start) {
		return 0, 0, false
	}
	var ends [20]int // end of each group
	groups, digits := 0, 0
	var sep []byte
	i := start
	for groups < len(ends) {
		j := span(line, i, 19, isDigit)
		if j == i {
			break
		}
		digits += j - i
		ends[groups] = j
		groups++
		n := sepLen(line, j)
		if digits > 19+4 || n == 0 || j+n >= len(line) || !isDigit(line[j+n]) {
			break
		}
		if sep == nil || string(sep) == string(line[j:j+n]) {
			sep = line[j : j+n]
			i = j + n
			continue
		}
		break
	}
	// A number inside a longer identifier (the groups of a UUID, a
	// dotted version) is not a card.
	if start >= 2 && (line[start-1] == '-' || line[start-1] == '.') && isAlnum(line[start-2]) {
		return 0, 0, false
	}
	for g := groups; g > 0; g-- {
		e := ends[g-1]
		if n := len(sep); n == 1 && sep[0] != ' ' && e+1 < len(line) && line[e] == sep[0] && isAlnum(line[e+1]) {
			continue
		}
		if cardEnd(line, e) && d.Validate(line[start:e]) {
			if !cardGrouping(ends[:g], start, len(sep)) && !cardContext(line, start) {
				return 0, 0, false
			}
			return start, e, true
		}
	}
	return 0, 0, false
}

// cardGrouping reports whether digit groups ending at ends, from start,
// are grouped as cards are printed: fours with a shorter last group
// (4-4-4-4, 4-4-4-4-3, 4-4-4-1), or American Express's and Diners Club's
// 4-6-5 and 4-6-4.
func cardGrouping(ends []int, start, sep int) bool {
	if len(ends) < 3 {
		return false
	}
	var lens [20]int
	prev := start
	for i, e := range ends {
		lens[i] = e - prev
		prev = e + sep
	}
	n := len(ends)
	if n == 3 && lens[0] == 4 && lens[1] == 6 && (lens[2] == 5 || lens[2] == 4) {
		return true
	}
	for i := range n - 1 {
		if lens[i] != 4 {
			return false
		}
	}
	return lens[n-1] >= 1 && lens[n-1] <= 4
}

// cardWords name a card in the words before a bare number.
var cardWords = []string{"card", "cards", "cardnumber", "cardnum", "cardno", "creditcard", "debitcard", "cc", "ccn", "ccnum",
	"ccnumber", "pan", "payment", "payments", "credit", "debit", "visa", "mastercard", "amex", "maestro", "discover",
	"jcb", "diners", "unionpay", "mir", "elo", "hipercard"}

// cardContext reports whether a word of cardWords stands in the 48 bytes
// before start on the line. Words are runs of letters, split at anything
// else and at a lower-to-upper change (ccNum, cardNumber).
func cardContext(line []byte, start int) bool {
	return wordBefore(line, start, 48, cardWords)
}

// wordBefore reports whether one of words (lower case) is a word of the
// window bytes before start. Words are runs of ASCII letters between bytes
// that are neither letters nor digits, split where a lower-case letter
// meets an upper-case one (ccNum, cardNumber); a run of letters touching a
// digit is part of an identifier or a hash ("7fc56cc13651"), not a word.
func wordBefore(line []byte, start, window int, words []string) bool {
	lo := max(0, start-window)
	for lo > 0 && lo < start && isAlnum(line[lo-1]) {
		lo++ // not from the middle of a word
	}
	for i := lo; i < start; {
		if !isAlnum(line[i]) {
			i++
			continue
		}
		j := i
		for j < start && isAlnum(line[j]) {
			j++
		}
		run := line[i:j]
		i = j
		if bytes.ContainsFunc(run, func(r rune) bool { return r < 0x80 && isDigit(byte(r)) }) {
			continue
		}
		for k := 0; k < len(run); {
			m := k + 1
			for m < len(run) && !(isUpper(run[m]) && isLower(run[m-1])) {
				m++
			}
			if m-k <= 24 {
				for _, w := range words {
					if len(w) == m-k && foldEq(run[k:m], w) {
						return true
					}
				}
			}
			k = m
		}
	}
	return false
}

func isLetter(b byte) bool { return isUpper(b) || isLower(b) }

// foldEq reports whether b, ASCII case folded, equals the lower-case w.
func foldEq(b []byte, w string) bool {
	for k := range b {
		if b[k]|0x20 != w[k] {
			return false
		}
	}
	return true
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
// separators (one kind, between digits) are ignored.
func (cardDetector) Validate(v []byte) bool {
	var pan [19]byte
	n := 0
	var sep []byte
	for i := 0; i < len(v); {
		if isDigit(v[i]) {
			if n == len(pan) {
				return false
			}
			pan[n] = v[i] - '0'
			n++
			i++
			continue
		}
		k := sepLen(v, i)
		if k == 0 || i == 0 || !isDigit(v[i-1]) || i+k >= len(v) || !isDigit(v[i+k]) || sep != nil && string(sep) != string(v[i:i+k]) {
			return false
		}
		sep = v[i : i+k]
		i += k
	}
	if n < 12 || !issuerLength(pan[:n]) {
		return false
	}
	return luhn(pan[:n])
}

// bareCard reports whether a run of digits is a card number by issuer,
// length and Luhn sum.
func bareCard(v []byte) bool {
	var pan [19]byte
	for k, b := range v {
		pan[k] = b - '0'
	}
	return issuerLength(pan[:len(v)]) && luhn(pan[:len(v)])
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

// issuerLength reports whether the number's prefix belongs to a payment
// network's issuer range and its length is one that network issues. The
// networks with one length (Visa's 13/16/19, Mastercard's 16, American
// Express's 15) are held to it; the others issue 12 to 19 digits.
func issuerLength(p []byte) bool {
	n := len(p)
	prefix := func(k int) int {
		v := 0
		for i := 0; i < k; i++ {
			v = v*10 + int(p[i])
		}
		return v
	}
	p2, p4 := prefix(2), prefix(4)
	switch {
	case p[0] == 4: // Visa, Elo
		return n >= 13
	case p2 >= 51 && p2 <= 55, p4 >= 2221 && p4 <= 2720: // Mastercard
		return n == 16
	case p2 == 34 || p2 == 37: // American Express
		return n == 15
	case p2 == 50, p2 >= 56 && p2 <= 69: // Maestro
		return true
	case p4 == 1800, p[0] == 2, p[0] == 3, p[0] == 5, p[0] == 6, p2 == 81:
		// JCB (1800, 2131, 35), Mir (2200–2204), Diners (3), Discover,
		// UnionPay (62, 81), RuPay, Hipercard.
		return n >= 13
	}
	return false
}
