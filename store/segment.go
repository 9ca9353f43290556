package store

import (
	"bufio"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"time"
)

// Frame layout inside a segment's plaintext (see FORMAT.md).
const (
	frameRecord = 'R' // 'R' ‖ len uint32 ‖ salt[16] ‖ time int64 ‖ data[len]
	framePurged = 'P' // 'P' ‖ tag[32]
	saltSize    = 16
	recordHead  = 1 + 4 + saltSize + 8
	tagSize     = 32
)

// MaxRecord is the largest record the store accepts, in bytes. The gate cuts
// lines at 1 MiB by default; the cap is what a reader will allocate for one.
const MaxRecord = 16 << 20

// A Record is one private log line as the store keeps it.
type Record struct {
	Index   int64     // leaf index in the store's Merkle tree, from 0
	Segment int64     // the segment holding it
	Time    time.Time // when it was appended
	Data    []byte    // the line, without its newline; nil if purged
	Purged  bool      // purge removed the line and its salt; the commitment stays
}

func segmentHeader(id string, segment, first int64) string {
	return fmt.Sprintf("conflog segment v1\nstore %s\nsegment %d\nfirst %d\n", id, segment, first)
}

// commit returns the commitment of a record: SHA-256(salt ‖ time ‖ data),
// with time as big-endian Unix nanoseconds. body is salt ‖ time ‖ data,
// exactly as a record frame holds it after its length.
func commit(body []byte) commitment {
	return sha256.Sum256(body)
}

// purgeTag is the tag a purge marker carries: HMAC-SHA256 under a key derived
// from the purging age identity, over the store ID, the leaf index and the
// commitment. Only a holder of that identity can make one, so an attacker who
// knows just the public recipients cannot pass off a deleted record as purged.
func purgeTag(key []byte, id string, index int64, c commitment) [tagSize]byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(id))
	binary.Write(m, binary.BigEndian, index)
	m.Write(c[:])
	var t [tagSize]byte
	m.Sum(t[:0])
	return t
}

// purgeKey derives the purge tag key from an age identity's text form.
func purgeKey(identity string) []byte {
	k := sha256.Sum256([]byte("conflog purge key v1\n" + identity))
	return k[:]
}

// A frame is one decoded entry of a segment.
type frame struct {
	purged bool
	body   []byte // salt ‖ time ‖ data, for a record
	tag    [tagSize]byte
}

func (f *frame) record(index, segment int64) Record {
	if f.purged {
		return Record{Index: index, Segment: segment, Purged: true}
	}
	ns := int64(binary.BigEndian.Uint64(f.body[saltSize:]))
	return Record{Index: index, Segment: segment, Time: time.Unix(0, ns).UTC(), Data: f.body[saltSize+8:]}
}

// errTruncated marks a segment whose plaintext ends inside a frame.
var errTruncated = errors.New("segment ends inside a record")

// A segmentReader decodes a segment's plaintext: its header, then frames.
type segmentReader struct {
	r                     *bufio.Reader
	id                    string
	segment, first, count int64
	reuse                 bool // next may reuse the previous frame and body
	fr                    frame
}

// readSegmentHeader reads and checks the plaintext header.
func readSegmentHeader(r io.Reader) (*segmentReader, error) {
	sr := &segmentReader{r: bufio.NewReaderSize(r, 64<<10)}
	var lines [4]string
	for i := range lines {
		l, err := sr.r.ReadString('\n')
		if err != nil || len(l) > 100 {
			return nil, errors.New("segment header is truncated or malformed")
		}
		lines[i] = l[:len(l)-1]
	}
	if lines[0] != "conflog segment v1" {
		return nil, fmt.Errorf("segment header: %q is not \"conflog segment v1\"", lines[0])
	}
	var err error
	id, _ := cutField(lines[1], "store")
	if !validID(id) {
		return nil, fmt.Errorf("segment header: %q is not \"store <id>\"", lines[1])
	}
	sr.id = id
	if sr.segment, err = parseField(lines[2], "segment"); err != nil {
		return nil, fmt.Errorf("segment header: %w", err)
	}
	if sr.first, err = parseField(lines[3], "first"); err != nil {
		return nil, fmt.Errorf("segment header: %w", err)
	}
	return sr, nil
}

func cutField(line, name string) (string, bool) {
	if len(line) > len(name) && line[:len(name)] == name && line[len(name)] == ' ' {
		return line[len(name)+1:], true
	}
	return "", false
}

// next returns the next frame, or io.EOF at a clean end. The frame and its
// body are freshly allocated, unless sr.reuse is set: then they are valid
// until the next call.
func (sr *segmentReader) next() (*frame, error) {
	kind, err := sr.r.ReadByte()
	if err == io.EOF {
		return nil, io.EOF
	}
	if err != nil {
		return nil, err
	}
	f := &frame{}
	if sr.reuse {
		f = &sr.fr
		f.purged = false
	}
	switch kind {
	case frameRecord:
		var l [4]byte
		if _, err := io.ReadFull(sr.r, l[:]); err != nil {
			return nil, readErr(err)
		}
		n := binary.BigEndian.Uint32(l[:])
		if n > MaxRecord {
			return nil, fmt.Errorf("record %d: length %d exceeds the %d maximum", sr.count, n, MaxRecord)
		}
		if size := saltSize + 8 + int(n); sr.reuse && cap(f.body) >= size {
			f.body = f.body[:size]
		} else {
			f.body = make([]byte, size)
		}
		if _, err := io.ReadFull(sr.r, f.body); err != nil {
			return nil, readErr(err)
		}
	case framePurged:
		f.purged = true
		if _, err := io.ReadFull(sr.r, f.tag[:]); err != nil {
			return nil, readErr(err)
		}
	default:
		return nil, fmt.Errorf("record %d: unknown frame kind %#x", sr.count, kind)
	}
	sr.count++
	return f, nil
}

func readErr(err error) error {
	if err == io.EOF || err == io.ErrUnexpectedEOF {
		return errTruncated
	}
	return err
}

// appendRecordFrame appends a record frame for (salt, t, data) to b.
func appendRecordFrame(b []byte, salt []byte, t int64, data []byte) []byte {
	b = append(b, frameRecord)
	b = binary.BigEndian.AppendUint32(b, uint32(len(data)))
	b = append(b, salt...)
	b = binary.BigEndian.AppendUint64(b, uint64(t))
	return append(b, data...)
}

func appendPurgedFrame(b []byte, tag [tagSize]byte) []byte {
	return append(append(b, framePurged), tag[:]...)
}
