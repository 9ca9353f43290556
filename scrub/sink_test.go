//go:build unix

package scrub

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestOpenFileMode0600WhateverTheUmask guards the private file's mode.
func TestOpenFileMode0600WhateverTheUmask(t *testing.T) {
	for _, umask := range []int{0, 0o022, 0o277} {
		old := syscall.Umask(umask)
		path := filepath.Join(t.TempDir(), "private.log")
		s, err := OpenFile(path)
		syscall.Umask(old)
		if err != nil {
			t.Fatalf("umask %#o: %v", umask, err)
		}
		s.Line([]byte("secret"))
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if perm := fi.Mode().Perm(); perm != 0o600 {
			t.Errorf("umask %#o: private file mode %#o, want 0600", umask, perm)
		}
	}
}

func TestOpenFileAppends(t *testing.T) {
	path := filepath.Join(t.TempDir(), "private.log")
	for _, line := range []string{"one", "two"} {
		s, err := OpenFile(path)
		if err != nil {
			t.Fatal(err)
		}
		s.Line([]byte(line))
		s.Close()
	}
	if b, _ := os.ReadFile(path); string(b) != "one\ntwo\n" {
		t.Errorf("private file = %q, want both runs appended", b)
	}
}

func TestOpenFileRefuses(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "target")
	os.WriteFile(target, nil, 0o600)
	link := filepath.Join(dir, "link")
	os.Symlink(target, link)
	readable := filepath.Join(dir, "readable")
	os.WriteFile(readable, []byte("old\n"), 0o644)
	os.Chmod(readable, 0o644)
	for path, want := range map[string]string{
		link:     "symbolic link",
		dir:      "is a directory",
		readable: "lets others read",
	} {
		if _, err := OpenFile(path); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("OpenFile(%s) = %v, want an error saying %q", path, err, want)
		}
	}
}
