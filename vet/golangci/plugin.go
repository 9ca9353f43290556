// Package golangci registers conflog's analyzer as a golangci-lint module
// plugin (https://golangci-lint.run/plugins/module-plugins/), so teams add it
// to an existing golangci-lint setup rather than running a second tool.
//
// Build a custom golangci-lint with this .custom-gcl.yml:
//
//	version: v2.15.0
//	plugins:
//	  - module: github.com/conflog/conflog
//	    import: github.com/conflog/conflog/vet/golangci
//	    version: latest
//
// and enable it in .golangci.yml:
//
//	linters:
//	  enable: [conflog]
//	  settings:
//	    custom:
//	      conflog:
//	        type: module
//	        settings:
//	          sensitive-add: [patient, diagnosis]
package golangci

import (
	"fmt"
	"strings"

	"github.com/conflog/conflog/vet"
	"github.com/golangci/plugin-module-register/register"
	"golang.org/x/tools/go/analysis"
)

func init() {
	register.Plugin("conflog", New)
}

// Settings are the plugin's settings in .golangci.yml; each is a list of
// words, applied as the analyzer's flag of the same name.
type Settings struct {
	Sensitive    []string `json:"sensitive"`     // replaces the default sensitive words
	SensitiveAdd []string `json:"sensitive-add"` // adds to them
}

// New is the plugin constructor golangci-lint calls with the raw settings.
func New(raw any) (register.LinterPlugin, error) {
	s, err := register.DecodeSettings[Settings](raw)
	if err != nil {
		return nil, fmt.Errorf("conflog plugin settings: %w", err)
	}
	flags := map[string]string{}
	if len(s.Sensitive) > 0 {
		flags["sensitive"] = strings.Join(s.Sensitive, ",")
	}
	if len(s.SensitiveAdd) > 0 {
		flags["sensitive-add"] = strings.Join(s.SensitiveAdd, ",")
	}
	if err := vet.SetFlags(flags); err != nil {
		return nil, fmt.Errorf("conflog plugin settings: %w", err)
	}
	return plugin{}, nil
}

type plugin struct{}

func (plugin) BuildAnalyzers() ([]*analysis.Analyzer, error) {
	return []*analysis.Analyzer{vet.Analyzer}, nil
}

// GetLoadMode asks for type information: the analyzer resolves calls and
// follows values by their types.
func (plugin) GetLoadMode() string { return register.LoadModeTypesInfo }
