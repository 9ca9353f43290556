package vet

import (
	"encoding/json"
	"io"
)

// WriteJSON writes findings as a JSON array of objects with the fields of
// Finding (an empty array when there are none), for scripts and dashboards.
func WriteJSON(w io.Writer, findings []Finding) error {
	if findings == nil {
		findings = []Finding{}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(findings)
}

// WriteSARIF writes findings as a SARIF 2.1.0 log (OASIS Static Analysis
// Results Interchange Format, https://docs.oasis-open.org/sarif/sarif/v2.1.0/),
// the format code-scanning services ingest: one run, the rules CL000–CL006,
// one result per finding with its file relative to the checked directory.
func WriteSARIF(w io.Writer, findings []Finding) error {
	type text struct {
		Text string `json:"text"`
	}
	type rule struct {
		ID               string `json:"id"`
		ShortDescription text   `json:"shortDescription"`
		HelpURI          string `json:"helpUri"`
	}
	type region struct {
		StartLine   int `json:"startLine"`
		StartColumn int `json:"startColumn"`
	}
	type location struct {
		PhysicalLocation struct {
			ArtifactLocation struct {
				URI string `json:"uri"`
			} `json:"artifactLocation"`
			Region region `json:"region"`
		} `json:"physicalLocation"`
	}
	type result struct {
		RuleID    string     `json:"ruleId"`
		Level     string     `json:"level"`
		Message   text       `json:"message"`
		Locations []location `json:"locations"`
	}
	type driver struct {
		Name           string `json:"name"`
		InformationURI string `json:"informationUri"`
		Rules          []rule `json:"rules"`
	}
	type run struct {
		Tool struct {
			Driver driver `json:"driver"`
		} `json:"tool"`
		Results []result `json:"results"`
	}
	var r run
	r.Tool.Driver = driver{Name: "conflog vet", InformationURI: Analyzer.URL}
	for _, rl := range Rules {
		r.Tool.Driver.Rules = append(r.Tool.Driver.Rules, rule{ID: rl.ID, ShortDescription: text{rl.Summary}, HelpURI: Analyzer.URL})
	}
	r.Results = []result{}
	for _, f := range findings {
		var loc location
		loc.PhysicalLocation.ArtifactLocation.URI = f.File
		loc.PhysicalLocation.Region = region{f.Line, f.Column}
		r.Results = append(r.Results, result{RuleID: f.ID, Level: "error", Message: text{f.ID + " " + f.Message}, Locations: []location{loc}})
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(map[string]any{
		"version": "2.1.0",
		"$schema": "https://json.schemastore.org/sarif-2.1.0.json",
		"runs":    []run{r},
	})
}
