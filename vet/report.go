package vet

import (
	"encoding/json"
	"io"

	"github.com/conflog/conflog/internal/sarif"
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
	driver := sarif.Driver{Name: "conflog vet", InformationURI: Analyzer.URL}
	for _, rl := range Rules {
		driver.Rules = append(driver.Rules, sarif.Rule{ID: rl.ID, ShortDescription: sarif.Message{Text: rl.Summary}, HelpURI: Analyzer.URL})
	}
	run := sarif.Run{Tool: sarif.Tool{Driver: driver}}
	for _, f := range findings {
		run.Results = append(run.Results, sarif.Result{
			RuleID:    f.ID,
			Level:     "error",
			Message:   sarif.Message{Text: f.ID + " " + f.Message},
			Locations: sarif.At(f.File, f.Line, f.Column),
		})
	}
	return sarif.Write(w, run)
}
