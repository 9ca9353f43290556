package vet

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"unicode/utf16"
)

// RunGoVet is Run through the go command: "go vet -vettool=tool -json" with
// the analyzer's flags, where tool is a binary that runs this analyzer as a
// vet tool (conflog itself). The go command type-checks each package
// against its dependencies' export data and caches both those and the
// analysis of packages that did not change, which a from-source load
// (Run) cannot: on a warm cache it costs about what go vet costs.
//
// A package that does not build is an error, as for Run. Findings in a
// package and its test variant are reported once, sorted by position.
func RunGoVet(tool, dir string, patterns ...string) (*Result, error) {
	if len(patterns) == 0 {
		patterns = []string{"./..."}
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	// -packages: each package reports whether it imports conflog (see
	// idPackage), so the run itself says which packages use conflog; a go
	// list beside it would cost as much again as a warm go vet.
	args := []string{"vet", "-vettool=" + tool, "-json", "-" + Analyzer.Name + ".packages"}
	words := false
	Analyzer.Flags.Visit(func(f *flag.Flag) {
		if f.Name == "packages" {
			return
		}
		if f.Name == "sensitive" || f.Name == "sensitive-add" {
			words = true // passed below as the whole list: an addition has no value to print
			return
		}
		args = append(args, "-"+Analyzer.Name+"."+f.Name+"="+f.Value.String())
	})
	if words {
		args = append(args, "-"+Analyzer.Name+".sensitive="+sensitive.String())
	}
	args = append(args, "--")
	args = append(args, patterns...)
	cmd := exec.Command("go", args...)
	cmd.Dir = abs
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("go vet %s: %v\n%s", strings.Join(patterns, " "), err, strings.TrimSpace(stderr.String()))
	}
	findings, pkgs, err := parseVetJSON(&stdout, abs)
	if err != nil {
		return nil, fmt.Errorf("go vet %s: %w", strings.Join(patterns, " "), err)
	}
	if len(pkgs) == 0 {
		return nil, fmt.Errorf("load %s: no packages matched", strings.Join(patterns, " "))
	}
	res := &Result{Findings: findings, Packages: len(pkgs)}
	for path, adopted := range pkgs {
		if adopted {
			res.Adopted = append(res.Adopted, path)
		}
	}
	slices.Sort(res.Adopted)
	return res, nil
}

// vetDiag is one diagnostic of go vet -json (x/tools' JSONDiagnostic).
type vetDiag struct {
	Category string `json:"category"`
	Posn     string `json:"posn"`
	End      string `json:"end"`
	Message  string `json:"message"`
}

// parseVetJSON reads go vet -json's output, one object per package
// ({"pkg": {"conflog": [diagnostics] or {"error": …}}}), into findings, and
// the -packages notes (idPackage) into pkgs: import path to whether the
// package (or its tests) imports conflog.
func parseVetJSON(r io.Reader, dir string) (findings []Finding, pkgs map[string]bool, err error) {
	dec := json.NewDecoder(r)
	lines := newLineCache()
	seen := make(map[Finding]bool)
	pkgs = make(map[string]bool)
	var out []Finding
	for {
		var obj map[string]map[string]json.RawMessage
		if err := dec.Decode(&obj); err == io.EOF {
			break
		} else if err != nil {
			return nil, nil, fmt.Errorf("read go vet -json output: %w", err)
		}
		for pkg, byAnalyzer := range obj {
			raw, ok := byAnalyzer[Analyzer.Name]
			if !ok {
				continue
			}
			var diags []vetDiag
			if err := json.Unmarshal(raw, &diags); err != nil {
				var e struct{ Error string }
				if json.Unmarshal(raw, &e) == nil && e.Error != "" {
					return nil, nil, fmt.Errorf("analyze %s: %s", pkg, e.Error)
				}
				return nil, nil, fmt.Errorf("analyze %s: unreadable diagnostics: %w", pkg, err)
			}
			for _, d := range diags {
				if d.Category == idPackage {
					path, adopted, ok := parsePackageNote(d.Message)
					if !ok {
						return nil, nil, fmt.Errorf("analyze %s: malformed %s note %q", pkg, idPackage, d.Message)
					}
					pkgs[path] = pkgs[path] || adopted // a test variant may add the import
					continue
				}
				f, err := vetFinding(d, dir, lines)
				if err != nil {
					return nil, nil, fmt.Errorf("analyze %s: %w", pkg, err)
				}
				if !seen[f] {
					seen[f] = true
					out = append(out, f)
				}
			}
		}
	}
	slices.SortFunc(out, func(a, b Finding) int {
		return cmp.Or(cmp.Compare(a.File, b.File), cmp.Compare(a.Line, b.Line), cmp.Compare(a.Column, b.Column), cmp.Compare(a.ID, b.ID))
	})
	return out, pkgs, nil
}

// parsePackageNote reads packageNote's message, "conflog-package PATH BOOL".
func parsePackageNote(msg string) (path string, adopted bool, ok bool) {
	f := strings.Fields(msg)
	if len(f) != 3 || f[0] != idPackage {
		return "", false, false
	}
	adopted, err := strconv.ParseBool(f[2])
	return f[1], adopted, err == nil
}

// vetFinding converts a go vet -json diagnostic.
func vetFinding(d vetDiag, dir string, lines *lineCache) (Finding, error) {
	file, line, col, err := splitPosn(d.Posn)
	if err != nil {
		return Finding{}, err
	}
	f := Finding{ID: d.Category, Line: line, Column: col, Message: strings.TrimPrefix(d.Message, d.Category+" ")}
	f.Column16 = lines.utf16At(file, line, col)
	if d.End != "" {
		if _, el, ec, err := splitPosn(d.End); err == nil {
			f.EndLine, f.EndColumn, f.EndColumn16 = el, ec, lines.utf16At(file, el, ec)
		}
	}
	if rel, err := filepath.Rel(dir, file); err == nil && !strings.HasPrefix(rel, "..") {
		file = rel
	}
	f.File = filepath.ToSlash(file)
	return f, nil
}

// splitPosn splits "file:line:col" (the file may hold colons).
func splitPosn(posn string) (file string, line, col int, err error) {
	rest, c, ok1 := cutLast(posn)
	file, l, ok2 := cutLast(rest)
	if !ok1 || !ok2 {
		return "", 0, 0, fmt.Errorf("position %q: want file:line:column", posn)
	}
	line, err1 := strconv.Atoi(l)
	col, err2 := strconv.Atoi(c)
	if err := errors.Join(err1, err2); err != nil || line < 1 || col < 1 {
		return "", 0, 0, fmt.Errorf("position %q: want file:line:column", posn)
	}
	return file, line, col, nil
}

func cutLast(s string) (string, string, bool) {
	i := strings.LastIndexByte(s, ':')
	if i < 0 {
		return "", "", false
	}
	return s[:i], s[i+1:], true
}

// utf16At converts a byte column of a line to UTF-16 code units (see
// utf16Column); 0 when the file cannot be read or is shorter.
func (c *lineCache) utf16At(name string, line, col int) int {
	src, ok := c.files[name]
	if !ok {
		src, _ = os.ReadFile(name)
		c.files[name] = src
	}
	start := 0
	for l := 1; l < line; l++ {
		i := bytes.IndexByte(src[start:], '\n')
		if i < 0 {
			return 0
		}
		start += i + 1
	}
	end := start + col - 1
	if src == nil || end > len(src) {
		return 0
	}
	n := 1
	for _, r := range string(src[start:end]) {
		n += utf16.RuneLen(r)
	}
	return n
}
