package vet

import (
	"go/ast"
	"go/token"
	"regexp"
	"strings"
)

// An ignore is one //conflog:ignore directive: the finding IDs it silences
// and the reason a reviewer gave. Syntax (one line comment):
//
//	//conflog:ignore CL002 the token is a public, per-run nonce
//	//conflog:ignore CL001,CL005 reason …
//
// A directive covers findings on its own line and, when the comment stands
// alone on its line, on the next line. A directive without a reason, or with
// an unknown ID, is itself a finding (CL000) and silences nothing: the point
// of a suppression is the reviewed reason beside it. So is an ID that
// silences nothing where it stands (the code changed, or the ID is wrong): a
// stale suppression would silence the next finding that comes along there,
// unreviewed.
type ignore struct {
	pos    token.Pos
	ids    []string
	used   []bool // used[i]: ids[i] silenced a finding
	reason string
}

const ignorePrefix = "//conflog:ignore"

var idPattern = regexp.MustCompile(`^CL00[0-8]$`)

// parseIgnore parses the text of one comment. It reports ok=false when the
// comment is not a conflog:ignore directive at all. A "//" inside the
// directive ends it, as in Go's own directives, so a trailing comment is never
// taken for a reason.
func parseIgnore(text string) (ids []string, reason string, problem string, ok bool) {
	rest, ok := strings.CutPrefix(text, ignorePrefix)
	if !ok || (rest != "" && rest[0] != ' ' && rest[0] != '\t') {
		return nil, "", "", false
	}
	if i := strings.Index(rest, "//"); i >= 0 {
		rest = rest[:i]
	}
	fields := strings.Fields(rest)
	if len(fields) == 0 {
		return nil, "", "names no finding ID", true
	}
	for _, id := range strings.Split(fields[0], ",") {
		if !idPattern.MatchString(id) || id == idBadIgnore {
			return nil, "", "names unknown finding ID " + quoteShort(id), true
		}
		ids = append(ids, id)
	}
	reason = strings.Join(fields[1:], " ")
	if reason == "" {
		return ids, "", "gives no reason", true
	}
	return ids, reason, "", true
}

// ignores indexes a package's directives by file and line.
type ignores struct {
	fset  *token.FileSet
	lines map[lineKey][]*ignore
	all   []*ignore // in source order
}

type lineKey struct {
	file string
	line int
}

// collectIgnores finds every directive in files, reporting malformed ones
// through bad. src returns a file's content, used to tell a directive alone
// on its line from one that trails code.
func collectIgnores(fset *token.FileSet, files []*ast.File, src func(name string) []byte, bad func(pos token.Pos, problem string)) *ignores {
	ig := &ignores{fset: fset, lines: make(map[lineKey][]*ignore)}
	for _, f := range files {
		for _, group := range f.Comments {
			for _, c := range group.List {
				if !strings.HasPrefix(c.Text, ignorePrefix) {
					continue
				}
				ids, reason, problem, ok := parseIgnore(c.Text)
				if !ok {
					continue
				}
				if problem != "" {
					bad(c.Pos(), problem)
					continue
				}
				d := &ignore{pos: c.Pos(), ids: ids, used: make([]bool, len(ids)), reason: reason}
				ig.all = append(ig.all, d)
				p := fset.Position(c.Pos())
				ig.lines[lineKey{p.Filename, p.Line}] = append(ig.lines[lineKey{p.Filename, p.Line}], d)
				if alone(src(p.Filename), p) {
					ig.lines[lineKey{p.Filename, p.Line + 1}] = append(ig.lines[lineKey{p.Filename, p.Line + 1}], d)
				}
			}
		}
	}
	return ig
}

// alone reports whether only blanks precede position p on its line.
func alone(content []byte, p token.Position) bool {
	if content == nil || p.Offset > len(content) {
		return p.Column == 1
	}
	for i := p.Offset - 1; i >= 0 && content[i] != '\n'; i-- {
		if content[i] != ' ' && content[i] != '\t' {
			return false
		}
	}
	return true
}

// covers reports whether a directive silences finding id at pos.
func (ig *ignores) covers(pos token.Pos, id string) bool {
	p := ig.fset.Position(pos)
	for _, d := range ig.lines[lineKey{p.Filename, p.Line}] {
		for i, x := range d.ids {
			if x == id {
				d.used[i] = true
				return true
			}
		}
	}
	return false
}

// unused calls f for each ID of a directive that silenced nothing.
func (ig *ignores) unused(f func(pos token.Pos, id string)) {
	for _, d := range ig.all {
		for i, id := range d.ids {
			if !d.used[i] {
				f(d.pos, id)
			}
		}
	}
}

func quoteShort(s string) string {
	if len(s) > 20 {
		s = s[:20] + "…"
	}
	return `"` + s + `"`
}
