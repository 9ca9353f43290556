// Command annotate does to a copy of a public Go project what a team
// adopting conflog would do first: it marks the project's existing slog calls
// in the named packages public, by adding conflog.Public after each call's
// message, and points the module at this checkout of conflog. The copy is
// then what "conflog vet" is measured on (see ../README.md).
//
//	go run ./vetcorpus/annotate -conflog /path/to/conflog DIR PACKAGE...
//
// DIR is the project's module root (a writable copy); each PACKAGE is a
// pattern relative to it, as go list takes them (./server). Test files are
// left alone: a team marks its production calls. The rewrite is textual
// (an insertion after the message), so formatting and line numbers stay
// those of the original, which keeps the triage file's positions valid.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"go/ast"
	"go/types"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"

	"golang.org/x/tools/go/packages"
	"golang.org/x/tools/go/types/typeutil"
)

// msgIndex is the message's position among a record-emitting slog call's
// arguments.
var msgIndex = map[string]int{
	"Debug": 0, "Info": 0, "Warn": 0, "Error": 0,
	"DebugContext": 1, "InfoContext": 1, "WarnContext": 1, "ErrorContext": 1,
	"Log": 2, "LogAttrs": 2,
}

func main() {
	conflog := flag.String("conflog", "", "`dir` of the conflog checkout the module is pointed at")
	flag.Parse()
	if *conflog == "" || flag.NArg() < 2 {
		fmt.Fprintln(os.Stderr, "usage: annotate -conflog DIR MODULEDIR PACKAGE...")
		os.Exit(2)
	}
	if err := run(*conflog, flag.Arg(0), flag.Args()[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "annotate:", err)
		os.Exit(1)
	}
}

func run(conflog, dir string, patterns []string) error {
	abs, err := filepath.Abs(conflog)
	if err != nil {
		return err
	}
	cfg := &packages.Config{Mode: packages.LoadAllSyntax, Dir: dir}
	pkgs, err := packages.Load(cfg, patterns...)
	if err != nil {
		return err
	}
	if packages.PrintErrors(pkgs) > 0 {
		return fmt.Errorf("%s: packages do not load", dir)
	}
	total := 0
	for _, p := range pkgs {
		for i, f := range p.Syntax {
			name := p.CompiledGoFiles[i]
			if strings.HasSuffix(name, "_test.go") || !strings.HasSuffix(name, ".go") {
				continue
			}
			n, err := annotateFile(p.Fset.File(f.Pos()).Name(), f, p.TypesInfo)
			if err != nil {
				return err
			}
			total += n
		}
	}
	fmt.Printf("%s: marked %d slog calls public in %s\n", dir, total, strings.Join(patterns, " "))
	// Point the module at this checkout; go mod tidy is not run, so the
	// project's own dependency versions stay as released.
	for _, args := range [][]string{
		{"mod", "edit", "-require=github.com/conflog/conflog@v0.0.0", "-replace=github.com/conflog/conflog=" + abs},
	} {
		cmd := exec.Command("go", args...)
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("go %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	return nil
}

// annotateFile inserts ", conflog.Public" after the message of every
// record-emitting slog call in f and adds the import; it returns how many
// calls it marked.
func annotateFile(name string, f *ast.File, info *types.Info) (int, error) {
	src, err := os.ReadFile(name)
	if err != nil {
		return 0, err
	}
	base := int(f.FileStart)
	var at []int // byte offsets after each message
	ast.Inspect(f, func(n ast.Node) bool {
		call, ok := n.(*ast.CallExpr)
		if !ok {
			return true
		}
		fn, ok := typeutil.Callee(info, call).(*types.Func)
		if !ok || fn.Pkg() == nil || fn.Pkg().Path() != "log/slog" {
			return true
		}
		i, ok := msgIndex[fn.Name()]
		if !ok || len(call.Args) <= i || call.Ellipsis.IsValid() {
			return true
		}
		at = append(at, int(call.Args[i].End())-base)
		return true
	})
	if len(at) == 0 {
		return 0, nil
	}
	slices.Sort(at)
	var out bytes.Buffer
	prev := 0
	for _, off := range at {
		out.Write(src[prev:off])
		out.WriteString(", conflog.Public")
		prev = off
	}
	out.Write(src[prev:])
	b := out.Bytes()
	// The import goes on the package clause's line, after it, so no line
	// moves.
	pkgEnd := int(f.Name.End()) - base
	b = slices.Concat(b[:pkgEnd], []byte(`; import "github.com/conflog/conflog"`), b[pkgEnd:])
	return len(at), os.WriteFile(name, b, 0o644)
}
