//go:build unix

package gate

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"
)

// closeOnExecAbove2 is keepInheritedFromJob outside Linux (macOS, the
// BSDs), where it did nothing: a descriptor the gate inherited (3>/dev/tty)
// passed to the job, a way round the filters. Checked here on what this
// system lists in /dev/fd, and on a directory that lists nothing (FreeBSD
// without fdescfs), where every number is marked.
func TestCloseOnExecAbove2(t *testing.T) {
	for _, dir := range []string{"/dev/fd", filepath.Join(t.TempDir(), "none")} {
		// As an inherited descriptor is: open, not close-on-exec. Under
		// ForkLock, so that no test's child inherits it meanwhile.
		syscall.ForkLock.Lock()
		fd, err := syscall.Open(os.DevNull, syscall.O_RDONLY, 0)
		if err == nil {
			closeOnExecAbove2(dir)
		}
		syscall.ForkLock.Unlock()
		if err != nil {
			t.Fatal(err)
		}
		flags, err := unix.FcntlInt(uintptr(fd), unix.F_GETFD, 0)
		syscall.Close(fd)
		if err != nil || flags&unix.FD_CLOEXEC == 0 {
			t.Errorf("%s: descriptor %d is not close-on-exec (flags %#x, %v)", dir, fd, flags, err)
		}
	}
}
