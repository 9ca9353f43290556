//go:build unix

package main

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"filippo.io/age"
	"golang.org/x/mod/sumdb/note"
)

// errReadable is returned for a secret key file others can read.
var errReadable = errors.New("is readable by its group or others")

// openSecret opens a secret key file, refusing one whose mode lets anyone
// but its owner read it, as --private file: refuses a readable file.
func openSecret(path string) (*os.File, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	if st.Mode().Perm()&0o077 != 0 {
		f.Close()
		return nil, fmt.Errorf("%s %w (mode %04o)", path, errReadable, st.Mode().Perm())
	}
	return f, nil
}

// readIdentities reads an age identity file (as age-keygen and conflog keygen
// write them); it must be readable only by its owner.
func readIdentities(path string) ([]age.Identity, error) {
	f, err := openSecret(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	ids, err := age.ParseIdentities(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return ids, nil
}

// identityFlag reads -i's identity file for a store verb, reporting why not.
func identityFlag(c *cli, path string) ([]age.Identity, int, bool) {
	ids, err := readIdentities(path)
	if err != nil {
		c.errorf("-i: %v", err)
		if errors.Is(err, errReadable) {
			c.hintf("a secret key must be readable by its owner only: chmod 600 %s", path)
		} else {
			c.hintf("pass the 'identity' file conflog keygen wrote")
		}
		return nil, exitUsage, false
	}
	return ids, exitOK, true
}

// readVerifierKey takes a note verifier key itself or a file holding one.
func readVerifierKey(arg string) (string, error) {
	key := arg
	if b, err := os.ReadFile(arg); err == nil {
		key = strings.TrimSpace(string(b))
	} else if !errors.Is(err, os.ErrNotExist) {
		return "", err
	} else if strings.ContainsAny(arg, "/\\") {
		return "", err
	}
	if _, err := note.NewVerifier(key); err != nil {
		return "", fmt.Errorf("%s: not a verifier key (%v)", arg, err)
	}
	return key, nil
}

// plural formats a count of things: "1 problem", "2 problems".
func plural(n int, thing string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, thing)
	}
	return fmt.Sprintf("%d %ss", n, thing)
}
