//go:build !linux

package ship

// lowerPriority does nothing: outside Linux a nice value is the process's,
// and the gate's output path must not be slowed with the deliverer.
func lowerPriority() (restore func() bool) { return func() bool { return true } }
