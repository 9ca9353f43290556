package conflogprocessor

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/confmap/confmaptest"
	"go.opentelemetry.io/collector/processor/processortest"
)

// load reads one processor's configuration from testdata/config.yaml as the
// Collector does: defaults from the factory, the YAML over them, Validate.
func load(t *testing.T, id string) (*Config, error) {
	t.Helper()
	cm, err := confmaptest.LoadConf(filepath.Join("testdata", "config.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	sub, err := cm.Sub(id)
	if err != nil {
		t.Fatal(err)
	}
	cfg := NewFactory().CreateDefaultConfig().(*Config)
	if err := sub.Unmarshal(cfg); err != nil {
		t.Fatal(err)
	}
	return cfg, confmap.Validate(cfg)
}

func TestLoadConfig(t *testing.T) {
	cfg, err := load(t, "conflog")
	if err != nil {
		t.Fatal(err)
	}
	want := createDefaultConfig()
	want.Prefix = "SystemLog:"
	if cfg.Prefix != want.Prefix || cfg.MaxLine != want.MaxLine || !cfg.Traces || cfg.Detect != detectBlock ||
		!cfg.Streams.RequireSequence || cfg.Streams.MaxStreams != 1000 || cfg.Streams.IdleTimeout != 5*time.Minute ||
		strings.Join(cfg.Streams.Attributes, ",") != "log.file.path,log.iostream" {
		t.Errorf("defaults: got %+v, want %+v", cfg, want)
	}

	cfg, err = load(t, "conflog/custom")
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Prefix != "PUBLIC " || cfg.MaxLine != 65536 || !cfg.KeepANSI || cfg.Allow == "" || cfg.MaxMessageLines != 20 ||
		cfg.Detect != detectRedact || len(cfg.Detectors) != 3 || cfg.Streams.MaxStreams != 5000 ||
		cfg.Streams.IdleTimeout != 10*time.Minute || strings.Join(cfg.Streams.Attributes, ",") != "log.file.path" ||
		strings.Join(cfg.PublicAttributes, ",") != "log.file.path,log.iostream" {
		t.Errorf("custom: got %+v", cfg)
	}

	cfg, err = load(t, "conflog/unsequenced")
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Traces || cfg.Detect != detectOff || cfg.Streams.RequireSequence || cfg.Streams.Sequence != "" {
		t.Errorf("unsequenced: got %+v", cfg)
	}
}

// TestValidate: each bad setting is refused with an error naming the field
// as the YAML spells it and what to do.
func TestValidate(t *testing.T) {
	for _, tc := range []struct {
		name string
		edit func(*Config)
		want string
	}{
		{"no prefix", func(c *Config) { c.Prefix = "" }, `prefix: required: name the marker of public lines, e.g. prefix: "SystemLog:"`},
		{"prefix with a line end", func(c *Config) { c.Prefix = "A\nB" }, "prefix: "},
		{"prefix with ESC", func(c *Config) { c.Prefix = "\x1b[0mP" }, "prefix: "},
		{"max line zero", func(c *Config) { c.MaxLine = 0 }, "max_line: 0: want a positive byte count"},
		{"max line below prefix", func(c *Config) { c.MaxLine = 3 }, `max_line: 3: shorter than the prefix "SystemLog:"`},
		{"negative receiver max log size", func(c *Config) { c.ReceiverMaxLogSize = -1 }, "receiver_max_log_size: -1: want the receiver's max_log_size in bytes"},
		{"offset as attribute", func(c *Config) { c.Streams.Attributes = []string{"log.file.record_offset"} }, "is the offset attribute"},
		{"partial as attribute", func(c *Config) { c.Streams.Attributes = []string{"logtag"} }, "is the partial attribute"},
		{"bad allow", func(c *Config) { c.Allow = "(" }, "allow: not a regular expression"},
		{"allow without traces", func(c *Config) { c.Allow = "X"; c.Traces = false }, "allow: keeps messages of crash traces, but traces is false"},
		{"negative message lines", func(c *Config) { c.MaxMessageLines = -1 }, "max_message_lines: -1: negative"},
		{"bad detect", func(c *Config) { c.Detect = "warn" }, `detect: "warn": want block, redact or off`},
		{"unknown detector", func(c *Config) { c.Detectors = []string{"emial"} }, `detectors[0]: unknown detector "emial"`},
		{"detectors with detect off", func(c *Config) { c.Detect = detectOff; c.Detectors = []string{"email"} }, "detectors: not used with detect: off"},
		{"empty attribute", func(c *Config) { c.Streams.Attributes = []string{""} }, "streams::attributes[0]: empty attribute name"},
		{"empty public attribute", func(c *Config) { c.PublicAttributes = []string{"log.file.path", ""} }, "public_attributes[1]: empty attribute name"},
		{"keep-all among names", func(c *Config) { c.PublicAttributes = []string{"log.file.path", "*"} }, `public_attributes[1]: "*" keeps every attribute, so it stands alone`},
		{"sequence as attribute", func(c *Config) { c.Streams.Attributes = []string{"log.file.record_number"} }, "is the sequence attribute"},
		{"required sequence unnamed", func(c *Config) { c.Streams.Sequence = "" }, "streams::require_sequence: true, but streams::sequence names no attribute"},
		{"no streams", func(c *Config) { c.Streams.MaxStreams = 0 }, "streams::max_streams: 0: want 1 to"},
		{"too many streams", func(c *Config) { c.Streams.MaxStreams = 1 << 30 }, "streams::max_streams: 1073741824: want 1 to"},
		{"no idle timeout", func(c *Config) { c.Streams.IdleTimeout = 0 }, "streams::idle_timeout: 0s: want a positive duration"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := testConfig()
			tc.edit(cfg)
			err := confmap.Validate(cfg)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want an error with %q", err, tc.want)
			}
			f := NewFactory()
			if _, err := f.CreateLogs(t.Context(), processortest.NewNopSettings(f.Type()), cfg, nil); err == nil {
				t.Fatal("the factory built a processor from a configuration Validate refuses")
			}
		})
	}
	if err := confmap.Validate(testConfig()); err != nil {
		t.Fatalf("a valid configuration refused: %v", err)
	}
}

// TestFactory: the type and stability a distribution's manifest sees.
func TestFactory(t *testing.T) {
	f := NewFactory()
	if f.Type() != component.MustNewType("conflog") {
		t.Errorf("type %v", f.Type())
	}
	if f.LogsStability() != component.StabilityLevelDevelopment {
		t.Errorf("stability %v", f.LogsStability())
	}
	if err := confmap.Validate(f.CreateDefaultConfig()); err == nil || !strings.Contains(err.Error(), "prefix: required") {
		t.Errorf("the default configuration has no prefix and must say so: %v", err)
	}
}
