package detect

import (
	"encoding/binary"
	"math/bits"
)

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

// find runs the detectors over one line and returns the validated,
// non-overlapping matches in order of position, appended to buf.
//
// One loop (nextHot) looks at each byte through the set's pair table, which
// says for a pair of adjacent bytes what it may start as the first two
// bytes of three, and what it allows as the last two: together, two
// lookups judge a byte triple. A position is hot when its triple may begin
// a literal (in either case) or hold a byte-class trigger (a digit after a
// word boundary with two more digits, a capital after a word boundary with
// another capital, '@', '+', '(', ':' or '-' where the set has detectors
// for them). Nearly every position of a log is cold, at one table load
// and a test each. A hot position goes to the automaton when the
// three-byte prefix filter allows a literal there, and to the detectors
// its bytes can start.
func (s *Set) find(line []byte, buf []match) []match {
	ms := buf
	if len(line) == 0 {
		return ms
	}
	// Line start: most log lines begin with a timestamp, a number that no
	// digit detector but ipv4's can take unless three digits lead it.
	if f := flags[line[0]]; f != 0 && (f&fDigit == 0 || s.ipv4 >= 0 ||
		len(line) > 2 && isDigit(line[1]) && isDigit(line[2])) {
		ms = s.classAt(line, 0, ms)
	}
	for i, r := s.nextHot(line, 1); i < len(line); i, r = s.nextHot(line, i+1) {
		ms = s.hotAt(line, i, r, ms)
	}
	return resolve(ms[len(buf):], s)
}

// nextHot returns the first i >= from (from >= 1) where the triple
// line[i-1], line[i], line[i+1] is hot, and the reasons it is; or
// len(line). The last pair of a line, with no third byte, is hot when its
// first half of the table says so.
//
// Why a triple: the pair bit set this replaces judged a pair alone, so
// every "=1", ":3" and "-0" of an ML log's numbers was hot, one position in
// ten of the benchmark corpus (3.3 million in 32 MiB, default set); the
// second lookup leaves one in 16 (2.1 million), and each hot position costs
// a likely mispredicted branch and a dispatch. It is a function of its own,
// with no call inside, so that the compiler keeps the loop in registers:
// inlined into find next to the dispatch's calls, the loop spilled a byte
// to the stack and reloaded it on every iteration. Together with the
// seven-at-a-time loop below: 913 million instructions for three passes
// over 8 MiB before, 774 million after (cachegrind), and 174 → 205 MB/s.
func (s *Set) nextHot(line []byte, from int) (int, uint8) {
	if from < 1 || from >= len(line) {
		return len(line), 0
	}
	pairs := &s.pairs
	t := pairs[uint16(line[from-1])|uint16(line[from])<<8]
	i := from
	// Seven positions a step: one 8-byte load holds the pairs from i on,
	// their seven entries are packed into the lanes of a word, and one AND
	// of each entry's first-pair reasons with the next one's last-pair
	// reasons tests all seven, with one branch. Byte by byte, the loop took
	// about 14 instructions a byte on the ML corpus (cachegrind), this one
	// about 9.
	for ; i+8 <= len(line); i += 7 {
		v := binary.LittleEndian.Uint64(line[i:])
		u := uint64(pairs[uint16(v)]) |
			uint64(pairs[uint16(v>>8)])<<8 |
			uint64(pairs[uint16(v>>16)])<<16 |
			uint64(pairs[uint16(v>>24)])<<24 |
			uint64(pairs[uint16(v>>32)])<<32 |
			uint64(pairs[uint16(v>>40)])<<40 |
			uint64(pairs[uint16(v>>48)])<<48
		// Lane j: the pair ending at i+j (lane 0 the carried one) and
		// the pair starting there.
		if hits := (uint64(t) | u<<8) & (u >> 4) & 0x000f0f0f0f0f0f0f; hits != 0 {
			k := bits.TrailingZeros64(hits) / 8
			return i + k, uint8(hits >> (8 * k))
		}
		t = uint8(u >> 48)
	}
	// The rest, a byte at a time. A range loop carrying the middle byte has
	// no bounds checks.
	b1 := line[i]
	for j, b2 := range line[i+1:] {
		u := pairs[uint16(b1)|uint16(b2)<<8]
		if r := t & (u >> 4); r != 0 {
			return i + j, r
		}
		t, b1 = u, b2
	}
	if r := t & 0x0f; r != 0 {
		return len(line) - 1, r
	}
	return len(line), 0
}

// hotAt dispatches a hot position i for the reasons r nextHot found: to the
// automaton when the three-byte prefix filter allows a literal at i-1, and
// to the detectors the bytes at i-1 and i can start. Testing only the
// reasons found, rather than every condition, took hotAt from 111 to 96
// million instructions (cachegrind, three passes over 8 MiB of the ML
// corpus, default set), and the whole scan from 771 to 752 million with
// the digit-run test in classAt.
func (s *Set) hotAt(line []byte, i int, r uint8, ms []match) []match {
	a := s.ac
	cur := line[i]
	p := i - 1
	if r&rLit != 0 && i+1 < len(line) {
		if h := prefixHash(line[p], cur, line[i+1]); a.prefix[h/64]&(1<<(h%64)) != 0 {
			ms = s.literalsAt(line, p, ms)
		}
	}
	if r&rPrev != 0 && p > 0 && flags[line[p]]&s.before != 0 {
		ms = s.classAt(line, p, ms)
	}
	if r&(rDigit|rUpper) == 0 {
		return ms
	}
	if f := flags[cur]; f&fUpper != 0 || f&fDigit != 0 && (s.ipv4 >= 0 ||
		i+2 < len(line) && isDigit(line[i+1]) && isDigit(line[i+2])) {
		// Every digit detector but ipv4's needs three digits first.
		ms = s.classAt(line, i, ms)
	}
	return ms
}

// literalsAt runs the automaton from its root at line[i] and tries the
// detectors of every literal that starts exactly there. It stops as soon as
// the automaton's state no longer stands for a prefix begun at i.
func (s *Set) literalsAt(line []byte, i int, ms []match) []match {
	a := s.ac
	nc := int32(a.nclass)
	st := int32(0)
	end := min(len(line), i+a.maxLen)
	for j := i; j < end; j++ {
		st = int32(a.next[st*nc+int32(a.class[line[j]])])
		n := int32(j - i + 1)
		if a.depth[st] != n {
			break
		}
		if st < a.accept {
			continue
		}
		for _, p := range a.outs[st-a.accept] {
			if int32(a.patLen[p]) == n {
				for _, di := range s.byPat[p] {
					ms = s.try(ms, line, di, i, j+1)
				}
			}
		}
	}
	return ms
}

// classAt tries the byte-class detectors a trigger at line[i] can start.
func (s *Set) classAt(line []byte, i int, ms []match) []match {
	f := flags[line[i]]
	switch {
	case f == 0:
	case f&fDigit != 0:
		if i > 0 && (isWord[line[i-1]] || line[i-1] == '.') {
			break
		}
		// The shape of the digit run decides which detectors can match,
		// so the many numbers of a log (steps, losses, sizes) cost one
		// span each.
		j := span(line, i, 20, isDigit)
		// The length of the first run of digits decides which detectors
		// can match (see Set.runs): the many numbers of a log (steps,
		// losses, sizes, floats, dates) cost one span and two tests.
		if run := j - i; s.runs&(1<<run) == 0 && (s.sepRuns&(1<<run) == 0 || !groupSep(line, j)) {
			break
		}
		for _, di := range s.digits {
			if digitShape(s.dets[di], line, i, j) {
				ms = s.try(ms, line, di, i, i)
			}
		}
	case f&fAt != 0:
		if s.email >= 0 {
			ms = s.try(ms, line, s.email, i, i)
		}
	case f&fUpper != 0:
		if i+1 >= len(line) || i > 0 && isWord[line[i-1]] {
			break
		}
		if isUpper(line[i+1]) {
			for _, di := range s.upper {
				if upperShape(s.dets[di], line, i) {
					ms = s.try(ms, line, di, i, i)
				}
			}
		} else if s.nie >= 0 && line[i] >= 'X' && isDigit(line[i+1]) {
			ms = s.try(ms, line, s.nie, i, i)
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
	return ms
}

// Reasons a position may be hot, in the set's pair table: the low four
// bits of a pair's entry are the reasons it allows as the first two bytes
// of a triple, the high four bits those it allows as the last two.
const (
	rLit   = 1 << iota // a literal's first three bytes, either case
	rPrev              // '@', ':', '-', '+' or '(' starts a detector; any third byte
	rDigit             // a digit after a word boundary, and a digit after it
	rUpper             // a capital after a word boundary, and a capital after it
)

// buildHot fills the set's pair table and the flags of the byte before a
// hot pair's second byte that start a detector of the set; see find and
// nextHot. Each reason is the condition hotAt and classAt test, or looser,
// so the table hides nothing: TestFiltersHideNothing and FuzzFilters check
// find against trying every detector everywhere.
func (s *Set) buildHot() {
	// Only the flags the set has detectors for: in the default set (no MAC,
	// IPv6 or phone) ':' and '-' start nothing, yet "-1", ":30" and "=-0.5"
	// are hot for the digit after them. Calling classAt for them anyway was
	// a third of all hot-pair work on the ML corpus (1.1 million needless
	// calls in 32 MiB).
	if s.email >= 0 {
		s.before |= fAt
	}
	if len(s.hexSep) > 0 {
		s.before |= fColon | fDash
	}
	if s.plus >= 0 {
		s.before |= fPhone
	}
	set := func(b0, b1 byte, r uint8) { s.pairs[uint16(b0)|uint16(b1)<<8] |= r }
	// A literal's first two bytes and its second and third, in every form
	// prefixHash folds together.
	fold := func(b byte) []byte { return []byte{b | 0x20, b &^ 0x20} }
	for _, p := range s.ac.pats {
		for _, b0 := range fold(p[0]) {
			for _, b1 := range fold(p[1]) {
				set(b0, b1, rLit)
			}
		}
		for _, b1 := range fold(p[1]) {
			for _, b2 := range fold(p[2]) {
				set(b1, b2, rLit<<4)
			}
		}
	}
	for b0 := 0; b0 < 256; b0++ {
		for b1 := 0; b1 < 256; b1++ {
			f0, f1 := flags[b0], flags[b1]
			if (f0&fAt != 0 && s.email >= 0) ||
				(f0&(fColon|fDash) != 0 && len(s.hexSep) > 0) ||
				(f0&fPhone != 0 && s.plus >= 0 && isDigit(byte(b1))) {
				set(byte(b0), byte(b1), rPrev)
			}
			set(byte(b0), byte(b1), rPrev<<4)
			if f1&fDigit != 0 && len(s.digits) > 0 && !isWord[b0] && b0 != '.' {
				set(byte(b0), byte(b1), rDigit)
			}
			// Every digit detector but ipv4's needs three digits first.
			if f0&fDigit != 0 && (s.ipv4 >= 0 || f1&fDigit != 0) {
				set(byte(b0), byte(b1), rDigit<<4)
			}
			// An IBAN, a NINO, a codice fiscale start with two capitals;
			// a NIE with X, Y or Z and a digit.
			if f1&fUpper != 0 && (len(s.upper) > 0 || s.nie >= 0 && b1 >= 'X') && !isWord[b0] {
				set(byte(b0), byte(b1), rUpper)
			}
			if f0&fUpper != 0 && (f1&fUpper != 0 && len(s.upper) > 0 || s.nie >= 0 && b0 >= 'X' && f1&fDigit != 0) {
				set(byte(b0), byte(b1), rUpper<<4)
			}
		}
	}
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

// resolve sorts matches by position and drops overlaps. A vendor token
// (priority 3) wins over whatever it overlaps: a GitHub token in
// https://ghp_…@github.com is a token, not an email. Otherwise the longer
// value wins, so a password holding an '@' stays one credential, and of two
// equal values the higher priority: a quoted password that looks like an
// email is a credential.
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
			ml, pl := m.end-m.start, prev.end-prev.start
			mp, pp := s.dets[m.det].priority(), s.dets[prev.det].priority()
			if mp != pp && max(mp, pp) == 3 {
				if mp > pp {
					out[n-1] = m
				}
			} else if ml > pl || (ml == pl && mp > pp) {
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

// ruleOf returns a built-in detector's rule, or nil for a caller's.
func ruleOf(d detector) rule {
	if sp, ok := d.(*spec); ok {
		return sp.rule
	}
	return nil
}

// upperShape reports whether a detector can match a value starting with
// two capitals at i, judging by the bytes after them: every line's "INFO"
// or "WARN" stops here without a call to the detector.
func upperShape(d detector, line []byte, i int) bool {
	at := func(k int, ok func(byte) bool) bool { return i+k < len(line) && ok(line[i+k]) }
	switch ruleOf(d).(type) {
	case ibanDetector: // two check digits after the country code
		return at(2, isDigit) && at(3, isDigit)
	case ninoDetector: // QQ123456C or QQ 12 34 56 C
		return at(2, isDigit) || i+3 < len(line) && line[i+2] == ' ' && isDigit(line[i+3])
	case codiceFiscaleDetector: // six letters, then the year
		return at(2, isUpper) && at(3, isUpper) && at(4, isUpper) && at(5, isUpper) && i+15 < len(line)
	}
	return true
}

// groupSep reports whether a digit group separator at line[j] is followed
// by a digit.
func groupSep(line []byte, j int) bool {
	n := sepLen(line, j)
	return n > 0 && j+n < len(line) && isDigit(line[j+n])
}

// digitShape reports whether a detector can match a number whose first run
// of digits is line[i:j], judging by the run's length and what follows it:
// dates, times and versions fail here without a call to the detector.
func digitShape(d detector, line []byte, i, j int) bool {
	run := j - i
	var next byte
	if j < len(line) {
		next = line[j]
	}
	// digitsAfter reports n digits after the separator at j, then end.
	digitsAfter := func(n int) bool {
		if j+1+n > len(line) {
			return false
		}
		for _, b := range line[j+1 : j+1+n] {
			if !isDigit(b) {
				return false
			}
		}
		return true
	}
	switch ruleOf(d).(type) {
	case cardDetector:
		// Bare, or grouped from a first group of four (4-4-4-4, 4-6-5).
		// A bare run must pass the Luhn sum and an issuer's range here,
		// which nine in ten of a log's long numbers (sizes, ids, seeds)
		// fail, before the detector looks for words naming a card.
		if run >= 12 {
			return run <= 19 && (sepLen(line, j) > 0 || bareCard(line[i:j]))
		}
		n := sepLen(line, j)
		return run == 4 && n > 0 && j+n+4 <= len(line) && span(line, j+n, 4, isDigit) == j+n+4
	case ssnDetector:
		return run == 9 || run == 3 && (next == ' ' || next == '-') && digitsAfter(2) && j+3 < len(line) && line[j+3] == next
	case phoneDetector:
		return run >= 7 && run <= 15 || run <= 5 && (next == ' ' || next == '-' || next == '.') && digitsAfter(2)
	case ipv4Detector:
		return run <= 3 && next == '.'
	case dniDetector:
		return run == 8 && (isUpper(next) || next == '-')
	}
	return true
}
