//go:build unix

package main

import (
	"bytes"
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
