package tripwire

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/conflog/conflog/detect"
)

func defaultSet(t testing.TB) *detect.Set {
	t.Helper()
	set, err := detect.NewSet()
	if err != nil {
		t.Fatal(err)
	}
	return set
}

// TestColouredValuesFound: a value the job coloured, as a highlighter
// colours every number and address, is found as the plain value is, at the
// column a terminal shows it; so is a value in an OSC 8 hyperlink's target,
// which the line carries though a terminal does not show it. (The lines of
// cmd/conflog/testdata/script/run_detect_ansi.txtar, after the prefix.)
func TestColouredValuesFound(t *testing.T) {
	set := defaultSet(t)
	for _, tc := range []struct {
		content  string
		detector string
		col      int
	}{
		{" card \x1b[1m4111 1111 1111 1111\x1b[0m", "card", 7},
		{" [card] \x1b[36m4111\x1b[0m \x1b[36m1111\x1b[0m \x1b[36m1111\x1b[0m \x1b[36m1111\x1b[0m", "card", 9},
		{" mail to \x1b[4malice\x1b[24m@example.com", "email", 10},
		{" contact \x1b]8;;mailto:alice@example.com\x1b\\here\x1b]8;;\x1b\\", "email", 22},
	} {
		f, found := New(set).Check(set.NewChecker(), []byte(tc.content))
		if !found || f.Detector != tc.detector || f.Col != tc.col {
			t.Errorf("Check(%q) = %+v, %v; want %s at column %d", tc.content, f, found, tc.detector, tc.col)
		}
	}
	if f, found := New(set).Check(set.NewChecker(), []byte(" epoch 3 \x1b[32mok\x1b[0m")); found {
		t.Errorf("a coloured clean line: found %+v", f)
	}
}

// TestColouredPrivateKeyFollowed: the stream's checker follows a
// private-key block through the shown text, so a coloured key's body lines
// are findings too.
func TestColouredPrivateKeyFollowed(t *testing.T) {
	set := defaultSet(t)
	j, check := New(set), set.NewChecker()
	for _, line := range []string{" \x1b[1m-----BEGIN RSA PRIVATE KEY-----\x1b[0m", " \x1b[2mMIIEowIBAAKCAQEAx4\x1b[0m", " \x1b[1m-----END RSA PRIVATE KEY-----\x1b[0m"} {
		if f, found := j.Check(check, []byte(line)); !found || f.Detector != "private-key" {
			t.Errorf("Check(%q) = %+v, %v; want private-key", line, f, found)
		}
	}
}

// TestRedactedAsShown: a coloured line is redacted as a terminal shows it:
// no escape is left to hide a value's pieces, every value is tagged, and a
// line whose only value is in an escape's payload is its tag alone.
func TestRedactedAsShown(t *testing.T) {
	set := defaultSet(t)
	for content, want := range map[string]string{
		" mail \x1b[1m4111 1111 1111 1111\x1b[0m to bob@example.com":        " mail <CARD> to <EMAIL>",
		" mail to \x1b[4malice\x1b[24m@example.com":                         " mail to <EMAIL>",
		" contact \x1b]8;;mailto:alice@example.com\x1b\\here\x1b]8;;\x1b\\": "<EMAIL>",
		" contact alice@example.com or bob@example.com":                     " contact <EMAIL> or <EMAIL>",
	} {
		j := New(set)
		f, found := j.Check(set.NewChecker(), []byte(content))
		if !found {
			t.Fatalf("Check(%q): nothing found", content)
		}
		if got := string(j.AppendRedacted(nil, []byte(content), f)); got != want {
			t.Errorf("AppendRedacted(%q) = %q, want %q", content, got, want)
		}
	}
}

// TestNotice: the notice names the detector and the column of the whole
// line, never the value.
func TestNotice(t *testing.T) {
	f := detect.Finding{Detector: "github-token", Col: 14}
	got := string(AppendNotice([]byte("x"), []byte("SystemLog:"), "conflog run", f))
	if want := "xSystemLog: conflog run: blocked a public line: github-token at column 24 (value withheld)"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

// TestLongLineNotKept: the copy of a long coloured line is not kept after
// it is judged.
func TestLongLineNotKept(t *testing.T) {
	set := defaultSet(t)
	j := New(set)
	line := []byte(" \x1b[1m" + strings.Repeat("a", 1<<20))
	j.Check(set.NewChecker(), line)
	j.AppendRedacted(nil, line, detect.Finding{Detector: "email"})
	if c := cap(j.shown); c > maxKept {
		t.Errorf("after a %d-byte line the judge keeps a %d-byte buffer", len(line), c)
	}
}

// sgr are escape sequences a job may colour its output with.
var sgr = []string{"\x1b[0m", "\x1b[1m", "\x1b[36m", "\x1b[1;31m", "\x1b[38;5;208m", "\x1b[48;2;10;20;30m", "\x1b]8;;\x1b\\", "\x1b(B", "\x1b]0;t\x07"}

// colour inserts escape sequences into b at random places.
func colour(b []byte, rng *rand.Rand) []byte {
	var out []byte
	for i := 0; i <= len(b); i++ {
		for rng.IntN(4) == 0 {
			out = append(out, sgr[rng.IntN(len(sgr))]...)
		}
		if i < len(b) {
			out = append(out, b[i])
		}
	}
	return out
}

// FuzzColouringHidesNothing: whatever the line, escape sequences inserted
// anywhere in it hide none of its values: the coloured line has the plain
// line's first finding, at the same column, and is redacted to the same
// text.
func FuzzColouringHidesNothing(f *testing.F) {
	for _, s := range []string{
		" card 4111 1111 1111 1111",
		" contact alice.martin@example.com about the quota",
		" using token 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 for the hub",
		" aws AKIAIOSFODNN7EXAMPLE and password=hunter2hunter2",
		" -----BEGIN RSA PRIVATE KEY-----",
		" IBAN GB82 WEST 1234 5698 7654 32, ssn 078-05-1120",
		" epoch 3 loss=0.31",
	} {
		f.Add([]byte(s), uint64(len(s)))
	}
	set := defaultSet(f)
	f.Fuzz(func(t *testing.T, plain []byte, seed uint64) {
		if bytes.IndexByte(plain, 0x1b) >= 0 {
			return
		}
		j := New(set)
		want, found := j.Check(set.NewChecker(), plain)
		if !found {
			return
		}
		coloured := colour(plain, rand.New(rand.NewPCG(seed, 1)))
		got, ok := j.Check(set.NewChecker(), coloured)
		if !ok || got.Detector != want.Detector || got.Col != want.Col {
			t.Fatalf("%q: %s at column %d; coloured %q: %+v, %v", plain, want.Detector, want.Col, coloured, got, ok)
		}
		if r, c := string(j.AppendRedacted(nil, plain, want)), string(j.AppendRedacted(nil, coloured, got)); r != c {
			t.Fatalf("%q redacted: %q; coloured %q redacted: %q", plain, r, coloured, c)
		}
	})
}

func ExampleJudge() {
	set, _ := detect.NewSet()
	j, check := New(set), set.NewChecker()
	line := []byte("SystemLog: card \x1b[1m4111 1111 1111 1111\x1b[0m")
	content := line[len("SystemLog:"):]
	if f, found := j.Check(check, content); found {
		fmt.Printf("%s\n", AppendNotice(nil, []byte("SystemLog:"), "conflog", f))
		fmt.Printf("SystemLog:%s\n", j.AppendRedacted(nil, content, f))
	}
	// Output:
	// SystemLog: conflog: blocked a public line: card at column 17 (value withheld)
	// SystemLog: card <CARD>
}
