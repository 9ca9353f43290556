//go:build unix

package store

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
)

// lockDir takes the store's exclusive lock: flock(2) on DIR/lock. The kernel
// drops a flock when its holder dies, however it dies, so a crashed writer
// never leaves the store stuck; the pid written into the file is only a hint
// for the error message.
func lockDir(dir string) (*os.File, error) {
	name := filepath.Join(dir, lockName)
	f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE, fileMode)
	if err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	if err := f.Chmod(fileMode); err != nil {
		f.Close()
		return nil, fmt.Errorf("store: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		holder, _ := os.ReadFile(name)
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			if pid, err := strconv.Atoi(string(holder)); err == nil {
				return nil, fmt.Errorf("store: %s: %w (pid %d)", dir, ErrLocked, pid)
			}
			return nil, fmt.Errorf("store: %s: %w", dir, ErrLocked)
		}
		return nil, fmt.Errorf("store: locking %s: %w", name, err)
	}
	f.Truncate(0)
	f.WriteAt([]byte(strconv.Itoa(os.Getpid())), 0)
	return f, nil
}
