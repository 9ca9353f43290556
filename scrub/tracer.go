package scrub

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
