//go:build !unix

package rsyslogtest

// Pause would stop rsyslogd with SIGSTOP, which this system lacks. It panics
// rather than return with the server still reading: a test that relies on a
// hung server must not pass against a live one.
func (r *Server) Pause() {
	panic("rsyslogtest: Pause needs SIGSTOP, a Unix signal")
}

// Resume would continue a paused rsyslogd with SIGCONT; see Pause.
func (r *Server) Resume() {
	panic("rsyslogtest: Resume needs SIGCONT, a Unix signal")
}
