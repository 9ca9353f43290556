package vet

import (
	"fmt"
	"go/ast"
	"go/importer"
	"go/parser"
	"go/token"
	"go/types"
	"os"
	"strings"
	"sync"
	"testing"

	"golang.org/x/tools/go/analysis"
)

// The flow promise, fuzzed: data read by os.ReadFile, carried through any
// chain of value-preserving steps (calls, conversions, variables, closures,
// maps, structs, channels, pointers, builders, helpers) into a public call,
// is always reported; the same chain ending in a sanitiser never is.

// flowSteps each wrap expression %[1]s; %[2]d makes names unique. A step may
// need statements before the expression that uses it ("pre|expr").
var flowSteps = []string{
	`strings.ToUpper(%[1]s)`,
	`%[1]s + "!"`,
	`fmt.Sprintf("%%s-%%d", %[1]s, 3)`,
	`string([]byte(%[1]s))`,
	`(%[1]s)[1:]`,
	`strings.Fields(%[1]s)[0]`,
	`v%[2]d := %[1]s|v%[2]d`,
	`func() string { return %[1]s }()`,
	`helper(%[1]s)`,
	`map[string]string{"k": %[1]s}["k"]`,
	`struct{ S string }{S: %[1]s}.S`,
	`ch%[2]d := make(chan string, 1); ch%[2]d <- %[1]s|<-ch%[2]d`,
	`var s%[2]d string; p%[2]d := &s%[2]d; *p%[2]d = %[1]s|*p%[2]d`,
	`append([]string{}, %[1]s)[0]`,
	`var b%[2]d strings.Builder; b%[2]d.WriteString(%[1]s)|b%[2]d.String()`,
	`r%[2]d := []rune(%[1]s)|string(r%[2]d)`,
	`var a%[2]d any = %[1]s|a%[2]d.(string)`,
	`m%[2]d := map[string]string{}; m%[2]d["k"] = %[1]s|m%[2]d["k"]`,
	`xs%[2]d := []string{"a"}; for _, w := range []string{%[1]s} { xs%[2]d = append(xs%[2]d, w) }|xs%[2]d[1]`,
}

// flowSanitisers end a chain: what is logged carries no content.
var flowSanitisers = []string{
	`len(%s)`,
	`conflog.Shape(%s)`,
	`conflog.Redact(%s)`,
	`fmt.Sprintf("%%T", %s)`,
	`len(%s) > 3`,
}

func FuzzFlow(f *testing.F) {
	f.Add([]byte{0}, false)
	f.Add([]byte{6, 7, 8}, false)
	f.Add([]byte{11, 12, 14, 15}, true)
	f.Add([]byte{9, 10, 13, 16, 17, 18}, false)
	f.Add([]byte{2, 1, 0, 3, 4, 5}, true)
	f.Fuzz(func(t *testing.T, steps []byte, sanitise bool) {
		if len(steps) > 12 {
			steps = steps[:12]
		}
		var pre []string
		expr := "string(raw)"
		for i, s := range steps {
			step := fmt.Sprintf(flowSteps[int(s)%len(flowSteps)], expr, i)
			if p, e, ok := strings.Cut(step, "|"); ok {
				pre = append(pre, p)
				step = e
			}
			expr = step
		}
		if sanitise {
			expr = fmt.Sprintf(flowSanitisers[len(steps)%len(flowSanitisers)], expr)
		}
		src := fmt.Sprintf(`package p

import (
	"fmt"
	"os"
	"strings"

	"github.com/conflog/conflog"
)

var _ = fmt.Sprint
var _ = strings.ToUpper

func helper(s string) string { return s }

func f(path string) {
	raw, _ := os.ReadFile(path)
	%s
	conflog.New(os.Stderr, "SystemLog:", nil).Info("step", conflog.Public, "v", %s)
}
`, strings.Join(pre, "\n\t"), expr)
		diags, err := runOnSource(src)
		if err != nil {
			t.Fatalf("%v\n%s", err, src)
		}
		var found []string
		for _, d := range diags {
			found = append(found, d.Message)
		}
		if sanitise && len(found) > 0 {
			t.Fatalf("sanitised value reported:\n%s\n%s", strings.Join(found, "\n"), src)
		}
		if !sanitise && (len(found) != 1 || !strings.HasPrefix(found[0], idSource+" ")) {
			t.Fatalf("want one CL003, got %q\n%s", found, src)
		}
	})
}

var (
	fuzzImporterOnce sync.Once
	fuzzFset         = token.NewFileSet()
	fuzzImporter     types.Importer
	fuzzImporterErr  error
)

// stubImporter serves the conflog stub from testdata and everything else
// from source, once: the fuzz loop then only type-checks its one file.
type stubImporter struct {
	conflog *types.Package
	std     types.Importer
}

func (s stubImporter) Import(path string) (*types.Package, error) {
	if path == conflogPath {
		return s.conflog, nil
	}
	return s.std.Import(path)
}

func runOnSource(src string) ([]analysis.Diagnostic, error) {
	fuzzImporterOnce.Do(func() {
		std := importer.ForCompiler(fuzzFset, "source", nil)
		stubFile := "testdata/src/github.com/conflog/conflog/conflog.go"
		b, err := os.ReadFile(stubFile)
		if err != nil {
			fuzzImporterErr = err
			return
		}
		f, err := parser.ParseFile(fuzzFset, stubFile, b, 0)
		if err != nil {
			fuzzImporterErr = err
			return
		}
		pkg, err := (&types.Config{Importer: std}).Check(conflogPath, fuzzFset, []*ast.File{f}, nil)
		fuzzImporter, fuzzImporterErr = stubImporter{pkg, std}, err
	})
	if fuzzImporterErr != nil {
		return nil, fuzzImporterErr
	}
	file, err := parser.ParseFile(fuzzFset, "/fuzz/p.go", src, parser.ParseComments)
	if err != nil {
		return nil, err
	}
	info := &types.Info{
		Types: map[ast.Expr]types.TypeAndValue{}, Defs: map[*ast.Ident]types.Object{},
		Uses: map[*ast.Ident]types.Object{}, Implicits: map[ast.Node]types.Object{},
		Selections: map[*ast.SelectorExpr]*types.Selection{}, Instances: map[*ast.Ident]types.Instance{},
	}
	pkg, err := (&types.Config{Importer: fuzzImporter}).Check("p", fuzzFset, []*ast.File{file}, info)
	if err != nil {
		return nil, err
	}
	var diags []analysis.Diagnostic
	pass := &analysis.Pass{
		Analyzer: Analyzer, Fset: fuzzFset, Files: []*ast.File{file}, Pkg: pkg, TypesInfo: info,
		TypesSizes: types.SizesFor("gc", "amd64"), ResultOf: map[*analysis.Analyzer]any{},
		Report:           func(d analysis.Diagnostic) { diags = append(diags, d) },
		ReadFile:         func(string) ([]byte, error) { return []byte(src), nil },
		ImportObjectFact: func(types.Object, analysis.Fact) bool { return false },
		ExportObjectFact: func(types.Object, analysis.Fact) {},
	}
	_, err = Analyzer.Run(pass)
	return diags, err
}
