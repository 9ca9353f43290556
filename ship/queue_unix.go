//go:build unix

package ship

import (
	"fmt"
	"os"
	"path/filepath"
	"syscall"
)

// oNoFollow makes every open of a queue file refuse a symbolic link.
const oNoFollow = syscall.O_NOFOLLOW

// lockQueue takes the queue directory's exclusive lock: flock(2) on
// DIR/lock, which the kernel drops when its holder dies.
func lockQueue(dir string) (*os.File, error) {
	lock, err := os.OpenFile(filepath.Join(dir, "lock"), os.O_RDWR|os.O_CREATE|oNoFollow, 0o600)
	if err != nil {
		return nil, fmt.Errorf("queue: %w", err)
	}
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		lock.Close()
		return nil, fmt.Errorf("queue %s: %w (%v)", dir, ErrQueueInUse, err)
	}
	return lock, nil
}
