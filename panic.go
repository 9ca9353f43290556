package conflog

import (
	"fmt"
	"log/slog"
	"runtime"
	"strconv"
	"strings"

	"github.com/conflog/conflog/internal/gocrash"
)

// HandlePanic logs a panic as public lines, then panics again with the same
// value. Use it deferred, at the top of main and of each goroutine:
//
//	defer conflog.HandlePanic(logger)
//
// It writes one line "panic" with the value's type and the value, then one
// line "panic frame" per stack frame with the function and file:line. It
// scrubs as the egress gate scrubs a Go panic: the value is scrubbed unless
// it is an error of package runtime (its class is kept, its numbers go:
// "runtime error: index out of range [scrubbed]"), a PublicError or made by
// Errorf; other errors print their scrubbed type chain. A path loses its
// home directory ("~/src/job/main.go") and any component that is not
// plausibly code; a function name not shaped as a Go symbol is scrubbed. Go
// frames carry no argument values, so none are printed. If there is no
// panic, HandlePanic does nothing.
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
			// As the gate shows a Go trace: the function if shaped as a
			// symbol, the path without its home directory or data-shaped
			// components.
			list = append(list, frame{gocrash.FuncName(f.Function), gocrash.Path(f.File) + ":" + strconv.Itoa(f.Line)})
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

// panicValue is what a public line may say of a panic's value: for the
// runtime's own errors, the class and not the numbers ("runtime error: index
// out of range [scrubbed]"), as the gate says it of a Go panic; for other
// errors their scrubbed chain.
func panicValue(r any) string {
	switch v := r.(type) {
	case runtime.Error:
		if fromRuntime(v) {
			return gocrash.RuntimeMessage(v.Error())
		}
		return scrubError(v)
	case error:
		return scrubError(v)
	}
	return scrubbed
}
