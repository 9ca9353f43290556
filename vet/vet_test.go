package vet_test

import (
	"testing"

	"github.com/conflog/conflog/vet"
	"golang.org/x/tools/go/analysis/analysistest"
)

// TestFindings runs the analyzer over testdata/src, where every leaky line
// carries a "want" expectation and every clean counterpart carries none: a
// missed leak and a false positive both fail. One run loads all the packages
// at once, since loading net/http and friends from source dominates the time.
//
//	calls    CL001, CL002, CL004 on public calls, and their clean twins
//	flow     CL003: requests, files, scanners, decoders, env, args, through
//	         local helpers, closures and another package's helper (facts)
//	bypass   CL005; usage: a main package's usage text is exempt
//	foreign  CL006: slog loggers visibly not built by conflog
//	ignore   directives silence only their IDs, only with a reason (CL000)
func TestFindings(t *testing.T) {
	t.Parallel() // runs after TestAudit, which alone sets the analyzer's flags, has put them back
	analysistest.Run(t, analysistest.TestData(), vet.Analyzer, "calls", "flow", "bypass", "usage", "foreign", "ignore", "sinks", "sinkuser", "testdefault", "bothdefault", "fields", "errtext", "genout", "otherlogs", "unknown", "order")
}

// TestAudit runs the analyzer in audit mode over a package that has not
// adopted conflog: its logging calls that carry data are listed (CL008).
func TestAudit(t *testing.T) {
	if testing.Short() {
		t.Skip("a second analysistest load of its packages from source: seconds; go test without -short runs it")
	}
	if err := vet.SetFlags(map[string]string{"audit": "true"}); err != nil {
		t.Fatal(err)
	}
	defer vet.SetFlags(map[string]string{"audit": "false"})
	analysistest.Run(t, analysistest.TestData(), vet.Analyzer, "audit", "auditgin")
}
