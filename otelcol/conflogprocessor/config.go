package conflogprocessor

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/conflog/conflog/detect"
	"github.com/conflog/conflog/scrub"
)

// Config is the processor's configuration, in the Collector's YAML:
//
//	processors:
//	  conflog:
//	    prefix: "SystemLog:"
//
// Every field but Prefix has a default; see the README for each.
type Config struct {
	// Prefix marks public lines. Required: a guessed marker would pass the
	// wrong lines.
	Prefix string `mapstructure:"prefix"`

	// MaxLine is the longest body line, in bytes, judged whole; a longer
	// one is cut and its rest is private. Zero means 1 MiB.
	MaxLine int `mapstructure:"max_line"`

	// ReceiverMaxLogSize is the length, in bytes, at which the receiver
	// cuts a long line into several records (filelog's max_log_size, the
	// container parser's too; both 1 MiB by default). A record's body of at
	// least that length may be a cut line's first piece: the stream's next
	// record is its rest and is private, and so is the one after while the
	// pieces are that long. Zero: the receiver does not cut. Default 1 MiB.
	ReceiverMaxLogSize int `mapstructure:"receiver_max_log_size"`

	// KeepANSI keeps well-formed escape sequences after the prefix.
	KeepANSI bool `mapstructure:"keep_ansi"`

	// Traces re-emits crash traces (Go panics, Python tracebacks) scrubbed:
	// frames and types kept, messages not. Default true.
	Traces bool `mapstructure:"traces"`

	// Allow is a regular expression of exception and panic types whose
	// message is kept (matched against the whole type name).
	Allow string `mapstructure:"allow"`

	// MaxMessageLines, when positive, ends a Python message after that many
	// lines (see conflog run --help); zero holds until the trace provably ends.
	MaxMessageLines int `mapstructure:"max_message_lines"`

	// Detect is what the leak tripwire does with a public line that holds
	// personal data or a secret: "block" (default: the line is replaced by
	// a notice naming the detector and the column), "redact" (each value is
	// replaced by its detector's tag, <EMAIL>) or "off".
	Detect string `mapstructure:"detect"`

	// Detectors are the detectors the tripwire applies; empty means every
	// high-confidence one, ["all"] every one.
	Detectors []string `mapstructure:"detectors"`

	// PublicAttributes are the only record attributes a public record
	// leaves with; every other is removed, and the string values kept go
	// through the tripwire. Only the body is judged: an attribute a
	// receiver's operator filled from the job's output (a parser's field, a
	// copy of the body) would otherwise carry it out beside a public line,
	// private lines and all. Empty (the default) means
	// DefaultPublicAttributes; ["*"] keeps every attribute as it came.
	PublicAttributes []string `mapstructure:"public_attributes"`

	// Streams configures the per-stream state.
	Streams StreamsConfig `mapstructure:"streams"`
}

// DefaultPublicAttributes are the record attributes a public record keeps
// when public_attributes is not set: the ones the filelog receiver and its
// container operator fill from the file and the runtime's framing, never
// from the job's output (a file's name still can be: the tripwire judges
// them).
var DefaultPublicAttributes = []string{
	"log.file.name", "log.file.path", "log.file.name_resolved", "log.file.path_resolved",
	"log.file.owner.name", "log.file.owner.group.name",
	"log.file.record_number", "log.file.record_offset",
	"log.iostream", "logtag",
}

// keepAllAttributes, alone in public_attributes, keeps every attribute.
const keepAllAttributes = "*"

// StreamsConfig says what a stream is and bounds the state kept for each.
type StreamsConfig struct {
	// Attributes are the log record attributes that, with the resource's
	// attributes and the scope's name, name a stream. Default:
	// log.file.path and log.iostream.
	Attributes []string `mapstructure:"attributes"`

	// Sequence is the record attribute numbering a stream's records from 1
	// (the filelog receiver's include_file_record_number). A record whose
	// number is not its stream's next one makes the stream fail closed.
	// Default log.file.record_number.
	Sequence string `mapstructure:"sequence"`

	// Offset is the record attribute holding the byte offset of the
	// record's start in its file (filelog's include_file_record_offset).
	// When a stream's records carry it, a record whose start is at least
	// receiver_max_log_size bytes past the previous record's is a cut
	// line's rest too, whatever the previous body's length (the receiver
	// trims the whitespace a cut piece ends with). Default
	// log.file.record_offset; empty: not used.
	Offset string `mapstructure:"offset"`

	// Partial is the record attribute whose value, any but "F" ("P", or a
	// tag the runtime or the parser read otherwise), marks a partial
	// line (the container parser's logtag, of the CRI format): the
	// stream's next record is that line's rest, private. The container
	// parser's recombination keeps the first part's tag, so a line the
	// runtime split and the parser joined again takes the line after it
	// with it (fail closed). Default logtag; empty: not used.
	Partial string `mapstructure:"partial"`

	// RequireSequence makes a record without the Sequence attribute
	// private, with its stream. Default true: without sequence numbers a
	// processor cannot tell that it did not see a stream from its start.
	RequireSequence bool `mapstructure:"require_sequence"`

	// MaxStreams bounds the streams whose state is kept; the least recently
	// used one is dropped to make room. Default 1000.
	MaxStreams int `mapstructure:"max_streams"`

	// IdleTimeout drops the state of a stream that sent nothing for that
	// long. Default 5m.
	IdleTimeout time.Duration `mapstructure:"idle_timeout"`
}

const (
	detectBlock  = "block"
	detectRedact = "redact"
	detectOff    = "off"
)

func createDefaultConfig() *Config {
	return &Config{
		MaxLine: scrub.DefaultMaxLine,
		// filelog's default max_log_size.
		ReceiverMaxLogSize: 1 << 20,
		Traces:             true,
		Detect:             detectBlock,
		Streams: StreamsConfig{
			Attributes:      []string{"log.file.path", "log.iostream"},
			Sequence:        "log.file.record_number",
			Offset:          "log.file.record_offset",
			Partial:         "logtag",
			RequireSequence: true,
			MaxStreams:      1000,
			IdleTimeout:     5 * time.Minute,
		},
	}
}

// maxStreamsLimit bounds max_streams: each stream's state holds a 64 KiB
// output buffer (see the README), so a million streams would take 64 GiB.
const maxStreamsLimit = 1 << 20

// Validate reports the first problem of the configuration, naming the field
// as the YAML spells it and saying what would be valid.
func (c *Config) Validate() error {
	var errs []error
	if c.Prefix == "" {
		errs = append(errs, errors.New(`prefix: required: name the marker of public lines, e.g. prefix: "SystemLog:"`))
	} else if err := scrub.CheckPrefix(c.Prefix); err != nil {
		errs = append(errs, fmt.Errorf("prefix: %w", err))
	}
	if c.MaxLine <= 0 {
		errs = append(errs, fmt.Errorf("max_line: %d: want a positive byte count (default %d)", c.MaxLine, scrub.DefaultMaxLine))
	} else if c.MaxLine < len(c.Prefix) {
		errs = append(errs, fmt.Errorf("max_line: %d: shorter than the prefix %q, no line could be public", c.MaxLine, c.Prefix))
	}
	if c.ReceiverMaxLogSize < 0 {
		errs = append(errs, fmt.Errorf("receiver_max_log_size: %d: want the receiver's max_log_size in bytes (default 1048576), or 0 if it does not cut lines", c.ReceiverMaxLogSize))
	}
	if c.Allow != "" {
		if !c.Traces {
			errs = append(errs, errors.New("allow: keeps messages of crash traces, but traces is false"))
		}
		if _, err := regexp.Compile(c.Allow); err != nil {
			errs = append(errs, fmt.Errorf("allow: not a regular expression: %w", err))
		}
	}
	for i, a := range c.PublicAttributes {
		switch {
		case a == "":
			errs = append(errs, fmt.Errorf("public_attributes[%d]: empty attribute name", i))
		case a == keepAllAttributes && len(c.PublicAttributes) > 1:
			errs = append(errs, fmt.Errorf("public_attributes[%d]: %q keeps every attribute, so it stands alone", i, a))
		}
	}
	if c.MaxMessageLines < 0 {
		errs = append(errs, fmt.Errorf("max_message_lines: %d: negative (0 holds a message until its trace provably ends)", c.MaxMessageLines))
	}
	switch c.Detect {
	case detectBlock, detectRedact:
		errs = append(errs, checkDetectors(c.Detectors))
	case detectOff:
		if len(c.Detectors) > 0 {
			errs = append(errs, errors.New("detectors: not used with detect: off"))
		}
	default:
		errs = append(errs, fmt.Errorf("detect: %q: want block, redact or off", c.Detect))
	}
	errs = append(errs, c.Streams.validate())
	return errors.Join(errs...)
}

func (s *StreamsConfig) validate() error {
	var errs []error
	for i, a := range s.Attributes {
		if a == "" {
			errs = append(errs, fmt.Errorf("streams::attributes[%d]: empty attribute name", i))
		}
		if a == s.Partial {
			errs = append(errs, fmt.Errorf("streams::attributes[%d]: %q is the partial attribute, which changes within a stream: a line's parts would be streams of their own", i, a))
		}
		if a == s.Offset {
			errs = append(errs, fmt.Errorf("streams::attributes[%d]: %q is the offset attribute, which changes with every record: each record would be a stream of its own", i, a))
		}
		if a == s.Sequence {
			errs = append(errs, fmt.Errorf("streams::attributes[%d]: %q is the sequence attribute, which changes with every record: each record would be a stream of its own", i, a))
		}
	}
	if s.RequireSequence && s.Sequence == "" {
		errs = append(errs, errors.New("streams::require_sequence: true, but streams::sequence names no attribute"))
	}
	if s.MaxStreams <= 0 || s.MaxStreams > maxStreamsLimit {
		errs = append(errs, fmt.Errorf("streams::max_streams: %d: want 1 to %d", s.MaxStreams, maxStreamsLimit))
	}
	if s.IdleTimeout <= 0 {
		errs = append(errs, fmt.Errorf("streams::idle_timeout: %v: want a positive duration such as 5m", s.IdleTimeout))
	}
	return errors.Join(errs...)
}

// checkDetectors reports an unknown detector name, without compiling a set.
func checkDetectors(names []string) error {
	if len(names) == 1 && names[0] == "all" {
		return nil
	}
	for i, n := range names {
		if _, ok := detect.Lookup(n); !ok {
			return fmt.Errorf("detectors[%d]: unknown detector %q (known: all, %s)", i, n, strings.Join(detect.Names(detect.Low), ", "))
		}
	}
	return nil
}

// detectorSets caches compiled sets by their list of names: a set is safe
// for concurrent use, and compiling one costs a few milliseconds, which
// every processor of a pipeline would otherwise pay.
var detectorSets sync.Map // string -> *detect.Set

func detectorSet(names []string) (*detect.Set, error) {
	key := strings.Join(names, ",")
	if s, ok := detectorSets.Load(key); ok {
		return s.(*detect.Set), nil
	}
	ds, err := detect.Select(names...)
	if err != nil {
		return nil, err
	}
	s, err := detect.NewSet(ds...)
	if err != nil {
		return nil, err
	}
	detectorSets.Store(key, s)
	return s, nil
}
