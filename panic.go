package conflog

import (
	"fmt"
	"log/slog"
	"runtime"
	"strings"
)

// HandlePanic logs a panic as public lines, then panics again with the same
// value. Use it deferred, at the top of main and of each goroutine:
//
//	defer conflog.HandlePanic(logger)
//
// It writes one line "panic" with the value's type and the value, then one
// line "panic frame" per stack frame with the function and file:line. The
// value is scrubbed unless it is a runtime.Error (integer divide by zero,
// index out of range: fixed texts), a PublicError or made by Errorf; other
// errors print their scrubbed type chain. Go frames carry no argument
// values, so none are printed. If there is no panic, HandlePanic does
// nothing.
func HandlePanic(logger *slog.Logger) {
	r := recover()
	if r == nil {
		return
	}
	// Panic again even if logging panics (a nil logger, a writer that
	// panics): the job must not carry on as if nothing happened.
	defer panic(r)
	if logger != nil {
		logPanic(logger, r)
	}
}

// logPanic writes the lines of HandlePanic, from inside the deferred call,
// where the panicking frames are still on the stack.
func logPanic(logger *slog.Logger, r any) {
	pcs := make([]uintptr, 64)
	n := runtime.Callers(3, pcs) // skip Callers, logPanic, HandlePanic
	frames := runtime.CallersFrames(pcs[:n])
	type frame struct {
		function, at string
	}
	var list []frame
	for {
		f, more := frames.Next()
		switch {
		case f.Function == "runtime.gopanic":
			// Frames above it are the deferred call's, not the panic's.
			list = list[:0]
		case strings.HasPrefix(f.Function, "runtime."):
			// The runtime's own frames (panicdivide, sigpanic, goexit...)
			// say nothing about the job.
		default:
			list = append(list, frame{f.Function, fmt.Sprintf("%s:%d", f.File, f.Line)})
		}
		if !more {
			break
		}
	}
	logger.Error("panic", Public, "type", fmt.Sprintf("%T", r), "value", panicValue(r), "frames", len(list))
	for i, f := range list {
		logger.Error("panic frame", Public, "frame", i, "function", f.function, "at", f.at)
	}
}

// panicValue is what a public line may say of a panic's value.
func panicValue(r any) string {
	switch v := r.(type) {
	case runtime.Error:
		return v.Error()
	case error:
		return scrubError(v)
	}
	return scrubbed
}
