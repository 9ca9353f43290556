package conflogconnector

import (
	"strings"
	"testing"

	"go.opentelemetry.io/collector/component"
)

// TestFactory: the builder's NewFactory is the conflog connector, logs to
// logs, whose default configuration asks for the prefix and both routes.
func TestFactory(t *testing.T) {
	f := NewFactory()
	if f.Type().String() != "conflog" {
		t.Fatalf("type %q, want conflog", f.Type())
	}
	if f.LogsToLogsStability() != component.StabilityLevelDevelopment {
		t.Errorf("logs to logs stability %v, want development", f.LogsToLogsStability())
	}
	err := f.CreateDefaultConfig().(interface{ Validate() error }).Validate()
	for _, want := range []string{"prefix: required", "public:", "private:"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("the default configuration: got %v, want an error naming %q", err, want)
		}
	}
}
