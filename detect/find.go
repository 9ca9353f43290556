package detect

// Byte classes of the second pass. A byte with no flag costs one table load.
const (
	fAt    = 1 << iota // '@': email
	fDigit             // '0'-'9': card, ssn, phone, ipv4
	fUpper             // 'A'-'Z': iban
	fColon             // ':': ipv6, mac
	fDash              // '-': mac
	fPhone             // '+', '(': phone
)

var flags = func() (t [256]uint8) {
	t['@'] = fAt
	for b := '0'; b <= '9'; b++ {
		t[b] = fDigit
	}
	for b := 'A'; b <= 'Z'; b++ {
		t[b] = fUpper
	}
	t[':'] = fColon
	t['-'] = fDash
	t['+'] = fPhone
	t['('] = fPhone
	return t
}()

// find runs both passes over one line and returns the validated,
// non-overlapping matches in order of position, appended to buf.
func (s *Set) find(line []byte, buf []match) []match {
	ms := buf
	// Pass 1: literals.
	if a := s.ac; a.patCount > 0 {
		st := int32(0)
		next, class, nc, accept := a.next, &a.class, int32(a.nclass), a.accept
		for i := 0; i < len(line); i++ {
			st = next[st*nc+int32(class[line[i]])]
			if st >= accept {
				for _, p := range a.outs[st-accept] {
					start := i + 1 - a.patLen[p]
					for _, di := range s.byPat[p] {
						ms = s.try(ms, line, di, start, i+1)
					}
				}
			}
		}
	}
	// Pass 2: byte classes.
	for i := 0; i < len(line); i++ {
		f := flags[line[i]]
		if f == 0 {
			continue
		}
		switch {
		case f&fDigit != 0:
			if i > 0 && (isWord[line[i-1]] || line[i-1] == '.') {
				continue
			}
			for _, di := range s.digits {
				ms = s.try(ms, line, di, i, i)
			}
		case f&fAt != 0:
			if s.email >= 0 {
				ms = s.try(ms, line, s.email, i, i)
			}
		case f&fUpper != 0:
			if s.iban >= 0 && i+3 < len(line) && (i == 0 || !isWord[line[i-1]]) &&
				isUpper(line[i+1]) && isDigit(line[i+2]) && isDigit(line[i+3]) {
				ms = s.try(ms, line, s.iban, i, i)
			}
		case f&(fColon|fDash) != 0:
			for _, di := range s.hexSep {
				ms = s.try(ms, line, di, i, i)
			}
		case f&fPhone != 0:
			if s.plus >= 0 && i+1 < len(line) && isDigit(line[i+1]) && (i == 0 || !isWord[line[i-1]]) {
				ms = s.try(ms, line, s.plus, i, i)
			}
		}
	}
	return resolve(ms[len(buf):], s)
}

// try asks detector di for a value at a trigger and validates it.
func (s *Set) try(ms []match, line []byte, di, start, end int) []match {
	d := s.dets[di]
	vs, ve, ok := d.extent(line, start, end)
	if !ok || vs < 0 || ve > len(line) || vs >= ve || !d.Validate(line[vs:ve]) {
		return ms
	}
	return append(ms, match{start: vs, end: ve, det: di})
}

// resolve sorts matches by position and drops overlaps: of two overlapping
// values, the more specific detector wins, then the longer value.
func resolve(ms []match, s *Set) []match {
	// Insertion sort: a line holds a handful of matches.
	for i := 1; i < len(ms); i++ {
		for j := i; j > 0 && ms[j].start < ms[j-1].start; j-- {
			ms[j], ms[j-1] = ms[j-1], ms[j]
		}
	}
	out := ms[:0]
	for _, m := range ms {
		if n := len(out); n > 0 && m.start < out[n-1].end {
			prev := out[n-1]
			pp, mp := s.dets[prev.det].priority(), s.dets[m.det].priority()
			if mp > pp || (mp == pp && m.end-m.start > prev.end-prev.start) {
				out[n-1] = m
			}
			continue
		}
		out = append(out, m)
	}
	return out
}

var isWord = func() (t [256]bool) {
	for b := 0; b < 256; b++ {
		t[b] = isAlnum(byte(b)) || b == '_'
	}
	return t
}()

func isDigit(b byte) bool { return '0' <= b && b <= '9' }
func isUpper(b byte) bool { return 'A' <= b && b <= 'Z' }
func isLower(b byte) bool { return 'a' <= b && b <= 'z' }
func isAlnum(b byte) bool { return isDigit(b) || isUpper(b) || isLower(b) }
func isHex(b byte) bool {
	return isDigit(b) || ('a' <= b && b <= 'f') || ('A' <= b && b <= 'F')
}

// boundaryBefore reports whether a value may start at i: the byte before it
// is not part of a word.
func boundaryBefore(line []byte, i int) bool { return i == 0 || !isWord[line[i-1]] }

// boundaryAfter reports whether a value may end at i.
func boundaryAfter(line []byte, i int) bool { return i >= len(line) || !isWord[line[i]] }

// span returns the end of the run of bytes satisfying ok from i, at most max long.
func span(line []byte, i, max int, ok func(byte) bool) int {
	j := i
	for j < len(line) && j-i < max && ok(line[j]) {
		j++
	}
	return j
}
