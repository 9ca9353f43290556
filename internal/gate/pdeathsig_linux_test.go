package gate

import "syscall"

// dieWithTest has the kernel send the process SIGTERM should this test
// binary die first.
func dieWithTest(attr *syscall.SysProcAttr) { attr.Pdeathsig = syscall.SIGTERM }
