package vet

import (
	"cmp"
	"go/ast"
	"go/types"
	"slices"

	"golang.org/x/tools/go/types/typeutil"
)

// A sink is a function that logs one of its parameters in a public call,
// such as a metrics helper:
//
//	func logMetric(name string, v any) { logger.Info("metric", conflog.Public, "name", name, "v", v) }
//
// Nothing leaks inside it; the leak is at a call that hands it private data,
// so that is where the finding goes: logMetric("row", rows[0]) is reported
// as CL003. Sinks are found from the public calls (checkValue), propagated
// to wrappers that pass their own parameter on, and exported as facts so a
// helper in another package is followed too.

// sinkFact lists the parameters (0-based; the variadic one stands for all
// its arguments) a function logs in a public call, as values or as the
// message.
type sinkFact struct {
	Params   []sinkParam // logged as values: callers must not pass private data
	Messages []int       // used as the message: callers must pass a constant
}

// A sinkParam is a parameter, or the part of it, a function logs publicly:
// Path "" for all of it, "model.Name" for p.model.Name, "[].Library" for
// p[i].Library. Callers are judged on that part only.
type sinkParam struct {
	Index int
	Path  string
}

func (*sinkFact) AFact() {}

func (f *sinkFact) String() string { return "logs parameters publicly" }

// params returns the package's parameter flow, solving it on first use:
// most packages never need it.
func (ps *pass) params() *flow {
	if ps.paramFlow == nil {
		ps.paramFlow = newParamFlow(ps)
	}
	return ps.paramFlow
}

func (ps *pass) addSink(fn *types.Func, param int, path string) bool {
	if ps.sinks[fn] == nil {
		ps.sinks[fn] = make(map[sinkParam]bool)
	}
	p := sinkParam{param, path}
	if ps.sinks[fn][p] {
		return false
	}
	ps.sinks[fn][p] = true
	return true
}

func (ps *pass) addMsgSink(fn *types.Func, param int) bool {
	return addTo(ps.msgSinks, fn, param)
}

func addTo(m map[*types.Func]map[int]bool, fn *types.Func, param int) bool {
	if m[fn] == nil {
		m[fn] = make(map[int]bool)
	}
	if m[fn][param] {
		return false
	}
	m[fn][param] = true
	return true
}

// collectCalls records the package's calls of functions that are, or may
// become, sinks: other packages' functions with a sinkFact, and this
// package's own functions when it imports conflog (only then can it hold
// public calls).
func (ps *pass) collectCalls() {
	for _, file := range ps.Files {
		ast.Inspect(file, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			fn, ok := typeutil.Callee(ps.TypesInfo, call).(*types.Func)
			if !ok {
				return true
			}
			fn = fn.Origin()
			if fn.Pkg() == ps.Pkg && (ps.conflog != nil || ps.audit) {
				ps.calls = append(ps.calls, call)
			} else if fn.Pkg() != ps.Pkg && ps.ImportObjectFact(fn, new(sinkFact)) {
				ps.calls = append(ps.calls, call)
			}
			return true
		})
	}
}

// sinkParams returns the sink parameters of fn, values and messages: found
// here, or imported.
func (ps *pass) sinkParams(fn *types.Func) (values []sinkParam, messages []int) {
	if fn.Pkg() == ps.Pkg {
		for p := range ps.sinks[fn] {
			values = append(values, p)
		}
		slices.SortFunc(values, func(a, b sinkParam) int {
			return cmp.Or(cmp.Compare(a.Index, b.Index), cmp.Compare(a.Path, b.Path))
		})
		return values, sortedKeys(ps.msgSinks[fn])
	}
	var fact sinkFact
	if ps.ImportObjectFact(fn, &fact) {
		return fact.Params, fact.Messages
	}
	return nil, nil
}

func sortedKeys(m map[int]bool) []int {
	var keys []int
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// sinkArgs returns, for one sink parameter, the call's arguments bound to it.
func sinkArgs(fn *types.Func, call *ast.CallExpr, param int) []ast.Expr {
	sig := fn.Signature()
	if param >= len(call.Args) {
		return nil
	}
	if sig.Variadic() && param == sig.Params().Len()-1 && !call.Ellipsis.IsValid() {
		return call.Args[param:]
	}
	return call.Args[param : param+1]
}

// checkSinkCalls propagates sinks through wrappers until nothing changes,
// exports them, then checks every call of a sink.
func (ps *pass) checkSinkCalls() {
	for changed := true; changed; {
		changed = false
		for _, call := range ps.calls {
			fn := typeutil.Callee(ps.TypesInfo, call).(*types.Func).Origin()
			values, messages := ps.sinkParams(fn)
			for _, p := range values {
				for _, a := range sinkArgs(fn, call, p.Index) {
					if ps.flow.taintPath(a, p.Path) != nil || (p.Path == "" && wholeKind(ps.TypesInfo.TypeOf(a)) != "" && !ps.interfaceParam(a)) {
						continue // reported below, at this call
					}
					if po := ps.params().taintPath(a, p.Path); po != nil && po.fn != nil && ps.addSink(po.fn, po.param, po.path) {
						changed = true
					}
				}
			}
			for _, p := range messages {
				for _, a := range sinkArgs(fn, call, p) {
					if ps.TypesInfo.Types[a].Value != nil || ps.flow.taintOf(a) != nil {
						continue
					}
					if po := ps.params().taintOf(a); po != nil && po.fn != nil && isParamItself(ps, a, po) && ps.addMsgSink(po.fn, po.param) {
						changed = true
					}
				}
			}
		}
	}
	exported := make(map[*types.Func]bool)
	export := func(fn *types.Func) {
		if !exported[fn] {
			exported[fn] = true
			values, messages := ps.sinkParams(fn)
			ps.ExportObjectFact(fn, &sinkFact{Params: values, Messages: messages})
		}
	}
	for fn := range ps.sinks {
		export(fn)
	}
	for fn := range ps.msgSinks {
		export(fn)
	}
	for _, call := range ps.calls {
		fn := typeutil.Callee(ps.TypesInfo, call).(*types.Func).Origin()
		name := fn.Name()
		if fn.Pkg() != ps.Pkg {
			name = fn.Pkg().Name() + "." + name
		}
		sig := fn.Signature()
		values, messages := ps.sinkParams(fn)
		for _, p := range values {
			args := sinkArgs(fn, call, p.Index)
			variadic := sig.Variadic() && p.Index == sig.Params().Len()-1
			switch {
			case len(args) == 0:
			case variadic && call.Ellipsis.IsValid():
				ps.checkSpread(args[0], helperCall(name))
			case variadic:
				ps.checkArgs(args, helperCall(name)) // the helper's args ...any, as slog takes them
			default:
				ps.checkValueAt(args[0], helperCall(name), p.Path)
			}
		}
		for _, p := range messages {
			for _, a := range sinkArgs(fn, call, p) {
				if po := ps.params().taintOf(a); po != nil && po.fn != nil && isParamItself(ps, a, po) && ps.flow.taintOf(a) == nil {
					continue // passed on: the wrapper is a message sink itself
				}
				ps.checkMessage(a, name)
			}
		}
	}
}
