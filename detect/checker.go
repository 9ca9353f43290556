package detect

import "bytes"

// A Checker checks the lines of one stream in order, for a caller that must
// decide line by line, such as the egress gate. Unlike Set.Check it follows
// multi-line private-key blocks: after a BEGIN line, the key's body lines
// and its END line are findings too. A Checker is not safe for concurrent
// use; give each stream its own.
type Checker struct {
	set   *Set
	inPEM int // lines into an open private-key block, 0 when none
}

// NewChecker returns a Checker applying the set's detectors.
func (s *Set) NewChecker() *Checker { return &Checker{set: s} }

// Check reports the first finding in the next line of the stream. Line is
// 1, Col and Offset count from the line's start.
func (c *Checker) Check(line []byte) (Finding, bool) {
	if c.inPEM > 0 && c.set.pem >= 0 {
		t := bytes.TrimRight(line, " \t\r")
		if i := bytes.Index(t, pemEnd); i >= 0 {
			c.inPEM = 0
			return c.pemFinding(len(t)), true
		}
		if len(t) == 0 || pemBodyLine(t) {
			if c.inPEM++; c.inPEM > maxPEMLines {
				c.inPEM = 0
			}
			if len(t) == 0 {
				return Finding{}, false
			}
			return c.pemFinding(len(t)), true
		}
		c.inPEM = 0
	}
	// The matches of Set.Check's one pass: the first is the finding, the
	// last says whether a key block is left open at the line end. (Asking
	// Set.Find for them took a second pass over every line with a finding,
	// half of what such a line cost.)
	var buf [8]match
	ms := c.set.find(line, buf[:0])
	if len(ms) == 0 {
		return Finding{}, false
	}
	if last := ms[len(ms)-1]; last.det == c.set.pem {
		if pemOpen(line[last.start:last.end]) && len(bytes.TrimRight(line[last.end:], " \t\r")) == 0 {
			c.inPEM = 1
		}
	}
	return c.set.finding(ms[0], 1, 0), true
}

func (c *Checker) pemFinding(n int) Finding {
	return Finding{Detector: "private-key", Line: 1, Col: 1, Len: n, Confidence: High}
}
