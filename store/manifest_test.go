//go:build unix

package store

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"filippo.io/age"
)

// A recipient added by anyone holding the signing key is reported, by the
// writer and by every later verify; an older manifest put back (restoring a
// removed recipient) is caught by verify, Open and Purge, even with the
// manifest history cut to match, because checkpoints bind the manifest.
func TestManifestReplayAndRecipientChanges(t *testing.T) {
	k := newTestKeys(t)
	intruder := newTestKeys(t)
	dir := t.TempDir()
	w := openT(t, dir, k.options())
	appendT(t, w, "one")
	w.Close()

	o := k.options()
	o.Recipients = append(o.Recipients, intruder.identity.Recipient())
	w = openT(t, dir, o)
	if added, _ := w.RecipientChanges(); len(added) != 1 || added[0] != intruder.identity.Recipient().String() {
		t.Fatalf("the writer did not report the added recipient: %v", added)
	}
	appendT(t, w, "two")
	w.Close()
	withIntruder, _ := os.ReadFile(filepath.Join(dir, manifestName))

	w = openT(t, dir, k.options()) // the intruder is removed again
	appendT(t, w, "three")
	w.Close()
	rep, err := Verify(dir, &VerifyOptions{VerifierKey: k.vkey})
	if err != nil || !rep.OK() {
		t.Fatalf("verify: %v %v", err, rep.Err())
	}
	changes := strings.Join(rep.RecipientChanges, "\n")
	if !strings.Contains(changes, "manifest version 2 added recipient "+intruder.identity.Recipient().String()) ||
		!strings.Contains(changes, "manifest version 3 removed recipient "+intruder.identity.Recipient().String()) {
		t.Fatalf("recipient changes: %q", rep.RecipientChanges)
	}

	// Replay: the signed version 2, intruder included, put back.
	os.WriteFile(filepath.Join(dir, manifestName), withIntruder, 0o600)
	rep, _ = Verify(dir, &VerifyOptions{VerifierKey: k.vkey})
	if rep.OK() || !strings.Contains(rep.Err().Error(), "an older manifest was put back") {
		t.Fatalf("replayed manifest: %v", rep.Err())
	}
	if _, err := Open(dir, k.options()); err == nil || !strings.Contains(err.Error(), "older or altered manifest") {
		t.Fatalf("Open on a replayed manifest: %v", err)
	}
	if _, err := Purge(dir, k.identity, &PurgeOptions{Match: regexp.MustCompile(`one`)}); err == nil || !strings.Contains(err.Error(), "older or altered manifest") {
		t.Fatalf("Purge on a replayed manifest: %v", err)
	}
	// The history cut to version 2 as well: the checkpoints bind version 3.
	hist, _ := os.ReadFile(filepath.Join(dir, manifestsName))
	lines := strings.SplitAfter(string(hist), "\n")
	os.WriteFile(filepath.Join(dir, manifestsName), []byte(strings.Join(lines[:2], "")), 0o600)
	rep, _ = Verify(dir, &VerifyOptions{VerifierKey: k.vkey})
	if rep.OK() || !strings.Contains(rep.Err().Error(), "binds manifest version 3, which manifests does not hold") {
		t.Fatalf("replayed manifest and history: %v", rep.Err())
	}
	if _, err := Purge(dir, k.identity, &PurgeOptions{Match: regexp.MustCompile(`one`)}); err == nil {
		t.Fatal("Purge re-encrypted to a replayed manifest")
	}
}

// One damaged index, or one swapped ciphertext, is one cause: the problems
// that follow from it (every later checkpoint's root, the records of the
// swapped segment) are folded under it, and the cause comes first.
func TestFollowOnProblemsAreFolded(t *testing.T) {
	k := newTestKeys(t)
	dir := t.TempDir()
	w := openT(t, dir, k.options())
	for i := range 6 {
		appendT(t, w, fmt.Sprintf("record %d", i), "more")
		w.Checkpoint()
	}
	w.Close()

	damaged := copyDir(t, dir)
	rewriteIndex(t, damaged, 2, func(lines []string) []string {
		b := []byte(lines[0])
		b[0] = map[bool]byte{true: '1', false: '0'}[b[0] == '0'] // another hex digit
		lines[0] = string(b)
		return lines
	})
	rep, err := Verify(damaged, &VerifyOptions{VerifierKey: k.vkey})
	if err != nil {
		t.Fatal(err)
	}
	causes, followOns := rep.Causes()
	if len(causes) != 1 || followOns[0] != 5 || !strings.Contains(causes[0].Where, "checkpoints line 3") {
		t.Fatalf("causes %v, follow-ons %v, of %d problems:\n%v", causes, followOns, len(rep.Problems), rep.Err())
	}

	swapped := copyDir(t, dir)
	seg3, _ := os.ReadFile(filepath.Join(swapped, segmentName(3, "age")))
	os.WriteFile(filepath.Join(swapped, segmentName(2, "age")), seg3, 0o600)
	rep, err = Verify(swapped, &VerifyOptions{VerifierKey: k.vkey, Identities: []age.Identity{k.identity}})
	if err != nil {
		t.Fatal(err)
	}
	causes, followOns = rep.Causes()
	if len(causes) != 1 || followOns[0] == 0 || !strings.Contains(causes[0].Err.Error(), "ciphertext does not match the hash") {
		t.Fatalf("causes %v, follow-ons %v:\n%v", causes, followOns, rep.Err())
	}
}

// With the purger key in the manifest, what a purge rewrites is signed: a
// key-less verify accepts a purged segment and catches one re-encrypted by
// anyone else, index hash fixed and all.
func TestKeylessVerifyCatchesReencryptedSegment(t *testing.T) {
	k := newTestKeys(t)
	dir := t.TempDir()
	o := k.options()
	o.Purger = PurgerKey(k.identity)
	w := openT(t, dir, o)
	appendT(t, w, "keep", "token=ghp_LEAK")
	w.Checkpoint()
	appendT(t, w, "evidence", "more")
	w.Close()
	res, err := Purge(dir, k.identity, &PurgeOptions{Match: regexp.MustCompile(`ghp_`)})
	if err != nil || !res.Signed || len(res.Records) != 1 {
		t.Fatalf("Purge: %+v %v", res, err)
	}
	rep, err := Verify(dir, &VerifyOptions{VerifierKey: k.vkey})
	if err != nil || !rep.OK() || rep.Repurged != 1 {
		t.Fatalf("key-less verify after a signed purge: %v %v (repurged %d)", err, rep.Err(), rep.Repurged)
	}
	// An attacker with the public recipient alters a record of segment 2
	// and fixes its index's hash.
	rewriteSegment(t, dir, 2, k, func(fs []*frame) []*frame {
		b := fs[0].body()
		b[len(b)-1] ^= 1
		return fs
	})
	rep, err = Verify(dir, &VerifyOptions{VerifierKey: k.vkey})
	if err != nil || rep.OK() || !strings.Contains(rep.Err().Error(), "seg-00000002.age: was replaced since checkpoint 4 sealed it") {
		t.Fatalf("key-less verify of a re-encrypted segment: %v %v", err, rep.Err())
	}
	// A forged purge statement (signed by another identity's purger key)
	// does not vouch for it.
	other := newTestKeys(t)
	x, _ := parseIndex(mustRead(t, filepath.Join(dir, segmentName(2, "idx"))))
	signPurge(dir, mustManifest(t, dir).id, other.identity, 2, x.cipherHash)
	rep, _ = Verify(dir, &VerifyOptions{VerifierKey: k.vkey})
	if rep.OK() || !strings.Contains(rep.Err().Error(), "not signed by the store's purger key") {
		t.Fatalf("forged purge statement: %v", rep.Err())
	}
}
