package golangci_test

import (
	"strings"
	"testing"

	"github.com/conflog/conflog/vet"
	_ "github.com/conflog/conflog/vet/golangci"
	"github.com/golangci/plugin-module-register/register"
)

// TestPluginRegistered: golangci-lint finds the plugin by name, gets the
// analyzer with type information, and its settings reach the analyzer.
func TestPluginRegistered(t *testing.T) {
	newPlugin, err := register.GetPlugin("conflog")
	if err != nil {
		t.Fatal(err)
	}
	p, err := newPlugin(map[string]any{"sensitive-add": []any{"patient"}})
	if err != nil {
		t.Fatal(err)
	}
	as, err := p.BuildAnalyzers()
	if err != nil || len(as) != 1 || as[0] != vet.Analyzer {
		t.Fatalf("BuildAnalyzers() = %v, %v; want [vet.Analyzer]", as, err)
	}
	if p.GetLoadMode() != register.LoadModeTypesInfo {
		t.Errorf("load mode %q, want %q", p.GetLoadMode(), register.LoadModeTypesInfo)
	}
	if got := vet.Analyzer.Flags.Lookup("sensitive").Value.String(); !strings.Contains(got, "patient") {
		t.Errorf("sensitive words %q lack the added word", got)
	}
}

// TestPluginRejectsBadSettings: a typo in .golangci.yml is an error, not a
// silently ignored setting.
func TestPluginRejectsBadSettings(t *testing.T) {
	newPlugin, err := register.GetPlugin("conflog")
	if err != nil {
		t.Fatal(err)
	}
	for _, raw := range []any{
		map[string]any{"sensitve": []any{"x"}},
		map[string]any{"sensitive-add": []any{"two words"}},
		map[string]any{"sensitive": "not-a-list"},
	} {
		if _, err := newPlugin(raw); err == nil {
			t.Errorf("settings %v accepted, want an error", raw)
		}
	}
}
