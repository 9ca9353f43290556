package traceback

import (
	"bytes"
	"errors"
	"fmt"
	"github.com/conflog/conflog/internal/gocrash"
	"regexp"
	"strings"
)

// Check reports whether line is one that a Scrubber without Options.Allow
// may emit: a fixed line of the trace formats, or a frame, exception,
// goroutine or panic line whose every field copied from the private line
// passes the grammar (identifier-shaped names, paths of code-like
// components, short numbers). It is the contract of the public side, checked
// separately from the code that produces it: the gate's fuzz targets check
// every line the gate re-emits with it, and a client in another language
// that scrubs its own traces can be tested against it.
func Check(line []byte) error {
	l := string(line)
	if len(l) > maxLine+len(cutMark) {
		return fmt.Errorf("%d bytes: longer than a public trace line may be", len(l))
	}
	var first error
	for _, form := range checkForms {
		m := form.re.FindStringSubmatch(l)
		if m == nil {
			continue
		}
		if form.fields == nil {
			return nil
		}
		err := form.fields(m)
		if err == nil {
			return nil
		}
		if first == nil {
			first = fmt.Errorf("%s: %w", form.name, err)
		}
	}
	if first != nil {
		return first
	}
	return errors.New("not a line of a scrubbed trace")
}

type checkForm struct {
	name   string
	re     *regexp.Regexp
	fields func(m []string) error // checks the captured fields; nil: the form is all fixed
}

const (
	reMargin  = `(?: *\| ?)?`
	reLineNo  = `(?:\d{1,6}|\[scrubbed\])`
	reScrub   = `\[scrubbed\]`
	reHex     = `[0-9a-f]`
	reGroupNo = `(?:\d{1,6}|\.\.\.)`
)

// goModifiersRE is what may follow a goroutine's status: the runtime's
// modifiers, with short numbers.
var goModifiersRE = regexp.MustCompile(`^(?:, \d{1,6} minutes|, locked to thread|, synctest bubble \d{1,9})*$`)

// keys is the alternation of m's keys, quoted.
func keys[V any](m map[string]V) string {
	var b []string
	for k := range m {
		b = append(b, regexp.QuoteMeta(k))
	}
	return strings.Join(b, "|")
}

var checkForms = func() []checkForm {
	classes := make([]string, len(gocrash.RuntimeClasses))
	for i, c := range gocrash.RuntimeClasses {
		classes[i] = regexp.QuoteMeta(c)
	}
	constMsg := `(?:` + keys(gocrash.ConstMessages) + `|(?:` + strings.Join(classes, "|") + `)(?: ` + reScrub + `)?|` + reScrub + `)`
	goType := `[A-Za-z0-9_./*\[\],{};\- ]+`
	constRE := regexp.MustCompile(`^(?:runtime error: )?` + constMsg + `$`)
	typedRE := regexp.MustCompile(`^\((` + goType + `)\) \[scrubbed\]$|^(` + goType + `)(?:\(\[scrubbed\]\)|\{\[scrubbed\]\})$`)
	return []checkForm{
		// Python.
		{"python header", regexp.MustCompile(`^` + reMargin + `(?:Traceback|Exception Group Traceback) \(most recent call last\):$`), nil},
		{"python group header", regexp.MustCompile(`^ *\+ Exception Group Traceback \(most recent call last\):$`), nil},
		{"python separator", regexp.MustCompile(`^` + reMargin + `(?:` + regexp.QuoteMeta(pyCause) + `|` + regexp.QuoteMeta(pyContext) + `)$`), nil},
		{"python frame", regexp.MustCompile(`^` + reMargin + `  File "([^"]*)", line ` + reLineNo + `(?:,? in (.*))?$`), func(m []string) error {
			if err := checkPath(m[1]); err != nil {
				return err
			}
			if m[2] != "" && m[2] != scrubbed && !isPyName([]byte(m[2])) {
				return fmt.Errorf("function %q: not a Python name", m[2])
			}
			return nil
		}},
		{"python repeat", regexp.MustCompile(`^` + reMargin + `  \[Previous line repeated \d{1,6} more times\]$`), nil},
		{"python more", regexp.MustCompile(`^` + reMargin + `and \d{1,6} more exceptions$`), nil},
		{"python group marker", regexp.MustCompile(`^ *\+(?:-\+)?---------------- ` + reGroupNo + ` ----------------$|^ *\+------------------------------------$`), nil},
		{"python exception", regexp.MustCompile(`^` + reMargin + `([^ :][^:]*)(?:: ` + reScrub + `(?: \(\d{1,6} sub-exceptions?\))?)?$`), func(m []string) error {
			if m[1] != scrubbed && !isPyName([]byte(m[1])) {
				return fmt.Errorf("type %q: not a Python name", m[1])
			}
			return nil
		}},
		// Python's faulthandler.
		{"fatal python error", regexp.MustCompile(`^Fatal Python error: (?:` + keys(pyFaultSignals) + `|` + reScrub + `)$`), nil},
		{"runtime state", regexp.MustCompile(`^Python runtime state: (?:` + keys(pyRuntimeStates) + `)$`), nil},
		{"thread header", regexp.MustCompile(`^(?:Current thread|Thread) 0x0*` + reHex + `{1,12} \(most recent call first\):$|^Stack \(most recent call first\):$`), nil},
		{"timeout", regexp.MustCompile(`^Timeout \(\d{1,6}:\d\d:\d\d(?:\.\d{6})?\)!$`), nil},
		{"fault line", regexp.MustCompile(`^(?:` + keys(pyFaultLines) + `)$`), nil},
		{"extension modules", regexp.MustCompile(`^Extension modules: (.*?)(?: \(total: \d{1,6}\))?(?:\[cut\])?$`), func(m []string) error {
			for name := range strings.SplitSeq(m[1], ", ") {
				if name != scrubbed && !isPyName([]byte(name)) {
					return fmt.Errorf("module %q: not a Python name", name)
				}
			}
			return nil
		}},
		// Go.
		{"go panic", regexp.MustCompile(`^(?: {4})?panic: (.*?)(?: \[recovered(?:, repanicked)?\])?$`), func(m []string) error {
			return checkPanicValue(m[1], constRE, typedRE)
		}},
		{"go recovered", regexp.MustCompile(`^    \[recovered(?:, repanicked)?\]$`), nil},
		{"go fatal error", regexp.MustCompile(`^fatal error: ` + constMsg + `$`), nil},
		{"go signal", regexp.MustCompile(`^\[signal (?:(?:` + keys(goSignals) + `|0x` + reHex + `{1,2}) code=0x(?:` + reHex + `{1,2}|f{14}` + reHex + `{2})|` + reScrub + `)\]$`), nil},
		{"go signal dump", regexp.MustCompile(`^(?:` + keys(goSignals) + `)$`), nil},
		{"goroutine header", regexp.MustCompile(`^goroutine (?:\d{1,9}|\[scrubbed\]) \[(` + reScrub + `|[^\]]*?)(?: labels:\{` + reScrub + `\})?\]:$`), func(m []string) error {
			if m[1] == scrubbed {
				return nil
			}
			status, mods, _ := strings.Cut(m[1], ",")
			if mods != "" && !goModifiersRE.MatchString(","+mods) {
				return fmt.Errorf("modifiers %q: not the runtime's", mods)
			}
			for _, mod := range []string{" (durable)", " (scan)", " (leaked)"} {
				if !goStatuses[status] {
					status = strings.TrimSuffix(status, mod)
				}
			}
			if !goStatuses[status] {
				return fmt.Errorf("status %q: not the runtime's", m[1])
			}
			return nil
		}},
		{"go fixed", regexp.MustCompile(`^(?:runtime stack:|\.\.\.additional frames elided\.\.\.|exit status \d{1,3}|\[originating from goroutine \d{1,9}\]:)$`), nil},
		{"go created by", regexp.MustCompile(`^created by (.+?)(?: in goroutine \d{1,9})?$`), func(m []string) error {
			return checkGoSymbol(m[1])
		}},
		{"go file", regexp.MustCompile(`^    (.+):` + reLineNo + `(?: \+0x` + reHex + `{1,8})?$`), func(m []string) error {
			return checkPath(m[1])
		}},
		{"go function", regexp.MustCompile(`^(.+)\((?:\.\.\.)?\)$`), func(m []string) error {
			return checkGoSymbol(m[1])
		}},
	}
}()

func checkGoSymbol(s string) error {
	if s == scrubbed || isGoSymbol([]byte(s)) {
		return nil
	}
	return fmt.Errorf("function %q: not a Go symbol", s)
}

func checkPanicValue(v string, constRE, typedRE *regexp.Regexp) error {
	if constRE.MatchString(v) {
		return nil
	}
	if m := typedRE.FindStringSubmatch(v); m != nil {
		t := m[1] + m[2]
		if isGoTypeName([]byte(t), m[1] != "") {
			return nil
		}
		return fmt.Errorf("type %q: not a Go type", t)
	}
	return fmt.Errorf("value %q: not a scrubbed panic value", v)
}

// checkPath checks a path as appendPath writes it.
func checkPath(p string) error {
	if strings.HasPrefix(p, "<") {
		if p == "<"+scrubbed+">" || isPseudoFile([]byte(p)) {
			return nil
		}
		return fmt.Errorf("path %q: not a pseudo-file", p)
	}
	sep := "/"
	if strings.Contains(p, `\`) && !strings.Contains(p, "/") {
		sep = `\`
	}
	for i, c := range strings.Split(p, sep) {
		switch {
		case c == "", c == scrubbed, c == "~" && i == 0, i == 0 && isDrive([]byte(c)):
		case isCodeComponent([]byte(c)):
		default:
			return fmt.Errorf("path %q: component %q is not code", p, c)
		}
	}
	if bytes.Contains([]byte(p), []byte(scrubbed+scrubbed)) {
		return fmt.Errorf("path %q: malformed", p)
	}
	return nil
}
