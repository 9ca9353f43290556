package vet

import (
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestParseVetJSON reads go vet -json output as the go command prints it:
// one object per package, a test variant repeating its package's
// diagnostics, a path with a colon, a line with non-ASCII text before the
// finding (UTF-16 columns differ from byte columns there), and an
// analyzer's error, which must fail the run rather than read as clean.
func TestParseVetJSON(t *testing.T) {
	dir := t.TempDir()
	sub := filepath.Join(dir, "a:b")
	if err := os.MkdirAll(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	src := "package p\n\nfunc f() { x := \"日本𝄞\"; log(x) }\n"
	file := filepath.Join(sub, "p.go")
	if err := os.WriteFile(file, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	col := strings.Index("func f() { x := \"日本𝄞\"; log(x) }", "log") + 1 // bytes
	diag := `{"category":"CL008","posn":"` + file + `:3:` + strconv.Itoa(col) + `","end":"` + file + `:3:` + strconv.Itoa(col+6) + `","message":"CL008 log call logs x"}`
	note := func(path string, adopted bool) string {
		return fmt.Sprintf(`{"category":%q,"posn":%q,"message":"%s %s %t"}`, idPackage, file+":1:1", idPackage, path, adopted)
	}
	// p imports conflog only in its external test; q does not at all.
	out := `{"example.com/p": {"conflog": [` + note("example.com/p", false) + `,` + diag + `]}}
{"example.com/p [example.com/p.test]": {"conflog": [` + diag + `,` + note("example.com/p", false) + `]}}
{"example.com/p_test [example.com/p.test]": {"conflog": [` + note("example.com/p", true) + `]}}
{"example.com/q": {"conflog": [` + note("example.com/q", false) + `]}}
`
	got, pkgs, err := parseVetJSON(strings.NewReader(out), dir)
	if err != nil {
		t.Fatal(err)
	}
	if want := map[string]bool{"example.com/p": true, "example.com/q": false}; !maps.Equal(pkgs, want) {
		t.Errorf("packages = %v, want %v", pkgs, want)
	}
	if len(got) != 1 {
		t.Fatalf("got %d findings, want 1 (a test variant repeats its package): %+v", len(got), got)
	}
	f := got[0]
	// 日 and 本 are 3 bytes and 1 UTF-16 unit each, 𝄞 4 bytes and 2 units:
	// 6 fewer columns.
	if f.File != "a:b/p.go" || f.Line != 3 || f.Column != col || f.Column16 != col-6 || f.EndColumn16 != col-6+6 || f.Message != "log call logs x" || f.ID != "CL008" {
		t.Errorf("finding = %+v, want a:b/p.go:3:%d (UTF-16 %d) CL008 \"log call logs x\"", f, col, col-6)
	}

	if _, _, err := parseVetJSON(strings.NewReader(`{"example.com/p": {"conflog": {"error": "type error"}}}`), dir); err == nil || !strings.Contains(err.Error(), "type error") {
		t.Errorf("an analyzer error read as %v, want it reported", err)
	}
	for _, bad := range []string{`{"p": {"conflog": [{"posn": "p.go:x:1"}]}}`, `{"p": {"conflog": [{"posn": "p.go"}]}}`, `not json`,
		`{"p": {"conflog": [{"category": "` + idPackage + `", "posn": "p.go:1:1", "message": "` + idPackage + ` p maybe"}]}}`,
		`{"p": {"conflog": [{"category": "` + idPackage + `", "posn": "p.go:1:1", "message": "` + idPackage + ` p"}]}}`} {
		if _, _, err := parseVetJSON(strings.NewReader(bad), dir); err == nil {
			t.Errorf("parseVetJSON(%q) succeeded, want an error", bad)
		}
	}
}
