package conflog

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

type tensor struct{ data []float32 }

func (t *tensor) Shape() []int { return []int{2, 3, len(t.data) / 6} }

// TestValues: each wrapper logs what its doc says, under conflog, under
// slog's own handler and through fmt, and never the wrapped value.
func TestValues(t *testing.T) {
	const secret = "alice@example.com"
	key := []byte("k")
	cases := []struct {
		name string
		v    slog.LogValuer
		want string // under conflog with key
	}{
		{"Redact", Redact(secret), "[REDACTED]"},
		{"Mask", Mask("4111111111111111", 4), "************1111"},
		{"Mask runes", Mask("héllo wörld", 3), "********rld"},
		{"Mask short", Mask("123", 4), "***"},
		{"Mask negative", Mask("abc", -1), "***"},
		{"Pseudonym", Pseudonym(secret), pseudonym{new(secret)}.token(key)},
		{"Shape slice", Shape(make([]float32, 4096)), "[]float32 len=4096"},
		{"Shape map", Shape(map[string]int{"a": 1, "b": 2}), "map[string]int len=2"},
		{"Shape string", Shape(secret), "string len=17"},
		{"Shape array ptr", Shape(&[3]int{}), "*[3]int len=3"},
		{"Shape tensor", Shape(&tensor{make([]float32, 60)}), "*conflog.tensor shape=[2 3 10]"},
		{"Shape struct", Shape(struct{ A string }{secret}), "struct { A string }"},
		{"Shape nil", Shape(nil), "<nil>"},
	}
	for _, c := range cases {
		var buf bytes.Buffer
		slog.New(newTestHandler(&buf, &Options{Key: key, ReplaceAttr: dropTime})).Info("m", Public, "v", c.v)
		got := strings.TrimSuffix(strings.TrimPrefix(buf.String(), testPrefix+"level=INFO msg=m v="), "\n")
		if unq, err := unquote(got); err == nil {
			got = unq
		}
		if got != c.want {
			t.Errorf("%s: logged %q, want %q", c.name, got, c.want)
		}
		// Elsewhere: slog's handler and fmt never see the secret either.
		var sb bytes.Buffer
		slog.New(slog.NewJSONHandler(&sb, nil)).Info("m", "v", c.v)
		for _, out := range []string{sb.String(), fmt.Sprint(c.v), fmt.Sprintf("%#v %+v %s %q", c.v, c.v, c.v, c.v)} {
			if strings.Contains(out, secret) || strings.Contains(out, "4111111111111111") {
				t.Errorf("%s: leaked in %q", c.name, out)
			}
		}
	}
}

func unquote(s string) (string, error) {
	var v string
	_, err := fmt.Sscanf(s, "%q", &v)
	return v, err
}

// TestPseudonymKeys: a token is stable under a key, differs across keys, and
// without a key is the per-process key's token, both under conflog and
// elsewhere.
func TestPseudonymKeys(t *testing.T) {
	token := func(key []byte) string {
		var buf bytes.Buffer
		slog.New(newTestHandler(&buf, &Options{Key: key, Format: JSON})).Info("m", Public, "v", Pseudonym("bob"))
		s := buf.String()
		i := strings.Index(s, `"v":"`)
		return s[i+5 : strings.LastIndex(s, `"`)]
	}
	a, a2, b, none := token([]byte("a")), token([]byte("a")), token([]byte("b")), token(nil)
	if a != a2 || a == b || !strings.HasPrefix(a, "pn:") || len(a) != 19 {
		t.Errorf("tokens a=%q a2=%q b=%q", a, a2, b)
	}
	if none != Pseudonym("bob").(fmt.Stringer).String() {
		t.Errorf("without a key, conflog gives %q and fmt %q", none, Pseudonym("bob"))
	}
}

// TestValuesKeepTheirArgumentHidden: Pseudonym and Shape keep their
// argument, and print it nowhere, also where nothing calls their methods: fmt
// prints an unexported field by its fields, and the walk of a public value
// that holds an error (nested.go) follows fields; both printed the e-mail
// address and the text.
func TestValuesKeepTheirArgumentHidden(t *testing.T) {
	type row struct {
		id, text slog.LogValuer
	}
	type rowErr struct {
		Err      error
		ID, Text slog.LogValuer
		id, text slog.LogValuer
	}
	id, text := Pseudonym("alice@"+secretMark), Shape("text "+secretMark)
	for _, v := range []any{
		row{id, text},
		&row{id, text},
		rowErr{errors.New("x"), id, text, id, text},
		[]any{errors.New("x"), id, text, Mask(secretMark, 0), Redact(secretMark)},
		map[string]any{"err": errors.New("x"), "row": row{id, text}},
	} {
		for _, format := range []Format{Text, JSON} {
			var buf bytes.Buffer
			slog.New(newTestHandler(&buf, &Options{Format: format})).Info("m", Public, "v", v)
			if strings.Contains(buf.String(), secretMark) {
				t.Errorf("%T/%v: leaked: %q", v, format, buf.String())
			}
		}
		if s := fmt.Sprintf("%+v", v); strings.Contains(s, secretMark) {
			t.Errorf("%T: fmt prints %q", v, s)
		}
	}
}
