package conflog

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"reflect"
	"strconv"
	"sync"
	"unicode/utf8"
)

// The values below are slog.LogValuers, so they are safe with any handler,
// and fmt.Stringers, so they are safe with fmt too. None of them keeps more
// of its argument than it needs, and none shows what it keeps where its
// methods go uncalled: in an unexported field, which fmt prints by its
// fields, or beside an error in a public value.

// Redact returns a value that logs as [REDACTED]. It keeps nothing of v.
func Redact(v any) slog.LogValuer { return redacted{} }

type redacted struct{}

const redactedText = "[REDACTED]"

func (redacted) LogValue() slog.Value { return slog.StringValue(redactedText) }
func (redacted) String() string       { return redactedText }

// Mask returns a value that logs s with every rune but the last keepLast
// replaced by '*': Mask("4111111111111111", 4) logs ************1111. If s
// has no more than keepLast runes, all of it is masked: a mask never shows
// the whole value. The masked string is computed now; s is not kept.
func Mask(s string, keepLast int) slog.LogValuer {
	n := utf8.RuneCountInString(s)
	keep := max(keepLast, 0)
	if keep >= n {
		keep = 0
	}
	b := make([]byte, 0, len(s))
	i := 0
	for _, r := range s {
		if i < n-keep {
			b = append(b, '*')
		} else {
			b = utf8.AppendRune(b, r)
		}
		i++
	}
	return masked(b)
}

type masked string

func (m masked) LogValue() slog.Value { return slog.StringValue(string(m)) }
func (m masked) String() string       { return string(m) }

// Pseudonym returns a value that logs as a stable token for s: "pn:" and 16
// hex digits of HMAC-SHA256(key, s). Under a conflog Handler the key is
// Options.Key, so the same s gives the same token in every run that shares
// the key; elsewhere (another handler, fmt) it is the per-process random key.
// The token never reveals s; it lets you count and join, not read.
func Pseudonym(s string) slog.LogValuer { return pseudonym{&s} }

// pseudonym holds s behind a pointer, and shape its value inside a closure,
// so that nothing that prints a value without its methods shows them: fmt
// prints an unexported field that way (a pointer there as its address), and
// the walk of a public value that holds an error (nested.go) follows fields
// and pointers to interfaces, never a closure's variables.
type pseudonym struct{ s *string }

func (p pseudonym) token(key []byte) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(*p.s))
	return "pn:" + hex.EncodeToString(m.Sum(nil)[:8])
}

func (p pseudonym) LogValue() slog.Value { return slog.StringValue(p.token(processKey())) }
func (p pseudonym) String() string       { return p.token(processKey()) }

// Format makes every fmt verb print the token, %#v included, so the field
// holding s is never printed.
func (p pseudonym) Format(f fmt.State, _ rune) { io.WriteString(f, p.String()) }

// processKey is the key used when Options.Key is empty: random, drawn once
// per process.
var processKey = sync.OnceValue(func() []byte {
	k := make([]byte, 32)
	rand.Read(k) // never fails (crypto/rand since Go 1.24)
	return k
})

// Shape returns a value that logs the type and size of v and nothing of its
// contents: "[]float32 len=4096", "map[string]int len=3", "string len=12",
// "*model.Tensor shape=[32 3 224 224]" for anything with a Shape() []int
// method. A nil v logs as <nil>; other values log their type only.
func Shape(v any) slog.LogValuer { return shape{func() any { return v }} }

type shape struct{ v func() any }

// A shaper is what tensors of ML libraries are: something with dimensions.
type shaper interface{ Shape() []int }

func (s shape) String() string {
	v := s.v()
	if v == nil {
		return "<nil>"
	}
	t := reflect.TypeOf(v).String()
	if sh, ok := v.(shaper); ok {
		return t + " shape=" + fmt.Sprint(sh.Shape())
	}
	rv := reflect.ValueOf(v)
	if rv.Kind() == reflect.Pointer && !rv.IsNil() {
		rv = rv.Elem()
	}
	switch rv.Kind() {
	case reflect.Slice, reflect.Array, reflect.Map, reflect.String, reflect.Chan:
		return t + " len=" + strconv.Itoa(rv.Len())
	}
	return t
}

func (s shape) LogValue() slog.Value { return slog.StringValue(s.String()) }

// Format makes every fmt verb print the shape, %#v included, so the value
// itself is never printed.
func (s shape) Format(f fmt.State, _ rune) { io.WriteString(f, s.String()) }
