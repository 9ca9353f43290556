// Package sarif writes SARIF 2.1.0 logs (OASIS Static Analysis Results
// Interchange Format, https://docs.oasis-open.org/sarif/sarif/v2.1.0/), the
// format code-scanning dashboards import. conflog scan and conflog vet both
// report through it.
//
// Only the members the schema requires and the ones dashboards show are
// modelled: one tool driver with its rules, and results with a physical
// location.
package sarif

import (
	"encoding/json"
	"io"
)

const (
	version = "2.1.0"
	schema  = "https://json.schemastore.org/sarif-2.1.0.json"
)

// A Run is one tool's findings: the tool's rules and one result per finding.
type Run struct {
	Tool Tool `json:"tool"`
	// ColumnKind says how columns are counted: "unicodeCodePoints" or
	// "utf16CodeUnits"; empty leaves SARIF's default (UTF-16 code units).
	ColumnKind string   `json:"columnKind,omitempty"`
	Results    []Result `json:"results"`
}

// Tool names the tool that made a run.
type Tool struct {
	Driver Driver `json:"driver"`
}

// Driver is the tool itself and the rules its results refer to.
type Driver struct {
	Name           string `json:"name"`
	InformationURI string `json:"informationUri,omitempty"`
	Rules          []Rule `json:"rules"`
}

// A Rule is one kind of finding.
type Rule struct {
	ID               string         `json:"id"`
	ShortDescription Message        `json:"shortDescription"`
	HelpURI          string         `json:"helpUri,omitempty"`
	DefaultConfig    *Configuration `json:"defaultConfiguration,omitempty"`
}

// Configuration is a rule's default configuration.
type Configuration struct {
	Level string `json:"level"` // "error", "warning" or "note"
}

// A Message is plain text.
type Message struct {
	Text string `json:"text"`
}

// A Result is one finding. Write fills RuleIndex from the driver's rules
// (-1, SARIF's "none", for a rule it does not list).
type Result struct {
	RuleID    string     `json:"ruleId"`
	RuleIndex int        `json:"ruleIndex"`
	Level     string     `json:"level"`
	Message   Message    `json:"message"`
	Locations []Location `json:"locations"`
}

// A Location is where a result was found.
type Location struct {
	PhysicalLocation PhysicalLocation `json:"physicalLocation"`
}

// PhysicalLocation is a file and a region in it.
type PhysicalLocation struct {
	ArtifactLocation ArtifactLocation `json:"artifactLocation"`
	Region           Region           `json:"region"`
}

// ArtifactLocation names a file by URI (a relative path is a relative URI).
type ArtifactLocation struct {
	URI string `json:"uri"`
}

// Region is a place in a file; lines and columns count from 1.
type Region struct {
	StartLine   int   `json:"startLine"`
	StartColumn int   `json:"startColumn"`
	EndLine     int   `json:"endLine,omitempty"`
	EndColumn   int   `json:"endColumn,omitempty"` // just after the region, as SARIF counts it
	ByteOffset  int64 `json:"byteOffset,omitempty"`
	ByteLength  int   `json:"byteLength,omitempty"`
}

// At returns the one-location slice of a result found at file:line:col.
func At(file string, line, col int) []Location {
	return []Location{{PhysicalLocation: PhysicalLocation{
		ArtifactLocation: ArtifactLocation{URI: file},
		Region:           Region{StartLine: line, StartColumn: col},
	}}}
}

// Write writes runs as one indented SARIF log. Each result's RuleIndex is
// set from its run's rules, and a run without results has an empty array,
// as the schema requires.
func Write(w io.Writer, runs ...Run) error {
	for i := range runs {
		r := &runs[i]
		index := make(map[string]int, len(r.Tool.Driver.Rules))
		for k, rule := range r.Tool.Driver.Rules {
			index[rule.ID] = k
		}
		if r.Results == nil {
			r.Results = []Result{}
		}
		for k := range r.Results {
			j, ok := index[r.Results[k].RuleID]
			if !ok {
				j = -1
			}
			r.Results[k].RuleIndex = j
		}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(struct {
		Version string `json:"version"`
		Schema  string `json:"$schema"`
		Runs    []Run  `json:"runs"`
	}{version, schema, runs})
}
