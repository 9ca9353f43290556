//go:build unix

package store

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// mth is RFC 6962 §2.1's Merkle Tree Hash, written from the RFC alone (no
// tlog, no frontier): the leaf hash is SHA-256(0x00 ‖ d), a node's
// SHA-256(0x01 ‖ MTH(D[0:k]) ‖ MTH(D[k:n])) with k the largest power of two
// smaller than n.
func mth(leaves [][]byte) []byte {
	switch n := len(leaves); n {
	case 0:
		h := sha256.Sum256(nil)
		return h[:]
	case 1:
		h := sha256.Sum256(append([]byte{0}, leaves[0]...))
		return h[:]
	default:
		k := 1
		for k*2 < n {
			k *= 2
		}
		h := sha256.Sum256(append(append([]byte{1}, mth(leaves[:k])...), mth(leaves[k:])...))
		return h[:]
	}
}

// An independent reading of the format, from FORMAT.md: the index lines of
// every segment that is not abandoned, in order, each a leaf of 40 bytes
// (the block's commitment, its record count as 8 bytes big-endian), hash
// (RFC 6962) to the root each checkpoint signed, at the size it signed.
func TestCheckpointsMatchIndependentRFC6962Root(t *testing.T) {
	k := newTestKeys(t)
	dir := t.TempDir()
	o := k.options()
	o.MaxSegmentBytes = 300
	w := openBlocksT(t, dir, o, 3)
	for i := range 37 {
		appendT(t, w, strings.Repeat("x", i*7))
		if i%5 == 0 {
			w.Checkpoint()
		}
	}
	crashT(w) // and one recovered segment
	w = openBlocksT(t, dir, o, 3)
	appendT(t, w, "last")
	w.Close()

	var leaves [][]byte
	sizeAfter := map[string]int{} // segment number → leaves through it
	sizeAfter["0"] = 0
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		if !strings.HasSuffix(e.Name(), ".idx") {
			continue
		}
		b, _ := os.ReadFile(filepath.Join(dir, e.Name()))
		lines := strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
		trailer := lines[len(lines)-1]
		if strings.HasPrefix(trailer, "abandoned ") {
			continue
		}
		for _, l := range lines[4 : len(lines)-1] {
			hexC, count, _ := strings.Cut(l, " ")
			c, err := hex.DecodeString(hexC)
			n, nerr := strconv.ParseUint(count, 10, 64)
			if err != nil || nerr != nil || len(c) != 32 {
				t.Fatalf("%s: %q", e.Name(), l)
			}
			leaves = append(leaves, binary.BigEndian.AppendUint64(c, n))
		}
		seg := strings.TrimPrefix(lines[2], "segment ")
		sizeAfter[seg] = len(leaves)
	}
	cps, _ := os.ReadFile(filepath.Join(dir, checkpointsName))
	checked := 0
	for _, l := range strings.Split(strings.TrimSuffix(string(cps), "\n"), "\n") {
		msg, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(l, "conflog checkpoint "))
		if err != nil {
			t.Fatal(err)
		}
		body := strings.Split(string(msg), "\n")
		root, _ := base64.StdEncoding.DecodeString(body[2])
		seg := strings.TrimPrefix(body[3], "segment ")
		n, ok := sizeAfter[seg]
		if !ok {
			t.Fatalf("checkpoint of segment %s: no index", seg)
		}
		if body[1] != strconv.Itoa(n) || !bytes.Equal(mth(leaves[:n]), root) {
			t.Fatalf("checkpoint of segment %s: size %s root %x; independently %d leaves, root %x", seg, body[1], root, n, mth(leaves[:n]))
		}
		checked++
	}
	if checked < 10 {
		t.Fatalf("only %d checkpoints", checked)
	}
}
