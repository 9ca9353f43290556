package vet

import (
	"fmt"
	"go/ast"
	"go/token"
	"go/types"
	"strings"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/types/typeutil"
)

// The flow analysis is a hand-written, flow-insensitive taint propagation
// over one package's syntax. SSA (buildssa) would be more precise about
// order, but it costs a full SSA build of every package including
// dependencies (the analyzer exports facts, so it runs on them all), and the
// question asked here — can this value have come from there — is answered
// well by "was it ever assigned from there", which errs on the side of
// reporting.

// An origin says where a tainted value came from.
type origin struct {
	id        string // idSensitive (a name or type) or idSource (a data source)
	what      string // e.g. `name "password"`, "os.ReadFile"
	via       string // the helper the value came through, if any
	publicErr bool   // the value is an error made public by conflog.PublicError

	// In a parameter flow (see newParamFlow), the parameter a value came
	// from: index param of fn.
	fn    *types.Func
	param int
}

func (o *origin) String() string {
	if o.via != "" {
		return o.what + " via " + o.via
	}
	return o.what
}

// sourceFact marks a function whose results carry data from a source or a
// sensitive value: callers in other packages treat its results as tainted.
type sourceFact struct {
	ID   string // idSensitive or idSource
	What string // the original source, e.g. "os.ReadFile"
}

func (*sourceFact) AFact() {}

func (f *sourceFact) String() string { return "returns " + f.What }

type flow struct {
	ps     *pass
	params bool // a parameter flow: parameters are the only sources
	info   *types.Info
	vars   map[*types.Var]*origin
	funcs  map[*types.Func]*origin // this package's functions returning tainted data

	changed bool
}

func newFlow(ps *pass) *flow {
	return &flow{
		ps:    ps,
		info:  ps.TypesInfo,
		vars:  make(map[*types.Var]*origin),
		funcs: make(map[*types.Func]*origin),
	}
}

// newParamFlow returns a flow whose only sources are the parameters of the
// package's functions, solved: it tells which parameter a logged value came
// from, so a helper that logs its parameter publicly becomes a sink (see
// sinks.go). It is kept apart from the data flow so a parameter never masks
// real data mixed with it.
func newParamFlow(ps *pass) *flow {
	f := newFlow(ps)
	f.params = true
	for _, file := range ps.Files {
		for _, decl := range file.Decls {
			d, ok := decl.(*ast.FuncDecl)
			if !ok || d.Body == nil {
				continue
			}
			fn, ok := f.info.Defs[d.Name].(*types.Func)
			if !ok {
				continue
			}
			params := fn.Signature().Params()
			for i := 0; i < params.Len(); i++ {
				if carries(params.At(i).Type()) {
					f.vars[params.At(i)] = &origin{id: idParam, what: "parameter " + params.At(i).Name(), fn: fn, param: i}
				}
			}
		}
	}
	f.solve()
	return f
}

// solve propagates taint through every assignment of the package until
// nothing changes. Each round only adds taint, so it terminates; the bound
// is a guard against a bug, not a limit reached in practice.
func (f *flow) solve() {
	for round := 0; round < 64; round++ {
		f.changed = false
		for _, file := range f.ps.Files {
			for _, decl := range file.Decls {
				switch d := decl.(type) {
				case *ast.FuncDecl:
					if d.Body != nil {
						fn, _ := f.info.Defs[d.Name].(*types.Func)
						f.walk(d.Body, fn)
					}
				case *ast.GenDecl:
					f.walk(d, nil)
				}
			}
		}
		if !f.changed {
			return
		}
	}
}

// exportFacts publishes the package's tainted-result functions.
func (f *flow) exportFacts() {
	for fn, o := range f.funcs {
		if fn.Pkg() == f.ps.Pkg {
			f.ps.ExportObjectFact(fn, &sourceFact{ID: o.id, What: o.what})
		}
	}
}

// walk propagates taint through the statements under root; fn is the
// function whose return statements these are (nil inside function literals
// and declarations).
func (f *flow) walk(root ast.Node, fn *types.Func) {
	ast.Inspect(root, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.FuncLit:
			f.walk(n.Body, nil)
			return false
		case *ast.AssignStmt:
			if len(n.Lhs) == len(n.Rhs) {
				for i := range n.Lhs {
					f.assign(n.Lhs[i], f.taintOf(n.Rhs[i]), true)
				}
			} else if len(n.Rhs) == 1 {
				o := f.taintOf(n.Rhs[0])
				for _, l := range n.Lhs {
					f.assign(l, o, false)
				}
			}
		case *ast.ValueSpec:
			if len(n.Names) == len(n.Values) {
				for i := range n.Names {
					f.assign(n.Names[i], f.taintOf(n.Values[i]), true)
				}
			} else if len(n.Values) == 1 {
				o := f.taintOf(n.Values[0])
				for _, l := range n.Names {
					f.assign(l, o, false)
				}
			}
		case *ast.RangeStmt:
			o := f.taintOf(n.X)
			if n.Key != nil {
				f.assign(n.Key, o, false)
			}
			if n.Value != nil {
				f.assign(n.Value, o, false)
			}
		case *ast.TypeSwitchStmt:
			// switch v := x.(type): each clause declares its own v.
			if as, ok := n.Assign.(*ast.AssignStmt); ok && len(as.Rhs) == 1 {
				if o := f.taintOf(as.Rhs[0]); o != nil {
					for _, c := range n.Body.List {
						if v, ok := f.info.Implicits[c].(*types.Var); ok {
							f.mark(v, o, true)
						}
					}
				}
			}
		case *ast.SendStmt:
			f.assign(n.Chan, f.taintOf(n.Value), true)
		case *ast.ReturnStmt:
			if fn != nil && !f.params {
				f.returns(fn, n)
			}
		case *ast.CallExpr:
			f.outParams(n)
		}
		return true
	})
}

// returns records fn as a source when a return statement yields taint.
// Error results are left out: an error's text is scrubbed in public records
// unless made public, which taintOf tracks separately.
func (f *flow) returns(fn *types.Func, ret *ast.ReturnStmt) {
	if f.funcs[fn] != nil {
		return
	}
	var o *origin
	if len(ret.Results) == 0 {
		results := fn.Signature().Results()
		for i := 0; i < results.Len() && o == nil; i++ {
			if v := results.At(i); !isError(v.Type()) {
				o = f.vars[v]
			}
		}
	}
	for _, r := range ret.Results {
		if tv, ok := f.info.Types[r]; ok && isError(tv.Type) {
			continue
		}
		if o = f.taintOf(r); o != nil {
			break
		}
	}
	if o != nil {
		f.funcs[fn] = o
		f.changed = true
	}
}

// outParams taints what a call writes through its arguments: the target of
// a Decoder's Decode, and, when the call reads tainted data, any &x or []byte
// buffer it is handed (json.Unmarshal(data, &v), io.ReadFull(r, buf)).
func (f *flow) outParams(call *ast.CallExpr) {
	fn, _ := typeutil.Callee(f.info, call).(*types.Func)
	var o *origin
	if f.params && fn != nil && fn.Name() == "Decode" {
		return
	}
	if fn != nil && fn.Name() == "Decode" && isMethodOf(fn, "Decoder", "encoding/json", "encoding/xml", "encoding/gob") {
		o = &origin{id: idSource, what: fn.Pkg().Name() + ".Decoder.Decode"}
	} else if fn != nil && isSanitizer(fn) {
		return
	} else {
		if sel, ok := unparen(call.Fun).(*ast.SelectorExpr); ok && f.info.Selections[sel] != nil {
			o = f.taintOf(sel.X)
		}
		for _, a := range call.Args {
			if o != nil {
				break
			}
			o = f.taintOf(a)
		}
	}
	if o == nil {
		return
	}
	// A writing method fills its receiver: b.WriteString(x), h.Write(x),
	// m.Store(k, x). Other methods (a logger's Info) leave it as it was.
	if sel, ok := unparen(call.Fun).(*ast.SelectorExpr); ok && fn != nil && f.info.Selections[sel] != nil && isWriteMethod(fn.Name()) {
		f.assign(sel.X, o, true)
	}
	for _, a := range call.Args {
		a = unparen(a)
		if u, ok := a.(*ast.UnaryExpr); ok && u.Op == token.AND {
			f.assign(u.X, o, true)
		} else if id, ok := a.(*ast.Ident); ok {
			if t := f.info.TypeOf(id); t == nil {
				continue
			} else if s, ok := t.Underlying().(*types.Slice); ok && isByte(s.Elem()) {
				f.assign(id, o, true)
			}
		}
	}
}

func isWriteMethod(name string) bool {
	for _, p := range []string{"Write", "Append", "Add", "Set", "Store", "Push", "Put", "Insert", "Encode"} {
		if strings.HasPrefix(name, p) {
			return true
		}
	}
	return false
}

// assign taints the variable at the root of lhs (x, x.f, x[i], *x all taint
// x). single is false for one value of a tuple: an error beside data
// returned by a source is not data.
func (f *flow) assign(lhs ast.Expr, o *origin, single bool) {
	if o == nil {
		return
	}
	f.mark(f.rootVar(lhs), o, single)
}

// mark taints v, reporting progress to solve.
func (f *flow) mark(v *types.Var, o *origin, single bool) {
	if v == nil || !carries(v.Type()) || f.vars[v] != nil {
		return
	}
	if isError(v.Type()) && !single {
		return
	}
	f.vars[v] = o
	f.changed = true
}

func (f *flow) rootVar(e ast.Expr) *types.Var {
	for {
		switch x := unparen(e).(type) {
		case *ast.Ident:
			if v, ok := f.info.Defs[x].(*types.Var); ok {
				return v
			}
			v, _ := f.info.Uses[x].(*types.Var)
			return v
		case *ast.SelectorExpr:
			if f.info.Selections[x] == nil { // pkg.Var
				v, _ := f.info.Uses[x.Sel].(*types.Var)
				return v
			}
			e = x.X
		case *ast.IndexExpr:
			e = x.X
		case *ast.StarExpr:
			e = x.X
		default:
			return nil
		}
	}
}

// taintOf reports where the value of e may come from, or nil if it carries
// no private data.
func (f *flow) taintOf(e ast.Expr) *origin {
	tv, ok := f.info.Types[e]
	if ok && (tv.Value != nil || tv.IsType() || (tv.Type != nil && !carries(tv.Type))) {
		return nil // constants, types and numbers are not data
	}
	switch e := e.(type) {
	case *ast.ParenExpr:
		return f.taintOf(e.X)
	case *ast.Ident:
		v, ok := f.info.Uses[e].(*types.Var)
		if !ok {
			return nil
		}
		return f.varTaint(v, tv.Type)
	case *ast.SelectorExpr:
		sel := f.info.Selections[e]
		if sel == nil { // a qualified identifier, pkg.Name
			v, ok := f.info.Uses[e.Sel].(*types.Var)
			if !ok {
				return nil
			}
			if !f.params && v.Pkg() != nil && v.Pkg().Path() == "os" && v.Name() == "Args" {
				return &origin{id: idSource, what: "os.Args"}
			}
			return f.varTaint(v, tv.Type)
		}
		if sel.Kind() == types.FieldVal && isHTTPRequest(sel.Recv()) && !requestDataField[e.Sel.Name] {
			return nil
		}
		if o := f.taintOf(e.X); o != nil {
			return o
		}
		if f.params {
			return nil
		}
		if sel.Kind() == types.FieldVal {
			if w, ok := f.ps.names.match(e.Sel.Name); ok {
				return &origin{id: idSensitive, what: fmt.Sprintf("field %s (sensitive word %q)", e.Sel.Name, w)}
			}
		}
		return f.typeOrigin(tv.Type)
	case *ast.CallExpr:
		return f.callTaint(e)
	case *ast.BinaryExpr:
		if o := f.taintOf(e.X); o != nil {
			return o
		}
		return f.taintOf(e.Y)
	case *ast.UnaryExpr:
		return f.taintOf(e.X)
	case *ast.StarExpr:
		return f.taintOf(e.X)
	case *ast.IndexExpr:
		return f.taintOf(e.X)
	case *ast.SliceExpr:
		return f.taintOf(e.X)
	case *ast.TypeAssertExpr:
		return f.taintOf(e.X)
	case *ast.KeyValueExpr:
		return f.taintOf(e.Value)
	case *ast.CompositeLit:
		for _, elt := range e.Elts {
			if o := f.taintOf(elt); o != nil {
				return o
			}
		}
	}
	return nil
}

// varTaint is the taint of a variable: assigned taint, a sensitive name, or
// a sensitive or source type.
func (f *flow) varTaint(v *types.Var, t types.Type) *origin {
	if o := f.vars[v]; o != nil || f.params {
		return o
	}
	if w, ok := f.ps.names.match(v.Name()); ok {
		return &origin{id: idSensitive, what: fmt.Sprintf("name %s (sensitive word %q)", v.Name(), w)}
	}
	if t == nil {
		t = v.Type()
	}
	return f.typeOrigin(t)
}

// typeOrigin taints values of *http.Request and of named types whose name is
// sensitive (type Record, type Password string).
func (f *flow) typeOrigin(t types.Type) *origin {
	if t == nil {
		return nil
	}
	if isHTTPRequest(t) {
		return &origin{id: idSource, what: "the HTTP request"}
	}
	if p, ok := t.(*types.Pointer); ok {
		t = p.Elem()
	}
	if n, ok := t.(*types.Named); ok {
		if w, ok := f.ps.names.match(n.Obj().Name()); ok {
			return &origin{id: idSensitive, what: fmt.Sprintf("type %s (sensitive word %q)", n.Obj().Name(), w)}
		}
	}
	return nil
}

// callTaint is the taint of a call's result.
func (f *flow) callTaint(call *ast.CallExpr) *origin {
	fun := unparen(call.Fun)
	if tv, ok := f.info.Types[fun]; ok && tv.IsType() { // a conversion
		if len(call.Args) == 1 {
			return f.taintOf(call.Args[0])
		}
		return nil
	}
	switch callee := typeutil.Callee(f.info, call).(type) {
	case *types.Builtin:
		switch callee.Name() {
		case "append", "min", "max":
			return f.anyArg(call.Args)
		}
		return nil // len, cap, copy, …: numbers or nothing
	case *types.Func:
		fn := callee.Origin()
		if isSanitizer(fn) {
			return nil
		}
		if o := knownSource(fn); o != nil && !f.params {
			return o
		}
		if o := f.funcs[fn]; o != nil {
			return &origin{id: o.id, what: o.what, via: o.viaOr(fn)}
		}
		if fn.Pkg() != f.ps.Pkg && !f.params {
			var fact sourceFact
			if f.ps.ImportObjectFact(fn, &fact) {
				return &origin{id: fact.ID, what: fact.What, via: fn.Pkg().Name() + "." + fn.Name()}
			}
		}
		if isPkgFunc(fn, conflogPath, "Errorf") && len(call.Args) >= 1 {
			// The format is kept in a public record, the args are
			// scrubbed: only a format that is not a constant can leak.
			if o := f.taintOf(call.Args[0]); o != nil {
				c := *o
				c.publicErr = true
				return &c
			}
			return nil
		}
		if fn.Pkg() != nil && fn.Pkg().Path() == conflogPath && fn.Name() == "PublicError" && len(call.Args) == 1 {
			if o := f.taintOf(call.Args[0]); o != nil {
				c := *o
				c.publicErr = true
				return &c
			}
			return nil
		}
		if fn.Pkg() != nil && fn.Pkg().Path() == "fmt" {
			switch fn.Name() {
			case "Sprintf", "Errorf", "Appendf":
				return f.printfTaint(call, fn.Name() == "Appendf")
			}
		}
		if w, ok := f.ps.names.match(fn.Name()); ok && !f.params && !isError(f.info.TypeOf(call)) {
			return &origin{id: idSensitive, what: fmt.Sprintf("call of %s (sensitive word %q)", fn.Name(), w)}
		}
	}
	if sel, ok := fun.(*ast.SelectorExpr); ok && f.info.Selections[sel] != nil {
		if o := f.taintOf(sel.X); o != nil {
			return o
		}
	}
	if lit, ok := fun.(*ast.FuncLit); ok { // func() string { return x }()
		if o := f.litReturns(lit); o != nil {
			return o
		}
	}
	return f.anyArg(call.Args)
}

// litReturns is the taint of what a function literal returns.
func (f *flow) litReturns(lit *ast.FuncLit) *origin {
	var o *origin
	ast.Inspect(lit.Body, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.FuncLit:
			return false
		case *ast.ReturnStmt:
			for _, r := range n.Results {
				if o == nil {
					o = f.taintOf(r)
				}
			}
		}
		return o == nil
	})
	return o
}

func (o *origin) viaOr(fn *types.Func) string {
	if o.via != "" {
		return o.via
	}
	return fn.Name()
}

func (f *flow) anyArg(args []ast.Expr) *origin {
	for _, a := range args {
		if o := f.taintOf(a); o != nil {
			return o
		}
	}
	return nil
}

// printfTaint is the taint of fmt.Sprintf and friends: an argument printed
// with %T contributes its type's name only, which is code, not data.
func (f *flow) printfTaint(call *ast.CallExpr, appendf bool) *origin {
	first := 0
	if appendf {
		if o := f.taintOf(call.Args[0]); o != nil {
			return o
		}
		first = 1
	}
	if len(call.Args) <= first {
		return nil
	}
	tv := f.info.Types[call.Args[first]]
	args := call.Args[first+1:]
	if tv.Value == nil {
		return f.anyArg(call.Args[first:])
	}
	verbs, ok := printfVerbs(constantString(tv), len(args))
	if !ok {
		return f.anyArg(args)
	}
	for i, a := range args {
		if i < len(verbs) && verbs[i] == 'T' {
			continue
		}
		if o := f.taintOf(a); o != nil {
			return o
		}
	}
	return nil
}

// printfVerbs maps each argument of a printf format to the verb that
// consumes it ('*' for a width or precision). It reports ok=false for
// explicit argument indexes, which it does not follow: every argument then
// counts as printed.
func printfVerbs(format string, nargs int) (verbs []rune, ok bool) {
	for i := 0; i < len(format); i++ {
		if format[i] != '%' {
			continue
		}
		i++
		for ; i < len(format); i++ {
			c := format[i]
			switch {
			case c == '[':
				return nil, false
			case c == '*':
				verbs = append(verbs, '*')
			case strings.IndexByte("+-# 0.", c) >= 0 || (c >= '0' && c <= '9'):
			default:
				if c != '%' {
					verbs = append(verbs, rune(c))
				}
				goto next
			}
		}
	next:
	}
	return verbs, true
}

// requestDataField lists the *http.Request fields that carry what the
// client sent. Method and Proto are protocol facts, not customer data; the
// numeric fields carry nothing by type.
var requestDataField = map[string]bool{
	"URL": true, "Header": true, "Body": true, "GetBody": true, "Form": true, "PostForm": true,
	"MultipartForm": true, "Trailer": true, "RemoteAddr": true, "RequestURI": true, "Host": true,
	"Pattern": false, "TLS": false, "Response": true, "Cancel": false, "TransferEncoding": false,
}

// knownSource reports the standard library functions and methods whose
// results are customer data.
func knownSource(fn *types.Func) *origin {
	if fn.Pkg() == nil {
		return nil
	}
	path, name := fn.Pkg().Path(), fn.Name()
	src := func(what string) *origin { return &origin{id: idSource, what: what} }
	switch {
	case path == "os" && fn.Signature().Recv() == nil:
		switch name {
		case "ReadFile", "Getenv", "LookupEnv", "Environ", "ExpandEnv":
			return src("os." + name)
		}
	case isMethodOf(fn, "Scanner", "bufio") && (name == "Text" || name == "Bytes"):
		return src("bufio.Scanner." + name)
	case isMethodOf(fn, "Reader", "bufio") && strings.HasPrefix(name, "Read") && name != "ReadRune" && name != "ReadByte":
		return src("bufio.Reader." + name)
	case isMethodOf(fn, "Reader", "encoding/csv") && (name == "Read" || name == "ReadAll"):
		return src("csv.Reader." + name)
	}
	return nil
}

// isSanitizer reports the calls that end a flow: conflog's value wrappers
// print no content, and reflect's type functions yield types, not data.
// (conflog.Errorf scrubs its arguments but keeps its format: see callTaint.)
func isSanitizer(fn *types.Func) bool {
	if fn.Pkg() == nil {
		return false
	}
	switch fn.Pkg().Path() {
	case conflogPath:
		switch fn.Name() {
		case "Redact", "Mask", "Pseudonym", "Shape":
			return fn.Signature().Recv() == nil
		}
	case "reflect":
		return fn.Name() == "TypeOf"
	}
	return false
}

func isMethodOf(fn *types.Func, typeName string, paths ...string) bool {
	recv := fn.Signature().Recv()
	if recv == nil {
		return false
	}
	t := recv.Type()
	if p, ok := t.(*types.Pointer); ok {
		t = p.Elem()
	}
	n, ok := t.(*types.Named)
	if !ok || n.Obj().Pkg() == nil || n.Obj().Name() != typeName {
		return false
	}
	for _, p := range paths {
		if n.Obj().Pkg().Path() == p {
			return true
		}
	}
	return false
}

func isHTTPRequest(t types.Type) bool {
	if p, ok := t.(*types.Pointer); ok {
		t = p.Elem()
	}
	return isNamed(t, "net/http", "Request")
}

func isNamed(t types.Type, path, name string) bool {
	n, ok := types.Unalias(t).(*types.Named)
	return ok && n.Obj().Pkg() != nil && n.Obj().Pkg().Path() == path && n.Obj().Name() == name
}

// carries reports whether a value of type t can hold private data: numbers
// and booleans cannot (a loss, a count, a length, a flag).
func carries(t types.Type) bool {
	if t == nil {
		return false
	}
	if b, ok := t.Underlying().(*types.Basic); ok {
		return b.Info()&(types.IsNumeric|types.IsBoolean) == 0 && b.Kind() != types.UntypedNil
	}
	return true
}

var errorType = types.Universe.Lookup("error").Type().Underlying().(*types.Interface)

func isError(t types.Type) bool {
	if t == nil {
		return false
	}
	if _, ok := t.(*types.Tuple); ok {
		return false
	}
	return types.Implements(t, errorType)
}

func isByte(t types.Type) bool {
	b, ok := t.Underlying().(*types.Basic)
	return ok && b.Kind() == types.Byte
}

func unparen(e ast.Expr) ast.Expr { return ast.Unparen(e) }

var _ analysis.Fact = (*sourceFact)(nil)
