//go:build unix

package gate

import (
	"os"
	"strconv"
	"syscall"
)

// maxScannedFD bounds the descriptors closeOnExecAbove2 marks one by one
// where no directory lists them.
const maxScannedFD = 1 << 16

// closeOnExecAbove2 marks close-on-exec every descriptor above stderr that
// dir (/dev/fd) lists; where it lists none above stderr (FreeBSD without
// fdescfs shows 0 to 2 only), every number below maxScannedFD. It is
// keepInheritedFromJob where Linux's close_range(2) is not: the job must
// not inherit a descriptor this process was given (a shell's 3>/dev/tty,
// a CI runner's leak), which would let it write round the filters.
func closeOnExecAbove2(dir string) {
	listed := false
	if ents, err := os.ReadDir(dir); err == nil {
		for _, e := range ents {
			if fd, err := strconv.Atoi(e.Name()); err == nil && fd > 2 {
				syscall.CloseOnExec(fd)
				listed = true // ReadDir's own descriptor is listed too, closed since
			}
		}
	}
	if listed {
		return
	}
	for fd := 3; fd < maxScannedFD; fd++ {
		syscall.CloseOnExec(fd) // EBADF for a number not open: nothing to do
	}
}
