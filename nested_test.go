package conflog

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"reflect"
	"runtime"
	"strings"
	"syscall"
	"testing"

	"github.com/conflog/conflog/internal/gocrash"
	"github.com/conflog/conflog/traceback"
)

// customRuntimeError is a runtime.Error of the job's own: its message is
// whatever the job put in it.
type customRuntimeError struct{ msg string }

func (e customRuntimeError) Error() string { return e.msg }
func (customRuntimeError) RuntimeError()   {}

var _ runtime.Error = customRuntimeError{}

// holder hides errors in the places issue 9 §4 names.
type holder struct {
	N    int
	Err  error
	errs []error
	any  any
}

// TestRulePublicLineNeverEchoesNestedError (issue 9 §4): errors inside
// slices, maps, structs (exported or not, by value or by pointer), a
// fs.PathError held by value (JSON would print its fields), and the message
// of a custom runtime.Error, are scrubbed in a public line, in text and JSON;
// the values around them keep fmt's shape.
func TestRulePublicLineNeverEchoesNestedError(t *testing.T) {
	pathErr := &fs.PathError{Op: "open", Path: "/data/Zorblax" + secretMark + ".csv", Err: syscall.ENOENT}
	secret := errors.New(secretMark)
	const pe = "*fs.PathError: [scrubbed]: syscall.Errno: no such file or directory"
	cases := []struct {
		name string
		v    any
		want string // the text rendering; JSON carries it as a string
	}{
		{"slice", []error{pathErr, secret}, "[" + pe + " *errors.errorString: [scrubbed]]"},
		{"array", [2]error{secret, nil}, "[*errors.errorString: [scrubbed] <nil>]"},
		{"map", map[string]error{"b": secret, "a": pathErr}, "map[a:" + pe + " b:*errors.errorString: [scrubbed]]"},
		{"map key", map[error]int{secret: 1}, "map[*errors.errorString: [scrubbed]:1]"},
		{"any slice", []any{1, "x", secret}, "[1 x *errors.errorString: [scrubbed]]"},
		{"struct", holder{N: 3, Err: secret, errs: []error{secret}, any: pathErr},
			"{N:3 Err:*errors.errorString: [scrubbed] errs:[*errors.errorString: [scrubbed]] any:*fs.PathError: [scrubbed]}"},
		{"pointer to struct", &holder{N: 4, Err: secret}, "&{N:4 Err:*errors.errorString: [scrubbed] errs:[] any:<nil>}"},
		{"PathError by value", *pathErr, "fs.PathError: [scrubbed]: syscall.Errno: no such file or directory"},
		{"PathErrors by value", []fs.PathError{*pathErr}, "[fs.PathError: [scrubbed]: syscall.Errno: no such file or directory]"},
		{"custom runtime.Error", customRuntimeError{"row " + secretMark}, "conflog.customRuntimeError: [scrubbed]"},
		{"custom runtime.Error in a slice", []runtime.Error{customRuntimeError{secretMark}}, "[conflog.customRuntimeError: [scrubbed]]"},
		{"deep", [][][]error{{{secret}}}, "[[[*errors.errorString: [scrubbed]]]]"},
		// A group keeps its attributes behind a pointer to the first and
		// a length, and fmt prints them through Attr.String and
		// Value.String; fmt prints what a reflect.Value holds.
		{"slog.Attr group", slog.Group("g", "n", 1, "e", secret), "g=[n=1 e=*errors.errorString: [scrubbed]]"},
		{"slog.Attr", slog.Any("e", pathErr), "e=" + pe},
		{"slog.Values", []slog.Value{slog.GroupValue(slog.Int("n", 1), slog.Any("e", secret))}, "[[n=1 e=*errors.errorString: [scrubbed]]]"},
		{"reflect.Value", reflect.ValueOf(pathErr), pe},
		// The parts without errors are printed by fmt, which prints the
		// value of a panicking String method.
		{"panicking Stringer beside an error", []any{secret, panickyStringer{secretMark}}, "!PANIC: []interface {} panicked: [scrubbed]"},
		{"reflect.Value of a struct", reflect.ValueOf(holder{N: 5, Err: secret}), "{N:5 Err:*errors.errorString: [scrubbed] errs:[] any:<nil>}"},
	}
	for _, c := range cases {
		for _, format := range []Format{Text, JSON} {
			var buf bytes.Buffer
			slog.New(newTestHandler(&buf, &Options{Format: format, ReplaceAttr: dropTime})).Info("m", Public, "v", c.v)
			out := buf.String()
			if strings.Contains(out, secretMark) || strings.Contains(out, "Zorblax") {
				t.Errorf("%s/%v: leaked: %q", c.name, format, out)
			}
			s := &state{json: format == JSON}
			s.str(c.want)
			want := testPrefix + "level=INFO msg=m v=" + string(s.buf) + "\n"
			if format == JSON {
				want = testPrefix + `{"level":"INFO","msg":"m","v":` + string(s.buf) + "}\n"
			}
			if out != want {
				t.Errorf("%s/%v:\n got %q\nwant %q", c.name, format, out, want)
			}
		}
	}

	// Values without errors keep slog's rendering exactly, and private
	// records print errors in full.
	for _, v := range []any{[]int{1, 2}, map[string]any{"a": 1, "b": []string{"x"}}, holder{N: 1}, struct{ A []float32 }{[]float32{0.5}},
		slog.Group("g", "n", 1, "s", "x"), []slog.Value{slog.GroupValue(slog.Int("n", 1))}, reflect.ValueOf([]int{3})} {
		var got, want bytes.Buffer
		slog.New(newTestHandler(&got, &Options{ReplaceAttr: dropTime})).Info("m", Public, "v", v)
		slog.New(slog.NewTextHandler(&want, &slog.HandlerOptions{ReplaceAttr: dropTime})).Info("m", "v", v)
		if got.String() != testPrefix+want.String() {
			t.Errorf("%T: %q, want slog's %q", v, got.String(), want.String())
		}
	}
	var buf bytes.Buffer
	slog.New(newTestHandler(&buf, &Options{ReplaceAttr: dropTime})).Info("m", "v", []error{secret})
	if !strings.Contains(buf.String(), secretMark) {
		t.Errorf("private record lost its error text: %q", buf.String())
	}
}

// TestNestedBounded: a value too deep or too large to walk is taken to hold
// an error, and its rendering stops; a cycle ends.
func TestNestedBounded(t *testing.T) {
	type node struct {
		Next *node
		Err  error
	}
	n := &node{}
	n.Next = n
	big := make([]any, 2*maxNestedNodes)
	for i := range big {
		big[i] = i
	}
	big[len(big)-1] = errors.New(secretMark)
	for name, v := range map[string]any{"cycle": n, "big": big} {
		var buf bytes.Buffer
		slog.New(newTestHandler(&buf, &Options{ReplaceAttr: dropTime})).Info("m", Public, "v", v)
		if out := buf.String(); strings.Contains(out, secretMark) || !strings.Contains(out, "…") || strings.Count(out, "\n") != 1 {
			t.Errorf("%s: %.200q", name, out)
		}
	}
}

// publicFrameOf is how HandlePanic shows one frame.
func publicFrameOf(function, file string, line int) string {
	return gocrash.FuncName(function) + " " + gocrash.Path(file) + ":" + fmt.Sprint(line)
}

// TestHandlePanicScrubsAsTheGate (issue 9 §4): HandlePanic shows a runtime
// error's class, never its numbers, and a frame's path without its home
// directory, as the gate shows the same panic printed by the runtime: both
// are fed the same inputs, and neither echoes a canary.
func TestHandlePanicScrubsAsTheGate(t *testing.T) {
	messages := []string{
		"runtime error: index out of range [41111111] with length 3",
		"runtime error: slice bounds out of range [:41111111] with capacity 3",
		"runtime error: integer divide by zero",
		"runtime error: invalid memory address or nil pointer dereference",
		"assignment to entry in nil map",
		"interface conversion: interface {} is string, not int",
		"runtime error: hash of unhashable type []int",
	}
	gate := func(lines ...string) []string {
		s := traceback.New(traceback.Options{})
		var out []string
		for _, l := range lines {
			s.Line([]byte(l), func(p []byte) { out = append(out, string(p)) })
		}
		s.Flush(func(p []byte) { out = append(out, string(p)) })
		return out
	}
	for _, msg := range messages {
		ours := "panic: " + gocrash.RuntimeMessage(msg)
		theirs := gate("panic: "+msg, "", "goroutine 1 [running]:", "main.main()", "\t/src/main.go:3 +0x1d", "exit status 2")
		if len(theirs) == 0 || theirs[0] != ours {
			t.Errorf("%q: HandlePanic %q, the gate %q", msg, ours, theirs)
		}
		if strings.Contains(ours, "41111111") || strings.Contains(ours, "[]int") {
			t.Errorf("%q: numbers or types kept: %q", msg, ours)
		}
	}
	for _, file := range []string{"/home/alice.smith/src/job/main.go", "/Users/alice.smith/job/main.go"} {
		ours := publicFrameOf("main.lookup", file, 17)
		theirs := strings.Join(gate("panic: x", "", "goroutine 1 [running]:", "main.lookup(0x1)", "\t"+file+":17 +0x1d", "exit status 2"), "\n")
		for _, out := range []string{ours, theirs} {
			if strings.Contains(out, "alice") || !strings.Contains(out, "main.go:17") {
				t.Errorf("%s: %q", file, out)
			}
		}
	}

	// The real thing: an index out of range under HandlePanic.
	lines, _ := panicThrough(func() {
		s := []int{1, 2, 3}
		i := 41111111
		_ = s[i]
	})
	if strings.Contains(lines[0], "41111111") || !strings.Contains(lines[0], `value="runtime error: index out of range [scrubbed]"`) {
		t.Errorf("head %q", lines[0])
	}
	// A custom runtime.Error is no runtime error: scrubbed.
	lines, _ = panicThrough(func() { panic(customRuntimeError{"row " + secretMark}) })
	if !strings.Contains(lines[0], `value="conflog.customRuntimeError: [scrubbed]"`) {
		t.Errorf("custom runtime.Error: head %q", lines[0])
	}
}
