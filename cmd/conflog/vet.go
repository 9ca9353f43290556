//go:build unix

package main

import (
	"bytes"
	"debug/elf"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/conflog/conflog/vet"
	"golang.org/x/tools/go/analysis/unitchecker"
)

const vetUsage = `Usage: conflog vet [--audit] [--json | --sarif] [--sensitive-add WORDS] [packages]

Examples:
  conflog vet                       # check ./... in the current module
  conflog vet ./train/... ./serve   # check some packages
  conflog vet --sarif > vet.sarif   # for code scanning
  conflog vet --audit ./...         # before adoption: logging that carries data
  go vet -vettool=$(which conflog) ./...

Reports public log calls (conflog.Public among their args) that can leak,
and with --audit, for code that does not use conflog yet, the logging calls
that carry customer data or a secret: the calls to review before adoption.
Sources of customer data are requests, files, dataset readers, env and args.

Silence a reviewed finding on its line, or alone on the line above:
  //conflog:ignore CL002 why this is safe

Flags:
  --audit               list every logging call (slog, log, fmt, zap, zerolog,
                        logrus) carrying customer data or a secret (CL008)
  --json                print findings as a JSON array
  --sarif               print findings as one SARIF 2.1.0 log
  --sensitive WORDS     replace the sensitive words (comma-separated)
  --sensitive-add WORDS add sensitive words (comma-separated) to the defaults
  --config-types TYPES  types (Name or import/path.Name, comma-separated) whose
                        values are configuration, not customer data
  --data-types TYPES    types whose values are customer data
  -C DIR                run in DIR (default .)
`

// vetHelp is vet's --help: the usage, then the findings from vet.Rules.
func vetHelp() string {
	var b strings.Builder
	b.WriteString(vetUsage)
	b.WriteString("\nFindings:\n")
	b.WriteString(vetRuleList())
	return b.String()
}

var vetCommand = &command{
	name:    "vet",
	exits:   "0 no findings, 1 findings, 2 usage error or packages that do not load.",
	summary: "report Go logging that can leak private data",
	main:    vetMain,
}

// vetMain runs the analyzer. Exit codes: 0 clean, 1 findings, 2 usage or
// load error.
func vetMain(c *cli, args []string) int {
	fs := newFlagSet("vet")
	asJSON := fs.Bool("json", false, "print findings as a JSON array")
	asSARIF := fs.Bool("sarif", false, "print findings as a SARIF 2.1.0 log")
	sensitive := fs.String("sensitive", "", "replace the sensitive `words` (comma-separated)")
	add := fs.String("sensitive-add", "", "add sensitive `words` (comma-separated) to the defaults")
	dir := fs.String("C", ".", "run in `dir`")
	audit := fs.Bool("audit", false, "audit code that has not adopted conflog: list logging calls that carry customer data or secrets (CL008)")
	configTypes := fs.String("config-types", "", "`types` (Name or import/path.Name, comma-separated) whose values are configuration, not customer data")
	dataTypes := fs.String("data-types", "", "`types` (Name or import/path.Name, comma-separated) whose values are customer data")
	if _, code, ok := parseArgs(c, fs, vetHelp(), args); !ok {
		return code
	}
	if *asJSON && *asSARIF {
		c.errorf("--json and --sarif cannot be used together")
		c.hintf("choose one output format")
		return exitUsage
	}
	settings := map[string]string{}
	if *sensitive != "" {
		settings["sensitive"] = *sensitive
	}
	if *add != "" {
		settings["sensitive-add"] = *add
	}
	if *configTypes != "" {
		settings["config-types"] = *configTypes
	}
	if *dataTypes != "" {
		settings["data-types"] = *dataTypes
	}
	settings["audit"] = fmt.Sprint(*audit)
	if err := vet.SetFlags(settings); err != nil {
		c.errorf("%v", err)
		c.hintf("sensitive words are letters and digits, types are Name or import/path.Name, separated by commas")
		return exitUsage
	}

	res, err := runVet(*dir, fs.Args())
	if err != nil {
		c.errorf("vet: %v", err)
		c.hintf("the packages must build: run 'go build' on them to see why")
		return exitUsage
	}
	findings := res.Findings
	if !*audit && len(res.Adopted) == 0 {
		// Not silence: an empty report here is not a clean audit.
		c.warningf("none of the %d package(s) checked imports conflog, so there are no public calls to check; run 'conflog vet --audit' to list the logging calls that carry customer data or secrets", res.Packages)
	}
	switch {
	case *asJSON:
		err = vet.WriteJSON(c.stdout, findings)
	case *asSARIF:
		err = vet.WriteSARIF(c.stdout, findings)
	default:
		for _, f := range findings {
			if _, err = fmt.Fprintln(c.stdout, f); err != nil {
				break
			}
		}
	}
	if err != nil {
		c.errorf("vet: write findings: %v", err)
		return exitFail
	}
	if len(findings) > 0 {
		if !*asJSON && !*asSARIF {
			c.hintf("%d finding(s); fix them, or silence a reviewed one with //conflog:ignore ID reason", len(findings))
		}
		return exitFail
	}
	return exitOK
}

// runVet checks the packages through "go vet -vettool=<this binary>", which
// reuses the go command's export data and cache (a warm run costs about
// what go vet costs), or, when this binary's path is unknown, loads them
// from source in this process (vet.Run). CONFLOG_VET_INPROCESS=1 forces the
// latter.
func runVet(dir string, patterns []string) (*vet.Result, error) {
	self, err := os.Executable()
	if err != nil || os.Getenv("CONFLOG_VET_INPROCESS") == "1" {
		return vet.Run(dir, patterns...)
	}
	return vet.RunGoVet(self, dir, patterns...)
}

// vetRuleList is the help text's list of findings, one per rule of
// vet.Rules, so the help cannot name a rule the analyzer lacks or miss one.
func vetRuleList() string {
	var b strings.Builder
	for _, r := range vet.Rules {
		fmt.Fprintf(&b, "  %s %-7s %s\n", r.ID, r.Level, r.Summary)
	}
	return b.String()
}

// vettoolMain runs the analyzer as go vet's tool (isVettoolInvocation);
// it exits by itself. It answers -V=full, which go vet asks before every
// run to key its cache, with the Go build ID the go command wrote into this
// binary (its last part is the hash of the binary's content): the
// unitchecker's answer hashes the whole 33 MB binary each time, as much CPU
// as a warm go vet spends on a small package. A binary without a build ID
// (-ldflags=-buildid=) gets the unitchecker's answer.
func vettoolMain(args []string) {
	if len(args) == 1 && (args[0] == "-V=full" || args[0] == "--V=full") {
		if exe, err := os.Executable(); err == nil {
			if id := goBuildID(exe); id != "" {
				//conflog:ignore CL005 go vet's -V=full protocol: the tool's version on stdout, no log line
				fmt.Printf("%s version devel conflog buildID=%s\n", exe, id)
				os.Exit(0)
			}
		}
	}
	unitchecker.Main(vet.Analyzer)
}

// goBuildID reads the Go build ID of an executable, as the go command's
// buildid package does: from the ELF note "Go" of type 4, or elsewhere
// (Mach-O) from the quoted string the linker puts at the start of the text
// within its first 32 KiB. "" when there is none.
func goBuildID(name string) string {
	f, err := os.Open(name)
	if err != nil {
		return ""
	}
	defer f.Close()
	if ef, err := elf.NewFile(f); err == nil {
		for _, p := range ef.Progs {
			if p.Type != elf.PT_NOTE || p.Filesz > 1<<16 {
				continue
			}
			note, err := io.ReadAll(p.Open())
			if err != nil {
				return ""
			}
			if id := elfGoNote(note, ef.ByteOrder); id != "" {
				return id
			}
		}
		return ""
	}
	head := make([]byte, 32<<10)
	n, _ := f.ReadAt(head, 0)
	head = head[:n]
	const prefix, suffix = "\xff Go build ID: \"", "\"\n \xff"
	i := bytes.Index(head, []byte(prefix))
	if i < 0 {
		return ""
	}
	rest := head[i+len(prefix):]
	j := bytes.Index(rest, []byte(suffix))
	if j <= 0 {
		return ""
	}
	return string(rest[:j])
}

// elfGoNote finds the Go build ID note (name "Go", type 4) among an ELF
// note segment's notes: namesz, descsz, type, then name and desc, each
// padded to 4 bytes.
func elfGoNote(b []byte, order interface{ Uint32([]byte) uint32 }) string {
	pad := func(n uint32) uint64 { return (uint64(n) + 3) &^ 3 }
	for len(b) >= 12 {
		namesz, descsz, typ := order.Uint32(b), order.Uint32(b[4:]), order.Uint32(b[8:])
		b = b[12:]
		if pad(namesz) > uint64(len(b)) {
			return ""
		}
		name := b[:namesz]
		b = b[pad(namesz):]
		if uint64(descsz) > uint64(len(b)) {
			return ""
		}
		desc := b[:descsz]
		if typ == 4 && strings.TrimRight(string(name), "\x00") == "Go" {
			return string(desc)
		}
		b = b[min(pad(descsz), uint64(len(b))):]
	}
	return ""
}

// isVettoolInvocation reports whether the arguments are those "go vet
// -vettool=conflog" passes: -V=full to identify the tool, -flags to list its
// flags, or a unit's *.cfg file. None of them can be a verb.
func isVettoolInvocation(args []string) bool {
	if len(args) == 0 {
		return false
	}
	switch args[0] {
	case "-V=full", "-V", "--V=full", "-flags", "--flags":
		return true
	}
	return strings.HasSuffix(args[len(args)-1], ".cfg") && !isVerb(args[0])
}

func isVerb(name string) bool {
	for _, cmd := range commands {
		if cmd.name == name {
			return true
		}
	}
	return false
}
