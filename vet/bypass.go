package vet

import (
	"go/ast"
	"go/types"
	"strings"

	"golang.org/x/tools/go/types/typeutil"
)

// checkBypass reports CL005: output that leaves the process without passing
// through conflog's categories. Such a line is neither public nor private by
// decision; under a platform that keeps prefixed lines it is deleted if
// harmless and, if someone adds the prefix by hand, leaked.
//
// Exempt: output of constants only (a constant is code, not data: it can be
// lost at the boundary but not leak), _test.go files (examples print their Output), and in a main
// package the usage text: code in a function whose name contains "usage", in
// a function literal assigned to a Usage field or variable (flag.Usage,
// fs.Usage), or writing to a flag.FlagSet's Output().
func (ps *pass) checkBypass() {
	main := ps.Pkg.Name() == "main"
	for _, file := range ps.Files {
		if ps.isTestFile(file) {
			continue
		}
		ast.PreorderStack(file, nil, func(n ast.Node, stack []ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			what := ps.bypassing(call)
			if what == "" {
				what = structuredLogCall(ps.TypesInfo, call)
			} else if ps.constantOutput(call) {
				return true
			}
			if what == "" || (main && inUsage(ps, stack, call)) {
				return true
			}
			ps.report(call, idBypass, "%s writes output that bypasses conflog's public/private categories; log it through the conflog logger instead", what)
			return true
		})
	}
}

// structuredLogCall names a call that emits a record of zap, zerolog or
// logrus, or "". Their records carry fields beside the message, so a
// constant message does not make one harmless.
func structuredLogCall(info *types.Info, call *ast.CallExpr) string {
	fn, ok := typeutil.Callee(info, call).(*types.Func)
	if !ok || fn.Pkg() == nil {
		return ""
	}
	path, name := fn.Pkg().Path(), fn.Name()
	recv := ""
	if r := fn.Signature().Recv(); r != nil {
		if n, ok := types.Unalias(derefPtr(r.Type())).(*types.Named); ok {
			recv = n.Obj().Name()
		}
	}
	switch {
	case path == "go.uber.org/zap" && (recv == "Logger" || recv == "SugaredLogger") && zapLevel(name):
		return "zap." + recv + "." + name
	case path == "github.com/rs/zerolog" && recv == "Event" && (name == "Msg" || name == "Msgf" || name == "Send" || name == "MsgFunc"):
		return "zerolog.Event." + name
	case path == "github.com/rs/zerolog/log" && recv == "" && strings.HasPrefix(name, "Print"):
		return "zerolog/log." + name
	case path == "github.com/sirupsen/logrus" && (recv == "" || recv == "Logger" || recv == "Entry") && logrusLevel(name):
		if recv == "" {
			return "logrus." + name
		}
		return "logrus." + recv + "." + name
	}
	return ""
}

func zapLevel(name string) bool {
	for _, suf := range []string{"ln", "f", "w"} {
		if n, ok := strings.CutSuffix(name, suf); ok {
			name = n
			break
		}
	}
	switch name {
	case "Debug", "Info", "Warn", "Error", "DPanic", "Panic", "Fatal", "Log":
		return true
	}
	return false
}

func logrusLevel(name string) bool {
	base := strings.TrimSuffix(strings.TrimSuffix(name, "ln"), "f")
	switch base {
	case "Trace", "Debug", "Info", "Print", "Warn", "Warning", "Error", "Fatal", "Panic", "Log":
		return true
	}
	return false
}

// bypassing names the bypassing output a call performs, or "".
func (ps *pass) bypassing(call *ast.CallExpr) string {
	switch fn := typeutil.Callee(ps.TypesInfo, call).(type) {
	case *types.Builtin:
		if fn.Name() == "print" || fn.Name() == "println" {
			return fn.Name()
		}
	case *types.Func:
		if fn.Pkg() == nil {
			return ""
		}
		path, name := fn.Pkg().Path(), fn.Name()
		recv := fn.Signature().Recv()
		switch {
		case path == "fmt" && recv == nil && strings.HasPrefix(name, "Print"):
			return "fmt." + name
		case path == "log" && (strings.HasPrefix(name, "Print") || strings.HasPrefix(name, "Fatal") || strings.HasPrefix(name, "Panic")):
			if recv != nil {
				return "log.Logger." + name
			}
			return "log." + name
		case recv == nil && (path == "fmt" && strings.HasPrefix(name, "Fprint") || path == "io" && (name == "WriteString" || name == "Copy" || name == "CopyN")):
			if len(call.Args) > 0 {
				if std := ps.stdStream(call.Args[0]); std != "" {
					return path + "." + name + " to " + std
				}
			}
		case recv != nil && isMethodOf(fn, "File", "os") && (strings.HasPrefix(name, "Write") || name == "ReadFrom"):
			if sel, ok := unparen(call.Fun).(*ast.SelectorExpr); ok {
				if std := ps.stdStream(sel.X); std != "" {
					return std + "." + name
				}
			}
		}
	}
	return ""
}

// constantOutput reports whether everything a call prints is a constant
// (the stream it writes to aside).
func (ps *pass) constantOutput(call *ast.CallExpr) bool {
	for _, a := range call.Args {
		if ps.stdStream(a) != "" {
			continue
		}
		if ps.TypesInfo.Types[a].Value == nil {
			return false
		}
	}
	return true
}

// stdStream names the process's standard stream e writes to, if it is
// one: os.Stdout, os.Stderr, gin's DefaultWriter and DefaultErrorWriter
// (which are those), or a variable only ever assigned one of them.
func (ps *pass) stdStream(e ast.Expr) string {
	switch x := unparen(e).(type) {
	case *ast.SelectorExpr:
		v, ok := ps.TypesInfo.Uses[x.Sel].(*types.Var)
		if !ok || v.Pkg() == nil {
			return ""
		}
		switch {
		case v.Pkg().Path() == "os" && (v.Name() == "Stdout" || v.Name() == "Stderr"):
			return "os." + v.Name()
		case v.Pkg().Path() == "github.com/gin-gonic/gin" && (v.Name() == "DefaultWriter" || v.Name() == "DefaultErrorWriter"):
			return "gin." + v.Name()
		}
	case *ast.Ident:
		if v, ok := ps.TypesInfo.Uses[x].(*types.Var); ok {
			return ps.streamVars()[v]
		}
	}
	return ""
}

// streamVars maps the package's variables that are only ever assigned a
// standard stream (writer := gin.DefaultErrorWriter) to its name.
func (ps *pass) streamVars() map[*types.Var]string {
	if ps.streams != nil {
		return ps.streams
	}
	ps.streams = make(map[*types.Var]string)
	other := make(map[*types.Var]bool)
	see := func(lhs, rhs ast.Expr) {
		id, ok := lhs.(*ast.Ident)
		if !ok {
			return
		}
		v, ok := ps.TypesInfo.ObjectOf(id).(*types.Var)
		if !ok {
			return
		}
		if sel, ok := unparen(rhs).(*ast.SelectorExpr); ok {
			if std := ps.stdStream(sel); std != "" {
				ps.streams[v] = std
				return
			}
		}
		other[v] = true
	}
	for _, file := range ps.Files {
		ast.Inspect(file, func(n ast.Node) bool {
			eachPair(n, see)
			return true
		})
	}
	for v := range other {
		delete(ps.streams, v)
	}
	return ps.streams
}

// inUsage reports whether call, in a main package, prints usage text.
func inUsage(ps *pass, stack []ast.Node, call *ast.CallExpr) bool {
	if len(call.Args) > 0 {
		if c, ok := unparen(call.Args[0]).(*ast.CallExpr); ok {
			if fn, ok := typeutil.Callee(ps.TypesInfo, c).(*types.Func); ok && fn.Name() == "Output" && isMethodOf(fn, "FlagSet", "flag") {
				return true
			}
		}
	}
	for i := len(stack) - 1; i >= 0; i-- {
		switch n := stack[i].(type) {
		case *ast.FuncDecl:
			return strings.Contains(strings.ToLower(n.Name.Name), "usage")
		case *ast.FuncLit:
			if i > 0 && assignedToUsage(stack[i-1], n) {
				return true
			}
		}
	}
	return false
}

// assignedToUsage reports whether parent assigns lit to something named Usage.
func assignedToUsage(parent ast.Node, lit *ast.FuncLit) bool {
	as, ok := parent.(*ast.AssignStmt)
	if !ok || len(as.Lhs) != len(as.Rhs) {
		return false
	}
	for i, r := range as.Rhs {
		if r != lit {
			continue
		}
		var name string
		switch l := as.Lhs[i].(type) {
		case *ast.SelectorExpr:
			name = l.Sel.Name
		case *ast.Ident:
			name = l.Name
		}
		return strings.Contains(strings.ToLower(name), "usage")
	}
	return false
}
