package store

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"filippo.io/age"
	"golang.org/x/mod/sumdb/note"
)

// manifestName is the file naming a store: its ID, verifier key and recipients.
const manifestName = "store"

// A manifest is the content of DIR/store: its text, signed by the store's
// checkpoint key as a note. The ID is pinned by every checkpoint's origin and
// the verifier key can be pinned by the verifier (verify --key); the
// signature is what makes the recipients trustworthy, since purge
// re-encrypts to them: without the signing key, nobody can add a recipient
// of their own and wait for an investigator's purge to hand them the data.
type manifest struct {
	id         string
	version    int64    // 1 for a new store, one more at each change; checkpoints bind it
	verifier   string   // note verifier key
	purger     string   // note verifier key of the identity holder's purge signer (PurgerKey); may be empty
	recipients []string // age recipients, e.g. "age1…"
}

// marshal returns the manifest's text, the body of its note.
func (m *manifest) marshal() []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "conflog store v1\nid %s\nversion %d\nverifier %s\n", m.id, m.version, m.verifier)
	if m.purger != "" {
		fmt.Fprintf(&b, "purger %s\n", m.purger)
	}
	for _, r := range m.recipients {
		fmt.Fprintf(&b, "recipient %s\n", r)
	}
	return b.Bytes()
}

// sign returns the manifest file: the text signed by s, which must be the
// key the manifest names.
func (m *manifest) sign(s note.Signer) ([]byte, error) {
	msg, err := note.Sign(&note.Note{Text: string(m.marshal())}, s)
	if err != nil {
		return nil, fmt.Errorf("store: signing the manifest: %w", err)
	}
	return msg, nil
}

// parseManifest parses a manifest file and checks that it is signed, once and
// canonically, by the verifier key it names. (That it is the right key is
// for the checkpoints, all signed by it, and for a pinned key to say.)
func parseManifest(data []byte) (*manifest, error) {
	if len(data) > maxNote {
		return nil, fmt.Errorf("%d bytes, more than the %d allowed", len(data), maxNote)
	}
	text, _, ok := strings.Cut(string(data), "\n\n")
	if !ok {
		return nil, errors.New("not a signed conflog store v1 manifest")
	}
	m, err := parseManifestText(text + "\n")
	if err != nil {
		return nil, err
	}
	v, _ := note.NewVerifier(m.verifier) // parseManifestText checked it
	if _, err := openNote(data, v); err != nil {
		return nil, fmt.Errorf("not signed by the key it names: %w", err)
	}
	return m, nil
}

func parseManifestText(text string) (*manifest, error) {
	lines := strings.Split(text, "\n")
	if len(lines) < 6 || lines[len(lines)-1] != "" || lines[0] != "conflog store v1" {
		return nil, errors.New("not a conflog store v1 manifest")
	}
	m := &manifest{}
	var ok bool
	var err error
	if m.id, ok = strings.CutPrefix(lines[1], "id "); !ok || !validID(m.id) {
		return nil, fmt.Errorf("line 2: %q is not \"id <32 hex digits>\"", lines[1])
	}
	if m.version, err = parseField(lines[2], "version"); err != nil || m.version == 0 {
		return nil, fmt.Errorf("line 3: %q is not \"version <positive count>\"", lines[2])
	}
	if m.verifier, ok = strings.CutPrefix(lines[3], "verifier "); !ok {
		return nil, fmt.Errorf("line 4: %q is not \"verifier <key>\"", lines[3])
	}
	if _, err := note.NewVerifier(m.verifier); err != nil {
		return nil, fmt.Errorf("line 4: verifier key: %w", err)
	}
	rest := lines[4 : len(lines)-1]
	if p, ok := strings.CutPrefix(rest[0], "purger "); ok {
		if _, err := note.NewVerifier(p); err != nil {
			return nil, fmt.Errorf("line 5: purger key: %w", err)
		}
		m.purger, rest = p, rest[1:]
	}
	if len(rest) == 0 {
		return nil, errors.New("no recipient")
	}
	for i, l := range rest {
		r, ok := strings.CutPrefix(l, "recipient ")
		if !ok {
			return nil, fmt.Errorf("line %d: %q is not \"recipient <age recipient>\"", len(lines)-len(rest)+i, l)
		}
		m.recipients = append(m.recipients, r)
	}
	return m, nil
}

func readManifest(dir string) (*manifest, error) {
	m, _, err := readManifestFile(dir)
	return m, err
}

// readManifestFile returns the manifest and the SHA-256 of its file, which
// checkpoints bind.
func readManifestFile(dir string) (*manifest, [32]byte, error) {
	data, err := os.ReadFile(filepath.Join(dir, manifestName))
	if err != nil {
		return nil, [32]byte{}, fmt.Errorf("store: %w", err)
	}
	m, err := parseManifest(data)
	if err != nil {
		return nil, [32]byte{}, fmt.Errorf("store: %s: %w", filepath.Join(dir, manifestName), err)
	}
	return m, sha256.Sum256(data), nil
}

// manifestsName is the append-only history of every signed manifest.
const manifestsName = "manifests"

// manifestTag starts each line of the manifests file.
const manifestTag = "conflog manifest "

// A signedManifest is one version of the manifest, as signed.
type signedManifest struct {
	*manifest
	hash [32]byte // SHA-256 of the signed file
}

// readManifests reads the manifest history in dir: every version, in order,
// each naming and signed by the verifier key vkey. A line that fails is an
// error naming it.
func readManifests(dir, vkey string) ([]signedManifest, error) {
	v, err := note.NewVerifier(vkey)
	if err != nil {
		return nil, err
	}
	data, err := os.ReadFile(filepath.Join(dir, manifestsName))
	if err != nil {
		return nil, err
	}
	var out []signedManifest
	for i, l := range strings.SplitAfter(string(data), "\n") {
		if l == "" {
			break
		}
		b64, ok := strings.CutPrefix(l, manifestTag)
		var signed []byte
		if ok {
			signed, err = base64.StdEncoding.Strict().DecodeString(strings.TrimSuffix(b64, "\n"))
			ok = err == nil && strings.HasSuffix(b64, "\n")
		}
		if !ok {
			return out, fmt.Errorf("%s line %d: not a manifest line", manifestsName, i+1)
		}
		m, err := parseManifest(signed)
		if err == nil && m.verifier != vkey {
			err = fmt.Errorf("names verifier key %s, not %s", keyName(m.verifier), keyName(vkey))
		}
		if err == nil {
			_, err = openNote(signed, v)
		}
		if err == nil && m.version != int64(i+1) {
			err = fmt.Errorf("is version %d, not %d: versions removed or reordered", m.version, i+1)
		}
		if err != nil {
			return out, fmt.Errorf("%s line %d: %w", manifestsName, i+1, err)
		}
		out = append(out, signedManifest{m, sha256.Sum256(signed)})
	}
	return out, nil
}

// manifestLine returns the manifests file line for a signed manifest.
func manifestLine(signed []byte) string {
	return manifestTag + base64.StdEncoding.EncodeToString(signed) + "\n"
}

// diffRecipients returns the recipients in b and not in a, and in a and not in b.
func diffRecipients(a, b []string) (added, removed []string) {
	for _, r := range b {
		if !slices.Contains(a, r) {
			added = append(added, r)
		}
	}
	for _, r := range a {
		if !slices.Contains(b, r) {
			removed = append(removed, r)
		}
	}
	return added, removed
}

// ageRecipients parses the manifest's recipients.
func (m *manifest) ageRecipients() ([]age.Recipient, error) {
	rs, err := age.ParseRecipients(strings.NewReader(strings.Join(m.recipients, "\n")))
	if err != nil {
		return nil, fmt.Errorf("store: manifest recipients: %w", err)
	}
	return rs, nil
}

func newID() string {
	var b [16]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// recipientString returns the text form of r, for the manifest.
func recipientString(r age.Recipient) (string, error) {
	s, ok := r.(fmt.Stringer)
	if !ok {
		return "", fmt.Errorf("store: recipient of type %T has no text form to record", r)
	}
	return s.String(), nil
}

// Recipients returns the age recipients named by the store's manifest in
// dir, once its signature is checked: the keys Purge re-encrypts to.
func Recipients(dir string) ([]string, error) {
	m, err := readManifest(dir)
	if err != nil {
		return nil, err
	}
	return m.recipients, nil
}
