package store

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// originPrefix starts every checkpoint's origin line; the store's ID follows.
const originPrefix = "conflog.store/"

// maxNote caps the size of a signed checkpoint a reader will look at. A real
// one is about 250 bytes; the cap keeps hostile input from costing memory.
const maxNote = 16 << 10

// A Checkpoint is a signed statement of a store's Merkle tree: how many
// records it holds and their root hash, plus which segment it sealed and how
// many old segments retention has retired. See FORMAT.md for its exact text.
type Checkpoint struct {
	Origin  string    // "conflog.store/" followed by the store's ID
	Size    int64     // number of leaves (blocks of records) in the tree
	Hash    tlog.Hash // RFC 6962 root hash of those leaves
	Segment int64     // the segment this checkpoint sealed; 0 for a new store's first
	Retired int64     // segments 1..Retired have had their ciphertext removed by retention
	Time    int64     // when it was signed, Unix seconds (retention by age counts from it)

	// The manifest in force when it was signed: its version and the
	// SHA-256 of its signed file. A replayed older manifest, or one changed
	// without a new version, no longer matches.
	ManifestVersion int64
	ManifestHash    [32]byte

	// CipherHash is the SHA-256 of the sealed segment's ciphertext, as
	// sealed (zero for segment 0). Only a purge signed by the store's purger
	// key may replace it.
	CipherHash [32]byte
	Note       []byte // the signed note: the body below, a blank line, signature lines

	line int // where Verify found it in the checkpoints file
}

// body returns the checkpoint's note text, the part the signature covers.
func (c *Checkpoint) body() string {
	return fmt.Sprintf("%s\n%d\n%s\nsegment %d\nretired %d\ntime %d\nmanifest %d %s\nciphertext %x\n",
		c.Origin, c.Size, c.Hash, c.Segment, c.Retired, c.Time, c.ManifestVersion, base64.StdEncoding.EncodeToString(c.ManifestHash[:]), c.CipherHash)
}

// sign fills c.Note with c's body signed by s.
func (c *Checkpoint) sign(s note.Signer) error {
	msg, err := note.Sign(&note.Note{Text: c.body()}, s)
	if err != nil {
		return fmt.Errorf("store: signing checkpoint: %w", err)
	}
	c.Note = msg
	return nil
}

// ParseCheckpoint verifies msg, a signed note, with v and parses its body.
// The body must be exactly eight lines, each canonical:
//
//	conflog.store/<32 lowercase hex digits>
//	<size, decimal, no sign or leading zeros>
//	<root hash, standard base64 of 32 bytes>
//	segment <decimal>
//	retired <decimal>
//	time <decimal Unix seconds>
//	manifest <version, decimal> <standard base64 of its SHA-256>
//	ciphertext <64 lowercase hex digits: SHA-256 of the sealed segment>
//
// A future version may add lines after these; this one rejects them, so a
// reader never acts on a field it does not understand. Nothing is returned
// unless the whole note is well formed and signed by v.
func ParseCheckpoint(msg []byte, v note.Verifier) (*Checkpoint, error) {
	if len(msg) > maxNote {
		return nil, fmt.Errorf("checkpoint: %d bytes, more than the %d allowed", len(msg), maxNote)
	}
	n, err := openNote(msg, v)
	if err != nil {
		return nil, fmt.Errorf("checkpoint: %w", err)
	}
	lines := strings.SplitAfter(n.Text, "\n")
	if len(lines) != 9 || lines[8] != "" {
		return nil, errors.New("checkpoint: body is not eight lines")
	}
	for i := range 8 {
		lines[i] = strings.TrimSuffix(lines[i], "\n")
	}
	c := &Checkpoint{Origin: lines[0], Note: bytes.Clone(msg)}
	id, ok := strings.CutPrefix(c.Origin, originPrefix)
	if !ok || !validID(id) {
		return nil, fmt.Errorf("checkpoint: origin %q is not %s<store id>", c.Origin, originPrefix)
	}
	if c.Size, err = parseCount(lines[1]); err != nil {
		return nil, fmt.Errorf("checkpoint: size: %w", err)
	}
	if c.Hash, err = tlog.ParseHash(lines[2]); err != nil || c.Hash.String() != lines[2] {
		return nil, fmt.Errorf("checkpoint: root hash %q is not base64 of 32 bytes", lines[2])
	}
	if c.Segment, err = parseField(lines[3], "segment"); err != nil {
		return nil, fmt.Errorf("checkpoint: %w", err)
	}
	if c.Retired, err = parseField(lines[4], "retired"); err != nil {
		return nil, fmt.Errorf("checkpoint: %w", err)
	}
	if c.Time, err = parseField(lines[5], "time"); err != nil {
		return nil, fmt.Errorf("checkpoint: %w", err)
	}
	f := strings.Split(lines[6], " ")
	if len(f) != 3 || f[0] != "manifest" {
		return nil, fmt.Errorf("checkpoint: line %q is not \"manifest VERSION HASH\"", lines[6])
	}
	if c.ManifestVersion, err = parseCount(f[1]); err != nil || c.ManifestVersion == 0 {
		return nil, fmt.Errorf("checkpoint: manifest version %q is not a positive count", f[1])
	}
	if h, err := base64.StdEncoding.Strict().DecodeString(f[2]); err != nil || len(h) != 32 || base64.StdEncoding.EncodeToString(h) != f[2] {
		return nil, fmt.Errorf("checkpoint: manifest hash %q is not base64 of 32 bytes", f[2])
	} else {
		copy(c.ManifestHash[:], h)
	}
	if h, ok := strings.CutPrefix(lines[7], "ciphertext "); !ok || !decodeLowerHex(c.CipherHash[:], []byte(h)) {
		return nil, fmt.Errorf("checkpoint: line %q is not \"ciphertext <64 hex digits>\"", lines[7])
	}
	if c.Retired > c.Segment {
		return nil, fmt.Errorf("checkpoint: retired %d segments of %d", c.Retired, c.Segment)
	}
	return c, nil
}

// openNote opens a signed note that must carry exactly one signature, by v,
// encoded canonically: note.Open accepts base64 with stray low bits and
// extra unverified signatures, and a note that can be changed without
// changing its meaning is one a tamper check cannot tell from the original.
func openNote(msg []byte, v note.Verifier) (*note.Note, error) {
	n, err := note.Open(msg, note.VerifierList(v))
	if err != nil {
		return nil, err
	}
	if len(n.Sigs) != 1 || len(n.UnverifiedSigs) != 0 {
		return nil, errors.New("not exactly one signature")
	}
	sig, _ := base64.StdEncoding.DecodeString(n.Sigs[0].Base64)
	canon := n.Text + "\n— " + n.Sigs[0].Name + " " + base64.StdEncoding.EncodeToString(sig) + "\n"
	if string(msg) != canon {
		return nil, errors.New("signed note is not in canonical form")
	}
	return n, nil
}

// parseField parses "name N" with N canonical decimal.
func parseField(line, name string) (int64, error) {
	v, ok := strings.CutPrefix(line, name+" ")
	if !ok {
		return 0, fmt.Errorf("line %q is not %q", line, name+" N")
	}
	n, err := parseCount(v)
	if err != nil {
		return 0, fmt.Errorf("%s: %w", name, err)
	}
	return n, nil
}

// parseCount parses a canonical non-negative decimal: round-trips exactly.
func parseCount(s string) (int64, error) {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 || strconv.FormatInt(n, 10) != s {
		return 0, fmt.Errorf("%q is not a canonical count", s)
	}
	return n, nil
}

// validID reports whether id is a store ID: 32 lowercase hex digits.
func validID(id string) bool {
	if len(id) != 32 {
		return false
	}
	for i := range len(id) {
		c := id[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}
