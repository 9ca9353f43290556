package store

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
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
	verifier   string   // note verifier key
	recipients []string // age recipients, e.g. "age1…"
}

// marshal returns the manifest's text, the body of its note.
func (m *manifest) marshal() []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "conflog store v1\nid %s\nverifier %s\n", m.id, m.verifier)
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
	if len(lines) < 5 || lines[len(lines)-1] != "" || lines[0] != "conflog store v1" {
		return nil, errors.New("not a conflog store v1 manifest")
	}
	m := &manifest{}
	var ok bool
	if m.id, ok = strings.CutPrefix(lines[1], "id "); !ok || !validID(m.id) {
		return nil, fmt.Errorf("line 2: %q is not \"id <32 hex digits>\"", lines[1])
	}
	if m.verifier, ok = strings.CutPrefix(lines[2], "verifier "); !ok {
		return nil, fmt.Errorf("line 3: %q is not \"verifier <key>\"", lines[2])
	}
	if _, err := note.NewVerifier(m.verifier); err != nil {
		return nil, fmt.Errorf("line 3: verifier key: %w", err)
	}
	for i, l := range lines[3 : len(lines)-1] {
		r, ok := strings.CutPrefix(l, "recipient ")
		if !ok {
			return nil, fmt.Errorf("line %d: %q is not \"recipient <age recipient>\"", i+4, l)
		}
		m.recipients = append(m.recipients, r)
	}
	return m, nil
}

func readManifest(dir string) (*manifest, error) {
	data, err := os.ReadFile(filepath.Join(dir, manifestName))
	if err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	m, err := parseManifest(data)
	if err != nil {
		return nil, fmt.Errorf("store: %s: %w", filepath.Join(dir, manifestName), err)
	}
	return m, nil
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
