package detect

// ibanDetector finds International Bank Account Numbers (ISO 13616): a
// country code, two check digits and the country's fixed-length BBAN,
// written together or in the print format's groups of four, with the
// check digits verified by ISO 7064 mod 97-10.
type ibanDetector struct{}

// ibanLengths is the length of a full IBAN by country, from the SWIFT IBAN
// registry.
var ibanLengths = map[[2]byte]int{
	{'A', 'D'}: 24, {'A', 'E'}: 23, {'A', 'L'}: 28, {'A', 'T'}: 20, {'A', 'Z'}: 28,
	{'B', 'A'}: 20, {'B', 'E'}: 16, {'B', 'G'}: 22, {'B', 'H'}: 22, {'B', 'I'}: 27,
	{'B', 'R'}: 29, {'B', 'Y'}: 28, {'C', 'H'}: 21, {'C', 'R'}: 22, {'C', 'Y'}: 28,
	{'C', 'Z'}: 24, {'D', 'E'}: 22, {'D', 'J'}: 27, {'D', 'K'}: 18, {'D', 'O'}: 28,
	{'E', 'E'}: 20, {'E', 'G'}: 29, {'E', 'S'}: 24, {'F', 'I'}: 18, {'F', 'K'}: 18,
	{'F', 'O'}: 18, {'F', 'R'}: 27, {'G', 'B'}: 22, {'G', 'E'}: 22, {'G', 'I'}: 23,
	{'G', 'L'}: 18, {'G', 'R'}: 27, {'G', 'T'}: 28, {'H', 'R'}: 21, {'H', 'U'}: 28,
	{'I', 'E'}: 22, {'I', 'L'}: 23, {'I', 'Q'}: 23, {'I', 'S'}: 26, {'I', 'T'}: 27,
	{'J', 'O'}: 30, {'K', 'W'}: 30, {'K', 'Z'}: 20, {'L', 'B'}: 28, {'L', 'C'}: 32,
	{'L', 'I'}: 21, {'L', 'T'}: 20, {'L', 'U'}: 20, {'L', 'V'}: 21, {'L', 'Y'}: 25,
	{'M', 'C'}: 27, {'M', 'D'}: 24, {'M', 'E'}: 22, {'M', 'K'}: 19, {'M', 'N'}: 20,
	{'M', 'R'}: 27, {'M', 'T'}: 31, {'M', 'U'}: 30, {'N', 'I'}: 28, {'N', 'L'}: 18,
	{'N', 'O'}: 15, {'O', 'M'}: 23, {'P', 'K'}: 24, {'P', 'L'}: 28, {'P', 'S'}: 29,
	{'P', 'T'}: 25, {'Q', 'A'}: 29, {'R', 'O'}: 24, {'R', 'S'}: 22, {'R', 'U'}: 33,
	{'S', 'A'}: 24, {'S', 'C'}: 31, {'S', 'D'}: 18, {'S', 'E'}: 24, {'S', 'I'}: 19,
	{'S', 'K'}: 24, {'S', 'M'}: 27, {'S', 'O'}: 23, {'S', 'T'}: 25, {'S', 'V'}: 28,
	{'T', 'L'}: 23, {'T', 'N'}: 24, {'T', 'R'}: 26, {'U', 'A'}: 29, {'V', 'A'}: 22,
	{'V', 'G'}: 24, {'X', 'K'}: 20, {'Y', 'E'}: 30,
}

func isIBANByte(b byte) bool { return isDigit(b) || isUpper(b) }

// extent reads exactly the country's length of characters from start,
// skipping the single spaces of the print format after each group of four.
func (ibanDetector) extent(line []byte, start, _ int) (int, int, bool) {
	if start+4 > len(line) || !boundaryBefore(line, start) {
		return 0, 0, false
	}
	want, ok := ibanLengths[[2]byte{line[start], line[start+1]}]
	if !ok {
		return 0, 0, false
	}
	n, i := 0, start
	for i < len(line) && n < want {
		b := line[i]
		if b == ' ' && n%4 == 0 && n > 0 && i+1 < len(line) && isIBANByte(line[i+1]) {
			i++
			continue
		}
		if !isIBANByte(b) {
			break
		}
		n++
		i++
	}
	return start, i, n == want && boundaryAfter(line, i)
}

// Validate checks the country's length and the mod 97 check of v, whose
// print-format spaces are ignored.
func (ibanDetector) Validate(v []byte) bool {
	var buf [34]byte
	n := 0
	for i, b := range v {
		if b == ' ' && i > 0 && i+1 < len(v) && v[i-1] != ' ' && v[i+1] != ' ' {
			continue
		}
		if !isIBANByte(b) || n == len(buf) {
			return false
		}
		buf[n] = b
		n++
	}
	if n < 4 || !isUpper(buf[0]) || !isUpper(buf[1]) || !isDigit(buf[2]) || !isDigit(buf[3]) {
		return false
	}
	if want, ok := ibanLengths[[2]byte{buf[0], buf[1]}]; !ok || want != n {
		return false
	}
	return mod97(buf[:n]) == 1
}

// mod97 computes ISO 7064 mod 97-10 of an IBAN: the first four characters
// moved to the end, letters as 10..35, the whole read as one decimal number.
func mod97(iban []byte) int {
	r := 0
	add := func(b byte) {
		if isDigit(b) {
			r = (r*10 + int(b-'0')) % 97
		} else {
			r = (r*100 + int(b-'A') + 10) % 97
		}
	}
	for _, b := range iban[4:] {
		add(b)
	}
	for _, b := range iban[:4] {
		add(b)
	}
	return r
}
