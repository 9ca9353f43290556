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

// A manifest is the content of DIR/store. It is not signed: the ID is pinned by
// every checkpoint's origin, the verifier key can be pinned by the verifier
// (verify --key) and the recipients only say whom purge re-encrypts to.
type manifest struct {
	id         string
	verifier   string   // note verifier key
	recipients []string // age recipients, e.g. "age1…"
}

func (m *manifest) marshal() []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "conflog store v1\nid %s\nverifier %s\n", m.id, m.verifier)
	for _, r := range m.recipients {
		fmt.Fprintf(&b, "recipient %s\n", r)
	}
	return b.Bytes()
}

func parseManifest(data []byte) (*manifest, error) {
	lines := strings.Split(string(data), "\n")
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
