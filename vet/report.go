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
// the format code-scanning services ingest: one run, the rules CL000–CL008
// with their levels, one result per finding with its file relative to the
// checked directory and its region, start and end. Columns are UTF-16 code
// units (the run says so in columnKind), converted from go's byte columns.
func WriteSARIF(w io.Writer, findings []Finding) error {
	driver := sarif.Driver{Name: "conflog vet", InformationURI: Analyzer.URL}
	level := make(map[string]string)
	for _, rl := range Rules {
		level[rl.ID] = rl.Level
		driver.Rules = append(driver.Rules, sarif.Rule{ID: rl.ID, ShortDescription: sarif.Message{Text: rl.Summary}, HelpURI: Analyzer.URL,
			DefaultConfig: &sarif.Configuration{Level: rl.Level}})
	}
	run := sarif.Run{Tool: sarif.Tool{Driver: driver}, ColumnKind: "utf16CodeUnits"}
	for _, f := range findings {
		col, endCol := f.Column16, f.EndColumn16
		if col == 0 { // the file was unreadable: the byte column is the best known
			col, endCol = f.Column, f.EndColumn
		}
		loc := sarif.At(f.File, f.Line, col)
		if f.EndLine > 0 && endCol > 0 {
			loc[0].PhysicalLocation.Region.EndLine = f.EndLine
			loc[0].PhysicalLocation.Region.EndColumn = endCol
		}
		lv := level[f.ID]
		if lv == "" {
			lv = "warning"
		}
		run.Results = append(run.Results, sarif.Result{
			RuleID:    f.ID,
			Level:     lv,
			Message:   sarif.Message{Text: f.ID + " " + f.Message},
			Locations: loc,
		})
	}
	return sarif.Write(w, run)
}
