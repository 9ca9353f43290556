//go:build unix

package gate

import (
	"bytes"
	"os"
	"strconv"
	"sync"
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

// hideFromJob makes this process not dumpable (PR_SET_DUMPABLE 0). A
// process of the same user can otherwise open this one's descriptors
// through /proc/PID/fd: echo … > /proc/$PPID/fd/1 in the job writes to the
// gate's own stdout, round every filter. Not dumpable, only a process with
// CAP_SYS_PTRACE may open them, read or write this one's memory
// (/proc/PID/mem, process_vm_writev) or ptrace it; nor is a core of the
// gate, which would hold private lines, written. The job is dumpable again
// once it execs (execve resets the flag), as any program expects.
//
// Other processes of the same user that hold the same stdout, a shell that
// ran conflog without exec above all, are not this process's to protect:
// docs/gate.md says how to deploy so that there are none.
func hideFromJob() error {
	return os.NewSyscallError("prctl(PR_SET_DUMPABLE)", unix.Prctl(unix.PR_SET_DUMPABLE, 0, 0, 0, 0))
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

// procStat reads the parent, the process group and the state of pid from
// /proc.
func procStat(pid int) (ppid, pgrp int, state byte, ok bool) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, 0, 0, false
	}
	// pid (comm) state ppid pgrp ...; comm may hold spaces and ')'.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, 0, 0, false
	}
	f := bytes.Fields(b[i+1:])
	if len(f) < 3 {
		return 0, 0, 0, false
	}
	ppid, _ = strconv.Atoi(string(f[1]))
	pgrp, _ = strconv.Atoi(string(f[2]))
	return ppid, pgrp, f[0][0], true
}

// eachLive calls f with every live process but this one, read from /proc:
// its pid, parent and process group.
func eachLive(f func(pid, ppid, pgrp int)) {
	ents, err := os.ReadDir("/proc")
	if err != nil {
		return
	}
	self := os.Getpid()
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == self {
			continue
		}
		if ppid, pgrp, state, ok := procStat(pid); ok && state != 'Z' && state != 'X' {
			f(pid, ppid, pgrp)
		}
	}
}

// leftovers returns the live processes the job left behind, read from
// /proc: the members of the job's process group and, with children, this
// process's children (orphans reparented here) but those in inherited.
func leftovers(pgid int, children bool, inherited map[int]bool) []int {
	if !jobsGroup(pgid) {
		pgid = -1 // another's group now: none of its members is the job's
	}
	self := os.Getpid()
	var pids []int
	eachLive(func(pid, ppid, pgrp int) {
		if isLeftover(self, pid, ppid, pgrp, pgid, children, inherited) {
			pids = append(pids, pid)
		}
	})
	return pids
}

func isLeftover(self, pid, ppid, pgrp, pgid int, children bool, inherited map[int]bool) bool {
	return pgrp == pgid || children && ppid == self && !inherited[pid]
}

// stillLeftover reports whether pid, as /proc shows it now, is a live
// leftover, and whether it is a member of the group pgid. Called once the
// process found is pinned (see stopLeftovers), it proves that the pin holds
// that process and not one that took its pid since.
func stillLeftover(pid, pgid int, children bool, inherited map[int]bool) (ok, member bool) {
	if !jobsGroup(pgid) {
		pgid = -1
	}
	ppid, pgrp, state, found := procStat(pid)
	if !found || state == 'Z' || state == 'X' {
		return false, false
	}
	return isLeftover(os.Getpid(), pid, ppid, pgrp, pgid, children, inherited), pgrp == pgid
}

// seesLeftovers: leftovers reads /proc, so stopLeftovers signals the job's
// group only while it has a member it found.
const seesLeftovers = true

// jobsGroup reports whether the process group pgid, the job's, is still the
// job's once the job has been reaped: its number, the job's pid, stays
// taken while the group has a member, so a live process with that pid means
// the group emptied and the number went to another process, whose group it
// may now name. (Between this check and the kill(2) that follows, the
// number would have to be freed and handed out again: the kernel cycles
// through every other pid first.)
func jobsGroup(pgid int) bool {
	_, _, state, found := procStat(pgid)
	return !found || state == 'Z' || state == 'X'
}

// A reaper is the only waiter for this process's children: the job, and the
// orphans reparented here. os/exec's Wait is never called, so the job's status
// cannot be taken by a wait for any child, nor the other way round.
//
// The children this process had before the job started are not the job's:
// bash's process substitution (conflog run … 2> >(tee log >&2)) makes the
// reader of the gate's own output one, a wrapper that starts a daemon and
// then execs the gate another. They are reaped when they end, but not
// counted, waited for or stopped.
type reaper struct {
	job       int
	inherited map[int]bool            // children before the job; read only
	exited    chan syscall.WaitStatus // the job's status, once
	done      chan struct{}           // closed when the job and every child but the inherited ones are gone
	orphans   atomic.Int64            // other children reaped
}

// children returns this process's live children, read from /proc.
func children() map[int]bool {
	self := os.Getpid()
	kids := map[int]bool{}
	eachLive(func(pid, ppid, _ int) {
		if ppid == self {
			kids[pid] = true
		}
	})
	return kids
}

// startReaper starts the reaper of the job; inherited are the children
// this process had before it started the job (children(), read then).
func startReaper(job int, inherited map[int]bool) *reaper {
	r := &reaper{job: job, inherited: inherited, exited: make(chan syscall.WaitStatus, 1), done: make(chan struct{})}
	go r.loop()
	return r
}

func (r *reaper) loop() {
	var once sync.Once
	end := func() { once.Do(func() { close(r.done) }) }
	defer end()
	jobGone := false
	for {
		var ws syscall.WaitStatus
		pid, err := syscall.Wait4(-1, &ws, 0, nil)
		switch {
		case err == syscall.EINTR:
			continue
		case err != nil: // ECHILD: every child is reaped
			return
		case pid == r.job:
			jobGone = true
			r.exited <- ws
		case r.inherited[pid]:
		default:
			r.orphans.Add(1)
		}
		// Each end of a child of the job's is a wait here, and every
		// process the job left behind descends from a live child of this
		// one: once none but the inherited is left after one, the job's
		// processes are all gone. Without inherited children, ECHILD says
		// so, and no reap costs a look at /proc.
		if jobGone && len(r.inherited) > 0 && !r.jobsLeft() {
			end()
		}
	}
}

// jobsLeft reports whether a child of this process other than the inherited
// ones still lives.
func (r *reaper) jobsLeft() bool {
	for pid := range children() {
		if !r.inherited[pid] {
			return true
		}
	}
	return false
}
