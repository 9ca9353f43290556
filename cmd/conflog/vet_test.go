//go:build unix

package main

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/conflog/conflog/vet"
)

// TestGoVetVettool builds the real conflog binary and runs it the way teams
// do in CI, "go vet -vettool=conflog ./...", on a small module: go vet's
// protocol (-V=full, -flags, unit.cfg files) must reach the analyzer, and
// its findings must fail the run.
func TestGoVetVettool(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("builds conflog and runs go vet on a module: seconds")
	}
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("go command: %v", err)
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "bin", "conflog")
	build := exec.Command(goTool, "build", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}

	stub, err := os.ReadFile("../../vet/testdata/src/github.com/conflog/conflog/conflog.go")
	if err != nil {
		t.Fatal(err)
	}
	write := func(name, content string) {
		t.Helper()
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("conflog/go.mod", "module github.com/conflog/conflog\n\ngo 1.26\n")
	write("conflog/conflog.go", string(stub))
	write("mod/go.mod", "module example.com/mod\n\ngo 1.26\n\nrequire github.com/conflog/conflog v0.0.0\n\nreplace github.com/conflog/conflog => ../conflog\n")
	write("mod/train/train.go", `package train

import (
	"os"

	"github.com/conflog/conflog"
)

var logger = conflog.New(os.Stderr, "SystemLog:", nil)

func Step(name, run string, loss float64) {
	logger.Info("step "+name, conflog.Public, "loss", loss)
	logger.Info(name, conflog.Public) //conflog:ignore CL001 reviewed: run names are public
	logger.Info("step", conflog.Public, "loss", loss, "run", run)
}
`)

	// Findings come out in line order, though the analyzer finds the
	// leak at a sink's call (line 9) after the public calls (line 10).
	write("mod/order/order.go", `package order

import (
	"os"

	"github.com/conflog/conflog"
)

var logger = conflog.New(os.Stderr, "SystemLog:", nil)

func show(v any) { logger.Info("v", conflog.Public, "v", v) }

func Run(path string) {
	raw, _ := os.ReadFile(path)
	show(raw)
	logger.Info("read "+path, conflog.Public)
}
`)

	vet := func(flags ...string) (string, error) {
		cmd := exec.Command(goTool, append(append([]string{"vet", "-vettool=" + bin}, flags...), "./...")...)
		cmd.Dir = filepath.Join(dir, "mod")
		cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOPROXY=off", "GOWORK=off")
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	out, err := vet()
	if err == nil {
		t.Fatalf("go vet -vettool succeeded on leaky code; output:\n%s", out)
	}
	if !strings.Contains(out, "train.go:12:14: CL001 public log message") {
		t.Errorf("go vet output lacks the CL001 finding on line 12:\n%s", out)
	}
	if strings.Count(out, "train.go:") != 1 {
		t.Errorf("want exactly one finding in train.go (line 13 is silenced, line 14 is clean):\n%s", out)
	}
	sink, cl001 := strings.Index(out, "order.go:15:7: CL003"), strings.Index(out, "order.go:16:14: CL001")
	if sink < 0 || cl001 < 0 || sink > cl001 {
		t.Errorf("want order.go's findings sorted by line, CL003 on 15 before CL001 on 16:\n%s", out)
	}

	// The analyzer's flags pass through go vet too.
	out, _ = vet("-conflog.sensitive-add=run")
	if !strings.Contains(out, `train.go:14:59: CL002 public call logs run`) {
		t.Errorf("-conflog.sensitive-add did not reach the analyzer:\n%s", out)
	}

	// "conflog vet" runs the same analysis through go vet -vettool (see
	// vet.RunGoVet): its flags reach the analyzer, paths are relative,
	// findings sorted, and findings exit 1.
	cv := exec.Command(bin, "vet", "--json", "--sensitive-add=run", "./...")
	cv.Dir = filepath.Join(dir, "mod")
	cv.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOPROXY=off", "GOWORK=off")
	var cvOut, cvErr bytes.Buffer
	cv.Stdout, cv.Stderr = &cvOut, &cvErr
	err = cv.Run()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 {
		t.Fatalf("conflog vet on leaky code: %v, want exit 1\n%s%s", err, cvOut.String(), cvErr.String())
	}
	var got []struct {
		File         string
		Line, Column int
		ID           string
	}
	if err := json.Unmarshal(cvOut.Bytes(), &got); err != nil {
		t.Fatalf("conflog vet --json: %v\n%s", err, cvOut.String())
	}
	var lines []string
	for _, f := range got {
		lines = append(lines, fmt.Sprintf("%s:%d:%d:%s", f.File, f.Line, f.Column, f.ID))
	}
	want := []string{"order/order.go:15:7:CL003", "order/order.go:16:14:CL001", "train/train.go:12:14:CL001", "train/train.go:14:59:CL002"}
	if strings.Join(lines, " ") != strings.Join(want, " ") {
		t.Errorf("conflog vet findings = %q, want %q", lines, want)
	}

	if strings.Contains(cvErr.String(), "none of") {
		t.Errorf("conflog vet warned that no package imports conflog, but train and order do:\n%s", cvErr.String())
	}

	// Which packages use conflog comes from the go vet run itself (the
	// -packages notes), cached with it: a package whose external test
	// alone imports conflog counts, one that does not import it at all
	// gets the warning, and a second, fully cached run says the same.
	write("mod/plain/plain.go", "package plain\n\nfunc Add(a, b int) int { return a + b }\n")
	write("mod/xt/xt.go", "package xt\n\nfunc Add(a, b int) int { return a + b }\n")
	write("mod/xt/xt_test.go", `package xt_test

import (
	"os"
	"testing"

	"github.com/conflog/conflog"
)

func TestAdd(t *testing.T) { conflog.New(os.Stderr, "SystemLog:", nil).Info("add", conflog.Public) }
`)
	conflogVet := func(args ...string) (string, string, int) {
		t.Helper()
		cmd := exec.Command(bin, append([]string{"vet"}, args...)...)
		cmd.Dir = filepath.Join(dir, "mod")
		cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOPROXY=off", "GOWORK=off")
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatalf("conflog vet %v: %v", args, err)
		}
		return stdout.String(), stderr.String(), code
	}
	for range 2 {
		if out, errOut, code := conflogVet("./plain"); code != 0 || !strings.Contains(errOut, "none of the 1 package(s) checked imports conflog") {
			t.Errorf("conflog vet ./plain: exit %d, stderr %q, stdout %q; want exit 0 and the warning that no package imports conflog", code, errOut, out)
		}
		if out, errOut, code := conflogVet("./xt", "./plain"); code != 0 || strings.Contains(errOut, "none of") {
			t.Errorf("conflog vet ./xt ./plain: exit %d, stderr %q, stdout %q; want exit 0 and no warning (xt's test imports conflog)", code, errOut, out)
		}
	}
	if _, errOut, code := conflogVet("./nosuch"); code != 2 || !strings.Contains(errOut, "nosuch") {
		t.Errorf("conflog vet ./nosuch: exit %d, stderr %q; want exit 2 naming the pattern", code, errOut)
	}
	// A package that does not type-check is an error naming it, not an
	// empty (clean-looking) report.
	write("mod/broken/broken.go", "package broken\n\nfunc F() int { return \"not an int\" }\n")
	if out, errOut, code := conflogVet("./broken", "./plain"); code != 2 || !strings.Contains(errOut, "broken.go:3") {
		t.Errorf("conflog vet on a package that does not build: exit %d, stderr %q, stdout %q; want exit 2 naming broken.go:3", code, errOut, out)
	}
	write("mod/broken/broken.go", "package broken\n")

	// -V=full, which go vet asks to key its cache, answers with the
	// binary's Go build ID (not a hash of all of it): the go command's
	// own reading of that ID must agree.
	v, err := exec.Command(bin, "-V=full").Output()
	if err != nil {
		t.Fatalf("conflog -V=full: %v", err)
	}
	id, err := exec.Command(goTool, "tool", "buildid", bin).Output()
	if err != nil {
		t.Fatalf("go tool buildid: %v", err)
	}
	if f := strings.Fields(string(v)); len(f) < 4 || f[1] != "version" || f[2] != "devel" || f[len(f)-1] != "buildID="+strings.TrimSpace(string(id)) {
		t.Errorf("conflog -V=full = %q, want \"PATH version devel … buildID=%s\"", v, strings.TrimSpace(string(id)))
	}

	write("mod/train/train.go", `package train

import (
	"os"

	"github.com/conflog/conflog"
)

var logger = conflog.New(os.Stderr, "SystemLog:", nil)

func Step(loss float64) { logger.Info("step", conflog.Public, "loss", loss) }
`)
	write("mod/order/order.go", "package order\n")
	if out, err := vet(); err != nil {
		t.Errorf("go vet -vettool failed on clean code: %v\n%s", err, out)
	}
}

// TestVetHelpListsRules: "conflog vet -h" lists every rule of vet.Rules
// with its level, and names no finding ID the analyzer does not have.
func TestVetHelpListsRules(t *testing.T) {
	t.Parallel()
	var stdout, stderr bytes.Buffer
	if code := vetMain(&cli{stdin: strings.NewReader(""), stdout: &stdout, stderr: &stderr}, []string{"-h"}); code != exitOK {
		t.Fatalf("vet -h: exit %d\n%s", code, stderr.String())
	}
	help := stdout.String()
	known := map[string]bool{}
	for _, r := range vet.Rules {
		known[r.ID] = true
		line := fmt.Sprintf("%s %-7s %s\n", r.ID, r.Level, r.Summary)
		if !strings.Contains(help, line) {
			t.Errorf("help lacks the line for %s: %q\n%s", r.ID, line, help)
		}
	}
	for _, id := range regexp.MustCompile(`CL\d{3}`).FindAllString(help, -1) {
		if !known[id] {
			t.Errorf("help names %s, which vet.Rules does not have", id)
		}
	}
}

// TestElfGoNote reads the Go build ID among an ELF note segment's notes
// (a GNU note first, as the linker writes them) and never reads past a
// truncated or lying note.
func TestElfGoNote(t *testing.T) {
	note := func(name string, typ uint32, desc string) []byte {
		var b []byte
		for _, v := range []uint32{uint32(len(name)), uint32(len(desc)), typ} {
			b = binary.LittleEndian.AppendUint32(b, v)
		}
		b = append(b, name...)
		for len(b)%4 != 0 {
			b = append(b, 0)
		}
		b = append(b, desc...)
		for len(b)%4 != 0 {
			b = append(b, 0)
		}
		return b
	}
	id := "a/b/c/d"
	seg := append(note("GNU\x00", 3, "0123456789abcdef0123"), note("Go\x00\x00", 4, id)...)
	if got := elfGoNote(seg, binary.LittleEndian); got != id {
		t.Errorf("elfGoNote = %q, want %q", got, id)
	}
	if got := elfGoNote(note("Go\x00\x00", 3, id), binary.LittleEndian); got != "" {
		t.Errorf("a Go note of another type read as the build ID %q", got)
	}
	for n := range len(seg) {
		if got := elfGoNote(seg[:n], binary.LittleEndian); got != "" && got != id {
			t.Errorf("truncated to %d bytes: %q", n, got)
		}
	}
	lying := note("Go\x00\x00", 4, id)
	binary.LittleEndian.PutUint32(lying[4:], 1<<31) // descsz far past the end
	if got := elfGoNote(lying, binary.LittleEndian); got != "" {
		t.Errorf("a note whose size runs past the segment read as %q", got)
	}
}
