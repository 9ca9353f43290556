// Package flow holds public calls passing values that flow from sources.
package flow

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"strings"

	"dataset"

	"github.com/conflog/conflog"
)

var logger = conflog.New(os.Stderr, "SystemLog:", nil)

var (
	home  = os.Getenv("HOME")
	token = os.Getenv("HF_TOKEN")
	proxy = os.Getenv("https_proxy")
	dir   = os.ExpandEnv("$HOME/.cache")
	key   = os.ExpandEnv("Bearer ${OPENAI_API_KEY}")
)

type Example struct {
	Label string
	Score float64
}

func handle(w http.ResponseWriter, r *http.Request) {
	logger.Info("request", conflog.Public, "path", r.URL.Path)       // want `CL003 public call logs r.URL.Path, which comes from the HTTP request`
	logger.Info("request", conflog.Public, "q", r.FormValue("q"))    // want `CL003 .*the HTTP request`
	logger.Info("request", conflog.Public, "ua", r.Header.Get("UA")) // want `CL003`
	b, _ := io.ReadAll(r.Body)
	s := string(b)
	logger.Info("request", conflog.Public, "s", s) // want `CL003 public call logs s, which comes from the HTTP request`
	var ex Example
	json.NewDecoder(strings.NewReader(s)).Decode(&ex)
	logger.Info("decoded", conflog.Public, "label", ex.Label) // want `CL003 public call logs ex.Label, which comes from the HTTP request`

	// Clean: protocol facts, sizes, numeric fields, sanitised values.
	logger.Info("request", conflog.Public, "method", r.Method, "len", len(b), "size", r.ContentLength)
	logger.Info("decoded", conflog.Public, "score", ex.Score, "label", conflog.Redact(ex.Label))
}

// ModelManifest is configuration by its name; Weights by its directive.
type ModelManifest struct {
	Name   string
	Layers []string
}

//conflog:config
type Weights struct{ Source string } // want Weights:"config"

//conflog:data
type Transcript struct{ Speaker string } // want Transcript:"data"

func configs(path string, t Transcript) { // want configs:"logs parameters publicly"
	f, _ := os.Open(path)
	var opened Example
	json.NewDecoder(f).Decode(&opened)
	logger.Info("decoded", conflog.Public, "label", opened.Label) // clean: an opened file is not a source
	raw, _ := os.ReadFile(path)
	var m ModelManifest
	json.Unmarshal(raw, &m)
	logger.Info("manifest", conflog.Public, "name", m.Name, "first", m.Layers[0]) // clean: configuration
	var w Weights
	json.Unmarshal(raw, &w)
	logger.Info("weights", conflog.Public, "source", w.Source) // clean: configuration
	var ex Example
	json.Unmarshal(raw, &ex)
	logger.Info("decoded", conflog.Public, "label", ex.Label)       // want `CL003 .*os.ReadFile`
	logger.Info("transcript", conflog.Public, "speaker", t.Speaker) // want `CL003 .*type Transcript \(declared customer data\)`
}

func files(path string) {
	data, err := os.ReadFile(path)
	logger.Info("read", conflog.Public, "head", string(data[:10])) // want `CL003 .*os.ReadFile`
	logger.Info("read", conflog.Public, "args", os.Args)           // want `CL003 .*os.Args`
	logger.Info("env", conflog.Public, "home", home, "dir", dir)   // clean: configuration
	logger.Info("env", conflog.Public, "hf", token)                // want `CL002 .*environment variable HF_TOKEN`
	logger.Info("env", conflog.Public, "proxy", proxy)             // want `CL002 .*environment variable https_proxy`
	logger.Info("env", conflog.Public, "auth", key)                // want `CL002 .*environment variable OPENAI_API_KEY`
	logger.Info("env", conflog.Public, "env", os.Environ())        // want `CL002 .*os.Environ`
	sc := bufio.NewScanner(os.Stdin)
	for sc.Scan() {
		line := sc.Text()
		fields := strings.Fields(line)
		logger.Info("line", conflog.Public, "first", fields[0]) // want `CL003 .*bufio.Scanner.Text`
		logger.Info("line", conflog.Public, "n", len(fields), "shape", conflog.Shape(fields))
	}
	rd := csv.NewReader(os.Stdin)
	cols, _ := rd.Read()
	logger.Info("csv", conflog.Public, "col", cols[1]) // want `CL003 .*csv.Reader.Read`

	// Clean: the error beside the data is not the data, and a plain error
	// is scrubbed by conflog in public records anyway.
	logger.Info("read", conflog.Public, "err", err, "bytes", len(data))
}

// loadLabels is a helper of this package: its result is source data.
func loadLabels(path string) []string { // want loadLabels:"returns os.ReadFile"
	raw, _ := os.ReadFile(path)
	return strings.Split(string(raw), ",")
}

func helpers(path string) {
	labels := loadLabels(path)
	logger.Info("labels", conflog.Public, "first", labels[0]) // want `CL003 .*os.ReadFile via loadLabels`
	lines := dataset.Load(path)
	logger.Info("lines", conflog.Public, "last", lines[len(lines)-1]) // want `CL003 .*os.ReadFile via dataset.Load`

	// Clean: a helper that returns a count, and the count of a source.
	logger.Info("lines", conflog.Public, "n", dataset.Count(path), "labels", len(labels))
}

func typeSwitch(path string) {
	raw, _ := os.ReadFile(path)
	var x any = string(raw)
	switch v := x.(type) {
	case string:
		logger.Info("switch", conflog.Public, "v", v) // want `CL003 .*os.ReadFile`
	case int:
		logger.Info("switch", conflog.Public, "n", v)
	}
}

func closures(path string) {
	var last string
	func() {
		raw, _ := os.ReadFile(path)
		last = string(raw)
	}()
	logger.Info("closure", conflog.Public, "last", last) // want `CL003 .*os.ReadFile`
}
