//go:build unix

package channel

import (
	"net"
	"syscall"
	"time"
)

// drain passes what conn holds now to write, without waiting for more.
func drain(conn *net.UnixConn, buf []byte, write func([]byte)) {
	conn.SetReadDeadline(time.Time{})
	rc, err := conn.SyscallConn()
	if err != nil {
		return
	}
	rc.Read(func(fd uintptr) bool {
		for {
			n, err := syscall.Read(int(fd), buf)
			if err == syscall.EINTR {
				continue
			}
			if n <= 0 {
				return true // EAGAIN, end of data or an error: done, never wait
			}
			write(buf[:n])
		}
	})
}
