package vet

import (
	"cmp"
	"fmt"
	"go/ast"
	"go/token"
	"go/types"
	"os"
	"slices"
	"strings"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/types/typeutil"
)

// The flow analysis is a hand-written taint propagation over one package's
// syntax, aware of statement order only as far as reaches says. SSA (buildssa) would be more precise about
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
	// from: index param of fn, and the part of it (see path), "" for all.
	fn    *types.Func
	param int
	path  string
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
	ID    string   // idSensitive or idSource
	What  string   // the original source, e.g. "os.ReadFile"
	Parts []string // the tainted parts of the result (a.b, [].c); none: the whole
}

func (*sourceFact) AFact() {}

// outFact marks a function that writes source data through some of its
// parameters (a pointer, slice or map it is handed): a caller's argument
// there holds that data after the call. UnmarshalBodyReusable(c, &req)
// decoding the request body into req is one.
type outFact struct {
	Params []int  // the indexes of the parameters written
	What   string // the original source
}

func (*outFact) AFact() {}

func (f *outFact) String() string {
	return fmt.Sprintf("writes %s into parameters %v", f.What, f.Params)
}

func (f *sourceFact) String() string { return "returns " + f.What }

type flow struct {
	ps     *pass
	params bool // a parameter flow: parameters are the only sources
	info   *types.Info
	// vars holds the taint of variables by part: vars[v][""] taints all of
	// v, vars[v]["model.Name"] only v.model.Name (and what it holds). The
	// flow is field-sensitive so that &job{ctx: r.Context(), model: m}
	// taints job.ctx, not job.model.
	vars  map[*types.Var]map[string]*origin
	funcs map[*types.Func]*origin // this package's functions returning tainted data
	// parts holds, for a function of funcs whose result is tainted only in
	// some fields, those parts; absent, the whole result is.
	parts map[*types.Func]map[string]bool

	changed bool

	// Order within a function: at holds, for each tainted
	// part, the earliest statement that tainted it, and a use before that
	// statement does not see the taint, unless both are in a loop, or
	// either is in a function literal (run later, or again), or the
	// function has a goto (see reaches). cur is the statement being walked.
	at        map[*types.Var]map[string]token.Pos
	cur       token.Pos
	unordered [][2]token.Pos      // loops, function literals, functions with a goto
	lits      [][2]token.Pos      // function literals
	addrTaken map[*types.Var]bool // &v, or a pointer method called on v
}

func newFlow(ps *pass) *flow {
	f := &flow{
		ps:    ps,
		info:  ps.TypesInfo,
		vars:  make(map[*types.Var]map[string]*origin),
		funcs: make(map[*types.Func]*origin),
		parts: make(map[*types.Func]map[string]bool),
		at:    make(map[*types.Var]map[string]token.Pos),

		addrTaken: make(map[*types.Var]bool),
	}
	f.regions()
	return f
}

// regions finds the parts of the package where statement order says
// nothing about what runs first: loops, function literals and functions
// with a goto.
func (f *flow) regions() {
	for _, file := range f.ps.Files {
		ast.Inspect(file, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.UnaryExpr:
				if n.Op == token.AND {
					if v, _, ok := f.access(n.X); ok {
						f.addrTaken[v] = true
					}
				}
			case *ast.SelectorExpr:
				if sel := f.info.Selections[n]; sel != nil && sel.Kind() == types.MethodVal {
					if _, ptr := sel.Obj().(*types.Func).Signature().Recv().Type().(*types.Pointer); ptr {
						if v, _, ok := f.access(n.X); ok {
							f.addrTaken[v] = true // v.M() with M on *T takes &v
						}
					}
				}
			case *ast.ForStmt, *ast.RangeStmt:
				f.unordered = append(f.unordered, [2]token.Pos{n.Pos(), n.End()})
			case *ast.FuncLit:
				f.unordered = append(f.unordered, [2]token.Pos{n.Pos(), n.End()})
				f.lits = append(f.lits, [2]token.Pos{n.Pos(), n.End()})
			case *ast.FuncDecl:
				goto_ := false
				ast.Inspect(n, func(m ast.Node) bool {
					if b, ok := m.(*ast.BranchStmt); ok && b.Tok == token.GOTO {
						goto_ = true
					}
					return !goto_
				})
				if goto_ {
					f.unordered = append(f.unordered, [2]token.Pos{n.Pos(), n.End()})
				}
			}
			return true
		})
	}
}

// valueOnly reports whether a value of type t holds no reference to
// storage another value can share: numbers, strings, booleans, and structs
// and arrays of those.
func valueOnly(t types.Type, depth int) bool {
	if depth > 8 {
		return false
	}
	switch u := t.Underlying().(type) {
	case *types.Basic:
		return u.Kind() != types.UnsafePointer
	case *types.Array:
		return valueOnly(u.Elem(), depth+1)
	case *types.Struct:
		for i := 0; i < u.NumFields(); i++ {
			if !valueOnly(u.Field(i).Type(), depth+1) {
				return false
			}
		}
		return true
	}
	return false
}

// reaches reports whether the taint of part k of v can be seen at use: it
// can unless v is a function's variable or parameter of a type holding no
// references, whose address is not taken, the use comes before
// every statement that tainted that part, and no loop, function literal or
// goto lets the later statement run first.
func (f *flow) reaches(v *types.Var, k string, use token.Pos) bool {
	a, ok := f.at[v][k]
	if !ok || !use.IsValid() || a <= use {
		return true
	}
	if v.Parent() == nil || v.Pkg() == nil || v.Parent() == v.Pkg().Scope() {
		return true // a package variable: any function may run first
	}
	if f.addrTaken[v] || !valueOnly(v.Type(), 0) {
		// A pointer, map, slice, channel, function or interface (or v's
		// address) may have been copied before the statement, into a value
		// that sees what the statement writes through it: q := c;
		// c.Body = secret; log(q.Body).
		return true
	}
	for _, r := range f.unordered {
		if r[0] <= a && a < r[1] && r[0] <= use && use < r[1] {
			return true
		}
	}
	for _, r := range f.lits {
		if (r[0] <= a && a < r[1]) || (r[0] <= use && use < r[1]) {
			return true
		}
	}
	return false
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
					f.vars[params.At(i)] = map[string]*origin{"": {id: idParam, what: "parameter " + params.At(i).Name(), fn: fn, param: i}}
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
			f.cur = token.NoPos
			return
		}
	}
}

// exportFacts publishes the package's tainted-result functions.
func (f *flow) exportFacts() {
	for _, file := range f.ps.Files {
		for _, decl := range file.Decls {
			d, ok := decl.(*ast.FuncDecl)
			if !ok || d.Body == nil {
				continue
			}
			fn, ok := f.info.Defs[d.Name].(*types.Func)
			if !ok {
				continue
			}
			fact := &outFact{}
			for i := range fn.Signature().Params().Len() {
				if o := f.outParam(fn, i); o != nil {
					fact.Params = append(fact.Params, i)
					fact.What = o.what
				}
			}
			if len(fact.Params) > 0 {
				f.ps.ExportObjectFact(fn, fact)
			}
		}
	}
	for fn, o := range f.funcs {
		if fn.Pkg() == f.ps.Pkg {
			fact := &sourceFact{ID: o.id, What: o.what}
			for p := range f.parts[fn] {
				fact.Parts = append(fact.Parts, p)
			}
			slices.Sort(fact.Parts)
			f.ps.ExportObjectFact(fn, fact)
		}
	}
}

// walk propagates taint through the statements under root; fn is the
// function whose return statements these are (nil inside function literals
// and declarations).
func (f *flow) walk(root ast.Node, fn *types.Func) {
	ast.Inspect(root, func(n ast.Node) bool {
		if n != nil {
			f.cur = n.Pos()
		}
		switch n := n.(type) {
		case *ast.FuncLit:
			f.walk(n.Body, nil)
			return false
		case *ast.AssignStmt:
			f.assignAll(n.Lhs, n.Rhs)
		case *ast.ValueSpec:
			lhs := make([]ast.Expr, len(n.Names))
			for i, name := range n.Names {
				lhs[i] = name
			}
			f.assignAll(lhs, n.Values)
		case *ast.RangeStmt:
			if n.Key != nil {
				f.assign(n.Key, f.taintOf(n.X), false)
			}
			if n.Value != nil {
				// The value is an element: it carries what was put into
				// elements ("[]" parts), or all of X's taint.
				root, path, ok := f.access(n.Value)
				for sub, o := range f.shapeOf(n.X) {
					if ok {
						rest, elem := strings.CutPrefix(sub, "[]")
						if !elem && sub != "" {
							continue
						}
						f.mark(root, joinPath(path, strings.TrimPrefix(rest, ".")), o, true)
					}
				}
			}
		case *ast.TypeSwitchStmt:
			// switch v := x.(type): each clause declares its own v.
			if as, ok := n.Assign.(*ast.AssignStmt); ok && len(as.Rhs) == 1 {
				if o := f.taintOf(as.Rhs[0]); o != nil {
					for _, c := range n.Body.List {
						if v, ok := f.info.Implicits[c].(*types.Var); ok {
							f.mark(v, "", o, true)
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
			f.callbacks(n)
		}
		return true
	})
}

// eachPair calls fn for each left side with its own value in an assignment
// or var declaration n (none for "a, b := f()"); other nodes have none.
func eachPair(n ast.Node, fn func(lhs, rhs ast.Expr)) {
	switch n := n.(type) {
	case *ast.AssignStmt:
		if len(n.Lhs) == len(n.Rhs) {
			for i := range n.Lhs {
				fn(n.Lhs[i], n.Rhs[i])
			}
		}
	case *ast.ValueSpec:
		if len(n.Names) == len(n.Values) {
			for i := range n.Names {
				fn(n.Names[i], n.Values[i])
			}
		}
	}
}

// assignAll propagates an assignment or var declaration: pairwise when
// each left side has its own value, else every left side gets the taint of
// the one multi-valued right side (a call, a map index, a receive).
func (f *flow) assignAll(lhs, rhs []ast.Expr) {
	switch {
	case len(lhs) == len(rhs):
		for i := range lhs {
			f.assignExpr(lhs[i], rhs[i])
		}
	case len(rhs) == 1:
		o := f.taintOf(rhs[0])
		for _, l := range lhs {
			f.assign(l, o, false)
		}
	}
}

// returns records fn as a source when a return statement yields taint.
// Error results are left out: an error's text is scrubbed in public records
// unless made public, which taintOf tracks separately.
func (f *flow) returns(fn *types.Func, ret *ast.ReturnStmt) {
	if o := f.funcs[fn]; o != nil && f.parts[fn] == nil && o.id == idSource {
		return // the whole result is tainted already, by a source
	}
	var shape map[string]*origin
	if len(ret.Results) == 0 {
		results := fn.Signature().Results()
		for i := 0; i < results.Len() && len(shape) == 0; i++ {
			if v := results.At(i); !isError(v.Type()) {
				shape = f.varShape(v)
			}
		}
	}
	for _, r := range ret.Results {
		if tv, ok := f.info.Types[r]; ok && (isError(tv.Type) || f.ps.typeKind(tv.Type) == kindConfig) {
			continue
		}
		if shape = f.shapeOf(r); len(shape) > 0 {
			break
		}
	}
	f.addResult(fn, shape)
}

// varShape is the taint of a named result by part.
func (f *flow) varShape(v *types.Var) map[string]*origin {
	if len(f.vars[v]) == 0 {
		return nil
	}
	return f.vars[v]
}

// addResult records that fn's result is tainted as shape says: whole when
// shape has "" (or a part is not a field path), else only in those parts, so
// a caller reading an untainted field of it (meta.Group of a struct whose
// meta.URL came from the request) reads no taint.
func (f *flow) addResult(fn *types.Func, shape map[string]*origin) {
	if len(shape) == 0 {
		return
	}
	if o := shape[""]; o != nil {
		if old := f.funcs[fn]; old != nil && f.parts[fn] == nil && !upgrades(old, o) {
			return
		}
		f.funcs[fn] = o
		if f.parts[fn] != nil {
			delete(f.parts, fn)
		}
		f.changed = true
		return
	}
	known := f.funcs[fn] != nil
	if known && f.parts[fn] == nil {
		return
	}
	if f.parts[fn] == nil {
		f.parts[fn] = map[string]bool{}
	}
	for p, o := range shape {
		if !f.parts[fn][p] {
			f.parts[fn][p] = true
			f.changed = true
		}
		if f.funcs[fn] == nil {
			f.funcs[fn] = o
		}
	}
}

// resultShape is the taint by part of a call's result when its callee's
// result is tainted only in some parts (see addResult), else nil.
func (f *flow) resultShape(call *ast.CallExpr) map[string]*origin {
	fn, ok := typeutil.Callee(f.info, call).(*types.Func)
	if !ok || f.params {
		return nil
	}
	fn = fn.Origin()
	if parts := f.parts[fn]; parts != nil {
		o := f.funcs[fn]
		out := map[string]*origin{}
		for p := range parts {
			out[p] = &origin{id: o.id, what: o.what, via: o.viaOr(fn)}
		}
		return out
	}
	if fn.Pkg() != nil && fn.Pkg() != f.ps.Pkg {
		var fact sourceFact
		if f.ps.ImportObjectFact(fn, &fact) && len(fact.Parts) > 0 {
			out := map[string]*origin{}
			for _, p := range fact.Parts {
				out[p] = &origin{id: fact.ID, what: fact.What, via: fn.Pkg().Name() + "." + fn.Name()}
			}
			return out
		}
	}
	return nil
}

// outParams taints what a call writes through its arguments: the target of
// a Decoder's Decode when the decoder reads a source, a web framework's
// Bind, and, when the call reads tainted data, any &x or []byte buffer it is
// handed (json.Unmarshal(data, &v), io.ReadFull(r, buf)). A buffer's own
// taint does not flow back into it, and a target of a configuration type
// (see config.go) takes no source data.
func (f *flow) outParams(call *ast.CallExpr) {
	fn, _ := typeutil.Callee(f.info, call).(*types.Func)
	if fn != nil && isSanitizer(fn) {
		return
	}
	sel, _ := unparen(call.Fun).(*ast.SelectorExpr)
	if sel != nil && f.info.Selections[sel] == nil {
		sel = nil // pkg.Func
	}
	var recv *origin
	if sel != nil {
		recv = f.taintOf(sel.X)
	}
	if fn != nil && !f.params && isBind(fn) {
		recv = &origin{id: idSource, what: "the HTTP request (" + fn.Pkg().Name() + ".Context." + fn.Name() + ")"}
	}
	args := make([]*origin, len(call.Args))
	for i, a := range call.Args {
		args[i] = f.taintOf(a)
	}
	// from is the taint the call can write into argument i: the receiver's
	// or another argument's.
	from := func(i int) *origin {
		if recv != nil {
			return recv
		}
		for j, o := range args {
			if j != i && o != nil {
				return o
			}
		}
		return nil
	}
	// A writing method fills its receiver: b.WriteString(x), h.Write(x),
	// m.Store(k, x). Other methods (a logger's Info) leave it as it was.
	if sel != nil && fn != nil && isWriteMethod(fn.Name()) {
		key, keyed := f.storeKey(call, fn)
		for i, o := range args {
			if o == nil || (keyed && i == 0) {
				continue
			}
			if root, path, ok := f.access(sel.X); ok && keyed {
				f.mark(root, joinPath(path, key), o, true)
			} else {
				f.assign(sel.X, o, true)
			}
			break
		}
	}
	// A helper that writes source data through its parameter fills the
	// caller's argument: common.UnmarshalBodyReusable(c, &req).
	for i, o := range f.calleeOut(fn) {
		if i >= len(call.Args) || (fn.Signature().Variadic() && i == fn.Signature().Params().Len()-1) {
			continue
		}
		a := unparen(call.Args[i])
		if u, ok := a.(*ast.UnaryExpr); ok && u.Op == token.AND {
			a = u.X
		}
		f.assign(a, o, true)
	}
	for i, a := range call.Args {
		a = unparen(a)
		if u, ok := a.(*ast.UnaryExpr); ok && u.Op == token.AND {
			f.assign(u.X, from(i), true)
		} else if id, ok := a.(*ast.Ident); ok {
			if t := f.info.TypeOf(id); t == nil {
				continue
			} else if s, ok := t.Underlying().(*types.Slice); ok && isByte(s.Elem()) {
				f.assign(id, from(i), true)
			}
		}
	}
}

// callbacks taints the parameters of a function literal handed to a
// generation API: a streaming callback receives the model's output.
func (f *flow) callbacks(call *ast.CallExpr) {
	if f.params {
		return
	}
	fn, _ := typeutil.Callee(f.info, call).(*types.Func)
	if fn == nil || !f.ps.isGenerationAPI(fn) {
		return
	}
	o := &origin{id: idSource, what: "model output (callback of " + funcName(fn) + ")"}
	for _, a := range call.Args {
		lit, ok := unparen(a).(*ast.FuncLit)
		if !ok {
			continue
		}
		for _, field := range lit.Type.Params.List {
			for _, name := range field.Names {
				if v, ok := f.info.Defs[name].(*types.Var); ok {
					f.mark(v, "", o, true)
				}
			}
		}
	}
}

// generationWords mark a function or method, or its receiver's type, as a
// generation API whose results and callback parameters are model output.
var generationWords = []string{"generate", "generation", "chat", "completion", "completions", "complete", "predict", "prediction", "infer", "inference"}

// modelPathWords mark a package path as a model client's.
var modelPathWords = []string{"llm", "llms", "openai", "anthropic", "ollama", "genai", "gemini", "langchain", "langchaingo", "mistral", "cohere", "bedrock", "bedrockruntime", "huggingface", "llama", "gpt", "claude", "vertexai", "ai", "model", "models", "inference"}

// isGenerationAPI reports whether fn generates model output: its package,
// another than this one and outside the standard library, is a model
// client's by its path (see modelPathWords), and its name or its receiver's
// type's name says it generates: client.Generate, llm.Completion,
// client.CreateChatCompletion, client.Chat.Completions.New.
// (bcrypt.GenerateFromPassword is not one.)
func (ps *pass) isGenerationAPI(fn *types.Func) bool {
	if fn.Pkg() == nil || fn.Pkg() == ps.Pkg || !strings.Contains(strings.Split(fn.Pkg().Path(), "/")[0], ".") {
		return false
	}
	modelPkg := false
	for _, w := range words(fn.Pkg().Path()) {
		if slices.Contains(modelPathWords, w) {
			modelPkg = true
			break
		}
	}
	if !modelPkg {
		return false
	}
	names := []string{fn.Name()}
	if recv := fn.Signature().Recv(); recv != nil {
		if n, ok := types.Unalias(derefPtr(recv.Type())).(*types.Named); ok {
			names = append(names, n.Obj().Name())
		}
	}
	for _, n := range names {
		for _, w := range words(n) {
			if slices.Contains(generationWords, w) {
				return true
			}
		}
	}
	return false
}

func derefPtr(t types.Type) types.Type {
	if p, ok := t.(*types.Pointer); ok {
		return p.Elem()
	}
	return t
}

func funcName(fn *types.Func) string {
	if recv := fn.Signature().Recv(); recv != nil {
		if n, ok := types.Unalias(derefPtr(recv.Type())).(*types.Named); ok {
			return fn.Pkg().Name() + "." + n.Obj().Name() + "." + fn.Name()
		}
	}
	return fn.Pkg().Name() + "." + fn.Name()
}

// outParam returns the source data fn (of this package) writes through its
// parameter i, a pointer, slice or map: nil for others, and for taint by a
// name, which describes the parameter, not what a caller hands it.
func (f *flow) outParam(fn *types.Func, i int) *origin {
	p := fn.Signature().Params().At(i)
	switch p.Type().Underlying().(type) {
	case *types.Pointer, *types.Slice, *types.Map, *types.Interface:
	default:
		return nil
	}
	if o := f.get(p, "", false, token.NoPos); o != nil && o.id == idSource { // the whole: c.Request.Body = … is not an output
		return o
	}
	return nil
}

// calleeOut returns, for a call, the parameters its callee writes source
// data through, and that data: from this package's flow, or an outFact.
func (f *flow) calleeOut(fn *types.Func) map[int]*origin {
	if fn == nil || f.params {
		return nil
	}
	fn = fn.Origin()
	out := map[int]*origin{}
	if fn.Pkg() == f.ps.Pkg {
		for i := range fn.Signature().Params().Len() {
			if o := f.outParam(fn, i); o != nil {
				out[i] = &origin{id: o.id, what: o.what, via: o.viaOr(fn)}
			}
		}
		return out
	}
	var fact outFact
	if fn.Pkg() != nil && f.ps.ImportObjectFact(fn, &fact) {
		for _, i := range fact.Params {
			out[i] = &origin{id: idSource, what: fact.What, via: fn.Pkg().Name() + "." + fn.Name()}
		}
	}
	return out
}

// storeKey returns the constant string key of a keyed store or load on a
// value — c.Set("k", v), c.GetString("k"), m.Load("k") — and the part of
// the receiver it names ("#k"). A request context's keys hold unrelated
// things (the user's group, the request body), so each key is a part of
// its own: reading one does not read the others.
func (f *flow) storeKey(call *ast.CallExpr, fn *types.Func) (string, bool) {
	if fn == nil || fn.Signature().Recv() == nil || len(call.Args) == 0 {
		return "", false
	}
	key := constantString(f.info.Types[call.Args[0]])
	if key == "" {
		return "", false
	}
	return "#" + strings.ReplaceAll(key, ".", "_"), true
}

// isLoadMethod reports a method that reads a keyed store by key.
func isLoadMethod(name string) bool {
	for _, p := range []string{"Get", "MustGet", "Load", "Value", "Lookup"} {
		if strings.HasPrefix(name, p) {
			return true
		}
	}
	return false
}

// isBind reports a web framework's method that decodes the request into
// its argument: gin's Bind*, ShouldBind*, echo's Bind, fiber's *Parser.
func isBind(fn *types.Func) bool {
	if fn.Pkg() == nil || fn.Signature().Recv() == nil {
		return false
	}
	path, name := fn.Pkg().Path(), fn.Name()
	switch {
	case strings.HasPrefix(path, "github.com/gin-gonic/gin"):
		return strings.HasPrefix(name, "Bind") || strings.HasPrefix(name, "ShouldBind") || strings.HasPrefix(name, "MustBind")
	case strings.HasPrefix(path, "github.com/labstack/echo"):
		return strings.HasPrefix(name, "Bind")
	case strings.HasPrefix(path, "github.com/gofiber/fiber"):
		return strings.HasSuffix(name, "Parser") || name == "Bind"
	}
	return false
}

func isWriteMethod(name string) bool {
	for _, p := range []string{"Write", "Append", "Add", "Set", "Store", "Push", "Put", "Insert", "Encode"} {
		if strings.HasPrefix(name, p) {
			return true
		}
	}
	return false
}

// maxPath bounds the parts followed in a variable (x.a.b.c): deeper ones
// are cut, which taints their prefix, so the flow stays finite when a
// structure refers to itself.
const maxPath = 4

// assign taints the part of a variable lhs names (x, x.f, x[i], *x), with
// all of o. single is false for one value of a tuple: an error beside data
// returned by a source is not data.
func (f *flow) assign(lhs ast.Expr, o *origin, single bool) {
	if o == nil || (o.id == idSource && f.ps.typeKind(f.info.TypeOf(lhs)) == kindConfig) {
		return
	}
	if root, path, ok := f.access(lhs); ok {
		f.mark(root, path, o, single)
	}
}

// assignExpr taints lhs with rhs part by part: lhs = T{a: x, b: y} taints
// lhs.a with x and lhs.b with y, and lhs = v copies v's parts.
func (f *flow) assignExpr(lhs, rhs ast.Expr) {
	root, path, ok := f.access(lhs)
	if !ok {
		return
	}
	config := f.ps.typeKind(f.info.TypeOf(lhs)) == kindConfig
	for sub, o := range f.shapeOf(rhs) {
		if !config || o.id != idSource {
			f.mark(root, joinPath(path, sub), o, true)
		}
	}
}

// shapeOf returns the taint of e by part ("" for e as a whole).
func (f *flow) shapeOf(e ast.Expr) map[string]*origin {
	e = unparen(e)
	if tv, ok := f.info.Types[e]; ok && (tv.Value != nil || tv.IsType() || (tv.Type != nil && !carries(tv.Type))) {
		return nil
	}
	switch x := e.(type) {
	case *ast.UnaryExpr:
		if x.Op == token.AND {
			return f.shapeOf(x.X)
		}
	case *ast.StarExpr:
		return f.shapeOf(x.X)
	case *ast.CompositeLit:
		out := map[string]*origin{}
		st, _ := derefUnder(f.info.TypeOf(x)).(*types.Struct)
		for i, elt := range x.Elts {
			part, val := "[]", elt
			if kv, ok := elt.(*ast.KeyValueExpr); ok {
				val = kv.Value
				if st != nil {
					if id, ok := kv.Key.(*ast.Ident); ok {
						part = id.Name
					}
				} else if o := f.taintOf(kv.Key); o != nil {
					out["[]"] = o // a map's keys are its elements' too
				}
			} else if st != nil && i < st.NumFields() {
				part = st.Field(i).Name()
			}
			for sub, o := range f.shapeOf(val) {
				out[joinPath(part, sub)] = o
			}
		}
		return out
	}
	if root, path, ok := f.access(e); ok {
		out := map[string]*origin{}
		for k, o := range f.vars[root] {
			if !f.reaches(root, k, e.Pos()) {
				continue
			}
			if rest, ok := cutPath(k, path); ok {
				out[rest] = o // a part of e
			} else if _, ok := cutPath(path, k); ok {
				out[""] = f.extend(o, k, path) // e is part of a tainted whole
			}
		}
		if out[""] == nil {
			if o := f.nameTaint(e); o != nil {
				out[""] = o
			}
		}
		return out
	}
	if call, ok := e.(*ast.CallExpr); ok {
		if shape := f.resultShape(call); shape != nil {
			return shape
		}
	}
	if o := f.taintOf(e); o != nil {
		return map[string]*origin{"": o}
	}
	return nil
}

// taintPath is the taint of part path of e's value, as a helper that logs
// only that part of its parameter sees it.
func (f *flow) taintPath(e ast.Expr, path string) *origin {
	if path == "" {
		return f.taintOf(e)
	}
	for sub, o := range f.shapeOf(e) {
		if _, ok := cutPath(path, sub); ok {
			return f.extend(o, sub, path)
		}
		if _, ok := cutPath(sub, path); ok {
			return o
		}
	}
	return nil
}

// mark taints part path of v, reporting progress to solve.
func (f *flow) mark(v *types.Var, path string, o *origin, single bool) {
	if v == nil || o == nil || !carries(v.Type()) {
		return
	}
	if isError(v.Type()) && !single {
		return
	}
	if n := strings.Count(path, ".") + 1; path != "" && n > maxPath {
		path = path[:nthDot(path, maxPath)]
	}
	if f.cur.IsValid() {
		at := f.at[v]
		if at == nil {
			at = make(map[string]token.Pos)
			f.at[v] = at
		}
		if a, ok := at[path]; !ok || f.cur < a {
			at[path] = f.cur
			f.changed = true
		}
	}
	parts := f.vars[v]
	if old := cmp.Or(parts[path], parts[""]); old != nil && !upgrades(old, o) {
		return
	}
	if parts == nil {
		parts = make(map[string]*origin)
		f.vars[v] = parts
	}
	parts[path] = o
	f.changed = true
}

// upgrades reports whether origin o replaces old: a source (the request, a
// file) says more than a name, so a value that was first found private by
// its name is reported by where it comes from once that is known. Each part
// upgrades at most once, so solve still terminates.
func upgrades(old, o *origin) bool {
	return old.id != idSource && o.id == idSource && old.fn == nil && o.fn == nil
}

// get returns the taint of part path of v: of a tainted whole it is part
// of, or (when any) of a tainted part within it.
func (f *flow) get(v *types.Var, path string, within bool, use token.Pos) *origin {
	for k, o := range f.vars[v] {
		if !f.reaches(v, k, use) {
			continue
		}
		if _, ok := cutPath(path, k); ok {
			return f.extend(o, k, path)
		}
	}
	if within {
		for k, o := range f.vars[v] {
			if rest, ok := cutPath(k, path); ok && !keyedPart(rest) && f.reaches(v, k, use) {
				return o
			}
		}
	}
	return nil
}

// extend returns the origin of part path of a value whose part k (a prefix)
// has origin o: in a parameter flow the parameter's part grows.
func (f *flow) extend(o *origin, k, path string) *origin {
	if o.fn == nil || k == path {
		return o
	}
	rest, _ := cutPath(path, k)
	c := *o
	c.path = joinPath(o.path, rest)
	return &c
}

// access resolves e to a variable and the part of it e names: x → (x, ""),
// x.a.b → (x, "a.b"), x[i].c → (x, "[].c"), *p → (p, ""), pkg.V → (V, "").
func (f *flow) access(e ast.Expr) (*types.Var, string, bool) {
	var parts []string
	for {
		switch x := unparen(e).(type) {
		case *ast.Ident:
			v, ok := f.info.Defs[x].(*types.Var)
			if !ok {
				v, ok = f.info.Uses[x].(*types.Var)
			}
			return v, joinRev(parts), ok
		case *ast.SelectorExpr:
			sel := f.info.Selections[x]
			if sel == nil { // pkg.Var
				v, ok := f.info.Uses[x.Sel].(*types.Var)
				return v, joinRev(parts), ok
			}
			if sel.Kind() != types.FieldVal {
				return nil, "", false
			}
			parts = append(parts, x.Sel.Name)
			e = x.X
		case *ast.IndexExpr:
			switch derefUnder(f.info.TypeOf(x.X)).(type) {
			case *types.Slice, *types.Array, *types.Map:
			default:
				return nil, "", false
			}
			parts = append(parts, "[]")
			e = x.X
		case *ast.StarExpr:
			e = x.X
		default:
			return nil, "", false
		}
	}
}

// keyedPart reports whether a part path goes through a keyed store's key
// (see storeKey): handing the store to a call does not hand it that key.
func keyedPart(path string) bool {
	return strings.HasPrefix(path, "#") || strings.Contains(path, ".#")
}

func joinRev(parts []string) string {
	var b strings.Builder
	for i := len(parts) - 1; i >= 0; i-- {
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		b.WriteString(parts[i])
	}
	return b.String()
}

func joinPath(a, b string) string {
	switch {
	case a == "":
		return b
	case b == "":
		return a
	}
	return a + "." + b
}

// cutPath reports whether prefix is a whole-part prefix of path, and the
// rest: cutPath("a.b.c", "a") = "b.c"; cutPath("ab", "a") fails.
func cutPath(path, prefix string) (string, bool) {
	if prefix == "" {
		return path, true
	}
	if path == prefix {
		return "", true
	}
	rest, ok := strings.CutPrefix(path, prefix+".")
	return rest, ok
}

func nthDot(s string, n int) int {
	for i := 0; i < len(s); i++ {
		if s[i] == '.' {
			n--
			if n == 0 {
				return i
			}
		}
	}
	return len(s)
}

func derefUnder(t types.Type) types.Type {
	if t == nil {
		return nil
	}
	if p, ok := t.Underlying().(*types.Pointer); ok {
		return p.Elem().Underlying()
	}
	return t.Underlying()
}

// taintOf reports where the value of e may come from, or nil if it carries
// no private data.
func (f *flow) taintOf(e ast.Expr) *origin {
	tv, ok := f.info.Types[e]
	if ok && (tv.Value != nil || tv.IsType() || (tv.Type != nil && !carries(tv.Type))) {
		return nil // constants, types and numbers are not data
	}
	if f.requestMeta(e) {
		return nil // r.Method, r.TLS.Version: protocol facts
	}
	if root, path, ok := f.access(e); ok {
		o := f.get(root, path, true, e.Pos())
		if o != nil && o.id == idSource && f.inConfig(e) {
			o = nil // read from a file, but configuration by its type
		}
		if o != nil || f.params {
			return o
		}
		return f.nameTaint(e)
	}
	switch e := e.(type) {
	case *ast.ParenExpr:
		return f.taintOf(e.X)
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
	case *ast.SelectorExpr: // a field of a call's result, f().x
		if call, ok := unparen(e.X).(*ast.CallExpr); ok && f.resultShape(call) != nil {
			if sel := f.info.Selections[e]; sel != nil && sel.Kind() == types.FieldVal {
				return f.taintPath(call, e.Sel.Name)
			}
		}
		if o := f.taintOf(e.X); o != nil || f.params {
			return o
		}
		if w, ok := f.ps.names.match(e.Sel.Name); ok {
			return &origin{id: idSensitive, what: fmt.Sprintf("field %s (sensitive word %q)", e.Sel.Name, w)}
		}
		return f.typeOrigin(tv.Type)
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

// requestMeta reports whether an access path goes through a field of an
// *http.Request that is not what the client sent.
func (f *flow) requestMeta(e ast.Expr) bool {
	for {
		switch x := unparen(e).(type) {
		case *ast.SelectorExpr:
			sel := f.info.Selections[x]
			if sel == nil {
				return false
			}
			if sel.Kind() == types.FieldVal && isHTTPRequest(sel.Recv()) && !requestDataField[x.Sel.Name] {
				return true
			}
			e = x.X
		case *ast.IndexExpr:
			e = x.X
		case *ast.StarExpr:
			e = x.X
		default:
			return false
		}
	}
}

// inConfig reports whether an access path goes through a value of a
// configuration type.
func (f *flow) inConfig(e ast.Expr) bool {
	for {
		if f.ps.typeKind(f.info.TypeOf(e)) == kindConfig {
			return true
		}
		switch x := unparen(e).(type) {
		case *ast.SelectorExpr:
			if f.info.Selections[x] == nil {
				return false
			}
			e = x.X
		case *ast.IndexExpr:
			e = x.X
		case *ast.StarExpr:
			e = x.X
		default:
			return false
		}
	}
}

// nameTaint is the taint an access path has by its names and types alone:
// a sensitive variable or field name, os.Args, a sensitive or source type
// anywhere along it.
func (f *flow) nameTaint(e ast.Expr) *origin {
	switch x := unparen(e).(type) {
	case *ast.Ident:
		v, ok := f.info.Uses[x].(*types.Var)
		if !ok {
			v, ok = f.info.Defs[x].(*types.Var)
		}
		if !ok {
			return nil
		}
		return f.varNameTaint(v)
	case *ast.SelectorExpr:
		sel := f.info.Selections[x]
		if sel == nil { // pkg.Var
			v, ok := f.info.Uses[x.Sel].(*types.Var)
			if !ok {
				return nil
			}
			if v.Pkg() != nil && v.Pkg().Path() == "os" && v.Name() == "Args" {
				return &origin{id: idSource, what: "os.Args"}
			}
			return f.varNameTaint(v)
		}
		if o := f.nameTaint(x.X); o != nil {
			return o
		}
		if w, ok := f.ps.names.match(x.Sel.Name); ok {
			return &origin{id: idSensitive, what: fmt.Sprintf("field %s (sensitive word %q)", x.Sel.Name, w)}
		}
		return f.typeOrigin(f.info.TypeOf(x))
	case *ast.IndexExpr:
		return f.nameTaint(x.X)
	case *ast.StarExpr:
		return f.nameTaint(x.X)
	}
	return nil
}

// varNameTaint is the taint of a variable by its name or type.
func (f *flow) varNameTaint(v *types.Var) *origin {
	if w, ok := f.ps.names.match(v.Name()); ok {
		return &origin{id: idSensitive, what: fmt.Sprintf("name %s (sensitive word %q)", v.Name(), w)}
	}
	return f.typeOrigin(v.Type())
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
	if !f.params && f.ps.typeKind(t) == kindData {
		return &origin{id: idSource, what: "type " + types.TypeString(t, types.RelativeTo(f.ps.Pkg)) + " (declared customer data)"}
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
		if !f.params && f.ps.isGenerationAPI(fn) {
			return &origin{id: idSource, what: "model output (" + funcName(fn) + ")"}
		}
		if fn.Pkg() != nil && fn.Pkg().Path() == "os" && fn.Signature().Recv() == nil && !f.params {
			return envTaint(f.info, fn.Name(), call)
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
			case "Sprint", "Sprintln", "Append", "Appendln":
				if o := f.anyArg(call.Args); o != nil {
					return o
				}
				return f.errorArg(call.Args)
			}
		}
		if fn.Name() == "Error" && fn.Signature().Recv() != nil && fn.Signature().Params().Len() == 0 && !f.params {
			// err.Error(): the error's text as a string, which conflog's
			// scrubbing of errors in public records no longer sees.
			if sel, ok := fun.(*ast.SelectorExpr); ok && isError(f.info.TypeOf(sel.X)) {
				if o := f.taintOf(sel.X); o != nil && o.publicErr {
					return o
				}
				return errTextOrigin(exprText(sel.X) + ".Error()")
			}
		}
		if w, ok := f.ps.names.match(fn.Name()); ok && !f.params && !isError(f.info.TypeOf(call)) {
			return &origin{id: idSensitive, what: fmt.Sprintf("call of %s (sensitive word %q)", fn.Name(), w)}
		}
	}
	if sel, ok := fun.(*ast.SelectorExpr); ok && f.info.Selections[sel] != nil {
		fn, _ := typeutil.Callee(f.info, call).(*types.Func)
		if key, ok := f.storeKey(call, fn); ok && isLoadMethod(fn.Name()) {
			// c.GetString("group") reads that key, not what the
			// context holds under others.
			// Other parts of the store are not read (c.Request.Body
			// is not c.GetString("group")); the store as a whole, or
			// by its name or type (r.Header of a request), is.
			if root, path, ok := f.access(sel.X); ok {
				if o := f.get(root, joinPath(path, key), false, sel.X.Pos()); o != nil {
					return o
				}
				if o := f.get(root, path, false, sel.X.Pos()); o != nil || f.params {
					return o
				}
				return f.nameTaint(sel.X)
			}
		}
		if o := f.recvTaint(sel.X); o != nil {
			return o
		}
	}
	if lit, ok := fun.(*ast.FuncLit); ok { // func() string { return x }()
		if o := f.litReturns(lit); o != nil {
			return o
		}
	}
	if isError(f.info.TypeOf(call)) && !isPkgFuncCall(f.info, call, "errors", "New") {
		// json.Unmarshal(data, &v) handed data, but its error describes
		// the failure, not the data; errors.New(text) and fmt.Errorf
		// (printfTaint) are the errors made of their arguments.
		return nil
	}
	return f.anyArg(f.dataArgs(call))
}

// dataArgs are the arguments whose data an unknown function's result may
// carry: all but configuration handed to a constructor, whose result is a
// handle of another named type (redis.NewClient(opt) is a client, not the
// password in opt; json.Marshal(opt) is still opt).
func (f *flow) dataArgs(call *ast.CallExpr) []ast.Expr {
	res := f.info.TypeOf(call)
	if p, ok := res.(*types.Pointer); ok {
		res = p.Elem()
	}
	if _, ok := types.Unalias(res).(*types.Named); !ok {
		return call.Args
	}
	var out []ast.Expr
	for _, a := range call.Args {
		t := f.info.TypeOf(a)
		if f.ps.typeKind(t) == kindConfig && !types.Identical(t, f.info.TypeOf(call)) {
			continue
		}
		out = append(out, a)
	}
	return out
}

// recvTaint is the taint a method's result takes from its receiver: the
// receiver's own, or source data held in a part of it, but not a part
// tainted only by a name: c.FullPath() does not return what was stored in
// c.Request.Body from a variable named requestBody.
func (f *flow) recvTaint(x ast.Expr) *origin {
	root, path, ok := f.access(x)
	if !ok || f.requestMeta(x) {
		return f.taintOf(x)
	}
	if o := f.get(root, path, false, x.Pos()); o != nil {
		return o
	}
	if o := f.get(root, path, true, x.Pos()); o != nil && (o.id == idSource || f.params) {
		return o
	}
	if f.params {
		return nil
	}
	return f.nameTaint(x)
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
		if o := f.anyArg(call.Args[first:]); o != nil {
			return o
		}
		return f.errorArg(args)
	}
	verbs, ok := printfVerbs(constantString(tv), len(args))
	if !ok {
		if o := f.anyArg(args); o != nil {
			return o
		}
		return f.errorArg(args)
	}
	var printed []ast.Expr
	for i, a := range args {
		if i < len(verbs) && verbs[i] == 'T' {
			continue
		}
		if o := f.taintOf(a); o != nil {
			return o
		}
		printed = append(printed, a)
	}
	if tv := f.info.Types[call]; isError(tv.Type) {
		return nil // an error wrapping an error: scrubbed as one
	}
	return f.errorArg(printed)
}

func isPkgFuncCall(info *types.Info, call *ast.CallExpr, path, name string) bool {
	fn, ok := typeutil.Callee(info, call).(*types.Func)
	return ok && isPkgFunc(fn, path, name)
}

// errorArg returns the error-text origin if one of args, printed into a
// string, is an error.
func (f *flow) errorArg(args []ast.Expr) *origin {
	if f.params {
		return nil
	}
	for _, a := range args {
		if t := f.info.TypeOf(a); t != nil && isError(t) && f.info.Types[a].Value == nil && !isNil(f.info, a) {
			return errTextOrigin("the text of " + exprText(a))
		}
	}
	return nil
}

func isNil(info *types.Info, e ast.Expr) bool {
	tv := info.Types[e]
	return tv.IsNil()
}

// errTextOrigin is the origin of an error's text made a string (CL007).
func errTextOrigin(what string) *origin {
	return &origin{id: idErrText, what: what}
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
	case path == "os" && fn.Signature().Recv() == nil && name == "ReadFile":
		return src("os.ReadFile")
	case isMethodOf(fn, "Scanner", "bufio") && (name == "Text" || name == "Bytes"):
		return src("bufio.Scanner." + name)
	case isMethodOf(fn, "Reader", "bufio") && strings.HasPrefix(name, "Read") && name != "ReadRune" && name != "ReadByte":
		return src("bufio.Reader." + name)
	case isMethodOf(fn, "Reader", "encoding/csv") && (name == "Read" || name == "ReadAll"):
		return src("csv.Reader." + name)
	case isRequestAccessor(fn):
		return src("the HTTP request (" + fn.Pkg().Name() + ".Context." + name + ")")
	}
	return nil
}

// requestAccessors are the methods of web frameworks' request contexts that
// return what the client sent: gin's *gin.Context, echo's echo.Context,
// fiber's *fiber.Ctx. Route patterns (FullPath) and the method are not.
var requestAccessors = map[string]map[string]bool{
	"github.com/gin-gonic/gin": setOf("ClientIP", "RemoteIP", "Param", "Query", "DefaultQuery", "GetQuery",
		"QueryArray", "GetQueryArray", "QueryMap", "GetQueryMap", "PostForm", "DefaultPostForm", "GetPostForm",
		"PostFormArray", "GetPostFormArray", "PostFormMap", "GetPostFormMap", "FormFile", "MultipartForm",
		"GetHeader", "GetRawData", "Cookie"),
	"github.com/labstack/echo": setOf("Param", "ParamValues", "QueryParam", "QueryParams", "QueryString",
		"FormValue", "FormParams", "FormFile", "MultipartForm", "Cookie", "Cookies", "RealIP"),
	"github.com/gofiber/fiber": setOf("Params", "Query", "Queries", "Body", "BodyRaw", "IP", "IPs", "Get",
		"Cookies", "FormValue", "FormFile", "OriginalURL"),
}

func setOf(names ...string) map[string]bool {
	m := make(map[string]bool, len(names))
	for _, n := range names {
		m[n] = true
	}
	return m
}

// isRequestAccessor reports a request context's method returning client data
// (see requestAccessors); the module path may carry a major version (/v4).
func isRequestAccessor(fn *types.Func) bool {
	if fn.Pkg() == nil || fn.Signature().Recv() == nil {
		return false
	}
	path := fn.Pkg().Path()
	for prefix, names := range requestAccessors {
		if (path == prefix || strings.HasPrefix(path, prefix+"/v")) && names[fn.Name()] {
			return true
		}
	}
	return false
}

// envTaint is the taint of an os function reading the environment: only a
// variable whose name says it holds a secret (see secretEnv) is private, so
// hosts, ports and paths from the environment are not reported.
func envTaint(info *types.Info, name string, call *ast.CallExpr) *origin {
	secret := func(v string) *origin {
		return &origin{id: idSensitive, what: "environment variable " + v + " (a secret by its name)"}
	}
	switch name {
	case "Getenv", "LookupEnv":
		if len(call.Args) == 1 {
			if v := constantString(info.Types[call.Args[0]]); secretEnv(v) {
				return secret(v)
			}
		}
	case "Environ":
		return &origin{id: idSensitive, what: "os.Environ (every variable, secrets among them)"}
	case "ExpandEnv":
		if len(call.Args) == 1 {
			var found string
			os.Expand(constantString(info.Types[call.Args[0]]), func(v string) string {
				if found == "" && secretEnv(v) {
					found = v
				}
				return ""
			})
			if found != "" {
				return secret(found)
			}
		}
	}
	return nil
}

// secretEnv reports whether an environment variable's name says it holds a
// secret: *_TOKEN, *_KEY, *_SECRET, *_PASSWORD (and PASSWD, PASS,
// CREDENTIALS, DSN), or a proxy URL (HTTPS_PROXY, …), which may carry a
// user and password.
func secretEnv(name string) bool {
	n := strings.ToUpper(name)
	if n == "NO_PROXY" {
		return false
	}
	for _, s := range []string{"TOKEN", "KEY", "SECRET", "PASSWORD", "PASSWD", "PASS", "CREDENTIALS", "DSN", "PROXY"} {
		if n == s || strings.HasSuffix(n, "_"+s) {
			return true
		}
	}
	return false
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
	if t == nil || isNamed(t, "context", "Context") {
		return false // a context prints as its type chain, not its values
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
