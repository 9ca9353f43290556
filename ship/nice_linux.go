package ship

import "golang.org/x/sys/unix"

// deliveryNice is the nice value of the deliverer's thread: the job's
// output path runs first when the CPU is short.
const deliveryNice = 10

// lowerPriority raises the nice value of the calling thread (on Linux, a
// nice value is per thread), which the caller has locked to its goroutine.
// Raising it needs no privilege; a failure leaves the thread as it was.
//
// restore puts the thread's nice value back and reports whether it could:
// lowering a nice value needs CAP_SYS_NICE. Only a thread that is back at
// its old priority may return to the runtime's pool; any other must end
// with its goroutine, so that no other goroutine runs slowed by it.
func lowerPriority() (restore func() bool) {
	tid := unix.Gettid()
	cur, err := unix.Getpriority(unix.PRIO_PROCESS, tid)
	if err != nil || 20-cur >= deliveryNice {
		return func() bool { return err == nil } // already as low (the kernel returns 20-nice): nothing to undo
	}
	if unix.Setpriority(unix.PRIO_PROCESS, tid, deliveryNice) != nil {
		return func() bool { return true }
	}
	return func() bool { return unix.Setpriority(unix.PRIO_PROCESS, tid, 20-cur) == nil }
}
