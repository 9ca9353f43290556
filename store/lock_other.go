//go:build !unix

package store

import (
	"errors"
	"fmt"
	"os"
)

// errNoUnix is why a store cannot be opened for writing here.
var errNoUnix = errors.New("conflog: the sealed store's lock needs a Unix system (flock(2))")

// lockDir refuses: a store written without its exclusive lock could be
// appended to by two writers at once and break its hash chain.
func lockDir(dir string) (*os.File, error) {
	return nil, fmt.Errorf("store: %s: %w", dir, errNoUnix)
}
