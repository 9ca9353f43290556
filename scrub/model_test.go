package scrub

import (
	"bytes"
	"regexp"
)

// The reference model: the gate's rules written as plainly as possible, with
// regular expressions instead of the hand-written escape parser, over the
// whole input at once instead of arbitrary chunks. The filter must agree with
// it byte for byte.

var (
	// Well-formed sequences (ECMA-48), then the malformed remainders the
	// filter removes from a public line.
	refEscape = regexp.MustCompile(`^(?s:\x1b\[[0-?]*[ -/]*[@-~]|\x1b[\]PX^_].*?(?:\x07|\x1b\\)|\x1b[ -/]+[0-~]|\x1b[0-OQ-WYZ\\` + "`" + `-~])`)
	refBroken = regexp.MustCompile(`^(?s:\x1b\[[0-?]*[ -/]*|\x1b[\]PX^_].*|\x1b[ -/]+|\x1b)`)
)

type refResult struct {
	out     []byte
	private [][]byte
	stats   Stats
}

// refLines splits input into lines at "\r\n", '\r' and '\n', keeping a last
// line that has no end.
func refLines(input []byte) [][]byte {
	var lines [][]byte
	start := 0
	for i := 0; i < len(input); i++ {
		switch input[i] {
		case '\n':
			lines = append(lines, input[start:i])
			start = i + 1
		case '\r':
			lines = append(lines, input[start:i])
			if i+1 < len(input) && input[i+1] == '\n' {
				i++
			}
			start = i + 1
		}
	}
	if start < len(input) {
		lines = append(lines, input[start:])
	}
	return lines
}

// refStrip returns line without escapes, and whether every escape before
// the first n output bytes was well formed.
func refStrip(line []byte, n int) (stripped []byte, cleanHead bool) {
	cleanHead = true
	for len(line) > 0 {
		if line[0] != esc {
			stripped = append(stripped, line[0])
			line = line[1:]
			continue
		}
		if m := refEscape.Find(line); m != nil {
			line = line[len(m):]
			continue
		}
		if len(stripped) < n {
			cleanHead = false
		}
		line = line[len(refBroken.Find(line)):]
	}
	return stripped, cleanHead
}

// refKeep returns b with its malformed escape sequences removed and the
// well-formed ones kept.
func refKeep(b []byte) []byte {
	var kept []byte
	for len(b) > 0 {
		if b[0] != esc {
			kept = append(kept, b[0])
			b = b[1:]
			continue
		}
		if m := refEscape.Find(b); m != nil {
			kept = append(kept, m...)
			b = b[len(m):]
			continue
		}
		b = b[len(refBroken.Find(b)):]
	}
	return kept
}

func refFilter(input []byte, opts Options) refResult {
	var r refResult
	r.stats.Bytes = int64(len(input))
	for _, line := range refLines(input) {
		if len(line) <= opts.MaxLine {
			refJudge(&r, line, opts)
			continue
		}
		// Cut: the head is judged, the rest goes to the private sink in
		// MaxLine pieces, whatever the head was.
		r.stats.Cut++
		refJudge(&r, line[:opts.MaxLine], opts)
		for rest := line[opts.MaxLine:]; len(rest) > 0; {
			n := min(len(rest), opts.MaxLine)
			r.private = append(r.private, append([]byte(nil), rest[:n]...))
			r.stats.CutBytes += int64(n)
			rest = rest[n:]
		}
	}
	return r
}

// refJudge applies the prefix rule to one line of at most MaxLine bytes.
func refJudge(r *refResult, line []byte, opts Options) {
	p := []byte(opts.Prefix)
	stripped, clean := refStrip(line, len(p))
	public := clean && bytes.HasPrefix(stripped, p)
	if public && !opts.Strict {
		if opts.KeepANSI {
			// Keep everything after the raw position where the prefix ends.
			end := 0
			for k := 0; k < len(p); end++ {
				if line[end] == esc {
					m := refEscape.Find(line[end:])
					end += len(m) - 1
					continue
				}
				k++
			}
			r.out = append(r.out, p...)
			r.out = append(r.out, refKeep(line[end:])...)
		} else {
			r.out = append(r.out, stripped...)
		}
		r.out = append(r.out, '\n')
		r.stats.Passed++
		return
	}
	if public {
		r.stats.Held++
	}
	r.stats.Private++
	r.private = append(r.private, append([]byte(nil), line...))
}
