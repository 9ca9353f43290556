package store

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"math/bits"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/mod/sumdb/tlog"
)

// A frontier is the right edge of an RFC 6962 Merkle tree: the hashes of the
// complete subtrees that make up a tree of size n, largest first (a compact
// range from leaf 0). It is all a writer needs to append a leaf and compute
// the root, and all a verifier needs to check every checkpoint while it
// streams the leaves: O(log n) memory, whatever n.
//
// It is hand-written rather than built on tlog.StoredHashes because that API
// wants a HashReader over every stored hash of the tree (about two per
// record), which would have to be kept in memory or on disk. The hashing
// itself is tlog's (RFC 6962 §2.1), and the tests check the root against
// tlog.TreeHash for every size.
type frontier struct {
	n      int64
	hashes []tlog.Hash // complete subtrees, left to right; len = popcount(n)
}

// push appends the leaf whose tlog.RecordHash is h.
func (f *frontier) push(h tlog.Hash) {
	if f.hashes == nil {
		f.hashes = make([]tlog.Hash, 0, 64)
	}
	// Each trailing 1 bit of n is a complete subtree of the same size as the
	// one being carried up: merge them, as binary addition carries.
	for n := f.n; n&1 == 1; n >>= 1 {
		last := len(f.hashes) - 1
		h = tlog.NodeHash(f.hashes[last], h)
		f.hashes = f.hashes[:last]
	}
	f.hashes = append(f.hashes, h)
	f.n++
}

// root returns the tree hash (RFC 6962 §2.1 MTH) of the n leaves pushed so far.
func (f *frontier) root() tlog.Hash {
	if len(f.hashes) == 0 {
		return emptyTreeHash()
	}
	h := f.hashes[len(f.hashes)-1]
	for i := len(f.hashes) - 2; i >= 0; i-- {
		h = tlog.NodeHash(f.hashes[i], h)
	}
	return h
}

// leafHash is the leaf hash of a block: tlog.RecordHash(c ‖ n), n as 8
// bytes big-endian, without its allocation: SHA-256(0x00 ‖ c ‖ n). The
// record count is in the leaf so that a key-less verify checks it too.
func leafHash(e *entry) tlog.Hash {
	var buf [1 + len(commitment{}) + 8]byte
	copy(buf[1:], e.c[:])
	binary.BigEndian.PutUint64(buf[1+len(commitment{}):], uint64(e.n))
	return sha256.Sum256(buf[:])
}

// emptyTreeHash is the hash of a tree with no leaves: SHA-256 of the empty
// string (RFC 6962 §2.1), as tlog.TreeHash(0, …) returns it.
func emptyTreeHash() tlog.Hash {
	return sha256.Sum256(nil)
}

// treeName is the file in which the writer keeps its frontier as of the
// latest seal, so that reopening a store reads no index it has sealed.
const treeName = "tree"

// marshalTree returns the tree file for f, the frontier after segment seg:
//
//	conflog tree v1
//	segment <seg>
//	size <f.n>
//	<base64 hash>   (one line per complete subtree, largest first)
func marshalTree(seg int64, f *frontier) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "conflog tree v1\nsegment %d\nsize %d\n", seg, f.n)
	for _, h := range f.hashes {
		b.WriteString(h.String() + "\n")
	}
	return b.Bytes()
}

// readTree reads the tree file in dir. It is a cache, not evidence: the
// caller trusts it only if its root is a signed checkpoint's.
func readTree(dir string) (seg int64, f frontier, err error) {
	data, err := os.ReadFile(filepath.Join(dir, treeName))
	if err != nil {
		return 0, f, err
	}
	lines := strings.Split(string(data), "\n")
	if len(lines) < 4 || lines[0] != "conflog tree v1" || lines[len(lines)-1] != "" {
		return 0, f, errors.New("not a conflog tree v1 file")
	}
	if seg, err = parseField(lines[1], "segment"); err != nil {
		return 0, f, err
	}
	if f.n, err = parseField(lines[2], "size"); err != nil {
		return 0, f, err
	}
	hs := lines[3 : len(lines)-1]
	if len(hs) != popcount(f.n) {
		return 0, f, fmt.Errorf("%d hashes for a tree of %d leaves", len(hs), f.n)
	}
	f.hashes = make([]tlog.Hash, 0, 64)
	for _, l := range hs {
		h, err := tlog.ParseHash(l)
		if err != nil || h.String() != l {
			return 0, f, fmt.Errorf("hash %q is not base64 of 32 bytes", l)
		}
		f.hashes = append(f.hashes, h)
	}
	return seg, f, nil
}

func popcount(n int64) int {
	return bits.OnesCount64(uint64(n))
}
