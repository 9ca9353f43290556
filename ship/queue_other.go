//go:build !unix

package ship

import (
	"errors"
	"fmt"
	"os"
)

// oNoFollow has no counterpart here. It is never used: lockQueue refuses, so
// no queue is opened and no queue file is ever opened on such a system.
const oNoFollow = 0

// errNoUnix is why a queue cannot be opened here.
var errNoUnix = errors.New("conflog: the shipping queue needs a Unix system (flock(2) and O_NOFOLLOW)")

// lockQueue refuses: a queue without its exclusive lock could be drained by
// two processes at once, and its files could be symbolic links.
func lockQueue(dir string) (*os.File, error) {
	return nil, fmt.Errorf("queue %s: %w", dir, errNoUnix)
}
