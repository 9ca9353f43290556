package detect

import "bytes"

// National identification numbers of five European countries, each with
// the check its specification defines. A number is sought where its
// shape is distinctive (a codice fiscale, a DNI's trailing letter) and
// otherwise only after a word that names it (BSN, NIR), since nine or
// fifteen bare digits are what logs are full of.

// ninoDetector finds UK National Insurance numbers: two prefix letters
// (the first not D, F, I, Q, U or V; the second not D, F, I, O, Q, U or
// V; not BG, GB, KN, NK, NT, TN or ZZ), six digits and a suffix A–D,
// written together or in HMRC's spaced form "QQ 12 34 56 C". The number
// has no check digit, so the together form is reported only after a word
// naming it (NINO, NI, NIN, national insurance).
type ninoDetector struct{}

var ninoWords = []string{"nino", "ni", "nin", "insurance"}

func (d ninoDetector) extent(line []byte, start, _ int) (int, int, bool) {
	if !boundaryBefore(line, start) {
		return 0, 0, false
	}
	for _, n := range []int{9, 13} {
		e := start + n
		if e <= len(line) && boundaryAfter(line, e) && d.Validate(line[start:e]) {
			if n == 9 && !wordBefore(line, start, 40, ninoWords) {
				return 0, 0, false
			}
			return start, e, true
		}
	}
	return 0, 0, false
}

func (ninoDetector) Validate(v []byte) bool {
	var c [9]byte
	switch len(v) {
	case 9:
		copy(c[:], v)
	case 13: // QQ 12 34 56 C
		if v[2] != ' ' || v[5] != ' ' || v[8] != ' ' || v[11] != ' ' {
			return false
		}
		c = [9]byte{v[0], v[1], v[3], v[4], v[6], v[7], v[9], v[10], v[12]}
	default:
		return false
	}
	if !isUpper(c[0]) || !isUpper(c[1]) || bytes.IndexByte([]byte("DFIQUV"), c[0]) >= 0 || bytes.IndexByte([]byte("DFIOQUV"), c[1]) >= 0 {
		return false
	}
	switch string(c[:2]) {
	case "BG", "GB", "KN", "NK", "NT", "TN", "ZZ":
		return false
	}
	for _, b := range c[2:8] {
		if !isDigit(b) {
			return false
		}
	}
	return 'A' <= c[8] && c[8] <= 'D'
}

// codiceFiscaleDetector finds Italian fiscal codes: six letters (surname
// and name), two digits (year), a month letter (A B C D E H L M P R S T),
// two digits (day, +40 for women), a letter and three digits (place of
// birth) and a check letter computed over the fifteen others with the
// odd/even tables of DM 23/12/1976. Digits may be replaced by the letters
// L M N P Q R S T U V (omocodia).
type codiceFiscaleDetector struct{}

func (d codiceFiscaleDetector) extent(line []byte, start, _ int) (int, int, bool) {
	e := start + 16
	if e > len(line) || !boundaryBefore(line, start) || !boundaryAfter(line, e) {
		return 0, 0, false
	}
	return start, e, true
}

// cfOdd is the value of a character in an odd (1-based) position, for
// digits 0–9 and letters A–Z in the same order.
var cfOdd = [26]int{1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 2, 4, 18, 20, 11, 3, 6, 8, 12, 14, 16, 10, 22, 25, 24, 23}

func (codiceFiscaleDetector) Validate(v []byte) bool {
	if len(v) != 16 {
		return false
	}
	const shape = "LLLLLLNNLNNLNNNL" // L letter, N digit or omocodia letter
	for i, b := range v {
		switch {
		case shape[i] == 'L' && !isUpper(b):
			return false
		case shape[i] == 'N' && !isDigit(b) && bytes.IndexByte([]byte("LMNPQRSTUV"), b) < 0:
			return false
		}
	}
	if bytes.IndexByte([]byte("ABCDEHLMPRST"), v[8]) < 0 {
		return false
	}
	sum := 0
	for i, b := range v[:15] {
		k := int(b - 'A')
		if isDigit(b) {
			k = int(b - '0')
		}
		if i%2 == 0 {
			sum += cfOdd[k]
		} else {
			sum += k
		}
	}
	return v[15] == byte('A'+sum%26)
}

// dniDetector finds Spanish DNI numbers (eight digits and a check letter,
// "12345678Z" or "12345678-Z") and NIE numbers (X, Y or Z, seven digits and
// a check letter): the letter is TRWAGMYFPDXBNJZSQVHLCKE at the number
// mod 23, with X, Y, Z read as 0, 1, 2.
type dniDetector struct{}

func (d dniDetector) extent(line []byte, start, _ int) (int, int, bool) {
	if !boundaryBefore(line, start) {
		return 0, 0, false
	}
	for _, n := range []int{9, 10} {
		e := start + n
		if e <= len(line) && boundaryAfter(line, e) && d.Validate(line[start:e]) {
			return start, e, true
		}
	}
	return 0, 0, false
}

func (dniDetector) Validate(v []byte) bool {
	if len(v) == 10 {
		if v[8] != '-' {
			return false
		}
		v = append(v[:8:8], v[9])
	}
	if len(v) != 9 || !isUpper(v[8]) {
		return false
	}
	n := 0
	for i, b := range v[:8] {
		switch {
		case isDigit(b):
			n = n*10 + int(b-'0')
		case i == 0 && b >= 'X' && b <= 'Z':
			n = int(b - 'X')
		default:
			return false
		}
	}
	if n == 0 {
		return false
	}
	return v[8] == "TRWAGMYFPDXBNJZSQVHLCKE"[n%23]
}

// A numberAfterWord detector finds a number only after a word naming it,
// and checks it.
type numberAfterWord struct {
	name  string
	words []string
	// parse reads the number at the start of b (digits and its
	// separators) and returns its length, or 0.
	parse func(b []byte) int
	valid func(v []byte) bool
}

type wordNumberDetector struct{ spec *numberAfterWord }

func (d wordNumberDetector) extent(line []byte, start, end int) (int, int, bool) {
	if !boundaryBefore(line, start) || end < len(line) && isLetter(line[end]) {
		return 0, 0, false
	}
	// The number follows within 24 bytes of separators and words.
	i := end
	for i < len(line) && i-end < 24 && !isDigit(line[i]) {
		i++
	}
	if i >= len(line) || !isDigit(line[i]) || isAlnum(line[i-1]) {
		return 0, 0, false
	}
	n := d.spec.parse(line[i:])
	if n == 0 || !boundaryAfter(line, i+n) {
		return 0, 0, false
	}
	return i, i + n, true
}

func (d wordNumberDetector) Validate(v []byte) bool {
	return len(v) > 0 && d.spec.parse(v) == len(v) && d.spec.valid(v)
}

// digitsOf returns the digits of v, dropping single spaces or dots
// between them, and reports whether v held nothing else.
func digitsOf(v []byte, max int) ([]byte, bool) {
	out := make([]byte, 0, max)
	for i, b := range v {
		switch {
		case isDigit(b):
			if len(out) == max {
				return nil, false
			}
			out = append(out, b-'0')
		case (b == ' ' || b == '.') && i > 0 && isDigit(v[i-1]) && i+1 < len(v) && isDigit(v[i+1]):
		default:
			return nil, false
		}
	}
	return out, true
}

// parseGrouped returns the length of a run of n digits at the start of b,
// with single spaces or dots allowed between them.
func parseGrouped(b []byte, n int) int {
	digits, i := 0, 0
	for i < len(b) && digits < n {
		switch {
		case isDigit(b[i]):
			digits++
		case (b[i] == ' ' || b[i] == '.') && i > 0 && isDigit(b[i-1]) && i+1 < len(b) && isDigit(b[i+1]):
		default:
			return 0
		}
		i++
	}
	if digits != n || i < len(b) && isDigit(b[i]) {
		return 0
	}
	return i
}

var wordNumberSpecs = []*numberAfterWord{
	// Dutch citizen service numbers: nine digits passing the "elfproef",
	// 9·d1 + 8·d2 + … + 2·d8 − d9 ≡ 0 (mod 11).
	{name: "nl-bsn", words: []string{"bsn", "burgerservicenummer", "sofinummer", "sofi-nummer"},
		parse: func(b []byte) int { return parseGrouped(b, 9) },
		valid: func(v []byte) bool {
			d, ok := digitsOf(v, 9)
			if !ok || len(d) != 9 {
				return false
			}
			sum := 0
			for i := range 8 {
				sum += int(d[i]) * (9 - i)
			}
			sum -= int(d[8])
			return sum%11 == 0 && string(d) != string(make([]byte, 9))
		}},
	// French social security numbers (NIR): sex (1, 2, 3, 4, 7, 8), year,
	// month (01–12, 20–42, 50–99), département, commune, order, and a key
	// of 97 − (the first thirteen digits mod 97); Corsica's 2A and 2B are
	// not sought.
	{name: "fr-nir", words: []string{"nir", "insee", "securite sociale", "sécurité sociale", "secu", "sécu"},
		parse: func(b []byte) int { return parseGrouped(b, 15) },
		valid: func(v []byte) bool {
			d, ok := digitsOf(v, 15)
			if !ok || len(d) != 15 || bytes.IndexByte([]byte{1, 2, 3, 4, 7, 8}, d[0]) < 0 {
				return false
			}
			month := int(d[3])*10 + int(d[4])
			if month == 0 || month > 12 && month < 20 || month > 42 && month < 50 {
				return false
			}
			n := 0
			for _, x := range d[:13] {
				n = (n*10 + int(x)) % 97
			}
			return 97-n == int(d[13])*10+int(d[14])
		}},
}
