package conflog

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"reflect"
	"runtime"
	"strings"
	"syscall"

	"github.com/conflog/conflog/internal/gocrash"
)

// scrubbed stands where a public line leaves out a message or a value.
const scrubbed = "[scrubbed]"

// PublicError marks err's message as public: in a public record it prints
// err.Error() in full. Use it for errors whose text your own code wrote from
// constants. It returns nil for a nil err; errors.Is and errors.As see
// through it.
func PublicError(err error) error {
	if err == nil {
		return nil
	}
	return &publicError{err}
}

type publicError struct{ err error }

func (e *publicError) Error() string { return e.err.Error() }
func (e *publicError) Unwrap() error { return e.err }

// Errorf is fmt.Errorf whose format string is code, and so public: in a
// public record it prints the format with every argument replaced by
// [scrubbed], and every %w argument by its own scrubbed form. Its Error
// method, and errors.Is and errors.As, behave exactly as fmt.Errorf's.
func Errorf(format string, args ...any) error {
	return &formatError{format: format, args: args, err: fmt.Errorf(format, args...)}
}

type formatError struct {
	format string
	args   []any
	err    error // what fmt.Errorf made of format and args
}

func (e *formatError) Error() string { return e.err.Error() }

// Unwrap returns the %w arguments, as fmt.Errorf's errors do.
func (e *formatError) Unwrap() []error {
	switch u := e.err.(type) {
	case interface{ Unwrap() error }:
		if w := u.Unwrap(); w != nil {
			return []error{w}
		}
	case interface{ Unwrap() []error }:
		return u.Unwrap()
	}
	return nil
}

// scrubError renders err for a public line: each error in its chain as its
// type and [scrubbed], e.g. "*fs.PathError: [scrubbed]: syscall.Errno: no
// such file or directory". Kept in full: PublicError messages, the format of
// Errorf, syscall.Errno (its text comes from a fixed table, never from data)
// and the standard library's sentinel errors. Of the runtime's own errors
// the class is kept and the numbers go, as the gate scrubs Go panics ("runtime
// error: index out of range [scrubbed]": an index can be data); a
// runtime.Error of any other package is scrubbed like any error.
func scrubError(err error) string {
	var b strings.Builder
	writeScrubbed(&b, err, 0)
	if fmtPanicked(b.String()) {
		// An argument of Errorf, scrubbed by fmt.Errorf through its
		// Format method, walked a chain whose Unwrap panicked.
		return scrubbedPanic(reflect.TypeOf(err).String())
	}
	return b.String()
}

// maxErrorDepth bounds how deep scrubError follows a chain, and
// maxScrubbedLen how much it writes: a cyclic or absurdly deep chain, or one
// whose Unwrap returns several errors at every level (a tree of 8^16 nodes
// within the depth), must not hang a log call.
const (
	maxErrorDepth  = 16
	maxScrubbedLen = 16 << 10
)

// sentinels are errors whose messages are constants of the standard library.
var sentinels = []error{
	io.EOF, io.ErrUnexpectedEOF, io.ErrClosedPipe, io.ErrShortWrite, io.ErrNoProgress,
	context.Canceled, context.DeadlineExceeded,
	fs.ErrNotExist, fs.ErrExist, fs.ErrPermission, fs.ErrInvalid, fs.ErrClosed,
}

func writeScrubbed(b *strings.Builder, err error, depth int) {
	if depth >= maxErrorDepth || b.Len() >= maxScrubbedLen {
		b.WriteString("…")
		return
	}
	switch e := err.(type) {
	case nil:
		b.WriteString("<nil>")
		return
	case *publicError:
		b.WriteString(e.Error())
		return
	case *formatError:
		args := make([]any, len(e.args))
		for i, a := range e.args {
			if ae, ok := a.(error); ok {
				args[i] = scrubbedError{ae, depth + 1}
			} else {
				args[i] = scrubbedArg{}
			}
		}
		b.WriteString(fmt.Errorf(e.format, args...).Error())
		return
	case syscall.Errno:
		b.WriteString(reflect.TypeOf(err).String())
		b.WriteString(": ")
		b.WriteString(e.Error())
		return
	case runtime.Error:
		// Only package runtime's own: any type can have a RuntimeError
		// method, and its message can say anything.
		if fromRuntime(err) {
			b.WriteString(reflect.TypeOf(err).String())
			b.WriteString(": ")
			b.WriteString(gocrash.RuntimeMessage(e.Error()))
			return
		}
	}
	for _, s := range sentinels {
		if err == s {
			b.WriteString(err.Error())
			return
		}
	}
	b.WriteString(reflect.TypeOf(err).String())
	b.WriteString(": " + scrubbed)
	switch u := err.(type) {
	case interface{ Unwrap() error }:
		if next := u.Unwrap(); next != nil {
			b.WriteString(": ")
			writeScrubbed(b, next, depth+1)
		}
	case interface{ Unwrap() []error }:
		b.WriteString(" [")
		for i, next := range u.Unwrap() {
			if i > 0 {
				b.WriteString("; ")
			}
			if b.Len() >= maxScrubbedLen {
				b.WriteString("…")
				break
			}
			writeScrubbed(b, next, depth+1)
		}
		b.WriteString("]")
	}
}

// fromRuntime reports whether err's type is package runtime's.
func fromRuntime(err error) bool {
	t := reflect.TypeOf(err)
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t.PkgPath() == "runtime"
}

// scrubbedArg stands for an argument of Errorf: whatever the verb, it
// prints [scrubbed].
type scrubbedArg struct{}

func (scrubbedArg) Format(f fmt.State, _ rune) { io.WriteString(f, scrubbed) }

// scrubbedError stands for an error argument of Errorf, %w or not: an error
// still, so %w accepts it, and printed in its scrubbed form.
type scrubbedError struct {
	err   error
	depth int
}

func (e scrubbedError) Error() string {
	var b strings.Builder
	writeScrubbed(&b, e.err, e.depth)
	return b.String()
}

func (e scrubbedError) Format(f fmt.State, _ rune) { io.WriteString(f, e.Error()) }
