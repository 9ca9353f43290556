package vet

import (
	"cmp"
	"errors"
	"fmt"
	"go/ast"
	"go/build"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"unicode/utf16"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/analysis/checker"
	"golang.org/x/tools/go/packages"
)

// A Finding is one report of the analyzer, located in a file.
type Finding struct {
	ID      string `json:"id"`      // CL000…CL008
	File    string `json:"file"`    // relative to the directory checked, slash-separated, when inside it
	Line    int    `json:"line"`    // 1-based
	Column  int    `json:"column"`  // 1-based, in bytes, as go vet counts
	Message string `json:"message"` // why it can leak and what to do instead

	// The end of the reported expression (EndColumn just after it, in
	// bytes), and both columns in UTF-16 code units, as SARIF and editors
	// count them: on a line with non-ASCII text before the finding they
	// differ from the byte columns. Zero when unknown.
	EndLine     int `json:"end_line,omitempty"`
	EndColumn   int `json:"end_column,omitempty"`
	Column16    int `json:"column_utf16,omitempty"`
	EndColumn16 int `json:"end_column_utf16,omitempty"`
}

func (f Finding) String() string {
	return fmt.Sprintf("%s:%d:%d: %s %s", f.File, f.Line, f.Column, f.ID, f.Message)
}

// Check loads the packages matching patterns (as "go list" and "go vet" take
// them; "./..." when none) in dir, with their tests, runs the Analyzer over
// them and returns the findings sorted by position. It fails when a package
// cannot be loaded or type-checked: an unchecked package is not a clean one.
func Check(dir string, patterns ...string) ([]Finding, error) {
	r, err := Run(dir, patterns...)
	if err != nil {
		return nil, err
	}
	return r.Findings, nil
}

// A Result is what Run found.
type Result struct {
	Findings []Finding
	Packages int      // packages checked (a package and its test variant count once)
	Adopted  []string // import paths of the checked packages that import conflog
}

// Run is Check, also telling which packages use conflog: without the
// -audit flag, code that imports conflog nowhere has no public calls to
// check, and an empty result says nothing about its logging.
func Run(dir string, patterns ...string) (*Result, error) {
	if len(patterns) == 0 {
		patterns = []string{"./..."}
	}
	// The analyzer never looks inside the standard library, so its function
	// bodies are dropped before type-checking: declarations are all the
	// user's packages need from it. Generic functions keep theirs (go/types
	// requires them). This cuts the CPU time of a run by about a third; the
	// unused-import errors it causes in GOROOT packages are ignored below.
	goroot := filepath.Join(build.Default.GOROOT, "src") + string(filepath.Separator)
	cfg := &packages.Config{Mode: packages.LoadAllSyntax, Dir: dir, Tests: true,
		ParseFile: func(fset *token.FileSet, filename string, src []byte) (*ast.File, error) {
			f, err := parser.ParseFile(fset, filename, src, parser.AllErrors|parser.ParseComments|parser.SkipObjectResolution)
			if err != nil || !strings.HasPrefix(filename, goroot) {
				return f, err
			}
			for _, d := range f.Decls {
				if fd, ok := d.(*ast.FuncDecl); ok && fd.Type.TypeParams == nil && !genericRecv(fd) {
					fd.Body = nil
				}
			}
			return f, nil
		}}
	pkgs, err := packages.Load(cfg, patterns...)
	if err != nil {
		return nil, fmt.Errorf("load %s: %w", strings.Join(patterns, " "), err)
	}
	if len(pkgs) == 0 {
		return nil, fmt.Errorf("load %s: no packages matched", strings.Join(patterns, " "))
	}
	var loadErrs []error
	packages.Visit(pkgs, nil, func(p *packages.Package) {
		if len(p.GoFiles) > 0 && strings.HasPrefix(p.GoFiles[0], goroot) {
			return // see ParseFile above
		}
		for _, e := range p.Errors {
			loadErrs = append(loadErrs, errors.New(e.Error()))
		}
	})
	if len(loadErrs) > 0 {
		if len(loadErrs) > 5 {
			loadErrs = append(loadErrs[:5], fmt.Errorf("and %d more errors", len(loadErrs)-5))
		}
		return nil, fmt.Errorf("load %s: %w", strings.Join(patterns, " "), errors.Join(loadErrs...))
	}
	// The standard library, type-checked without bodies, has unused-import
	// errors; the analyzer skips GOROOT anyway, and user packages with
	// errors were refused above, so this run may ignore package errors.
	// The copy shares Run, Flags and FactTypes with Analyzer.
	lenient := *Analyzer
	lenient.RunDespiteErrors = true
	graph, err := checker.Analyze([]*analysis.Analyzer{&lenient}, pkgs, nil)
	if err != nil {
		return nil, fmt.Errorf("analyze: %w", err)
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("analyze: %w", err)
	}
	lines := newLineCache()
	seen := make(map[Finding]bool) // a package and its test variant share files
	var out []Finding
	res := &Result{}
	pkgSeen := make(map[string]bool)
	for _, act := range graph.Roots {
		path := strings.TrimSuffix(act.Package.PkgPath, "_test")
		if !pkgSeen[path] {
			pkgSeen[path] = true
			res.Packages++
		}
		for _, imp := range act.Package.Imports {
			if imp.PkgPath == conflogPath && !slices.Contains(res.Adopted, path) {
				res.Adopted = append(res.Adopted, path)
			}
		}
		if act.Err != nil {
			return nil, fmt.Errorf("analyze %s: %w", act.Package.PkgPath, act.Err)
		}
		for _, d := range act.Diagnostics {
			f := finding(act.Package.Fset, abs, d, lines)
			if !seen[f] {
				seen[f] = true
				out = append(out, f)
			}
		}
	}
	slices.SortFunc(out, func(a, b Finding) int {
		return cmp.Or(cmp.Compare(a.File, b.File), cmp.Compare(a.Line, b.Line), cmp.Compare(a.Column, b.Column), cmp.Compare(a.ID, b.ID))
	})
	slices.Sort(res.Adopted)
	res.Findings = out
	return res, nil
}

// genericRecv reports whether fd is a method of a generic type.
func genericRecv(fd *ast.FuncDecl) bool {
	if fd.Recv == nil || len(fd.Recv.List) == 0 {
		return false
	}
	t := fd.Recv.List[0].Type
	if s, ok := t.(*ast.StarExpr); ok {
		t = s.X
	}
	switch t.(type) {
	case *ast.IndexExpr, *ast.IndexListExpr:
		return true
	}
	return false
}

func finding(fset *token.FileSet, dir string, d analysis.Diagnostic, lines *lineCache) Finding {
	pos := fset.Position(d.Pos)
	file := pos.Filename
	if rel, err := filepath.Rel(dir, file); err == nil && !strings.HasPrefix(rel, "..") {
		file = rel
	}
	f := Finding{
		ID:       d.Category,
		File:     filepath.ToSlash(file),
		Line:     pos.Line,
		Column:   pos.Column,
		Message:  strings.TrimPrefix(d.Message, d.Category+" "),
		Column16: lines.utf16Column(pos),
	}
	if d.End.IsValid() {
		end := fset.Position(d.End)
		f.EndLine, f.EndColumn, f.EndColumn16 = end.Line, end.Column, lines.utf16Column(end)
	}
	return f
}

// lineCache reads the files findings are in, to convert byte columns.
type lineCache struct{ files map[string][]byte }

func newLineCache() *lineCache { return &lineCache{files: make(map[string][]byte)} }

// utf16Column converts a position's byte column to UTF-16 code units, as
// SARIF's default columnKind counts: a character outside the Basic
// Multilingual Plane counts 2, an invalid byte 1. It returns 0 when the file
// cannot be read or does not match the position.
func (c *lineCache) utf16Column(p token.Position) int {
	src, ok := c.files[p.Filename]
	if !ok {
		src, _ = os.ReadFile(p.Filename)
		c.files[p.Filename] = src
	}
	start := p.Offset - (p.Column - 1)
	if src == nil || start < 0 || p.Offset > len(src) {
		return 0
	}
	col := 1
	for _, r := range string(src[start:p.Offset]) { // an invalid byte is U+FFFD: 1
		col += utf16.RuneLen(r)
	}
	return col
}
