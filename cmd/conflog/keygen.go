//go:build unix

package main

import (
	"crypto/rand"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"filippo.io/age"
	"github.com/conflog/conflog/store"
	"golang.org/x/mod/sumdb/note"
)

const keygenUsage = `Usage: conflog keygen [--name NAME] DIR

Examples:
  conflog keygen keys
  conflog keygen --name team-fraud-model keys

Writes the keys of a sealed store into DIR (created 0700; files 0600; never
overwritten) and prints the two public halves:

  DIR/identity   age identity: decrypts the store (cat, purge, verify -i).
                 Keep it OFF the job's host, with the investigators.
  DIR/recipient  age recipient (public): the job encrypts to it. It also
                 names, in a comment, the identity's purge key (public),
                 which the store records so that a key-less verify can
                 tell a segment purge re-encrypted from a replaced one.
  DIR/signer     checkpoint signing key: the job signs checkpoints with it.
                 It lives on the job's host; whoever holds it can sign.
  DIR/verifier   checkpoint verifier key (public): auditors pin it
                 (conflog verify --key DIR/verifier).

Flags:
  --name NAME   the signer's name in checkpoints (default "conflog-store")
`

// purgerComment starts the recipient file's line naming the purge key.
const purgerComment = "conflog purger: "

var keygenCommand = &command{
	name:    "keygen",
	exits:   "0 keys written, 1 a key file exists already or could not be written, 2 usage error.",
	summary: "make a sealed store's age identity and checkpoint signing key",
	main:    keygenMain,
}

func keygenMain(c *cli, args []string) int {
	fs := newFlagSet("keygen")
	name := fs.String("name", "conflog-store", "")
	pos, code, ok := parseArgs(c, fs, keygenUsage, args)
	if !ok {
		return code
	}
	if len(pos) != 1 {
		c.errorf("takes one directory, got %d arguments", len(pos))
		c.hintf("run 'conflog keygen --help' for usage")
		return exitUsage
	}
	if *name == "" || strings.ContainsAny(*name, "+ \t\n") {
		c.errorf("--name %q: a key name may not be empty or hold '+' or spaces", *name)
		c.hintf("run 'conflog keygen --help' for usage")
		return exitUsage
	}
	dir := pos[0]
	files := []string{"identity", "recipient", "signer", "verifier"}
	for _, f := range files {
		if _, err := os.Lstat(filepath.Join(dir, f)); err == nil {
			c.errorf("%s already exists: keygen never overwrites keys", filepath.Join(dir, f))
			c.hintf("choose another directory, or move the old keys away first")
			return exitFail
		}
	}

	id, err := age.GenerateX25519Identity()
	if err != nil {
		c.errorf("generating the age identity: %v", err)
		return exitFail
	}
	skey, vkey, err := note.GenerateKey(rand.Reader, *name)
	if err != nil {
		c.errorf("generating the signing key: %v", err)
		return exitFail
	}
	recipient := id.Recipient().String()
	now := time.Now().UTC().Format(time.RFC3339)
	contents := []string{
		fmt.Sprintf("# created: %s\n# public key: %s\n%s\n", now, recipient, id),
		fmt.Sprintf("# %s%s\n%s\n", purgerComment, store.PurgerKey(id), recipient),
		skey + "\n",
		vkey + "\n",
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		c.errorf("%v", err)
		return exitFail
	}
	if err := os.Chmod(dir, 0o700); err != nil {
		c.errorf("%v", err)
		return exitFail
	}
	for i, f := range files {
		if err := writeNewFile(filepath.Join(dir, f), contents[i]); err != nil {
			c.errorf("%v", err)
			return exitFail
		}
	}
	fmt.Fprintf(c.stdout, "recipient: %s\nverifier: %s\n", recipient, vkey)
	return exitOK
}

// writeNewFile creates name with mode 0600 whatever the umask, failing if it
// exists.
func writeNewFile(name, content string) error {
	f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		return err
	}
	if _, err := f.WriteString(content); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
