package ship

import "golang.org/x/sys/unix"

// deliveryNice is the nice value of the deliverer's thread: the job's
// output path runs first when the CPU is short.
const deliveryNice = 10

// lowerPriority raises the nice value of the calling thread (on Linux, a
// nice value is per thread), which the caller has locked to its goroutine.
// Raising it needs no privilege; a failure leaves the thread as it was.
func lowerPriority() {
	tid := unix.Gettid()
	if cur, err := unix.Getpriority(unix.PRIO_PROCESS, tid); err == nil && 20-cur >= deliveryNice {
		return // already as low (the kernel returns 20-nice)
	}
	unix.Setpriority(unix.PRIO_PROCESS, tid, deliveryNice)
}
