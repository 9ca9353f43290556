package store

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// A commitment is SHA-256(salt ‖ body) of one block of records: it binds
// the records without revealing them, and it stays when purge removes one.
type commitment [32]byte

// An entry is one line of an index: a block's commitment and how many
// records the block holds.
type entry struct {
	c commitment
	n int64
}

// Segment index states, from its trailer line.
const (
	indexOpen      = iota // no trailer: the segment is being written, or its writer died
	indexSealed           // "sealed N HASH"
	indexAbandoned        // "abandoned N": a restarted writer found it unsealed, with no record to recover
	indexRecovered        // "recovered N HASH": a restarted writer sealed what a crashed one left
)

// An index is a parsed seg-NNNNNNNN.idx file (see FORMAT.md): the plaintext
// list of a segment's commitments, readable without any key.
type index struct {
	storeID     string
	segment     int64
	first       int64   // leaf index of its first block
	commitments []entry // only from parseIndex; scanIndex streams them
	count       int64   // entry lines: blocks, leaves of the tree
	records     int64   // records in those blocks
	size        int64   // bytes of the header and the entry lines
	state       int
	cipherHash  [32]byte // SHA-256 of the .age file, when sealed
	torn        bool     // an open index ended in a partial line (a crashed writer)
}

func indexHeader(id string, segment, first int64) string {
	return fmt.Sprintf("conflog index v2\nstore %s\nsegment %d\nfirst %d\n", id, segment, first)
}

func sealedTrailer(n int64, h [32]byte) string {
	return fmt.Sprintf("sealed %d %x\n", n, h)
}

func recoveredTrailer(n int64, h [32]byte) string {
	return fmt.Sprintf("recovered %d %x\n", n, h)
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

// parseIndex parses a whole index file strictly, keeping its commitments.
// Only an index without a trailer may end in a partial line (what a killed
// writer leaves); that line is ignored and torn is set.
func parseIndex(data []byte) (*index, error) {
	var cs []entry
	x, err := scanIndex(bytes.NewReader(data), nil, func(e *entry) error {
		cs = append(cs, *e)
		return nil
	})
	if err != nil {
		return nil, err
	}
	x.commitments = cs
	return x, nil
}

// maxIndexLine bounds a header or trailer line; a longer one is malformed.
const maxIndexLine = 256

// scanIndex parses an index from r strictly, in constant memory: it calls
// head, if set, with the parsed header, then each with every commitment in
// order (the pointer is valid only during the call), and returns the header
// and trailer, with count set and commitments nil. An error from head or
// each stops the scan and is returned.
func scanIndex(r io.Reader, head func(*index) error, each func(*entry) error) (*index, error) {
	br, ok := r.(*bufio.Reader)
	if !ok {
		br = bufio.NewReaderSize(r, 64<<10)
	}
	x := &index{}
	n := 0 // lines read
	// line returns the next line without its newline; partial is set when
	// the input ends without one (eof when nothing is left).
	line := func() (l []byte, partial, eof bool, err error) {
		l, err = br.ReadSlice('\n')
		switch {
		case err == nil:
			n++
			x.size += int64(len(l))
			return l[:len(l)-1], false, false, nil
		case err == io.EOF:
			return l, len(l) > 0, len(l) == 0, nil
		case err == bufio.ErrBufferFull:
			return nil, false, false, &lineError{n + 1, errors.New("line too long")}
		}
		return nil, false, false, err
	}
	header := []string{"conflog index v2", "store ", "segment ", "first "}
	var vals [4]string
	for i, want := range header {
		l, partial, eof, err := line()
		if err != nil {
			return nil, err
		}
		if partial || eof || len(l) > maxIndexLine {
			return nil, &lineError{i + 1, errors.New("truncated header")}
		}
		v, ok := strings.CutPrefix(string(l), want)
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
	if head != nil {
		if err := head(x); err != nil {
			return nil, err
		}
	}
	var e entry
	for {
		l, partial, eof, err := line()
		if err != nil {
			return nil, err
		}
		if eof {
			return x, nil
		}
		if partial {
			// A partial last line: only a writer killed mid-write leaves one.
			x.torn = true
			return x, nil
		}
		if len(l) > 65 && l[64] == ' ' && lowerHex[l[0]] != 0xff {
			if !decodeLowerHex(e.c[:], l[:64]) {
				return nil, &lineError{n, fmt.Errorf("commitment %q is not 64 lowercase hex digits", l[:64])}
			}
			if len(l) > 65+19 {
				return nil, &lineError{n, errors.New("line too long")}
			}
			if e.n, err = parseCount(string(l[65:])); err != nil || e.n == 0 {
				return nil, &lineError{n, fmt.Errorf("record count %q is not a positive count", l[65:])}
			}
			if err := each(&e); err != nil {
				return nil, err
			}
			x.count++
			x.records += e.n
			continue
		}
		if len(l) > maxIndexLine {
			return nil, &lineError{n, errors.New("line too long")}
		}
		// The trailer is not part of size.
		x.size -= int64(len(l)) + 1
		if err := x.parseTrailer(string(l)); err != nil {
			return nil, &lineError{n, err}
		}
		if _, err := br.ReadByte(); err != io.EOF {
			return nil, &lineError{n + 1, errors.New("data after the trailer")}
		}
		return x, nil
	}
}

// decodeLowerHex decodes src, which must be exactly 2*len(dst) lowercase hex
// digits: the one encoding the format allows.
func decodeLowerHex(dst, src []byte) bool {
	if len(src) != 2*len(dst) {
		return false
	}
	bad := byte(0)
	for i := range dst {
		hi, lo := lowerHex[src[2*i]], lowerHex[src[2*i+1]]
		bad |= hi | lo
		dst[i] = hi<<4 | lo&0x0f
	}
	return bad&0x80 == 0
}

// lowerHex maps a lowercase hex digit to its value, anything else to 0xff.
var lowerHex = func() (t [256]byte) {
	for i := range t {
		t[i] = 0xff
	}
	for i, c := range "0123456789abcdef" {
		t[c] = byte(i)
	}
	return t
}()

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
	case (f[0] == "sealed" || f[0] == "recovered") && len(f) == 3:
		if !decodeLowerHex(x.cipherHash[:], []byte(f[2])) {
			return fmt.Errorf("ciphertext hash %q is not 64 lowercase hex digits", f[2])
		}
		x.state = indexSealed
		if f[0] == "recovered" {
			x.state = indexRecovered
		}
	case f[0] == "abandoned" && len(f) == 2:
		x.state = indexAbandoned
	default:
		return fmt.Errorf("%q is neither a commitment nor a trailer", l)
	}
	if n != x.count {
		return fmt.Errorf("trailer counts %q records but the index lists %d", f[1], x.count)
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
