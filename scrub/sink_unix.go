//go:build unix

package scrub

import (
	"fmt"
	"io/fs"
	"os"
	"syscall"
)

// openNoFollow opens path for appending, creating it with mode 0600; a
// symbolic link in the last element is refused (O_NOFOLLOW), not followed.
func openNoFollow(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE|syscall.O_NOFOLLOW, 0o600)
	if err != nil {
		if pe, ok := err.(*fs.PathError); ok && pe.Err == syscall.ELOOP {
			return nil, fmt.Errorf("private file %s: is a symbolic link, refusing to follow it", path)
		}
		return nil, fmt.Errorf("private file: %w", err)
	}
	return f, nil
}
