// Package vet is conflog's static analyzer: a [golang.org/x/tools/go/analysis]
// Analyzer that finds logging which can leak private data into a public log
// line, at review time rather than in the log.
//
// A public call is a call of an *slog.Logger method or slog package function
// (Debug, Info, Warn, Error, Log, LogAttrs and their Context forms) whose own
// arguments hold conflog.Public or conflog.Category(conflog.OnlyPublicData).
// Its line leaves the compliant boundary, so the analyzer reports, each with
// a stable ID:
//
//	CL001  a public call whose message is not a constant string
//	CL002  a public call passing a value whose name or type marks it sensitive
//	       (password, token, email, text, row, …; configurable), a struct, map,
//	       non-numeric slice or interface value (its dynamic type unknown)
//	       printed whole, or conflog.PublicError of such data
//	CL003  a public call passing a value that flows from a source of customer
//	       data: *http.Request and framework binds, os.ReadFile,
//	       bufio.Scanner/Reader, csv.Reader, what a Decoder reads from those,
//	       os.Args, model output (see docs/vet.md); configuration types are not
//	CL004  conflog.Public anywhere but among a log call's own arguments, e.g.
//	       logger.With(conflog.Public), which does not make a logger public
//	CL005  fmt.Print*, log.Print*/Fatal*/Panic*, print/println or writes to
//	       os.Stdout/os.Stderr in a package that imports conflog (output that
//	       bypasses the categories); usage output of main packages is exempt
//	CL006  slog calls on a logger visibly not built by conflog, in such a package
//	CL007  a public call passing an error's text as a string (err.Error(), %v)
//	CL008  with -audit only: a logging call carrying customer data or a secret
//	CL000  a malformed //conflog:ignore directive, or one that silences nothing
//
// A finding is silenced by a directive naming its ID and a reason, on its line
// or alone on the line above:
//
//	//conflog:ignore CL002 the run token is a public nonce, not a credential
//
// Flow (CL002 via names, CL003) is followed within a package: a variable,
// field base, map, slice or channel that is assigned a value derived from a
// source carries it at every use not written before the assignment in the
// same function; at every use for a type holding references (pointer, map,
// slice, …) or an address-taken variable, in a loop, a closure or a
// function with a goto, and for package variables. A value of numeric or boolean
// type carries nothing (len, counts, losses), nor do constants, %T verbs,
// the sanitizers conflog.Redact, Mask, Pseudonym and Shape, and the
// arguments of conflog.Errorf (scrubbed; its format is not).
// Functions returning source data, and functions logging a parameter in a
// public call (sinks: the finding goes to the call handing them private
// data), are summarised as analysis facts, so helpers in other packages are
// followed too. Not followed: taint through struct fields read back via
// another variable, calls through interfaces or function values, reflection.
package vet

import (
	"cmp"
	"flag"
	"fmt"
	"go/ast"
	"go/build"
	"go/token"
	"go/types"
	"path/filepath"
	"slices"
	"strings"

	"golang.org/x/tools/go/analysis"
)

// conflogPath is the import path of the package whose markers and wrappers
// the analyzer knows by name.
const conflogPath = "github.com/conflog/conflog"

// Finding IDs. They are stable: suppressions and CI configurations name them.
const (
	idBadIgnore  = "CL000"
	idNonConst   = "CL001"
	idSensitive  = "CL002"
	idSource     = "CL003"
	idMarker     = "CL004"
	idBypass     = "CL005"
	idForeignLog = "CL006"
	idErrText    = "CL007"
	// idAudit     = "CL008", in audit.go

	idParam = "param" // not a finding: the origin kind of a parameter flow

	// idPackage is not a finding: with -packages, one diagnostic per
	// package checked, "PATH true" when it imports conflog, else "PATH
	// false" (see packageNote). go vet caches a package's diagnostics with
	// its analysis, so conflog vet learns which packages use conflog from
	// the run itself, warm cache or not, without a go list of its own.
	idPackage = "conflog-package"
)

// Rules describes every finding ID in one line, for help texts and SARIF.
var Rules = []Rule{
	{idBadIgnore, "malformed or stale //conflog:ignore directive (it needs a known ID and a reason, and a finding of that ID to silence)", "warning"},
	{idNonConst, "public log call whose message is not a constant string", "error"},
	{idSensitive, "public log call passing a value whose name or type marks it sensitive, or a struct/map printed whole", "error"},
	{idSource, "public log call passing a value that flows from a source of customer data", "error"},
	{idMarker, "conflog.Public used other than as a log call's own argument (e.g. in With)", "warning"},
	{idBypass, "output that bypasses conflog's categories in a package that uses conflog", "warning"},
	{idForeignLog, "slog call on a logger not built by conflog in a package that uses conflog", "warning"},
	{idErrText, "public log call passing an error's text as a string (err.Error(), fmt.Sprint(err), %v of an error), which escapes conflog's scrubbing of errors", "error"},
	{idAudit, "audit mode: a logging call (slog, log, fmt, zap, zerolog, logrus) that carries customer data or a secret, to review before adopting conflog", "note"},
}

// A Rule is one finding ID, what it means, and its SARIF level: "error"
// for a public line that can leak, "warning" for output that escapes the
// categories or a directive gone wrong, "note" for an audit's list.
type Rule struct {
	ID      string
	Summary string
	Level   string
}

// Analyzer reports logging that can leak private data into public lines.
// Flags: -sensitive (replace the sensitive words) and -sensitive-add (add to
// them), each a comma-separated list.
var Analyzer = &analysis.Analyzer{
	Name:      "conflog",
	Doc:       "report logging that can leak private data into public (prefixed) log lines\n\nSee https://pkg.go.dev/github.com/conflog/conflog/vet for the findings CL000–CL008.",
	URL:       "https://pkg.go.dev/github.com/conflog/conflog/vet",
	Run:       run,
	FactTypes: []analysis.Fact{(*sourceFact)(nil), (*sinkFact)(nil), (*typeFact)(nil), (*outFact)(nil)},
}

var sensitive = newNameSet(defaultSensitive)

func init() {
	Analyzer.Flags.Var(sensitive, "sensitive", "comma-separated words that mark a name or type sensitive (replaces the default list)")
	Analyzer.Flags.Var(addSet{sensitive}, "sensitive-add", "comma-separated words added to the sensitive list")
	Analyzer.Flags.BoolVar(&auditMode, "audit", false, "audit code that has not adopted conflog: report every logging call carrying customer data or a secret (CL008)")
	Analyzer.Flags.Var(configTypes, "config-types", "comma-separated types (Name or import/path.Name) whose values are configuration, not customer data")
	Analyzer.Flags.Var(dataTypes, "data-types", "comma-separated types (Name or import/path.Name) whose values are customer data")
	Analyzer.Flags.BoolVar(&packagesMode, "packages", false, "report each package checked as a "+idPackage+" diagnostic saying whether it imports conflog (for conflog vet's summary; not a finding)")
}

// packagesMode is the -packages flag, which conflog vet (RunGoVet) sets.
var packagesMode bool

// SetFlags sets analyzer flags by name, as a driver would; it is how the
// golangci-lint plugin applies its settings.
func SetFlags(settings map[string]string) error {
	for name, value := range settings {
		if Analyzer.Flags.Lookup(name) == nil {
			return fmt.Errorf("analyzer flag %q: no such flag", name)
		}
		if err := Analyzer.Flags.Set(name, value); err != nil {
			return fmt.Errorf("analyzer flag %q: %w", name, err)
		}
	}
	return nil
}

var _ flag.Value = (*nameSet)(nil)

// A pass holds one package's analysis.
type pass struct {
	*analysis.Pass
	names   *nameSet
	flow    *flow
	conflog *types.Package // nil when the package does not import conflog
	ignores *ignores
	kinds   map[types.Type]string // typeKind's answers
	audit   bool                  // -audit: CL008 on every logging call (audit.go)
	diags   []analysis.Diagnostic // reported sorted at the end of run
	streams map[*types.Var]string // see streamVars

	paramFlow *flow                              // built on first use, see params
	sinks     map[*types.Func]map[sinkParam]bool // this package's functions that log a parameter publicly
	msgSinks  map[*types.Func]map[int]bool       // … or use it as a public call's message
	calls     []*ast.CallExpr                    // static calls of functions that may be sinks

	loggerVals  map[*types.Var][]ast.Expr // built on first use, see loggerValues
	withChecked map[*ast.CallExpr]bool    // the With calls checkWithArgs has checked
}

func run(p *analysis.Pass) (any, error) {
	if len(p.Files) == 0 {
		return nil, nil
	}
	if packagesMode {
		p.Report(packageNote(p))
	}
	if inGOROOT(p) {
		// The standard library never calls conflog, and its sources are
		// hard-coded in flow.go: skipping it keeps "conflog vet" fast.
		return nil, nil
	}
	ps := &pass{Pass: p, names: sensitive, kinds: make(map[types.Type]string), audit: auditMode}
	for _, imp := range p.Pkg.Imports() {
		if imp.Path() == conflogPath {
			ps.conflog = imp
		}
	}
	ps.exportTypeDirectives()
	ps.flow = newFlow(ps)
	ps.flow.solve()
	ps.flow.exportFacts()
	ps.sinks = make(map[*types.Func]map[sinkParam]bool)
	ps.msgSinks = make(map[*types.Func]map[int]bool)
	ps.collectCalls()
	if ps.conflog == nil && len(ps.calls) == 0 && !ps.audit {
		return nil, nil // no public calls possible, nothing bypasses conflog
	}
	ps.ignores = collectIgnores(p.Fset, p.Files, ps.source, func(pos token.Pos, problem string) {
		ps.diags = append(ps.diags, analysis.Diagnostic{Pos: pos, Category: idBadIgnore,
			Message: idBadIgnore + " conflog:ignore directive " + problem + ", so it silences nothing; write //conflog:ignore CL00N why this is safe"})
	})
	switch {
	case ps.audit:
		ps.checkAudit()
	case ps.conflog != nil:
		ps.checkCalls()
		ps.checkBypass()
	}
	ps.checkSinkCalls()
	if !ps.audit { // an audit reports CL008 only: other IDs find nothing to silence
		ps.ignores.unused(func(pos token.Pos, id string) {
			ps.diags = append(ps.diags, analysis.Diagnostic{Pos: pos, Category: idBadIgnore,
				Message: idBadIgnore + " conflog:ignore directive names " + id + ", but no " + id + " finding is on its line (or, alone on its line, the next): it silences nothing; remove " + id})
		})
	}
	// Reported in position order, so go vet -vettool prints them sorted.
	slices.SortStableFunc(ps.diags, func(a, b analysis.Diagnostic) int {
		return cmp.Or(cmp.Compare(a.Pos, b.Pos), cmp.Compare(a.Category, b.Category))
	})
	for _, d := range ps.diags {
		p.Report(d)
	}
	return nil, nil
}

// packageNote is the -packages diagnostic of a package: its import path
// (a test variant's and an external test's are their package's) and
// whether it imports conflog.
func packageNote(p *analysis.Pass) analysis.Diagnostic {
	path := p.Pkg.Path()
	if strings.HasSuffix(p.Pkg.Name(), "_test") {
		path = strings.TrimSuffix(path, "_test")
	}
	adopted := slices.ContainsFunc(p.Pkg.Imports(), func(imp *types.Package) bool { return imp.Path() == conflogPath })
	return analysis.Diagnostic{Pos: p.Files[0].Package, Category: idPackage, Message: fmt.Sprintf("%s %s %t", idPackage, path, adopted)}
}

// report emits a finding unless a directive silences it.
func (ps *pass) report(node ast.Node, id, format string, args ...any) {
	if ps.ignores.covers(node.Pos(), id) {
		return
	}
	ps.diags = append(ps.diags, analysis.Diagnostic{
		Pos:      node.Pos(),
		End:      node.End(),
		Category: id,
		Message:  id + " " + fmt.Sprintf(format, args...),
	})
}

// source returns a file's content for the directive parser.
func (ps *pass) source(name string) []byte {
	if ps.ReadFile == nil { // drivers that predate Pass.ReadFile leave it nil
		return nil
	}
	b, err := ps.ReadFile(name)
	if err != nil {
		return nil
	}
	return b
}

func inGOROOT(p *analysis.Pass) bool {
	root := build.Default.GOROOT
	if root == "" {
		return false
	}
	name := p.Fset.File(p.Files[0].Pos()).Name()
	rel, err := filepath.Rel(filepath.Join(root, "src"), name)
	return err == nil && !strings.HasPrefix(rel, "..")
}

// isTestFile reports whether node lies in a _test.go file, where examples
// print their output and tests build throwaway loggers.
func (ps *pass) isTestFile(node ast.Node) bool {
	return strings.HasSuffix(ps.Fset.Position(node.Pos()).Filename, "_test.go")
}

// exprText renders an expression for a message, shortened to stay one line.
func exprText(e ast.Expr) string {
	s := types.ExprString(e)
	if r := []rune(s); len(r) > 40 {
		s = string(r[:39]) + "…"
	}
	return s
}
