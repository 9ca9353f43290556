package conflog

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"strings"
	"testing"
)

func divide(a, b int) int { return a / b }

// panicThrough runs f under HandlePanic and returns the lines logged and
// the value that came out of the re-panic.
func panicThrough(f func()) (lines []string, repanicked any) {
	var buf bytes.Buffer
	l := slog.New(newTestHandler(&buf, &Options{ReplaceAttr: dropTime}))
	func() {
		defer func() { repanicked = recover() }()
		defer HandlePanic(l)
		f()
	}()
	return strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n"), repanicked
}

// TestHandlePanic: a panic becomes public lines — type, scrubbed value,
// frames with function and file:line — and the same value panics on.
func TestHandlePanic(t *testing.T) {
	secretErr := fmt.Errorf("row %s: %w", secretMark, errors.New(secretMark))
	cases := []struct {
		name  string
		f     func()
		value any // nil: compare by type only
		head  string
	}{
		{"string", func() { panic(secretMark) }, secretMark, `msg=panic type=string value=[scrubbed]`},
		{"error", func() { panic(secretErr) }, secretErr, `msg=panic type=*fmt.wrapError value="*fmt.wrapError: [scrubbed]: *errors.errorString: [scrubbed]"`},
		{"runtime error", func() { divide(1, 0) }, nil, `msg=panic type=runtime.errorString value="runtime error: integer divide by zero"`},
		{"PublicError", func() { panic(PublicError(errors.New("no GPU"))) }, nil, `msg=panic type=*conflog.publicError value="no GPU"`},
		{"Errorf of a panicking Unwrap", func() { panic(Errorf("load: %w", panickyUnwrap{secretMark})) }, nil,
			`msg=panic type=*conflog.formatError value="!PANIC: *conflog.formatError panicked: [scrubbed]"`},
	}
	for _, c := range cases {
		lines, re := panicThrough(c.f)
		if c.value != nil && re != c.value || re == nil {
			t.Errorf("%s: re-panicked with %v", c.name, re)
		}
		joined := strings.Join(lines, "\n")
		if strings.Contains(joined, secretMark) {
			t.Errorf("%s: leaked: %s", c.name, joined)
		}
		head := regexp.MustCompile(`^` + regexp.QuoteMeta(testPrefix+"level=ERROR "+c.head) + ` frames=(\d+)$`)
		m := head.FindStringSubmatch(lines[0])
		if m == nil {
			t.Errorf("%s: head %q, want %s", c.name, lines[0], head)
			continue
		}
		if fmt.Sprint(len(lines)-1) != m[1] {
			t.Errorf("%s: %d frame lines, head says %s", c.name, len(lines)-1, m[1])
		}
		frame := regexp.MustCompile(`^` + regexp.QuoteMeta(testPrefix) + `level=ERROR msg="panic frame" frame=\d+ function=\S+ at=\S+:\d+$`)
		for _, l := range lines[1:] {
			if !frame.MatchString(l) {
				t.Errorf("%s: frame line %q", c.name, l)
			}
		}
		// The frame that panicked comes first (after the runtime's own).
		want := "TestHandlePanic.func"
		if c.name == "runtime error" {
			want = "conflog.divide"
		}
		if len(lines) < 2 || !strings.Contains(lines[1], want) || !strings.Contains(lines[1], "panic_test.go:") {
			t.Errorf("%s: first frame %q, want %s in panic_test.go", c.name, lines[1], want)
		}
	}
}

// TestHandlePanicWithoutPanic: nothing happens when nothing panics.
func TestHandlePanicWithoutPanic(t *testing.T) {
	lines, re := panicThrough(func() {})
	if re != nil || len(lines) != 1 || lines[0] != "" {
		t.Errorf("no panic: logged %q, re-panicked %v", lines, re)
	}
}

// TestHandlePanicNilLogger: without a logger the panic still goes on.
func TestHandlePanicNilLogger(t *testing.T) {
	defer func() {
		if r := recover(); r != "boom" {
			t.Errorf("re-panicked with %v", r)
		}
	}()
	defer HandlePanic(nil)
	panic("boom")
}
