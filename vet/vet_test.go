package vet_test

import (
	"testing"

	"github.com/conflog/conflog/vet"
	"golang.org/x/tools/go/analysis/analysistest"
)

// TestFindings runs the analyzer over testdata/src, where every leaky line
// carries a "want" expectation and every clean counterpart carries none: a
// missed leak and a false positive both fail.
func TestFindings(t *testing.T) {
	analysistest.Run(t, analysistest.TestData(), vet.Analyzer, "calls")
}
