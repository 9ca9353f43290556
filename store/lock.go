package store

import (
	"errors"
	"os"
)

// lockName is the lock file in a store directory.
const lockName = "lock"

// ErrLocked is returned (wrapped) when another process holds a store's lock.
var ErrLocked = errors.New("store is locked by another process")

// unlock releases the lock. The file stays: removing it would race with a
// process that has opened it and is about to lock it.
func unlock(f *os.File) error {
	return f.Close()
}
