//go:build unix

package main

import (
	"bytes"
	"io"
	"testing"
	"unicode/utf8"

	"github.com/conflog/conflog/detect"
	"github.com/conflog/conflog/scrub"
)

// colours are the escape sequences FuzzColouringHidesNothingFromScan
// inserts: SGR colours, an erase, a charset selection, a cursor save, and
// an OSC 8 hyperlink, whose payload holds no value.
var colours = []string{"\x1b[1m", "\x1b[0m", "\x1b[38;5;208m", "\x1b[K", "\x1b(B", "\x1b7", "\x1b]8;;https://example.net/\x1b\\"}

// colour inserts colours into line where at says: each pair of its bytes
// is a position and a colour; at least one is inserted.
func colour(line, at []byte) []byte {
	if len(at) < 2 {
		at = []byte{0, 0}
	}
	ins := make([][]string, len(line)+1)
	for k := 0; k+1 < len(at); k += 2 {
		p := int(at[k]) % (len(line) + 1)
		ins[p] = append(ins[p], colours[int(at[k+1])%len(colours)])
	}
	var out []byte
	for i := range ins {
		for _, e := range ins[i] {
			out = append(out, e...)
		}
		if i < len(line) {
			out = append(out, line[i])
		}
	}
	return out
}

// scanned is one finding conflog scan reported.
type scanned struct {
	f       detect.Finding
	runeCol int
}

type collectReport struct{ got []scanned }

func (r *collectReport) finding(_ string, f detect.Finding, _ string, runeCol int) {
	r.got = append(r.got, scanned{f, runeCol})
}
func (r *collectReport) close() error { return nil }

// FuzzColouringHidesNothingFromScan guards conflog scan and conflog redact
// against escape sequences: inserted anywhere in a line, they never hide
// a value from scan, which reports it at its column in the shown text, and
// redact's output, escapes removed, holds no finding.
func FuzzColouringHidesNothingFromScan(f *testing.F) {
	for _, s := range []struct{ line, at string }{
		{"card 4111 1111 1111 1111", "\x05\x00\x09\x01\x0a\x00\x0e\x01"},
		{"4111 1111 1111 1111", "\x00\x00\x0c\x01\x0c\x00\x13\x01"},
		{"mail to alice@example.com", "\x08\x00\x0d\x01"},
		{"user=bob@example.org", "\x0a\x06"},
		{"aws_key: AKIAZ2X7QJ4MRT5NV6WB", "\x11\x02"},
		{`{"step": 3, "password": "Xk9#mP2$vL8q"}`, "\x1c\x00\x20\x01"},
		{"token ghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789", "\x0a\x03\x14\x04"},
		{"iban DE89 3704 0044 0532 0130 00", "\x05\x05\x0c\x00"},
		{"epoch 3 ok", "\x08\x00"},
		{"", ""},
	} {
		f.Add([]byte(s.line), []byte(s.at))
	}
	def, err := detect.NewSet()
	if err != nil {
		f.Fatal(err)
	}
	all, err := detect.Select("all")
	if err != nil {
		f.Fatal(err)
	}
	every, err := detect.NewSet(all...)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, line, at []byte) {
		if bytes.ContainsAny(line, "\x1b\n\r") {
			return // the shown text of the coloured line is line itself only without these
		}
		coloured := colour(line, at)
		for _, set := range []*detect.Set{def, every} {
			rep := &collectReport{}
			c := &cli{stdin: bytes.NewReader(coloured), stdout: io.Discard, stderr: io.Discard}
			if _, err := scanFile(c, set, "-", rep, map[string]int{}); err != nil {
				t.Fatal(err)
			}
			for _, want := range set.Find(line, nil) {
				found := false
				for _, g := range rep.got {
					found = found || g.f.Detector == want.Detector && g.f.Col == want.Col && g.f.Line == 1 &&
						g.runeCol == utf8.RuneCount(line[:want.Offset])+1
				}
				if !found {
					t.Errorf("%q: scan hid %s at column %d: got %+v", coloured, want.Detector, want.Col, rep.got)
				}
			}

			var out bytes.Buffer
			args := []string{"-"}
			if set == every {
				args = []string{"--detectors", "all", "-"}
			}
			c = &cli{stdin: bytes.NewReader(coloured), stdout: &out, stderr: io.Discard}
			if code := redactMain(c, args); code != exitOK {
				t.Fatalf("redact %q: exit %d", args, code)
			}
			shown := scrub.AppendStripped(nil, out.Bytes())
			if left := set.Find(shown, nil); len(left) > 0 {
				t.Errorf("%q: redact wrote %q, which shows %s at column %d", coloured, out.Bytes(), left[0].Detector, left[0].Col)
			}
		}
	})
}
