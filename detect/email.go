package detect

import (
	"bytes"
	"unicode"
	"unicode/utf8"
)

// emailDetector finds addresses of the form local@domain.tld (RFC 5321's
// dot-atom form, which is what logs hold; quoted local parts are not
// sought), also
//   - internationalised (RFC 6531): letters, digits and marks of any script
//     in the local part and the domain, as in josé@bücher.de;
//   - split by invisible characters (zero-width space, joiners, word joiner,
//     BOM, soft hyphen), which are kept inside the value;
//   - percent-encoded, as a query string holds one: jane.doe%40example.com.
type emailDetector struct{}

func isLocalByte(b byte) bool {
	return isAlnum(b) || b == '.' || b == '_' || b == '%' || b == '+' || b == '-'
}
func isDomainByte(b byte) bool { return isAlnum(b) || b == '.' || b == '-' }

// nameRune reports whether r may stand in an internationalised local part
// or domain label: a letter, digit or mark, or an invisible character.
func nameRune(r rune) bool {
	return r != utf8.RuneError && (unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r) || invisible(r))
}

// invisible reports whether r is a zero-width or soft character that
// splits a value without showing.
func invisible(r rune) bool {
	return r == 0x200B || r == 0x200C || r == 0x200D || r == 0x2060 || r == 0xFEFF || r == 0xAD
}

// extent grows the candidate from the '@' (or "%40") at at: left over the
// local part (at most 64 bytes, RFC 5321 §4.5.3.1.1), right over the domain
// (at most 253).
func (emailDetector) extent(line []byte, at, end int) (int, int, bool) {
	if end == at {
		end = at + 1
	}
	s := at
	for s > 0 && at-s < 64 {
		if isLocalByte(line[s-1]) {
			s--
			continue
		}
		if line[s-1] >= 0x80 {
			if r, n := utf8.DecodeLastRune(line[:s]); nameRune(r) {
				s -= n
				continue
			}
		}
		break
	}
	if urlUserinfo(line, s) {
		return 0, 0, false
	}
	// In a percent-encoded address only encoded atext may stand in the
	// local part: an encoded ':' or '/' before it ends it.
	for k := at - 3; k >= s; k-- {
		if line[k] == '%' && !encodedAtext(line[k+1:]) {
			s = k + 3
			break
		}
	}
	for s < at && line[s] == '.' {
		s++
	}
	if urlUserinfo(line, s) {
		return 0, 0, false
	}
	e := end
	for e < len(line) && e-end < 253 {
		if isDomainByte(line[e]) {
			e++
			continue
		}
		if line[e] >= 0x80 {
			if r, n := utf8.DecodeRune(line[e:]); nameRune(r) {
				e += n
				continue
			}
		}
		break
	}
	// A sentence's full stop or a trailing hyphen is not part of the domain.
	for e > end && (line[e-1] == '.' || line[e-1] == '-') {
		e--
	}
	// user@host:path is an SSH or scp target (git@github.com:org/repo.git),
	// not an address.
	if e+1 < len(line) && line[e] == ':' && line[e+1] > ' ' {
		return 0, 0, false
	}
	return s, e, s < at
}

// encodedAtext reports whether a '%' followed by b encodes a byte an
// address's local part holds ('+', '-', '.', '_', '@' itself).
func encodedAtext(b []byte) bool {
	if len(b) < 2 {
		return false
	}
	for _, h := range []string{"2b", "2d", "2e", "5f", "40"} {
		if hexIs(b[:2], h) {
			return true
		}
	}
	return false
}

// Validate checks the dot-atom local part and a domain of at least two
// labels whose last label, the top-level domain, is made of letters.
func (emailDetector) Validate(v []byte) bool {
	at, sep := bytes.IndexByte(v, '@'), 1
	if at < 0 {
		at, sep = indexFold(v, "%40"), 3
	}
	if at < 1 || at > 64 || len(v)-at-sep > 253 || !utf8.Valid(v) {
		return false
	}
	local, domain := v[:at], v[at+sep:]
	if local[0] == '.' || local[len(local)-1] == '.' || bytes.Contains(local, []byte("..")) {
		return false
	}
	for _, r := range string(local) {
		if r >= 0x80 && !nameRune(r) || r < 0x80 && !isLocalByte(byte(r)) {
			return false
		}
	}
	labels := 0
	tld := []byte(nil)
	for len(domain) > 0 {
		i := bytes.IndexByte(domain, '.')
		var label []byte
		if i < 0 {
			label, domain = domain, nil
		} else {
			label, domain = domain[:i], domain[i+1:]
			if len(domain) == 0 {
				return false
			}
		}
		if len(label) == 0 || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for _, r := range string(label) {
			if r >= 0x80 && !nameRune(r) || r < 0x80 && !isAlnum(byte(r)) && r != '-' {
				return false
			}
		}
		labels++
		tld = label
	}
	if labels < 2 || len(tld) < 2 {
		return false
	}
	for _, r := range string(tld) {
		if !unicode.IsLetter(r) && !unicode.IsMark(r) && !invisible(r) {
			return false
		}
	}
	return true
}

// urlUserinfo reports whether the local part starting at s is the userinfo
// of a URL (scheme://user@host or scheme://user:password@host, plain or
// percent-encoded): that is a login to a host, found by the token and
// url-password detectors, not an email address.
func urlUserinfo(line []byte, s int) bool {
	colon := func(i int) int { // length of a ':' or "%3A" ending at i, or 0
		if i >= 1 && line[i-1] == ':' {
			return 1
		}
		if i >= 3 && line[i-3] == '%' && hexIs(line[i-2:i], "3a") {
			return 3
		}
		return 0
	}
	if n := colon(s); n > 0 {
		t := s - n
		for t > 0 && s-t < 128 && isLocalByte(line[t-1]) && !(t >= 3 && line[t-3] == '%' && hexIs(line[t-2:t], "2f")) {
			t--
		}
		s = t
	}
	return s >= 3 && string(line[s-3:s]) == "://" || s >= 9 && indexFold(line[s-9:s], "%3a") == 0 && indexFold(line[s-6:s], "%2f") == 0 && indexFold(line[s-3:s], "%2f") == 0
}
