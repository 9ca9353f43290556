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

// Frame layout inside a segment's plaintext (see FORMAT.md). A frame is one
// block of records: one leaf of the store's Merkle tree.
const (
	frameBlock  = 'B' // 'B' ‖ uvarint len(body) ‖ salt[16] ‖ body
	framePurged = 'P' // 'P' ‖ uvarint len(body) ‖ tag[32] ‖ body
	saltSize    = 16
	tagSize     = 32
)

// blockTarget is the body size at which the writer closes a block: one age
// STREAM chunk's worth, so that a block is hashed, encrypted and indexed in
// one piece, and a crash loses about as much as the chunk being filled.
const blockTarget = 64 << 10

// MaxRecord is the largest record the store accepts, in bytes. The gate cuts
// lines at 1 MiB by default; the cap is what a reader will allocate for one.
const MaxRecord = 16 << 20

// maxBody bounds a block's body: a block closes once it holds blockTarget
// bytes, so the longest holds just under that and then one largest record.
const maxBody = blockTarget + MaxRecord + 2*binary.MaxVarintLen64

// A Record is one private log line as the store keeps it.
type Record struct {
	Index   int64     // its number in the store, from 0 (records of abandoned segments are not counted)
	Segment int64     // the segment holding it
	Leaf    int64     // the leaf (block) holding it, in the store's Merkle tree
	Time    time.Time // when it was appended
	Data    []byte    // the line, without its newline; nil if purged
	Purged  bool      // purge removed the line (its time stays); its block's commitment stays
}

func segmentHeader(id string, segment, first int64) string {
	return fmt.Sprintf("conflog segment v2\nstore %s\nsegment %d\nfirst %d\n", id, segment, first)
}

// commit returns the commitment of a block: SHA-256(salt ‖ body), exactly the
// bytes a block frame holds after its length.
func commit(saltBody []byte) commitment {
	return sha256.Sum256(saltBody)
}

// purgeTag is the tag a purged block carries: HMAC-SHA256 under a key derived
// from the purging age identity, over the store ID, the leaf index, the
// block's commitment and its new body. Only a holder of that identity can
// make one, so an attacker who knows just the public recipients cannot pass
// off a removed or altered record as purged.
func purgeTag(key []byte, id string, leaf int64, c commitment, body []byte) [tagSize]byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(id))
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], uint64(leaf))
	m.Write(b[:])
	m.Write(c[:])
	m.Write(body)
	var t [tagSize]byte
	m.Sum(t[:0])
	return t
}

// purgeKey derives the purge tag key from an age identity's text form.
func purgeKey(identity string) []byte {
	k := sha256.Sum256([]byte("conflog purge key v2\n" + identity))
	return k[:]
}

// A frame is one decoded block of a segment.
type frame struct {
	purged bool
	raw    []byte // salt ‖ body of a block, tag ‖ body of a purged block
}

// body returns the frame's records, encoded.
func (f *frame) body() []byte {
	if f.purged {
		return f.raw[tagSize:]
	}
	return f.raw[saltSize:]
}

// tag returns a purged block's tag.
func (f *frame) tag() (t [tagSize]byte) {
	copy(t[:], f.raw)
	return t
}

// appendFrame appends f, encoded, to b.
func appendFrame(b []byte, f *frame) []byte {
	kind := byte(frameBlock)
	if f.purged {
		kind = framePurged
	}
	b = append(b, kind)
	b = binary.AppendUvarint(b, uint64(len(f.body())))
	return append(b, f.raw...)
}

// A blockRecord is one record of a block as its body encodes it.
type blockRecord struct {
	t      int64 // Unix nanoseconds
	data   []byte
	purged bool
}

// eachRecord decodes body, calling each with every record in order (data
// aliases body), and returns how many there were. A body must hold at least
// one record; a record is uvarint... see FORMAT.md, "Blocks".
func eachRecord(body []byte, each func(r *blockRecord) error) (int64, error) {
	var r blockRecord
	var n int64
	for len(body) > 0 {
		dt, k := varint(body)
		if k <= 0 {
			return n, fmt.Errorf("record %d of its block: bad time", n)
		}
		body = body[k:]
		l, k := uvarint(body)
		if k <= 0 || (l&1 == 1 && l != 1) || l>>1 > uint64(len(body)-k) {
			return n, fmt.Errorf("record %d of its block: bad length", n)
		}
		body = body[k:]
		r.t += dt
		r.purged = l == 1
		r.data = body[:l>>1]
		body = body[l>>1:]
		if each != nil {
			if err := each(&r); err != nil {
				return n, err
			}
		}
		n++
	}
	if n == 0 {
		return 0, errors.New("empty block")
	}
	return n, nil
}

// appendRecord appends the encoding of a record at t (Unix nanoseconds),
// after one at prev (0 for the first of a block), to b.
func appendRecord(b []byte, prev, t int64, data []byte, purged bool) []byte {
	b = binary.AppendVarint(b, t-prev)
	if purged {
		return append(b, 1)
	}
	b = binary.AppendUvarint(b, uint64(len(data))<<1)
	return append(b, data...)
}

// uvarint decodes a canonical (shortest) unsigned varint; k <= 0 if b does
// not start with one.
func uvarint(b []byte) (uint64, int) {
	v, k := binary.Uvarint(b)
	if k > 1 && b[k-1] == 0 {
		return 0, 0
	}
	return v, k
}

// varint decodes a canonical zig-zag signed varint.
func varint(b []byte) (int64, int) {
	v, k := binary.Varint(b)
	if k > 1 && b[k-1] == 0 {
		return 0, 0
	}
	return v, k
}

// errTruncated marks a segment whose plaintext ends inside a frame.
var errTruncated = errors.New("segment ends inside a block")

// A segmentReader decodes a segment's plaintext: its header, then frames.
type segmentReader struct {
	r                     *bufio.Reader
	id                    string
	segment, first, count int64
	reuse                 bool // next may reuse the previous frame and its bytes
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
	if lines[0] != "conflog segment v2" {
		return nil, fmt.Errorf("segment header: %q is not \"conflog segment v2\"", lines[0])
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
// bytes are freshly allocated, unless sr.reuse is set: then they are valid
// until the next call. Its body is not decoded (eachRecord does that).
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
	}
	head := saltSize
	switch kind {
	case frameBlock:
		f.purged = false
	case framePurged:
		f.purged, head = true, tagSize
	default:
		return nil, fmt.Errorf("block %d: unknown frame kind %#x", sr.count, kind)
	}
	n, err := sr.readUvarint()
	if err != nil {
		return nil, err
	}
	if n == 0 || n > maxBody {
		return nil, fmt.Errorf("block %d: length %d is not between 1 and the %d maximum", sr.count, n, maxBody)
	}
	if size := head + int(n); sr.reuse && cap(f.raw) >= size {
		f.raw = f.raw[:size]
	} else {
		f.raw = make([]byte, size)
	}
	if _, err := io.ReadFull(sr.r, f.raw); err != nil {
		return nil, readErr(err)
	}
	sr.count++
	return f, nil
}

// readUvarint reads a canonical uvarint from the plaintext.
func (sr *segmentReader) readUvarint() (uint64, error) {
	var b [binary.MaxVarintLen64]byte
	for i := range b {
		c, err := sr.r.ReadByte()
		if err != nil {
			return 0, readErr(err)
		}
		b[i] = c
		if c < 0x80 {
			v, k := uvarint(b[:i+1])
			if k <= 0 {
				return 0, fmt.Errorf("block %d: malformed length", sr.count)
			}
			return v, nil
		}
	}
	return 0, fmt.Errorf("block %d: malformed length", sr.count)
}

func readErr(err error) error {
	if err == io.EOF || err == io.ErrUnexpectedEOF {
		return errTruncated
	}
	return err
}

// cutOff counts the whole records in the plaintext after the frames read so
// far, reading on to its end or its first error: what a killed writer wrote
// after the blocks its index lists (the start of a block whose end it never
// wrote, and blocks whose index lines it never wrote). They are not in the
// tree: this only counts what the crash lost. It holds one frame at a time.
func (sr *segmentReader) cutOff() int64 {
	var n int64
	var raw []byte
	for {
		kind, err := sr.r.ReadByte()
		if err != nil || (kind != frameBlock && kind != framePurged) {
			return n
		}
		head := saltSize
		if kind == framePurged {
			head = tagSize
		}
		size, err := sr.readUvarint()
		if err != nil || size == 0 || size > maxBody {
			return n
		}
		if cap(raw) < head+int(size) {
			raw = make([]byte, head+int(size))
		}
		raw = raw[:head+int(size)]
		k, err := io.ReadFull(sr.r, raw)
		if k <= head {
			return n
		}
		n += wholeRecords(raw[head:k])
		if err != nil {
			return n
		}
	}
}

// wholeRecords counts the records of a block body, or of its start, that
// are there whole.
func wholeRecords(body []byte) int64 {
	var n int64
	for len(body) > 0 {
		_, a := varint(body)
		if a <= 0 {
			break
		}
		l, b := uvarint(body[a:])
		if b <= 0 {
			break
		}
		size := uint64(0)
		if l%2 == 0 {
			size = l / 2
		} else if l != 1 {
			break
		}
		if size > uint64(len(body)-a-b) {
			break
		}
		body = body[a+b+int(size):]
		n++
	}
	return n
}
