package store

import (
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// A commitment is SHA-256(salt ‖ time ‖ data) of one record: it binds the
// record without revealing it, and it stays when purge removes the record.
type commitment [32]byte

// Segment index states, from its trailer line.
const (
	indexOpen      = iota // no trailer: the segment is being written, or its writer died
	indexSealed           // "sealed N HASH"
	indexAbandoned        // "abandoned N": a restarted writer found it unsealed
)

// An index is a parsed seg-NNNNNNNN.idx file (see FORMAT.md): the plaintext
// list of a segment's commitments, readable without any key.
type index struct {
	storeID     string
	segment     int64
	first       int64 // leaf index of the first commitment
	commitments []commitment
	state       int
	cipherHash  [32]byte // SHA-256 of the .age file, when sealed
	torn        bool     // an open index ended in a partial line (a crashed writer)
}

func indexHeader(id string, segment, first int64) string {
	return fmt.Sprintf("conflog index v1\nstore %s\nsegment %d\nfirst %d\n", id, segment, first)
}

func sealedTrailer(n int64, h [32]byte) string {
	return fmt.Sprintf("sealed %d %x\n", n, h)
}

func abandonedTrailer(n int64) string {
	return fmt.Sprintf("abandoned %d\n", n)
}

// lineError is a parse error with the 1-based line it was found on.
type lineError struct {
	line int
	err  error
}

func (e *lineError) Error() string { return fmt.Sprintf("line %d: %v", e.line, e.err) }
func (e *lineError) Unwrap() error { return e.err }

// parseIndex parses an index file strictly. Only an index without a trailer
// may end in a partial line (what a killed writer leaves); that line is
// ignored and torn is set.
func parseIndex(data []byte) (*index, error) {
	x := &index{}
	lines := bytes.SplitAfter(data, []byte("\n"))
	if last := lines[len(lines)-1]; len(last) == 0 {
		lines = lines[:len(lines)-1]
	}
	get := func(i int) (string, bool) {
		if i >= len(lines) || !bytes.HasSuffix(lines[i], []byte("\n")) {
			return "", false
		}
		return string(lines[i][:len(lines[i])-1]), true
	}
	header := []string{"conflog index v1", "store ", "segment ", "first "}
	var vals [4]string
	for i, want := range header {
		l, ok := get(i)
		if !ok {
			return nil, &lineError{i + 1, errors.New("truncated header")}
		}
		v, ok := strings.CutPrefix(l, want)
		if !ok || (i == 0 && v != "") {
			return nil, &lineError{i + 1, fmt.Errorf("%q is not %q", l, want+"…")}
		}
		vals[i] = v
	}
	var err error
	x.storeID = vals[1]
	if !validID(x.storeID) {
		return nil, &lineError{2, fmt.Errorf("store id %q is not 32 hex digits", x.storeID)}
	}
	if x.segment, err = parseCount(vals[2]); err != nil || x.segment == 0 {
		return nil, &lineError{3, fmt.Errorf("segment number %q is not a positive count", vals[2])}
	}
	if x.first, err = parseCount(vals[3]); err != nil {
		return nil, &lineError{4, err}
	}
	for i := 4; i < len(lines); i++ {
		l, ok := get(i)
		if !ok {
			// A partial last line: only a writer killed mid-write leaves one.
			x.torn = true
			return x, nil
		}
		if len(l) == 64 && !strings.ContainsAny(l, " ") {
			var c commitment
			if n, err := hex.Decode(c[:], []byte(l)); err != nil || n != 32 || hex.EncodeToString(c[:]) != l {
				return nil, &lineError{i + 1, fmt.Errorf("commitment %q is not 64 lowercase hex digits", l)}
			}
			x.commitments = append(x.commitments, c)
			continue
		}
		if err := x.parseTrailer(l); err != nil {
			return nil, &lineError{i + 1, err}
		}
		if i != len(lines)-1 {
			return nil, &lineError{i + 2, errors.New("data after the trailer")}
		}
	}
	return x, nil
}

func (x *index) parseTrailer(l string) error {
	f := strings.Split(l, " ")
	n := int64(-1)
	if len(f) >= 2 {
		var err error
		if n, err = parseCount(f[1]); err != nil {
			// An empty or non-canonical count is malformed, not zero: the
			// parse must be all-or-nothing (found by FuzzParseIndex).
			return fmt.Errorf("trailer %q: record count: %w", l, err)
		}
	}
	switch {
	case f[0] == "sealed" && len(f) == 3:
		h, err := hex.DecodeString(f[2])
		if err != nil || len(h) != 32 || hex.EncodeToString(h) != f[2] {
			return fmt.Errorf("ciphertext hash %q is not 64 lowercase hex digits", f[2])
		}
		copy(x.cipherHash[:], h)
		x.state = indexSealed
	case f[0] == "abandoned" && len(f) == 2:
		x.state = indexAbandoned
	default:
		return fmt.Errorf("%q is neither a commitment nor a trailer", l)
	}
	if n != int64(len(x.commitments)) {
		return fmt.Errorf("trailer counts %q records but the index lists %d", f[1], len(x.commitments))
	}
	return nil
}

// segmentName returns the file name of segment n's index (ext "idx") or
// ciphertext (ext "age").
func segmentName(n int64, ext string) string {
	return fmt.Sprintf("seg-%08d.%s", n, ext)
}

// parseSegmentName is segmentName's inverse.
func parseSegmentName(name string) (n int64, ext string, ok bool) {
	rest, ok := strings.CutPrefix(name, "seg-")
	if !ok {
		return 0, "", false
	}
	num, ext, ok := strings.Cut(rest, ".")
	if !ok || (ext != "idx" && ext != "age") || len(num) < 8 {
		return 0, "", false
	}
	n, err := strconv.ParseInt(num, 10, 64)
	if err != nil || n <= 0 || segmentName(n, ext) != name {
		return 0, "", false
	}
	return n, ext, true
}
