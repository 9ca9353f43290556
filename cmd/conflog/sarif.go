//go:build unix

package main

import (
	"io"

	"github.com/conflog/conflog/detect"
	"github.com/conflog/conflog/internal/sarif"
)

// sarifReport collects conflog scan's findings into one SARIF run, written
// at close: SARIF is one JSON document, not a stream.
type sarifReport struct {
	w   io.Writer
	run sarif.Run
}

func newSARIFReport(w io.Writer, set *detect.Set) *sarifReport {
	driver := sarif.Driver{Name: "conflog", InformationURI: "https://github.com/conflog/conflog"}
	for _, d := range set.Detectors() {
		driver.Rules = append(driver.Rules, sarif.Rule{
			ID:               d.Name(),
			ShortDescription: sarif.Message{Text: "possible " + d.Name() + " in a log (" + d.Confidence().String() + " confidence)"},
			DefaultConfig:    &sarif.Configuration{Level: sarifLevel(d.Confidence())},
		})
	}
	// Columns are counted in code points, as the text report counts them.
	return &sarifReport{w: w, run: sarif.Run{Tool: sarif.Tool{Driver: driver}, ColumnKind: "unicodeCodePoints"}}
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
	loc := sarif.At(uri, f.Line, runeCol)
	loc[0].PhysicalLocation.Region.ByteOffset = f.Offset
	loc[0].PhysicalLocation.Region.ByteLength = f.Len
	r.run.Results = append(r.run.Results, sarif.Result{
		RuleID:    f.Detector,
		Level:     sarifLevel(f.Confidence),
		Message:   sarif.Message{Text: f.Detector + " " + masked},
		Locations: loc,
	})
}

func (r *sarifReport) close() error {
	return sarif.Write(r.w, r.run)
}
