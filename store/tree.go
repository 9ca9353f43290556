package store

import (
	"errors"

	"golang.org/x/mod/sumdb/tlog"
)

// A frontier is the right edge of an RFC 6962 Merkle tree: the hashes of the
// complete subtrees that make up a tree of size n, largest first. It is all a
// writer needs to append a leaf and compute the root, in O(log n) memory.
//
// It is hand-written rather than built on tlog.StoredHashes because that API
// wants a HashReader over every stored hash of the tree (about two per record),
// which a long-running writer would have to keep in memory or on disk. The
// hashing itself is tlog's (RecordHash, NodeHash, RFC 6962 §2.1), and the tests
// check the root against tlog.TreeHash for every size.
type frontier struct {
	n      int64
	hashes []tlog.Hash // complete subtrees, left to right; len = popcount(n)
}

// push appends the leaf whose tlog.RecordHash is h.
func (f *frontier) push(h tlog.Hash) {
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

// emptyTreeHash is the hash of a tree with no leaves: SHA-256 of the empty
// string (RFC 6962 §2.1), as tlog.TreeHash(0, …) returns it.
func emptyTreeHash() tlog.Hash {
	h, _ := tlog.TreeHash(0, nil)
	return h
}

// memTree holds every stored hash of a tree in memory, for the verifier: it
// needs inner nodes for checkpoints of every size and for consistency proofs
// (tlog.TreeHash, tlog.ProveTree), and it has loaded all commitments anyway.
type memTree struct {
	stored []tlog.Hash
	n      int64
}

func (t *memTree) add(leaf tlog.Hash) {
	hs, err := tlog.StoredHashesForRecordHash(t.n, leaf, t)
	if err != nil {
		// Only reachable if t's own hashes were inconsistent: a bug, not input.
		panic("store: memTree: " + err.Error())
	}
	t.stored = append(t.stored, hs...)
	t.n++
}

// ReadHashes implements tlog.HashReader.
func (t *memTree) ReadHashes(indexes []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(indexes))
	for i, x := range indexes {
		if x < 0 || x >= int64(len(t.stored)) {
			return nil, errHashIndex
		}
		out[i] = t.stored[x]
	}
	return out, nil
}

// root returns the tree hash of the first n leaves.
func (t *memTree) root(n int64) (tlog.Hash, error) {
	return tlog.TreeHash(n, t)
}

var errHashIndex = errors.New("store: tree hash index out of range")
