package vet

import (
	"fmt"
	"go/ast"
	"go/constant"
	"go/token"
	"go/types"
	"strings"

	"golang.org/x/tools/go/types/typeutil"
)

// A logCall is a call of an slog.Logger method or slog function that emits a
// record: its message argument and the record's own arguments.
type logCall struct {
	call  *ast.CallExpr
	name  string
	recv  ast.Expr // the logger, nil for the slog package functions
	msg   ast.Expr
	attrs []ast.Expr // the variadic args (key/value pairs or slog.Attrs)
}

// msgIndex gives, for each record-emitting name, the position of the
// message among the arguments; the record's args follow it.
var msgIndex = map[string]int{
	"Debug": 0, "Info": 0, "Warn": 0, "Error": 0,
	"DebugContext": 1, "InfoContext": 1, "WarnContext": 1, "ErrorContext": 1,
	"Log": 2, "LogAttrs": 2,
}

// asLogCall recognises a record-emitting slog call.
func (ps *pass) asLogCall(call *ast.CallExpr) *logCall {
	fn, ok := typeutil.Callee(ps.TypesInfo, call).(*types.Func)
	if !ok || fn.Pkg() == nil || fn.Pkg().Path() != "log/slog" {
		return nil
	}
	i, ok := msgIndex[fn.Name()]
	if !ok || len(call.Args) <= i {
		return nil
	}
	lc := &logCall{call: call, name: fn.Name(), msg: call.Args[i], attrs: call.Args[i+1:]}
	if recv := fn.Signature().Recv(); recv != nil {
		if !isLoggerType(recv.Type()) {
			return nil
		}
		if sel, ok := unparen(call.Fun).(*ast.SelectorExpr); ok {
			lc.recv = sel.X
		}
	}
	return lc
}

func isLoggerType(t types.Type) bool {
	if p, ok := t.(*types.Pointer); ok {
		t = p.Elem()
	}
	return isNamed(t, "log/slog", "Logger")
}

// isMarker reports whether e is conflog.Public or conflog.Category of a
// category that is, or may be, OnlyPublicData.
func (ps *pass) isMarker(e ast.Expr) bool {
	switch e := unparen(e).(type) {
	case *ast.SelectorExpr:
		v, ok := ps.TypesInfo.Uses[e.Sel].(*types.Var)
		return ok && v.Pkg() != nil && v.Pkg().Path() == conflogPath && v.Name() == "Public"
	case *ast.Ident:
		v, ok := ps.TypesInfo.Uses[e].(*types.Var)
		return ok && v.Pkg() != nil && v.Pkg().Path() == conflogPath && v.Name() == "Public" && v.Parent() == v.Pkg().Scope()
	case *ast.CallExpr:
		fn, ok := typeutil.Callee(ps.TypesInfo, e).(*types.Func)
		if !ok || fn.Pkg() == nil || fn.Pkg().Path() != conflogPath || fn.Name() != "Category" || len(e.Args) != 1 {
			return false
		}
		tv := ps.TypesInfo.Types[e.Args[0]]
		if tv.Value == nil {
			return true // a category chosen at run time may be public
		}
		pub, ok := fn.Pkg().Scope().Lookup("OnlyPublicData").(*types.Const)
		return ok && constant.Compare(tv.Value, token.EQL, pub.Val())
	}
	return false
}

// checkCalls walks the package once for CL001–CL004 and CL006.
func (ps *pass) checkCalls() {
	loggers := ps.loggerKinds()
	for _, file := range ps.Files {
		test := ps.isTestFile(file)
		ast.PreorderStack(file, nil, func(n ast.Node, stack []ast.Node) bool {
			e, ok := n.(ast.Expr)
			if !ok {
				return true
			}
			if ps.isMarker(e) {
				ps.checkMarkerUse(e, stack)
				return false
			}
			call, ok := e.(*ast.CallExpr)
			if !ok {
				return true
			}
			lc := ps.asLogCall(call)
			if lc == nil {
				return true
			}
			if !test && loggers.foreign(ps, lc) {
				ps.report(call, idForeignLog, "slog.%s on a logger not built by conflog: its records bypass the public/private categories; build the logger with conflog.New", lc.name)
			}
			if ps.isPublic(lc) {
				ps.checkPublic(lc)
			}
			return true
		})
	}
}

// isPublic reports whether a log call is public: a public marker among its
// own args, and no explicit Category(ContainsPrivateData), which conflog
// lets win.
func (ps *pass) isPublic(lc *logCall) bool {
	public := false
	for _, a := range ps.ownArgs(lc) {
		if ps.isMarker(a) {
			public = true
		} else if ps.isPrivateMarker(a) {
			return false
		}
	}
	return public
}

// ownArgs returns the record's own args as written: the variadic args, and
// for a spread of append (logger.Info(msg, append(args, conflog.Public)...),
// the wrapper helpers write) the values appended.
func (ps *pass) ownArgs(lc *logCall) []ast.Expr {
	if !lc.call.Ellipsis.IsValid() || len(lc.attrs) == 0 {
		return lc.attrs
	}
	last := lc.attrs[len(lc.attrs)-1]
	if app := ps.appendCall(last); app != nil {
		return append(lc.attrs[:len(lc.attrs)-1:len(lc.attrs)-1], app.Args[1:]...)
	}
	return lc.attrs
}

// appendCall returns e as a call of the builtin append, or nil.
func (ps *pass) appendCall(e ast.Expr) *ast.CallExpr {
	call, ok := unparen(e).(*ast.CallExpr)
	if !ok || call.Ellipsis.IsValid() || len(call.Args) == 0 {
		return nil
	}
	if b, ok := typeutil.Callee(ps.TypesInfo, call).(*types.Builtin); ok && b.Name() == "append" {
		return call
	}
	return nil
}

// isPrivateMarker reports whether e is conflog.Category of a constant other
// than OnlyPublicData.
func (ps *pass) isPrivateMarker(e ast.Expr) bool {
	call, ok := unparen(e).(*ast.CallExpr)
	if !ok || len(call.Args) != 1 {
		return false
	}
	fn, ok := typeutil.Callee(ps.TypesInfo, call).(*types.Func)
	if !ok || !isPkgFunc(fn, conflogPath, "Category") {
		return false
	}
	return ps.TypesInfo.Types[call.Args[0]].Value != nil && !ps.isMarker(call)
}

// checkMarkerUse reports a marker that is not an argument of a call, or is
// one of With, WithAttrs or Group: there it marks no record.
func (ps *pass) checkMarkerUse(e ast.Expr, stack []ast.Node) {
	var parent ast.Node
	for i := len(stack) - 1; i >= 0; i-- {
		if _, ok := stack[i].(*ast.ParenExpr); !ok {
			parent = stack[i]
			break
		}
	}
	call, ok := parent.(*ast.CallExpr)
	if !ok || unparen(call.Fun) == e {
		ps.report(e, idMarker, "conflog.Public outside a log call's arguments marks no record and hides which calls are public; pass it directly in each public log call")
		return
	}
	fn, _ := typeutil.Callee(ps.TypesInfo, call).(*types.Func)
	if fn == nil {
		return
	}
	switch {
	case fn.Name() == "With" || fn.Name() == "WithAttrs":
		ps.report(e, idMarker, "%s(conflog.Public) does not make a logger public: only a marker among a record's own args counts; pass conflog.Public in each public log call", fn.Name())
	case fn.Name() == "Group" && fn.Pkg() != nil && fn.Pkg().Path() == "log/slog":
		ps.report(e, idMarker, "conflog.Public inside slog.Group marks no record; pass it directly among the log call's args")
	}
}

// checkPublic reports CL001–CL003 on one public call. A message that is a
// parameter of the enclosing function makes it a message sink instead: the
// callers must pass a constant (see sinks.go).
func (ps *pass) checkPublic(lc *logCall) {
	ps.checkMessage(lc.msg, "")
	attrs := lc.attrs
	if lc.call.Ellipsis.IsValid() && len(attrs) > 0 {
		spread := attrs[len(attrs)-1]
		attrs = attrs[:len(attrs)-1]
		if app := ps.appendCall(spread); app != nil {
			ps.checkSpread(app.Args[0], "")
			attrs = append(attrs[:len(attrs):len(attrs)], app.Args[1:]...)
		} else {
			ps.checkSpread(spread, "")
		}
	}
	ps.checkArgs(attrs, "")
	ps.checkWithArgs(lc)
}

// helperCall names, for a value checked at a call of helper, the public call
// that logs it.
func helperCall(helper string) string { return "public call in " + helper }

// checkWithArgs checks the attrs a public call's logger was given by
// Logger.With, as the call's own: slog prints them in every record of that
// logger, so the public ones too. The logger is followed through chained
// With and WithGroup calls and through the variables it was assigned to, in
// this package. Each With is checked once, for the first public call that
// prints it.
func (ps *pass) checkWithArgs(lc *logCall) {
	if lc.recv == nil {
		return
	}
	if ps.withChecked == nil {
		ps.withChecked = make(map[*ast.CallExpr]bool)
	}
	line := ps.Fset.Position(lc.call.Pos()).Line
	for _, w := range ps.withCalls(lc.recv, make(map[*types.Var]bool)) {
		if ps.withChecked[w] {
			continue
		}
		ps.withChecked[w] = true
		ps.checkArgs(w.Args, fmt.Sprintf("public call at line %d, through its logger's With,", line))
	}
}

// withCalls returns the Logger.With calls that built logger e.
func (ps *pass) withCalls(e ast.Expr, seen map[*types.Var]bool) []*ast.CallExpr {
	switch e := unparen(e).(type) {
	case *ast.CallExpr:
		fn, ok := typeutil.Callee(ps.TypesInfo, e).(*types.Func)
		sel, isSel := unparen(e.Fun).(*ast.SelectorExpr)
		if !ok || !isSel || fn.Signature().Recv() == nil || !isLoggerType(fn.Signature().Recv().Type()) {
			return nil
		}
		switch fn.Name() {
		case "With":
			return append(ps.withCalls(sel.X, seen), e)
		case "WithGroup":
			return ps.withCalls(sel.X, seen)
		}
	case *ast.Ident, *ast.SelectorExpr:
		id, ok := e.(*ast.Ident)
		if !ok {
			id = e.(*ast.SelectorExpr).Sel
		}
		v, ok := ps.TypesInfo.ObjectOf(id).(*types.Var)
		if !ok || seen[v] {
			return nil
		}
		seen[v] = true
		var ws []*ast.CallExpr
		for _, rhs := range ps.loggerValues()[v] {
			ws = append(ws, ps.withCalls(rhs, seen)...)
		}
		return ws
	}
	return nil
}

// loggerValues maps each *slog.Logger variable of the package to the
// values assigned to it.
func (ps *pass) loggerValues() map[*types.Var][]ast.Expr {
	if ps.loggerVals != nil {
		return ps.loggerVals
	}
	ps.loggerVals = make(map[*types.Var][]ast.Expr)
	add := func(lhs, rhs ast.Expr) {
		var id *ast.Ident
		switch lhs := unparen(lhs).(type) {
		case *ast.Ident:
			id = lhs
		case *ast.SelectorExpr: // s.log = …
			id = lhs.Sel
		default:
			return
		}
		if v, ok := ps.TypesInfo.ObjectOf(id).(*types.Var); ok && isLoggerType(v.Type()) {
			ps.loggerVals[v] = append(ps.loggerVals[v], rhs)
		}
	}
	for _, file := range ps.Files {
		ast.Inspect(file, func(n ast.Node) bool {
			eachPair(n, add)
			if kv, ok := n.(*ast.KeyValueExpr); ok { // Server{log: …}
				if _, ok := kv.Key.(*ast.Ident); ok {
					add(kv.Key, kv.Value)
				}
			}
			return true
		})
	}
	return ps.loggerVals
}

// checkMessage reports a public call's message that is not a constant.
func (ps *pass) checkMessage(msg ast.Expr, in string) {
	if tv := ps.TypesInfo.Types[msg]; tv.Value != nil {
		return
	}
	if ps.audit { // a message is data like any value here
		ps.checkValue(msg, helperCall(in))
		return
	}
	if in == "" && ps.flow.taintOf(msg) == nil {
		if po := ps.params().taintOf(msg); po != nil && po.fn != nil && isParamItself(ps, msg, po) {
			// A parameter as the message is reported at the callers that
			// pass a variable, unless a directive here says the reviewed
			// parameter is public whatever they pass.
			if !ps.ignores.covers(msg.Pos(), idNonConst) {
				ps.addMsgSink(po.fn, po.param)
			}
			return
		}
	}
	call := "public log message"
	if in != "" {
		call = "message of the public call in " + in + ","
	}
	if o := ps.flow.taintOf(msg); o != nil && o.id == idErrText {
		ps.report(msg, idErrText, "%s %s is %s, an error's text as a string: conflog scrubs an error in a public record, its text escapes that; use a constant message and pass the error itself as an attr", call, exprText(msg), o.what)
		return
	}
	ps.report(msg, idNonConst, "%s %s is not a constant string, so data can reach a public line; use a constant message and pass values as attrs", call, exprText(msg))
}

// isParamItself reports whether msg is the parameter po itself, not a value
// built from it ("step "+name is reported where it is built).
func isParamItself(ps *pass, msg ast.Expr, po *origin) bool {
	id, ok := unparen(msg).(*ast.Ident)
	if !ok {
		return false
	}
	v, ok := ps.TypesInfo.Uses[id].(*types.Var)
	return ok && v == po.fn.Signature().Params().At(po.param)
}

// checkSpread checks a slice spread into a public call (args...): its
// elements are unknown here, so only its flow counts, not its shape.
func (ps *pass) checkSpread(v ast.Expr, in string) {
	call := in
	if in == "" {
		call = "public call"
	}
	switch o := ps.flow.taintOf(v); {
	case o != nil:
		ps.reportTaint(v, call, exprText(v), o)
	case in == "":
		if po := ps.params().taintOf(v); po != nil && po.fn != nil {
			ps.addSink(po.fn, po.param, po.path)
		}
	}
}

// checkArgs walks slog's argument convention: an slog.Attr, or a key
// followed by its value. in, when not empty, says which public call logs
// them, for values checked away from it: at a call of a helper whose public
// call logs them (helperCall, see sinks.go), or in a logger's With
// (checkWithArgs).
func (ps *pass) checkArgs(args []ast.Expr, in string) {
	for i := 0; i < len(args); i++ {
		a := args[i]
		if ps.isMarker(a) {
			continue
		}
		t := ps.TypesInfo.TypeOf(a)
		if t == nil {
			continue // ill-typed code
		}
		if isNamed(t, "log/slog", "Attr") {
			ps.checkAttr(a, in)
			continue
		}
		if b, ok := t.Underlying().(*types.Basic); ok && b.Info()&types.IsString != 0 && i+1 < len(args) {
			ps.checkValue(args[i+1], in) // keys are code, not data
			i++
			continue
		}
		ps.checkValue(a, in)
	}
}

// checkAttr looks inside the slog.Attr constructors (slog.String("k", v),
// slog.Group("g", …)); any other Attr expression is checked as a value.
func (ps *pass) checkAttr(a ast.Expr, in string) {
	call, ok := unparen(a).(*ast.CallExpr)
	if ok {
		if fn, ok := typeutil.Callee(ps.TypesInfo, call).(*types.Func); ok && fn.Pkg() != nil && fn.Pkg().Path() == "log/slog" && fn.Signature().Recv() == nil && len(call.Args) >= 1 {
			switch fn.Name() {
			case "Group":
				ps.checkArgs(call.Args[1:], in)
				return
			case "String", "Int64", "Int", "Uint64", "Float64", "Bool", "Time", "Duration", "Any":
				if len(call.Args) == 2 {
					ps.checkValue(call.Args[1], in)
					return
				}
			}
		}
	}
	ps.checkValue(a, in)
}

// checkValue reports one value of a public call that can leak: CL002 for
// sensitive names and types and for aggregates printed whole, CL003 for
// source data. The key it is logged under does not count: key names are
// not data ("password_reset_url", url is fine). An error prints as its scrubbed type chain under conflog, so
// only an error made public with conflog.PublicError is checked. A value
// that leaks nothing by itself but comes from a parameter makes the
// enclosing function a sink for that parameter (see sinks.go). in is as in
// checkArgs.
func (ps *pass) checkValue(v ast.Expr, in string) { ps.checkValueAt(v, in, "") }

// checkValueAt checks part path of a value a helper logs (see sinkParam):
// only that part's flow counts, not the shape of the whole.
func (ps *pass) checkValueAt(v ast.Expr, in, path string) {
	tv := ps.TypesInfo.Types[v]
	if tv.Value != nil || !carries(tv.Type) {
		return
	}
	call := in
	if in == "" {
		call = "public call"
	}
	if path != "" {
		if o := ps.flow.taintPath(v, path); o != nil {
			ps.reportTaint(v, call, exprText(v)+"."+path, o)
		}
		return
	}
	o := ps.flow.taintOf(v)
	if isError(tv.Type) && ps.audit {
		return
	}
	if isError(tv.Type) {
		if o != nil && o.publicErr {
			ps.report(v, o.id, "%s makes the error %s public, but it is built from %s; keep it private, or use conflog.Errorf, whose args are scrubbed", call, exprText(v), o)
		}
		return
	}
	switch {
	case o != nil:
		ps.reportTaint(v, call, exprText(v), o)
	case wholeKind(tv.Type) != "" && !ps.audit && !ps.interfaceParam(v):
		ps.report(v, idSensitive, "%s prints %s whole (%s), which puts every field or element in a public line; log conflog.Shape of it, or chosen numeric fields", call, exprText(v), wholeKind(tv.Type))
	case in == "":
		if po := ps.params().taintOf(v); po != nil && po.fn != nil {
			ps.addSink(po.fn, po.param, po.path)
		}
	}
}

// interfaceParam reports whether v is a parameter of interface type of the
// enclosing function, used as it is: its dynamic type is known at the
// callers, so the function is a sink for it (func logMetric(name string,
// v any)) and each caller's argument is judged there, rather than v being
// printed whole here. A value of interface type got any other way (a
// field, a type switch's default, a local) is printed whole.
func (ps *pass) interfaceParam(v ast.Expr) bool {
	if _, ok := ps.TypesInfo.TypeOf(v).Underlying().(*types.Interface); !ok {
		return false
	}
	po := ps.params().taintOf(v)
	return po != nil && po.fn != nil && po.path == "" && isParamItself(ps, v, po)
}

// reportTaint reports value v (shown as text) of a public call, private by
// origin o.
func (ps *pass) reportTaint(v ast.Expr, call, text string, o *origin) {
	if ps.audit {
		if o.id == idSource || o.id == idSensitive {
			call = "log call" + strings.TrimPrefix(call, "public call")
			ps.report(v, idAudit, "%s logs %s, which carries %s: review it before adopting conflog, and keep it private there", call, text, o)
		}
		return
	}
	switch o.id {
	case idSource:
		ps.report(v, idSource, "%s logs %s, which comes from %s (customer data); log conflog.Shape, Redact or Pseudonym of it, or its length", call, text, o)
	case idErrText:
		ps.report(v, idErrText, "%s logs %s, which is %s: conflog scrubs an error in a public record, its text made a string escapes that; pass the error itself", call, text, o)
	default:
		ps.report(v, idSensitive, "%s logs %s, which is private by its %s; drop it, or log conflog.Redact, Mask or Pseudonym of it", call, text, o)
	}
}

// wholeKind names the kind of an aggregate printed whole: a struct, a map, a
// slice or array of anything but numbers and booleans, raw bytes, or a value
// of interface type (any, fmt.Stringer, a protobuf oneof's interface): its
// dynamic type is unknown, so it may be any of these. Types that
// decide their own log form (slog.LogValuer, as conflog's wrappers are),
// slog.Attr and slog.Value, and time.Time are not aggregates here.
func wholeKind(t types.Type) string {
	if t == nil || implementsLogValuer(t) || isNamed(t, "time", "Time") || isNamed(t, "log/slog", "Attr") || isNamed(t, "log/slog", "Value") {
		return "" // an Attr or Value is judged by what it was built from
	}
	if _, ok := types.Unalias(t).(*types.TypeParam); ok {
		return "" // a type parameter may be a number: judged at the instantiation, not here
	}
	u := t.Underlying()
	if _, ok := u.(*types.Interface); ok && !isError(t) {
		return "a value of interface type " + types.TypeString(t, func(p *types.Package) string { return p.Name() }) + ", whose dynamic type is unknown"
	}
	if p, ok := u.(*types.Pointer); ok {
		if implementsLogValuer(p.Elem()) || isNamed(p.Elem(), "time", "Time") {
			return ""
		}
		u = p.Elem().Underlying()
	}
	switch u := u.(type) {
	case *types.Struct:
		return "a struct"
	case *types.Map:
		return "a map"
	case *types.Slice:
		if isByte(u.Elem()) {
			return "raw bytes"
		}
		if carries(u.Elem()) {
			return "a slice"
		}
	case *types.Array:
		if carries(u.Elem()) {
			return "an array"
		}
	}
	return ""
}

func implementsLogValuer(t types.Type) bool {
	ms := types.NewMethodSet(t)
	for i := 0; i < ms.Len(); i++ {
		if ms.At(i).Obj().Name() == "LogValue" {
			return true
		}
	}
	return false
}

func constantString(tv types.TypeAndValue) string {
	if tv.Value == nil || tv.Value.Kind() != constant.String {
		return ""
	}
	return constant.StringVal(tv.Value)
}

// Logger provenance, for CL006.
type loggerKind uint8

const (
	unknownLogger loggerKind = iota
	conflogLogger
	foreignLogger
)

// loggers records the provenance of the package's logger and handler
// variables, as far as their assignments show it.
type loggers struct {
	vars        map[*types.Var]loggerKind
	defaultKind loggerKind // what slog.SetDefault was seen to install
}

func (ps *pass) loggerKinds() *loggers {
	l := &loggers{vars: make(map[*types.Var]loggerKind)}
	seen := make(map[*types.Var]bool)
	set := func(lhs ast.Expr, k loggerKind) {
		id, ok := unparen(lhs).(*ast.Ident)
		if !ok {
			return
		}
		v, ok := ps.TypesInfo.ObjectOf(id).(*types.Var)
		if !ok {
			return
		}
		if seen[v] && l.vars[v] != k {
			k = unknownLogger // assigned from both kinds: cannot tell
		}
		seen[v] = true
		l.vars[v] = k
	}
	// Two rounds so a logger built from a handler variable declared later
	// still resolves; provenance never needs more than a couple of hops.
	for round := 0; round < 2; round++ {
		clear(seen)
		defaultSeen := false
		for _, file := range ps.Files {
			// A test's TestMain may install a text handler for its own
			// output; it says nothing of the default production installs.
			test := ps.isTestFile(file)
			ast.Inspect(file, func(n ast.Node) bool {
				switch n := n.(type) {
				case *ast.AssignStmt, *ast.ValueSpec:
					eachPair(n, func(lhs, rhs ast.Expr) { set(lhs, l.kind(ps, rhs)) })
				case *ast.CallExpr:
					if fn, ok := typeutil.Callee(ps.TypesInfo, n).(*types.Func); ok && isPkgFunc(fn, "log/slog", "SetDefault") && len(n.Args) == 1 && !test {
						k := l.kind(ps, n.Args[0])
						if defaultSeen && k != l.defaultKind {
							k = unknownLogger // installed from both kinds: cannot tell
						}
						defaultSeen = true
						l.defaultKind = k
					}
				}
				return true
			})
		}
	}
	return l
}

// kind is the provenance of a logger or handler expression.
func (l *loggers) kind(ps *pass, e ast.Expr) loggerKind {
	switch e := unparen(e).(type) {
	case *ast.Ident, *ast.SelectorExpr:
		var id *ast.Ident
		if s, ok := e.(*ast.SelectorExpr); ok {
			id = s.Sel
		} else {
			id = e.(*ast.Ident)
		}
		if v, ok := ps.TypesInfo.ObjectOf(id).(*types.Var); ok {
			return l.vars[v]
		}
	case *ast.CallExpr:
		fn, ok := typeutil.Callee(ps.TypesInfo, e).(*types.Func)
		if !ok || fn.Pkg() == nil {
			return unknownLogger
		}
		switch {
		case fn.Pkg().Path() == conflogPath:
			return conflogLogger
		case isPkgFunc(fn, "log/slog", "New") && len(e.Args) == 1:
			return l.kind(ps, e.Args[0])
		case isPkgFunc(fn, "log/slog", "NewTextHandler"), isPkgFunc(fn, "log/slog", "NewJSONHandler"):
			return foreignLogger
		case isPkgFunc(fn, "log/slog", "Default"):
			return l.defaultKind
		case fn.Signature().Recv() != nil && (fn.Name() == "With" || fn.Name() == "WithGroup" || fn.Name() == "WithAttrs"):
			if sel, ok := unparen(e.Fun).(*ast.SelectorExpr); ok {
				return l.kind(ps, sel.X)
			}
		}
	}
	return unknownLogger
}

// foreign reports whether a log call visibly goes to a non-conflog logger.
func (l *loggers) foreign(ps *pass, lc *logCall) bool {
	if lc.recv == nil {
		return l.defaultKind == foreignLogger
	}
	return l.kind(ps, lc.recv) == foreignLogger
}

func isPkgFunc(fn *types.Func, path, name string) bool {
	return fn.Pkg() != nil && fn.Pkg().Path() == path && fn.Name() == name && fn.Signature().Recv() == nil
}
