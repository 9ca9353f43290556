//go:build !unix

package scrub

import (
	"errors"
	"os"
)

// errNoUnix is returned by OpenFile where the private file's guarantees
// (O_NOFOLLOW, owner-only Unix permissions) cannot be had.
var errNoUnix = errors.New("conflog: the private-lines file needs a Unix system (O_NOFOLLOW and owner-only permissions); use scrub.Discard or a Sink of your own")

// openNoFollow refuses: without O_NOFOLLOW and Unix permission bits the file
// could follow a symbolic link or be readable by others.
func openNoFollow(path string) (*os.File, error) {
	return nil, &os.PathError{Op: "open", Path: path, Err: errNoUnix}
}
