package detect

import "bytes"

// emailDetector finds addresses of the form local@domain.tld (RFC 5321's
// dot-atom form, which is what logs hold; quoted local parts are not sought).
type emailDetector struct{}

func (emailDetector) Name() string           { return "email" }
func (emailDetector) Confidence() Confidence { return High }
func (emailDetector) literals() []string     { return nil }
func (emailDetector) priority() int          { return 1 }

func isLocalByte(b byte) bool {
	return isAlnum(b) || b == '.' || b == '_' || b == '%' || b == '+' || b == '-'
}
func isDomainByte(b byte) bool { return isAlnum(b) || b == '.' || b == '-' }

// extent grows the candidate from the '@' at start: left over the local part
// (at most 64 bytes, RFC 5321 §4.5.3.1.1), right over the domain (at most 253).
func (emailDetector) extent(line []byte, at, _ int) (int, int, bool) {
	s := at
	for s > 0 && at-s < 64 && isLocalByte(line[s-1]) {
		s--
	}
	for s < at && line[s] == '.' {
		s++
	}
	if urlUserinfo(line, s) {
		return 0, 0, false
	}
	e := span(line, at+1, 253, isDomainByte)
	// A sentence's full stop or a trailing hyphen is not part of the domain.
	for e > at+1 && (line[e-1] == '.' || line[e-1] == '-') {
		e--
	}
	return s, e, s < at
}

// Validate checks the dot-atom local part and a domain of at least two
// labels whose last label, the top-level domain, is alphabetic.
func (emailDetector) Validate(v []byte) bool {
	at := bytes.IndexByte(v, '@')
	if at < 1 || at > 64 || len(v)-at-1 > 253 {
		return false
	}
	local, domain := v[:at], v[at+1:]
	if local[0] == '.' || local[len(local)-1] == '.' || bytes.Contains(local, []byte("..")) {
		return false
	}
	for _, b := range local {
		if !isLocalByte(b) {
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
		for _, b := range label {
			if !isAlnum(b) && b != '-' {
				return false
			}
		}
		labels++
		tld = label
	}
	if labels < 2 || len(tld) < 2 {
		return false
	}
	for _, b := range tld {
		if !isUpper(b) && !isLower(b) {
			return false
		}
	}
	return true
}

// urlUserinfo reports whether the local part starting at s is the userinfo
// of a URL (scheme://user@host or scheme://user:password@host): that is a
// login to a host, found by the token and credential detectors, not an
// email address.
func urlUserinfo(line []byte, s int) bool {
	if s >= 1 && line[s-1] == ':' {
		t := s - 1
		for t > 0 && s-t < 128 && isLocalByte(line[t-1]) {
			t--
		}
		s = t
	}
	return s >= 3 && string(line[s-3:s]) == "://"
}
