package vet

import (
	"fmt"
	"go/ast"
	"go/token"
	"go/types"
	"slices"
	"strings"
)

// Configuration and customer data, by type. A value read from a file or
// a request is customer data (CL003) unless its type says it is
// configuration: a model manifest, a server's settings. The analyzer takes
// a type for configuration when its name has one of configWords in it
// (ServerConfig, ModelManifest, Options), when the -config-types flag names
// it, or when its declaration carries the directive
//
//	//conflog:config
//
// and for customer data when -data-types names it or its declaration
// carries
//
//	//conflog:data
//
// (a value of such a type is a source wherever it appears). A flag entry is
// a type's name (Manifest) or its package path and name
// (github.com/ollama/ollama/server.Manifest). Data wins over configuration.
// Configuration blocks only flow from sources: a field named like a secret
// (cfg.APIKey) is still sensitive by its name.
var configWords = []string{"config", "configuration", "cfg", "conf", "manifest", "settings", "options", "opts"}

var (
	configTypes = &typeList{}
	dataTypes   = &typeList{}
)

// typeFact records a type's declared kind ("config" or "data"), from its
// directive, for the packages that use it.
type typeFact struct{ Kind string }

func (*typeFact) AFact()           {}
func (f *typeFact) String() string { return f.Kind }

const (
	kindConfig = "config"
	kindData   = "data"
)

// typeList is a comma-separated list of type names, a flag.Value.
type typeList struct{ names []string }

func (l *typeList) String() string {
	if l == nil {
		return ""
	}
	return strings.Join(l.names, ",")
}

func (l *typeList) Set(list string) error {
	l.names = nil
	for _, n := range strings.Split(list, ",") {
		n = strings.TrimSpace(n)
		if n == "" {
			continue
		}
		name := n[strings.LastIndexByte(n, '.')+1:]
		if !token.IsIdentifier(name) || strings.HasSuffix(n, ".") {
			return fmt.Errorf("type %q: want Name or import/path.Name", n)
		}
		l.names = append(l.names, n)
	}
	return nil
}

func (l *typeList) has(obj *types.TypeName) bool {
	if obj.Pkg() == nil {
		return false
	}
	return slices.Contains(l.names, obj.Name()) || slices.Contains(l.names, obj.Pkg().Path()+"."+obj.Name())
}

// exportTypeDirectives publishes the //conflog:config and //conflog:data
// directives of the package's type declarations as facts.
func (ps *pass) exportTypeDirectives() {
	for _, file := range ps.Files {
		for _, decl := range file.Decls {
			gd, ok := decl.(*ast.GenDecl)
			if !ok || gd.Tok != token.TYPE {
				continue
			}
			for _, spec := range gd.Specs {
				ts := spec.(*ast.TypeSpec)
				kind := directiveKind(ts.Doc)
				if kind == "" && len(gd.Specs) == 1 {
					kind = directiveKind(gd.Doc)
				}
				if kind == "" {
					kind = directiveKind(ts.Comment)
				}
				if obj, ok := ps.TypesInfo.Defs[ts.Name].(*types.TypeName); ok && kind != "" {
					ps.ExportObjectFact(obj, &typeFact{Kind: kind})
				}
			}
		}
	}
}

func directiveKind(g *ast.CommentGroup) string {
	if g == nil {
		return ""
	}
	for _, c := range g.List {
		switch strings.TrimSpace(c.Text) {
		case "//conflog:config":
			return kindConfig
		case "//conflog:data":
			return kindData
		}
	}
	return ""
}

// typeKind returns "config", "data" or "" for a type, looking through
// pointers, slices, arrays and maps to the named type they hold.
func (ps *pass) typeKind(t types.Type) string {
	if t == nil {
		return ""
	}
	if k, ok := ps.kinds[t]; ok {
		return k
	}
	k := ps.findKind(t)
	ps.kinds[t] = k
	return k
}

func (ps *pass) findKind(t types.Type) string {
	for t != nil {
		switch u := types.Unalias(t).(type) {
		case *types.Pointer:
			t = u.Elem()
			continue
		case *types.Slice:
			t = u.Elem()
			continue
		case *types.Array:
			t = u.Elem()
			continue
		case *types.Map:
			t = u.Elem()
			continue
		case *types.Named:
			obj := u.Obj()
			if dataTypes.has(obj) {
				return kindData
			}
			if configTypes.has(obj) {
				return kindConfig
			}
			var fact typeFact
			if ps.ImportObjectFact(obj, &fact) {
				return fact.Kind
			}
			for _, w := range words(obj.Name()) {
				if slices.Contains(configWords, w) {
					return kindConfig
				}
			}
		}
		return ""
	}
	return ""
}
