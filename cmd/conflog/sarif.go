package main

import (
	"encoding/json"
	"io"

	"github.com/conflog/conflog/detect"
)

// This file writes SARIF 2.1.0 (OASIS, https://docs.oasis-open.org/sarif/sarif/v2.1.0/),
// the format code-scanning dashboards import. Only the members the schema
// requires and the ones dashboards show are written.

const (
	sarifVersion = "2.1.0"
	sarifSchema  = "https://json.schemastore.org/sarif-2.1.0.json"
)

type sarifLog struct {
	Version string     `json:"version"`
	Schema  string     `json:"$schema"`
	Runs    []sarifRun `json:"runs"`
}

type sarifRun struct {
	Tool       sarifTool     `json:"tool"`
	ColumnKind string        `json:"columnKind"`
	Results    []sarifResult `json:"results"`
}

type sarifTool struct {
	Driver sarifDriver `json:"driver"`
}

type sarifDriver struct {
	Name           string      `json:"name"`
	InformationURI string      `json:"informationUri"`
	Rules          []sarifRule `json:"rules"`
}

type sarifRule struct {
	ID               string       `json:"id"`
	ShortDescription sarifMessage `json:"shortDescription"`
	DefaultConfig    sarifConfig  `json:"defaultConfiguration"`
}

type sarifConfig struct {
	Level string `json:"level"`
}

type sarifMessage struct {
	Text string `json:"text"`
}

type sarifResult struct {
	RuleID    string          `json:"ruleId"`
	RuleIndex int             `json:"ruleIndex"`
	Level     string          `json:"level"`
	Message   sarifMessage    `json:"message"`
	Locations []sarifLocation `json:"locations"`
}

type sarifLocation struct {
	PhysicalLocation sarifPhysical `json:"physicalLocation"`
}

type sarifPhysical struct {
	ArtifactLocation sarifArtifact `json:"artifactLocation"`
	Region           sarifRegion   `json:"region"`
}

type sarifArtifact struct {
	URI string `json:"uri"`
}

type sarifRegion struct {
	StartLine   int   `json:"startLine"`
	StartColumn int   `json:"startColumn"`
	ByteOffset  int64 `json:"byteOffset"`
	ByteLength  int   `json:"byteLength"`
}

type sarifReport struct {
	w     io.Writer
	log   sarifLog
	index map[string]int
}

func newSARIFReport(w io.Writer, set *detect.Set) *sarifReport {
	r := &sarifReport{w: w, index: map[string]int{}}
	driver := sarifDriver{Name: "conflog", InformationURI: "https://github.com/conflog/conflog"}
	for _, d := range set.Detectors() {
		r.index[d.Name()] = len(driver.Rules)
		driver.Rules = append(driver.Rules, sarifRule{
			ID:               d.Name(),
			ShortDescription: sarifMessage{Text: "possible " + d.Name() + " in a log (" + d.Confidence().String() + " confidence)"},
			DefaultConfig:    sarifConfig{Level: sarifLevel(d.Confidence())},
		})
	}
	r.log = sarifLog{Version: sarifVersion, Schema: sarifSchema, Runs: []sarifRun{{
		Tool: sarifTool{Driver: driver}, ColumnKind: "unicodeCodePoints", Results: []sarifResult{},
	}}}
	return r
}

func sarifLevel(c detect.Confidence) string {
	if c == detect.High {
		return "error"
	}
	return "warning"
}

func (r *sarifReport) finding(file string, f detect.Finding, masked string, runeCol int) {
	uri := file
	if file == "<stdin>" {
		uri = "stdin"
	}
	run := &r.log.Runs[0]
	run.Results = append(run.Results, sarifResult{
		RuleID:    f.Detector,
		RuleIndex: r.index[f.Detector],
		Level:     sarifLevel(f.Confidence),
		Message:   sarifMessage{Text: f.Detector + " " + masked},
		Locations: []sarifLocation{{PhysicalLocation: sarifPhysical{
			ArtifactLocation: sarifArtifact{URI: uri},
			Region:           sarifRegion{StartLine: f.Line, StartColumn: runeCol, ByteOffset: f.Offset, ByteLength: f.Len},
		}}},
	})
}

func (r *sarifReport) close() error {
	enc := json.NewEncoder(r.w)
	enc.SetIndent("", "  ")
	return enc.Encode(r.log)
}
