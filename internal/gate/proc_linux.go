//go:build unix

package gate

import (
	"bytes"
	"os"
	"strconv"
	"sync/atomic"
	"syscall"

	"golang.org/x/sys/unix"
)

// becomeSubreaper makes this process the reaper of the job's orphans: a
// process the job leaves behind is reparented here, not to the host's init,
// so the gate can wait for it, count it and stop it. PID 1 is one already.
func becomeSubreaper() error {
	if os.Getpid() == 1 {
		return nil
	}
	return os.NewSyscallError("prctl(PR_SET_CHILD_SUBREAPER)", unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0))
}

// keepInheritedFromJob marks every descriptor above stderr close-on-exec.
// Go opens its own that way, but descriptors this process inherited (a
// shell's 3>/dev/tty, a runtime's leak) would pass to the job and give it a
// way out around the filters.
func keepInheritedFromJob() {
	if unix.CloseRange(3, ^uint(0), unix.CLOSE_RANGE_CLOEXEC) == nil {
		return
	}
	ents, err := os.ReadDir("/proc/self/fd") // before Linux 5.11
	if err != nil {
		return
	}
	for _, e := range ents {
		if fd, err := strconv.Atoi(e.Name()); err == nil && fd > 2 {
			unix.FcntlInt(uintptr(fd), unix.F_SETFD, unix.FD_CLOEXEC)
		}
	}
}

// isTerminal reports whether fd is a terminal.
func isTerminal(fd uintptr) bool {
	_, err := unix.IoctlGetTermios(int(fd), unix.TCGETS)
	return err == nil
}

// leftovers returns the live processes the job left behind, read from
// /proc: the members of the job's process group and, with children, this
// process's children (orphans reparented here).
func leftovers(pgid int, children bool) []int {
	ents, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	self := os.Getpid()
	var pids []int
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == self {
			continue
		}
		b, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue // gone meanwhile
		}
		// pid (comm) state ppid pgrp ...; comm may hold spaces and ')'.
		i := bytes.LastIndexByte(b, ')')
		if i < 0 {
			continue
		}
		f := bytes.Fields(b[i+1:])
		if len(f) < 3 || f[0][0] == 'Z' || f[0][0] == 'X' {
			continue
		}
		ppid, _ := strconv.Atoi(string(f[1]))
		pgrp, _ := strconv.Atoi(string(f[2]))
		if pgrp == pgid || children && ppid == self {
			pids = append(pids, pid)
		}
	}
	return pids
}

// A reaper is the only waiter for this process's children: the job, and the
// orphans reparented here. os/exec's Wait is never called, so the job's status
// cannot be taken by a wait for any child, nor the other way round.
type reaper struct {
	job     int
	exited  chan syscall.WaitStatus // the job's status, once
	done    chan struct{}           // closed when no child is left
	orphans atomic.Int64            // other children reaped
}

func startReaper(job int) *reaper {
	r := &reaper{job: job, exited: make(chan syscall.WaitStatus, 1), done: make(chan struct{})}
	go r.loop()
	return r
}

func (r *reaper) loop() {
	defer close(r.done)
	for {
		var ws syscall.WaitStatus
		pid, err := syscall.Wait4(-1, &ws, 0, nil)
		switch {
		case err == syscall.EINTR:
			continue
		case err != nil: // ECHILD: every child is reaped
			return
		case pid == r.job:
			r.exited <- ws
		default:
			r.orphans.Add(1)
		}
	}
}
