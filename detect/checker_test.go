package detect

import (
	"bytes"
	"strings"
	"testing"
)

// twoPassChecker is the Checker's rule as it was written before its one
// pass: Set.Check for the finding, then Set.Find for the last value of the
// line, which opens a key block when it is a BEGIN line ending the line.
type twoPassChecker struct {
	set   *Set
	inPEM int
}

func (c *twoPassChecker) check(line []byte) (Finding, bool) {
	if c.inPEM > 0 && c.set.pem >= 0 {
		t := bytes.TrimRight(line, " \t\r")
		if bytes.Contains(t, pemEnd) {
			c.inPEM = 0
			return Finding{Detector: "private-key", Line: 1, Col: 1, Len: len(t), Confidence: High}, true
		}
		if len(t) == 0 || pemBodyLine(t) {
			if c.inPEM++; c.inPEM > maxPEMLines {
				c.inPEM = 0
			}
			if len(t) == 0 {
				return Finding{}, false
			}
			return Finding{Detector: "private-key", Line: 1, Col: 1, Len: len(t), Confidence: High}, true
		}
		c.inPEM = 0
	}
	f, ok := c.set.Check(line)
	if !ok {
		return f, false
	}
	all := c.set.Find(line, nil)
	if last := all[len(all)-1]; last.Detector == "private-key" {
		end := last.Offset + int64(last.Len)
		if pemOpen(line[last.Offset:end]) && len(bytes.TrimRight(line[end:], " \t\r")) == 0 {
			c.inPEM = 1
		}
	}
	return f, true
}

// FuzzCheckerOnePass: whatever the lines, the Checker, which takes its
// private-key test from the matches of its one pass, reports line by line
// what the two-pass rule reports, and follows the same key blocks.
func FuzzCheckerOnePass(f *testing.F) {
	f.Add("step=1\n-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmU\n-----END OPENSSH PRIVATE KEY-----\nloss=0.3")
	f.Add("mail a@b.co then -----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA\n\nMIIEowIBAAKCAQEA\nok")
	f.Add("-----BEGIN RSA PRIVATE KEY----- a@b.co\nMIIEowIBAAKCAQEA\ntoken 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 -----BEGIN EC PRIVATE KEY-----  \nMHcCAQEEIA")
	set := mustSet(f)
	f.Fuzz(func(t *testing.T, text string) {
		one, two := set.NewChecker(), &twoPassChecker{set: set}
		for _, l := range strings.Split(text, "\n") {
			f1, ok1 := one.Check([]byte(l))
			f2, ok2 := two.check([]byte(l))
			if ok1 != ok2 || f1 != f2 || one.inPEM != two.inPEM {
				t.Fatalf("line %q: one pass %+v, %v (block %d); two passes %+v, %v (block %d)", l, f1, ok1, one.inPEM, f2, ok2, two.inPEM)
			}
		}
	})
}
