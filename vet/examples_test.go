package vet_test

import (
	"io/fs"
	"path/filepath"
	"strings"
	"testing"

	"github.com/conflog/conflog/vet"
)

// TestExamplesClean: the project's own examples/ are what users copy, so
// they must pass conflog vet without a single finding. It checks every Go
// package found under examples/ at the module root; with none there yet,
// there is nothing that could leak, and the test says so.
func TestExamplesClean(t *testing.T) {
	if testing.Short() {
		t.Skip("loads every example package and its dependencies from source: seconds; go test without -short runs it")
	}
	t.Parallel() // runs after TestAudit, which alone sets the analyzer's flags, has put them back
	root := filepath.Join("..", "examples")
	var goFiles int
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "testdata" || strings.HasPrefix(d.Name(), ".")) && path != root {
			return filepath.SkipDir
		}
		if !d.IsDir() && strings.HasSuffix(path, ".go") {
			goFiles++
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// The examples are Go programs (examples/train, examples/gotrain): none
	// found means the walk or the tree is wrong, never a clean result.
	if goFiles == 0 {
		t.Fatalf("no Go files under %s: nothing was checked", root)
	}
	findings, err := vet.Check("..", "./examples/...")
	if err != nil {
		t.Fatalf("conflog vet ./examples/...: %v", err)
	}
	for _, f := range findings {
		t.Errorf("examples must be clean: %s", f)
	}
}
