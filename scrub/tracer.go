package scrub

import (
	"os"
	"syscall"
)

// A Tracer finds crash traces (Go panics, Python tracebacks) among a stream's
// private lines and re-emits them scrubbed: frames and exception types kept,
// messages and arguments removed. The gate prefixes each line it emits.
// Package traceback's *Scrubber is the implementation; the interface lives
// here so the gate does not depend on how traces are parsed.
//
// One Tracer serves one stream, from one goroutine.
type Tracer interface {
	// Line feeds one private line, without its end. emit receives zero or
	// more scrubbed, unprefixed, single-line public lines; each is valid only
	// during the call.
	Line(line []byte, emit func(public []byte))

	// Flush ends the stream, emitting whatever a truncated trace still holds.
	Flush(emit func(public []byte))

	// InMessage reports whether the next line would continue a Python
	// exception message. Such a line is private even if it starts with the
	// prefix, because the message is data.
	InMessage() bool

	// Traces returns the number of traces seen so far.
	Traces() int
}

// A CrashTracer is a Tracer that also tells how the trace in progress would
// end its process. [Options.FinalTraceOnly] needs one; package traceback's
// *Scrubber is one.
type CrashTracer interface {
	Tracer

	// Crash reports whether a trace is in progress and, if it is a crash a
	// process dies of, the status of that death: an exit code, or a signal
	// (then code is -1). A trace that no process dies of, or that is not
	// complete, gives code -1 and no signal.
	Crash() (code int, sig syscall.Signal, inTrace bool)
}

// ExitStatus is how a process ended: its exit code, or the signal that
// killed it (then Code is -1, as [os.ProcessState.ExitCode] reports it).
type ExitStatus struct {
	Code   int
	Signal syscall.Signal
}

// StatusOf returns the exit status of a process that has ended. A nil state,
// or one that is not a wait status, gives Code -1 and no signal: a status no
// crash matches.
func StatusOf(ps *os.ProcessState) ExitStatus {
	if ps == nil {
		return ExitStatus{Code: -1}
	}
	if ws, ok := ps.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return ExitStatus{Code: -1, Signal: ws.Signal()}
	}
	return ExitStatus{Code: ps.ExitCode()}
}

// crashState is what a CrashTracer said at the end of a stream.
type crashState struct {
	code    int
	sig     syscall.Signal
	inTrace bool
}

// ends reports whether a process that ended with st died of this crash.
func (c crashState) ends(st ExitStatus) bool {
	if !c.inTrace {
		return false
	}
	if c.sig != 0 {
		return st.Signal == c.sig
	}
	return c.code >= 0 && st.Signal == 0 && st.Code == c.code
}
