package store

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// Every file the store writes is 0600 and every directory 0700, whatever the
// process's umask: the mode passed to open(2) is only an upper bound that the
// umask narrows (umask 0777 would leave 0000), so each is chmod'ed explicitly.
const (
	fileMode = 0o600
	dirMode  = 0o700
)

// makeDir creates dir if needed and forces its mode to 0700.
func makeDir(dir string) error {
	if err := os.MkdirAll(dir, dirMode); err != nil {
		return fmt.Errorf("store: %w", err)
	}
	if err := os.Chmod(dir, dirMode); err != nil {
		return fmt.Errorf("store: %w", err)
	}
	return nil
}

// createFile opens name for writing with mode 0600, failing if it exists when
// excl is set, and truncating it otherwise.
func createFile(name string, excl bool) (*os.File, error) {
	flag := os.O_WRONLY | os.O_CREATE | os.O_TRUNC
	if excl {
		flag = os.O_WRONLY | os.O_CREATE | os.O_EXCL
	}
	return openFile(name, flag)
}

// openAppend opens name for appending with mode 0600, creating it if needed.
func openAppend(name string) (*os.File, error) {
	return openFile(name, os.O_WRONLY|os.O_CREATE|os.O_APPEND)
}

// appendDurably appends s to name and syncs it before returning.
func appendDurably(name, s string) error {
	return appendFile(name, s, true)
}

// appendFile appends s to name, and syncs it if sync is set.
func appendFile(name, s string, sync bool) error {
	f, err := openAppend(name)
	if err != nil {
		return err
	}
	if _, err := io.WriteString(f, s); err != nil {
		f.Close()
		return fmt.Errorf("store: %w", err)
	}
	if sync {
		if err := f.Sync(); err != nil {
			f.Close()
			return fmt.Errorf("store: %w", err)
		}
	}
	return f.Close()
}

// openFile opens name with flag and forces its mode to 0600.
func openFile(name string, flag int) (*os.File, error) {
	f, err := os.OpenFile(name, flag, fileMode)
	if err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	if err := f.Chmod(fileMode); err != nil {
		f.Close()
		return nil, fmt.Errorf("store: %w", err)
	}
	return f, nil
}

// writeFileAtomic replaces name with data: a 0600 temporary file in the same
// directory, synced, then renamed over name, so a crash leaves the old or the
// new content and never a mix.
func writeFileAtomic(name string, data []byte) error {
	tmp := name + ".tmp"
	f, err := createFile(tmp, false)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		os.Remove(tmp)
		return fmt.Errorf("store: %w", err)
	}
	return commitTemp(f, name)
}

// commitTemp syncs and closes f, a temporary file, renames it to name and
// syncs the directory so the rename itself is durable.
func commitTemp(f *os.File, name string) error {
	tmp := f.Name()
	if err := f.Sync(); err != nil {
		f.Close()
		os.Remove(tmp)
		return fmt.Errorf("store: %w", err)
	}
	if err := f.Close(); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("store: %w", err)
	}
	if err := os.Rename(tmp, name); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("store: %w", err)
	}
	return syncDir(filepath.Dir(name))
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("store: %w", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("store: sync %s: %w", dir, err)
	}
	return nil
}
