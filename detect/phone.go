package detect

// phoneDetector finds telephone numbers in E.164 form (+ then 8 to 15 digits,
// with single spaces, hyphens, dots or parentheses between groups) and in the
// North American national forms 555-123-4567, 555.123.4567 and
// (555) 123-4567 (area and exchange codes starting with 2–9). Logs hold many
// numbers of that shape for other reasons, so its confidence is low.
type phoneDetector struct{}

func (phoneDetector) Name() string           { return "phone" }
func (phoneDetector) Confidence() Confidence { return Low }
func (phoneDetector) literals() []string     { return nil }
func (phoneDetector) priority() int          { return 1 }

func (phoneDetector) extent(line []byte, start, _ int) (int, int, bool) {
	if !boundaryBefore(line, start) {
		return 0, 0, false
	}
	n := phoneLen(line[start:])
	if n == 0 {
		return 0, 0, false
	}
	e := start + n
	if !boundaryAfter(line, e) || (e+1 < len(line) && (line[e] == '.' || line[e] == '-') && isDigit(line[e+1])) {
		return 0, 0, false
	}
	return start, e, true
}

// Validate reports whether v is exactly one phone number.
func (phoneDetector) Validate(v []byte) bool { return len(v) > 0 && phoneLen(v) == len(v) }

// phoneLen returns the length of the phone number at the start of b, or 0.
func phoneLen(b []byte) int {
	if len(b) == 0 {
		return 0
	}
	if b[0] == '+' {
		return e164Len(b)
	}
	return nanpLen(b)
}

func e164Len(b []byte) int {
	digits, last, open := 0, 0, false
	for i := 1; i < len(b); i++ {
		c := b[i]
		switch {
		case isDigit(c):
			if digits == 0 && c == '0' {
				return 0
			}
			digits++
			last = i + 1
			if digits > 15 {
				return 0
			}
			continue
		case c == '(' && !open && i+1 < len(b) && isDigit(b[i+1]) && (b[i-1] == ' ' || isDigit(b[i-1])):
			open = true
			continue
		case c == ')' && open && isDigit(b[i-1]):
			open = false
			if i+1 < len(b) && b[i+1] == ' ' && i+2 < len(b) && isDigit(b[i+2]) {
				i++
			}
			continue
		case (c == ' ' || c == '-' || c == '.') && isDigit(b[i-1]) && i+1 < len(b) && (isDigit(b[i+1]) || b[i+1] == '('):
			continue
		}
		break
	}
	if open || digits < 8 {
		return 0
	}
	return last
}

// nanpLen parses 555-123-4567, 555.123.4567, (555) 123-4567 and
// (555)123-4567.
func nanpLen(b []byte) int {
	digitsAt := func(i, n int) bool {
		if i+n > len(b) {
			return false
		}
		for _, c := range b[i : i+n] {
			if !isDigit(c) {
				return false
			}
		}
		return true
	}
	var i int
	var sep byte
	switch {
	case b[0] == '(':
		if !digitsAt(1, 3) || len(b) < 5 || b[4] != ')' {
			return 0
		}
		i = 5
		if i < len(b) && b[i] == ' ' {
			i++
		}
		sep = '-'
	case digitsAt(0, 3) && len(b) > 3 && (b[3] == '-' || b[3] == '.'):
		sep = b[3]
		i = 4
	default:
		return 0
	}
	area := b[1]
	if b[0] != '(' {
		area = b[0]
	}
	if area < '2' || !digitsAt(i, 3) || b[i] < '2' {
		return 0
	}
	i += 3
	if i >= len(b) || (b[i] != sep && !(b[0] == '(' && b[i] == ' ')) || !digitsAt(i+1, 4) {
		return 0
	}
	return i + 5
}
