//go:build unix

package rsyslogtest

import "syscall"

// Pause stops rsyslogd (SIGSTOP): connections are accepted by the kernel,
// but nothing reads them, as with a server that hangs.
func (r *Server) Pause() { r.cmd.Process.Signal(syscall.SIGSTOP) }

// Resume continues a paused rsyslogd (SIGCONT).
func (r *Server) Resume() { r.cmd.Process.Signal(syscall.SIGCONT) }
