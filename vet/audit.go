package vet

import (
	"go/ast"
	"go/types"

	"golang.org/x/tools/go/types/typeutil"
)

// Audit mode (the -audit flag, conflog vet --audit) is for code that has
// not adopted conflog yet: it lists every logging call — slog, log, fmt to
// the standard streams, zap, zerolog, logrus, and helpers that hand their
// parameters to one — that carries customer data (a request, a file, a
// dataset reader, a model's output) or a value private by its name (a
// secret-named environment variable, a token, a password field), as CL008.
// That is the list to review before adoption: each such call must stay
// private under conflog. Nothing else is reported in this mode: no public
// calls exist yet, and every line is a bypass.
var auditMode bool

const idAudit = "CL008"

// checkAudit reports CL008 on the package's logging calls.
func (ps *pass) checkAudit() {
	for _, file := range ps.Files {
		if ps.isTestFile(file) {
			continue
		}
		ast.Inspect(file, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			if lc := ps.asLogCall(call); lc != nil {
				ps.checkPublic(lc)
				return true
			}
			if ps.bypassing(call) == "" && structuredLogCall(ps.TypesInfo, call) == "" {
				return true
			}
			for _, a := range ps.chainArgs(call) {
				if ps.stdStream(a) != "" {
					continue
				}
				if call.Ellipsis.IsValid() && a == call.Args[len(call.Args)-1] {
					ps.checkSpread(a, "")
				} else {
					ps.checkValue(a, "")
				}
			}
			return true
		})
	}
}

// chainArgs returns the arguments of a logging call and of the calls it is
// chained on, where structured loggers put their fields:
// log.Info().Str("body", b).Msg("x"), logrus.WithField("k", v).Warn("x").
func (ps *pass) chainArgs(call *ast.CallExpr) []ast.Expr {
	args := append([]ast.Expr(nil), call.Args...)
	for {
		sel, ok := unparen(call.Fun).(*ast.SelectorExpr)
		if !ok {
			return args
		}
		inner, ok := unparen(sel.X).(*ast.CallExpr)
		if !ok {
			return args
		}
		if fn, ok := typeutil.Callee(ps.TypesInfo, inner).(*types.Func); !ok || fn.Pkg() == nil || fn.Pkg() == ps.Pkg {
			return args
		}
		args = append(args, inner.Args...)
		call = inner
	}
}
