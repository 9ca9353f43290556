package detect

import (
	"bytes"
	"strings"
	"testing"
)

func redact(t testing.TB, rd *Redactor, in string) string {
	t.Helper()
	var out bytes.Buffer
	if err := rd.Copy(&out, strings.NewReader(in), nil); err != nil {
		t.Fatal(err)
	}
	return out.String()
}

func TestRedactModes(t *testing.T) {
	s := mustSet(t)
	in := "user=bob@example.org card=4111111111111111\r\npassword=Xk9#mP2$vL8q\nclean line\nlast AKIAZ2X7QJ4MRT5NV6WB"
	key := []byte("0123456789abcdef0123456789abcdef")
	for _, tc := range []struct {
		mode Mode
		want string
	}{
		{Replace, "user=<EMAIL> card=<CARD>\r\npassword=<CREDENTIAL>\nclean line\nlast <AWS_KEY>"},
		{MaskMode, "user=***********.org card=************1111\r\npassword=********vL8q\nclean line\nlast ****************V6WB"},
	} {
		if got := redact(t, &Redactor{Set: s, Mode: tc.mode}, in); got != tc.want {
			t.Errorf("mode %d:\n%q\nwant\n%q", tc.mode, got, tc.want)
		}
	}
	p1 := redact(t, &Redactor{Set: s, Mode: Pseudonym, Key: key}, in+"\nagain bob@example.org")
	p2 := redact(t, &Redactor{Set: s, Mode: Pseudonym, Key: key}, in+"\nagain bob@example.org")
	p3 := redact(t, &Redactor{Set: s, Mode: Pseudonym, Key: bytes.Repeat([]byte("k"), 32)}, in+"\nagain bob@example.org")
	if p1 != p2 {
		t.Error("pseudonyms differ between runs with the same key")
	}
	if p1 == p3 {
		t.Error("pseudonyms equal under different keys")
	}
	lines := strings.Split(p1, "\n")
	tok := strings.Fields(lines[0])[0][len("user="):]
	if !strings.HasPrefix(tok, "<EMAIL:") || len(tok) != len("<EMAIL:>")+16 || !strings.Contains(lines[len(lines)-1], tok) {
		t.Errorf("pseudonym %q not stable within the stream:\n%s", tok, p1)
	}
	if strings.Contains(p1, "bob@") || strings.Contains(p1, "4111111111111111") {
		t.Errorf("pseudonymised output holds a value:\n%s", p1)
	}
	if err := (&Redactor{Set: s, Mode: Pseudonym, Key: []byte("short")}).Copy(&bytes.Buffer{}, strings.NewReader(in), nil); err == nil {
		t.Error("short pseudonym key accepted")
	}
}

// TestRedactLongLine guards redaction across the windows of a line longer
// than the window: the value straddling an edge is replaced once, whole.
func TestRedactLongLine(t *testing.T) {
	s := mustSet(t, "email")
	const window = 2 * MaxValue
	step := window - MaxValue
	pre := strings.Repeat("x ", (step-5)/2)
	in := pre + "bob@example.org" + strings.Repeat(" y", 3*MaxValue) + "\nend\n"
	var out bytes.Buffer
	rd := &Redactor{Set: s}
	sc := s.NewScanner(strings.NewReader(in))
	sc.window = window
	if err := rd.copy(&out, sc, nil); err != nil {
		t.Fatal(err)
	}
	want := pre + "<EMAIL>" + strings.Repeat(" y", 3*MaxValue) + "\nend\n"
	if out.String() != want {
		t.Fatalf("long line redacted wrong: got %d bytes, want %d; holds value: %v", out.Len(), len(want), strings.Contains(out.String(), "bob@"))
	}
}

func TestParseMode(t *testing.T) {
	for s, want := range map[string]Mode{"replace": Replace, "mask": MaskMode, "pseudonym": Pseudonym} {
		if m, err := ParseMode(s); err != nil || m != want {
			t.Errorf("ParseMode(%q) = %v, %v", s, m, err)
		}
	}
	if _, err := ParseMode("hash"); err == nil {
		t.Error("ParseMode(hash) succeeded")
	}
}

// TestPseudonymCanonical guards that a number gets one pseudonym however
// it is grouped.
func TestPseudonymCanonical(t *testing.T) {
	rd := &Redactor{Set: mustSet(t), Mode: Pseudonym, Key: []byte("0123456789abcdef")}
	out := strings.Fields(redact(t, rd, "card 4111111111111111 4111 1111 1111 1111 4111-1111-1111-1111 card 5555555555554444"))[1:]
	if out[0] != out[1] || out[1] != out[2] || out[0] == out[4] {
		t.Fatalf("pseudonyms %v: want the first three equal, the last different", out)
	}
}
