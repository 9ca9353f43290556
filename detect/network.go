package detect

import (
	"bytes"
	"net/netip"
	"strings"
)

// ipv4Detector finds dotted-quad IPv4 addresses (four decimal octets, no
// leading zeros). Version strings and metrics share the shape, so its
// confidence is low.
type ipv4Detector struct{}

func (ipv4Detector) extent(line []byte, start, _ int) (int, int, bool) {
	i := start
	for part := 0; part < 4; part++ {
		if part > 0 {
			if i >= len(line) || line[i] != '.' {
				return 0, 0, false
			}
			i++
		}
		j := span(line, i, 3, isDigit)
		if j == i {
			return 0, 0, false
		}
		i = j
	}
	// 1.2.3.4.5 and 1.2.3.4-rc are versions, not addresses; so is the value
	// of a key named like a version (cudnn=8.9.2.26, driver_version: …).
	if !boundaryAfter(line, i) || (i+1 < len(line) && (line[i] == '.' || line[i] == '-') && isAlnum(line[i+1])) ||
		keyEndsWith(line, start, versionKeySuffixes) || versionPin(line, start) {
		return 0, 0, false
	}
	return start, i, true
}

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

// versionPin reports whether the value at start follows a version
// specifier (PEP 440 / pip freeze: nvidia-cudnn-cu12==9.1.0.70, ~=, >=, <=,
// !=, ===) or a 'v' (v1.2.3.4).
func versionPin(line []byte, start int) bool {
	if start >= 2 && line[start-1] == '=' && strings.IndexByte("=~<>!", line[start-2]) >= 0 {
		return true
	}
	return start >= 1 && (line[start-1] == 'v' || line[start-1] == 'V')
}

var versionKeySuffixes = []string{"version", "ver", "cudnn", "driver", "build", "release", "tag", "rev"}

// Validate checks four octets of at most 255 without leading zeros.
func (ipv4Detector) Validate(v []byte) bool {
	a, err := netip.ParseAddr(string(v))
	return err == nil && a.Is4()
}

// ipv6Detector finds IPv6 addresses in RFC 4291 text form, including "::"
// compression and a trailing dotted quad. Its confidence is low.
type ipv6Detector struct{}

func isIPv6Byte(b byte) bool { return isHex(b) || b == ':' || b == '.' }

// extent starts from a ':' trigger: it backs up over at most four hex digits
// to the start of the address, so only the address's first colon leads to a
// full parse.
func (ipv6Detector) extent(line []byte, at, _ int) (int, int, bool) {
	if line[at] != ':' {
		return 0, 0, false
	}
	s := at
	for s > 0 && at-s < 4 && isHex(line[s-1]) {
		s--
	}
	if s == at && !(at+1 < len(line) && line[at+1] == ':') {
		return 0, 0, false
	}
	if s > 0 && (isWord[line[s-1]] || line[s-1] == ':' || line[s-1] == '.') {
		return 0, 0, false
	}
	e := span(line, s, 45, isIPv6Byte)
	for e > s && line[e-1] == '.' {
		e--
	}
	if !boundaryAfter(line, e) {
		return 0, 0, false
	}
	return s, e, true
}

// Validate parses v as an IPv6 address with at least two colons; the
// unspecified address "::" alone is not a finding.
func (ipv6Detector) Validate(v []byte) bool {
	if bytes.Count(v, []byte(":")) < 2 || string(v) == "::" || bytes.IndexByte(v, '%') >= 0 {
		return false
	}
	a, err := netip.ParseAddr(string(v))
	return err == nil && a.Is6()
}

// macDetector finds IEEE 802 MAC addresses: six pairs of hex digits
// separated by ':' or '-' (one kind). Its confidence is low.
type macDetector struct{}

// extent starts from the first separator: the two bytes before it are hex
// digits at a word boundary.
func (d macDetector) extent(line []byte, at, _ int) (int, int, bool) {
	s := at - 2
	if s < 0 || !isHex(line[s]) || !isHex(line[s+1]) || (s > 0 && (isWord[line[s-1]] || line[s-1] == line[at])) {
		return 0, 0, false
	}
	e := s + 17
	if e > len(line) || !boundaryAfter(line, e) || (e < len(line) && line[e] == line[at]) {
		return 0, 0, false
	}
	return s, e, true
}

// Validate checks six hex pairs and five identical separators.
func (macDetector) Validate(v []byte) bool {
	if len(v) != 17 || (v[2] != ':' && v[2] != '-') {
		return false
	}
	for i, b := range v {
		if i%3 == 2 {
			if b != v[2] {
				return false
			}
		} else if !isHex(b) {
			return false
		}
	}
	return true
}
