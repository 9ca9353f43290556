package store

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
)

// WitnessTag introduces a checkpoint in a log line. A witness line is
//
//	[anything, e.g. the public prefix "SystemLog: "]conflog checkpoint <base64>
//
// where <base64> is the standard, padded base64 of the signed note (which holds
// newlines, so it could not survive as one public line otherwise).
const WitnessTag = "conflog checkpoint "

// maxWitnessLine bounds how much of one log line FindWitnesses keeps; longer
// lines cannot be checkpoints (see maxNote) and are skipped, not buffered.
const maxWitnessLine = 64 << 10

// WitnessLine returns c as one log line, without a prefix or a newline:
// "conflog checkpoint " followed by the base64 of its signed note.
func WitnessLine(c *Checkpoint) string {
	return WitnessTag + base64.StdEncoding.EncodeToString(c.Note)
}

// A Witness is a checkpoint found in a log: the signed note and where it was.
// A line that holds the tag but no decodable note has Err set, so a verifier
// can report it rather than silently skip it (a forger's favourite outcome).
type Witness struct {
	Line int    // 1-based line number in the log
	Note []byte // the signed note, not yet verified
	Err  error  // why the line holds no note, if it does not
}

// FindWitnesses returns every line of r that holds WitnessTag, in order, with
// its note decoded. It reads r to the end in bounded memory.
func FindWitnesses(r io.Reader) ([]Witness, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	var out []Witness
	var line []byte
	tooLong := false
	for n := 1; ; {
		frag, err := br.ReadSlice('\n')
		if len(line)+len(frag) > maxWitnessLine {
			tooLong, line = true, line[:0]
		} else if !tooLong {
			line = append(line, frag...)
		}
		if err == bufio.ErrBufferFull {
			continue
		}
		if len(line) > 0 || tooLong || err == nil {
			if tooLong {
				// A line too long to be a checkpoint; if it claims to be
				// one, say so.
				if bytes.Contains(frag, []byte(WitnessTag)) {
					out = append(out, Witness{Line: n, Err: errors.New("line too long to be a checkpoint")})
				}
			} else if i := bytes.Index(line, []byte(WitnessTag)); i >= 0 {
				out = append(out, decodeWitness(n, line[i+len(WitnessTag):]))
			}
			n++
			line, tooLong = line[:0], false
		}
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return out, fmt.Errorf("reading log: %w", err)
		}
	}
}

func decodeWitness(n int, b []byte) Witness {
	b = bytes.TrimRight(b, "\r\n \t")
	note, err := base64.StdEncoding.Strict().DecodeString(string(b))
	if err != nil {
		return Witness{Line: n, Err: fmt.Errorf("checkpoint is not base64: %w", err)}
	}
	return Witness{Line: n, Note: note}
}
