package vet_test

import (
	"go/parser"
	"go/token"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/conflog/conflog/vet"
)

// TestDocsListEveryRule pins the two rule lists written by hand to
// vet.Rules: docs/vet.md's table (ID and SARIF level) and the package doc's
// list. A rule added, removed or re-levelled without its documentation
// fails here. (conflog vet -h is generated from vet.Rules.)
func TestDocsListEveryRule(t *testing.T) {
	var ids []string
	levels := map[string]string{}
	for _, r := range vet.Rules {
		ids = append(ids, r.ID)
		levels[r.ID] = r.Level
	}
	slices.Sort(ids)

	md, err := os.ReadFile("../docs/vet.md")
	if err != nil {
		t.Fatal(err)
	}
	row := regexp.MustCompile(`(?m)^\| (CL\d{3}) \| (\w+) \|`)
	var table []string
	for _, m := range row.FindAllStringSubmatch(string(md), -1) {
		table = append(table, m[1])
		if levels[m[1]] != m[2] {
			t.Errorf("docs/vet.md: %s has level %q, vet.Rules says %q", m[1], m[2], levels[m[1]])
		}
	}
	slices.Sort(table)
	if !slices.Equal(table, ids) {
		t.Errorf("docs/vet.md's table lists %v; vet.Rules has %v", table, ids)
	}

	f, err := parser.ParseFile(token.NewFileSet(), "vet.go", nil, parser.ParseComments|parser.PackageClauseOnly)
	if err != nil {
		t.Fatal(err)
	}
	var listed []string
	for _, line := range strings.Split(f.Doc.Text(), "\n") {
		if m := regexp.MustCompile(`^\t(CL\d{3})\s`).FindStringSubmatch(line); m != nil {
			listed = append(listed, m[1])
		}
	}
	slices.Sort(listed)
	if !slices.Equal(listed, ids) {
		t.Errorf("the package doc lists %v; vet.Rules has %v", listed, ids)
	}
}
