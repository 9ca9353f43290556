//go:build unix && !linux

package gate

import (
	"errors"
	"sync/atomic"
	"syscall"
)

// Elsewhere than Linux there is no child subreaper: the gate waits for the
// job alone, and stops what is left of its process group at the end.

func becomeSubreaper() error { return errors.New("no child subreaper on this system") }

// keepInheritedFromJob marks every descriptor above stderr close-on-exec
// (see closeOnExecAbove2): os/exec closes none but its own here either.
func keepInheritedFromJob() { closeOnExecAbove2("/dev/fd") }

// hideFromJob does nothing here: Linux's /proc/PID/fd is the way it closes.
// Elsewhere a process of the same user may still ptrace the gate.
func hideFromJob() error { return nil }

// isTerminal is conservative here: any character device (a terminal, but
// also /dev/null) counts.
func isTerminal(fd uintptr) bool {
	var st syscall.Stat_t
	return syscall.Fstat(int(fd), &st) == nil && st.Mode&syscall.S_IFMT == syscall.S_IFCHR
}

func leftovers(int, bool, map[int]bool) []int { return nil }

func stillLeftover(int, int, bool, map[int]bool) (ok, member bool) { return false, false }

// seesLeftovers: without /proc the gate cannot list the job's group, so it
// signals the group by its id alone, as kill(2) does: should every member
// have ended and the id been taken by a new group of the same user in the
// second between SIGTERM and SIGKILL, that group gets the signal.
const seesLeftovers = false

// jobsGroup cannot tell here whether the job's group id went to another
// group after the job was reaped: it is assumed the job's.
func jobsGroup(int) bool { return true }

func children() map[int]bool { return nil }

type reaper struct {
	inherited map[int]bool
	exited    chan syscall.WaitStatus
	done      chan struct{}
	orphans   atomic.Int64
}

func startReaper(int, map[int]bool) *reaper { panic("gate: no reaper on this system") }
