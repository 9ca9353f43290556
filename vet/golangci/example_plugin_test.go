package golangci_test

import (
	"fmt"

	"github.com/conflog/conflog/vet/golangci"
)

// golangci-lint calls New with the settings of .golangci.yml.
func ExampleNew() {
	p, err := golangci.New(map[string]any{"sensitive-add": []any{"patient", "diagnosis"}})
	if err != nil {
		fmt.Println(err)
		return
	}
	analyzers, _ := p.BuildAnalyzers()
	fmt.Println(analyzers[0].Name, p.GetLoadMode())
	// Output: conflog typesinfo
}
