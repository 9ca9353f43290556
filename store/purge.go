package store

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"

	"filippo.io/age"
	"golang.org/x/mod/sumdb/note"
)

// Purge removes every record for which match returns true, with its salt,
// from the store in dir: each touched segment is decrypted, checked record by
// record against its commitments, rewritten with a purge marker in place of
// each matching record, re-encrypted to the manifest's recipients, and its
// index trailer updated with the new ciphertext hash. Commitments, the tree
// and every checkpoint stay as they were, so the store still verifies, and
// Verify with the identity shows the records as purged.
//
// Purge takes the store's lock, so it fails while a writer is running. The
// identity must be an age X25519 identity (its text form keys the purge
// markers). It returns the number of records purged.
func Purge(dir string, id age.Identity, match func([]byte) bool) (int, error) {
	idText, ok := id.(fmt.Stringer)
	if !ok {
		return 0, fmt.Errorf("store: purge: identity of type %T has no text form", id)
	}
	key := purgeKey(idText.String())
	lock, err := lockDir(dir)
	if err != nil {
		return 0, err
	}
	defer unlock(lock)
	m, err := readManifest(dir)
	if err != nil {
		return 0, err
	}
	recips, err := m.ageRecipients()
	if err != nil {
		return 0, err
	}
	// The touched segments are re-encrypted to the manifest's recipients,
	// so they must be the writer's: the manifest is signed by the key it
	// names (readManifest), and the store's checkpoints must be signed by
	// that key too, or a manifest swapped whole, with a key of its own,
	// would pass. Recipients that exclude the purger would lock the
	// investigator out of the touched segments: refuse those as well.
	v, err := note.NewVerifier(m.verifier)
	if err != nil {
		return 0, fmt.Errorf("store: %w", err)
	}
	if cps, err := readCheckpoints(dir, v, m.id); err != nil || len(cps) == 0 {
		if err == nil {
			err = errors.New("no checkpoints")
		}
		return 0, fmt.Errorf("store: purge: the checkpoints are not signed by the manifest's key (%w); run conflog verify", err)
	}
	if x, ok := id.(*age.X25519Identity); ok && !slices.Contains(m.recipients, x.Recipient().String()) {
		return 0, fmt.Errorf("store: purge: the store's manifest does not list this identity's recipient %s; check %s", x.Recipient(), filepath.Join(dir, manifestName))
	}
	nums, err := segmentNumbers(dir)
	if err != nil {
		return 0, err
	}
	total := 0
	for _, n := range nums {
		k, err := purgeSegment(dir, m.id, n, id, key, recips, match)
		total += k
		if err != nil {
			return total, err
		}
	}
	return total, nil
}

func purgeSegment(dir, storeID string, n int64, id age.Identity, key []byte, recips []age.Recipient, match func([]byte) bool) (int, error) {
	idxName := filepath.Join(dir, segmentName(n, "idx"))
	ageName := filepath.Join(dir, segmentName(n, "age"))
	data, err := os.ReadFile(idxName)
	if err != nil {
		return 0, fmt.Errorf("store: %w", err)
	}
	x, err := parseIndex(data)
	if err != nil {
		return 0, fmt.Errorf("store: %s: %w", idxName, err)
	}
	if x.state != indexSealed {
		return 0, nil // abandoned or being written: not part of the sealed store
	}
	ct, err := os.ReadFile(ageName)
	if errors.Is(err, os.ErrNotExist) {
		return 0, nil // retired
	}
	if err != nil {
		return 0, fmt.Errorf("store: %w", err)
	}
	if sha256.Sum256(ct) != x.cipherHash {
		// An interrupted purge renamed the index but not the ciphertext:
		// finish it if the waiting ciphertext is the one the index names.
		if tmp, err := os.ReadFile(ageName + ".tmp"); err == nil && sha256.Sum256(tmp) == x.cipherHash {
			if err := os.Rename(ageName+".tmp", ageName); err != nil {
				return 0, fmt.Errorf("store: %w", err)
			}
			ct = tmp
		}
	}
	if sha256.Sum256(ct) != x.cipherHash {
		return 0, fmt.Errorf("store: %s: ciphertext does not match its index; run conflog verify", ageName)
	}
	dec, err := age.Decrypt(bytes.NewReader(ct), id)
	if err != nil {
		return 0, fmt.Errorf("store: %s: %w", ageName, err)
	}
	sr, err := readSegmentHeader(dec)
	if err != nil {
		return 0, fmt.Errorf("store: %s: %w", ageName, err)
	}
	if sr.id != storeID || sr.segment != n || sr.first != x.first {
		return 0, fmt.Errorf("store: %s: encrypted header does not match its index; run conflog verify", ageName)
	}
	// Rebuild the plaintext in memory: segments are bounded by MaxSegmentBytes.
	plain := []byte(segmentHeader(storeID, n, x.first))
	purged := 0
	for i := 0; ; i++ {
		fr, err := sr.next()
		if err == io.EOF {
			if i != len(x.commitments) {
				return 0, fmt.Errorf("store: %s: %d records, index lists %d; run conflog verify", ageName, i, len(x.commitments))
			}
			break
		}
		if err != nil {
			return 0, fmt.Errorf("store: %s: record %d: %w", ageName, i, err)
		}
		if i >= len(x.commitments) {
			return 0, fmt.Errorf("store: %s: more records than its index lists; run conflog verify", ageName)
		}
		cm := x.commitments[i]
		if fr.purged {
			plain = appendPurgedFrame(plain, fr.tag)
			continue
		}
		if commit(fr.body) != cm {
			return 0, fmt.Errorf("store: %s: record %d does not match its commitment; run conflog verify", ageName, i)
		}
		if match(fr.body[saltSize+8:]) {
			plain = appendPurgedFrame(plain, purgeTag(key, storeID, x.first+int64(i), cm))
			purged++
			continue
		}
		plain = append(plain, frameRecord)
		plain = appendLen(plain, len(fr.body)-saltSize-8)
		plain = append(plain, fr.body...)
	}
	if purged == 0 {
		return 0, nil
	}
	// New ciphertext to a temporary file, then the index naming its hash,
	// then the ciphertext's rename. A crash before the index is renamed
	// leaves the old, valid pair; a crash between the two renames leaves an
	// index naming the waiting .age.tmp, which verify reports and the next
	// purge finishes (above).
	tmp, err := createFile(ageName+".tmp", false)
	if err != nil {
		return 0, err
	}
	h := sha256.New()
	enc, err := age.Encrypt(io.MultiWriter(tmp, h), recips...)
	if err == nil {
		_, err = enc.Write(plain)
	}
	clear(plain)
	if err == nil {
		err = enc.Close()
	}
	if err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return 0, fmt.Errorf("store: re-encrypting %s: %w", ageName, err)
	}
	var sum [32]byte
	h.Sum(sum[:0])
	// parseIndex is canonical, so the old trailer is exactly these bytes.
	count := int64(len(x.commitments))
	idx := bytes.Clone(data[:len(data)-len(sealedTrailer(count, x.cipherHash))])
	idx = append(idx, sealedTrailer(count, sum)...)
	if err := writeFileAtomic(idxName, idx); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return 0, err
	}
	if err := commitTemp(tmp, ageName); err != nil {
		return 0, err
	}
	return purged, nil
}

func appendLen(b []byte, n int) []byte {
	return append(b, byte(n>>24), byte(n>>16), byte(n>>8), byte(n))
}
