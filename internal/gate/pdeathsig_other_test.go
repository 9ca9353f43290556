//go:build unix && !linux

package gate

import "syscall"

// dieWithTest does nothing: Pdeathsig is Linux's. The tests that start
// processes run on Linux; elsewhere they only build.
func dieWithTest(*syscall.SysProcAttr) {}
