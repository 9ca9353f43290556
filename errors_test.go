package conflog

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"strings"
	"testing"
)

type myError struct{ msg string }

func (e *myError) Error() string { return e.msg }

// TestPublicErrorScrubbed: in a public record an error prints its type chain
// with messages scrubbed, unless PublicError or Errorf say otherwise; in a
// private record it prints in full.
func TestPublicErrorScrubbed(t *testing.T) {
	_, pathErr := os.Open("/nonexistent/" + secretMark)
	cases := []struct {
		name string
		err  error
		want string
	}{
		{"errors.New", errors.New(secretMark), "*errors.errorString: [scrubbed]"},
		{"PathError", pathErr, "*fs.PathError: [scrubbed]: syscall.Errno: no such file or directory"},
		{"wrapped", fmt.Errorf("load %s: %w", secretMark, pathErr), "*fmt.wrapError: [scrubbed]: *fs.PathError: [scrubbed]: syscall.Errno: no such file or directory"},
		{"joined", errors.Join(&myError{secretMark}, io.EOF), "*errors.joinError: [scrubbed] [*conflog.myError: [scrubbed]; EOF]"},
		{"sentinel", fs.ErrNotExist, "file does not exist"},
		{"PublicError", PublicError(errors.New("checkpoint missing")), "checkpoint missing"},
		{"Errorf", Errorf("reading shard %d of %s: %w", 3, secretMark, pathErr), "reading shard [scrubbed] of [scrubbed]: *fs.PathError: [scrubbed]: syscall.Errno: no such file or directory"},
		{"Errorf two %w", Errorf("a %w b %w", io.EOF, &myError{secretMark}), "a EOF b *conflog.myError: [scrubbed]"},
		{"Errorf indexed", Errorf("%[2]s then %[1]d %%", 1, secretMark), "[scrubbed] then [scrubbed] %"},
		{"wrapped PublicError", fmt.Errorf("%s: %w", secretMark, PublicError(io.ErrUnexpectedEOF)), "*fmt.wrapError: [scrubbed]: unexpected EOF"},
		{"nil pointer", (*myError)(nil), "*conflog.myError: [scrubbed]"},
		{"panicking Error", &panickyError{secretMark}, "*conflog.panickyError: [scrubbed]"},
		{"panicking Unwrap", panickyUnwrap{secretMark}, "!PANIC: conflog.panickyUnwrap panicked: [scrubbed]"},
		// fmt.Errorf catches the panic of the scrubbed argument's Format
		// and prints its value: the whole error says it panicked.
		{"Errorf of a panicking Unwrap", Errorf("load: %w", panickyUnwrap{secretMark}), "!PANIC: *conflog.formatError panicked: [scrubbed]"},
	}
	for _, c := range cases {
		for _, format := range []Format{Text, JSON} {
			var buf bytes.Buffer
			slog.New(newTestHandler(&buf, &Options{Format: format, ReplaceAttr: dropTime})).Info("m", Public, "err", c.err)
			out := buf.String()
			if strings.Contains(out, secretMark) {
				t.Errorf("%s/%v: leaked: %q", c.name, format, out)
			}
			var want string
			if format == JSON {
				want = testPrefix + `{"level":"INFO","msg":"m","err":"` + c.want + "\"}\n"
			} else {
				s := &state{}
				s.str(c.want)
				want = testPrefix + "level=INFO msg=m err=" + string(s.buf) + "\n"
			}
			if out != want {
				t.Errorf("%s/%v:\n got %q\nwant %q", c.name, format, out, want)
			}
		}
	}
}

// TestErrorfIsFmtErrorf: Errorf's Error, Is and As are fmt.Errorf's.
func TestErrorfIsFmtErrorf(t *testing.T) {
	_, pathErr := os.Open("/nonexistent")
	e := Errorf("open %s: %w", "/p", pathErr)
	if e.Error() != fmt.Errorf("open %s: %w", "/p", pathErr).Error() {
		t.Errorf("Error() = %q", e.Error())
	}
	var pe *fs.PathError
	if !errors.Is(e, fs.ErrNotExist) || !errors.As(e, &pe) {
		t.Error("Errorf breaks errors.Is/As")
	}
	if !errors.Is(Errorf("%w and %w", io.EOF, fs.ErrClosed), fs.ErrClosed) {
		t.Error("second %w lost")
	}
	if errors.Unwrap(PublicError(io.EOF)) != io.EOF || PublicError(nil) != nil {
		t.Error("PublicError wraps wrongly")
	}
}

// TestErrorChainBounded: a self-referencing chain does not hang.
func TestErrorChainBounded(t *testing.T) {
	c := &cyclic{}
	c.next = c
	if got := scrubError(c); strings.Count(got, "*conflog.cyclic") != maxErrorDepth || !strings.HasSuffix(got, "…") {
		t.Errorf("cyclic chain: %q", got)
	}
}

type cyclic struct{ next error }

func (c *cyclic) Error() string { return "cyclic" }
func (c *cyclic) Unwrap() error { return c.next }

// fanError's Unwrap returns eight errors at every level, itself among them:
// a tree of 8^16 nodes within maxErrorDepth.
type fanError struct{}

func (fanError) Error() string     { return secretMark }
func (f fanError) Unwrap() []error { return []error{f, f, f, f, f, f, f, f} }

// TestScrubErrorBounded: a log call returns whatever the chain, its line
// bounded: an error tree that fans out at every level (which hung the call),
// and a chain of errors.Join each of the one before twice (2^20 leaves).
func TestScrubErrorBounded(t *testing.T) {
	joined := error(&myError{secretMark})
	for range 20 {
		joined = errors.Join(joined, joined)
	}
	for _, err := range []error{fanError{}, joined, Errorf("a %w", fanError{})} {
		for _, format := range []Format{Text, JSON} {
			var buf bytes.Buffer
			slog.New(newTestHandler(&buf, &Options{Format: format})).Info("m", Public, "err", err, "in", []error{err})
			out := buf.String()
			if strings.Contains(out, secretMark) || !strings.Contains(out, "…") || len(out) > 4*maxScrubbedLen {
				t.Errorf("%T/%v: %d bytes, want the chain cut short (…) and no secret: %.200q", err, format, len(out), out)
			}
		}
	}
}
