package store

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"filippo.io/age"
	"golang.org/x/mod/sumdb/note"
)

// purgerName is the note key name of every purge signer.
const purgerName = "conflog-purge"

// PurgerKey returns the note verifier key of the purge signer of an age
// identity: an Ed25519 key derived from the identity's text form, so that
// whoever holds the identity, and only they, can sign what a purge rewrites.
// conflog keygen writes it into the recipient file, where the writer finds
// it (Options.Purger) and records it in the manifest.
func PurgerKey(id *age.X25519Identity) string {
	_, v := purgerKeys(id)
	return v
}

// purgerKeys returns the purge signer key of id and its verifier key.
func purgerKeys(id *age.X25519Identity) (signer, verifier string) {
	seed := sha256.Sum256([]byte("conflog purge signer v1\n" + id.String()))
	pub := ed25519.NewKeyFromSeed(seed[:]).Public().(ed25519.PublicKey)
	vkey, err := note.NewEd25519VerifierKey(purgerName, pub)
	if err != nil {
		panic(err) // a fixed, valid name
	}
	// PRIVATE+KEY+<name>+<hash>+<base64(0x01 ‖ seed)>, the hash as in vkey.
	hash := strings.Split(vkey, "+")[1]
	return "PRIVATE+KEY+" + purgerName + "+" + hash + "+" + base64.StdEncoding.EncodeToString(append([]byte{1}, seed[:]...)), vkey
}

// purgesName is the append-only file of signed purge statements.
const purgesName = "purges"

// purgeTagLine starts each line of the purges file.
const purgeTagLine = "conflog purge "

// purgeText is what a purge signs for each segment it rewrites.
func purgeText(id string, segment int64, h [32]byte) string {
	return fmt.Sprintf("conflog purge v1\nstore %s\nsegment %d\nciphertext %x\n", id, segment, h)
}

// signPurge appends to dir/purges the statement that segment's ciphertext
// is now h, signed by the purger key of id.
func signPurge(dir, storeID string, id *age.X25519Identity, segment int64, h [32]byte) error {
	skey, _ := purgerKeys(id)
	s, err := note.NewSigner(skey)
	if err != nil {
		return fmt.Errorf("store: %w", err)
	}
	msg, err := note.Sign(&note.Note{Text: purgeText(storeID, segment, h)}, s)
	if err != nil {
		return fmt.Errorf("store: signing the purge: %w", err)
	}
	return appendDurably(filepath.Join(dir, purgesName), purgeTagLine+base64.StdEncoding.EncodeToString(msg)+"\n")
}

// readPurges returns, by segment, the ciphertext hashes that purges signed
// by the purger key vkey vouch for. Lines that fail are problems.
func readPurges(dir, storeID, vkey string, r *Report) map[int64]map[[32]byte]bool {
	data, err := os.ReadFile(filepath.Join(dir, purgesName))
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		r.problem(purgesName, "%v", err)
		return nil
	}
	if vkey == "" {
		r.problem(purgesName, "holds signed purges, but the manifest names no purger key to check them")
		return nil
	}
	v, err := note.NewVerifier(vkey)
	if err != nil {
		r.problem(manifestName, "purger key: %v", err)
		return nil
	}
	out := map[int64]map[[32]byte]bool{}
	for i, l := range strings.SplitAfter(string(data), "\n") {
		if l == "" {
			break
		}
		where := fmt.Sprintf("%s line %d", purgesName, i+1)
		b64, ok := strings.CutPrefix(l, purgeTagLine)
		msg, err := base64.StdEncoding.Strict().DecodeString(strings.TrimSuffix(b64, "\n"))
		if !ok || err != nil || !strings.HasSuffix(l, "\n") {
			r.problem(where, "not a signed purge line")
			continue
		}
		n, err := openNote(msg, v)
		if err != nil {
			r.problem(where, "%v (not signed by the store's purger key)", err)
			continue
		}
		var seg int64
		var h [32]byte
		var hexHash string
		if _, err := fmt.Sscanf(n.Text, "conflog purge v1\nstore "+storeID+"\nsegment %d\nciphertext %64s\n", &seg, &hexHash); err != nil ||
			!decodeLowerHex(h[:], []byte(hexHash)) || n.Text != purgeText(storeID, seg, h) {
			r.problem(where, "not a purge of this store")
			continue
		}
		if out[seg] == nil {
			out[seg] = map[[32]byte]bool{}
		}
		out[seg][h] = true
	}
	return out
}
