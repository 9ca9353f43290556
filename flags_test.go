package conflog

import (
	"bytes"
	"flag"
	"log/slog"
	"testing"
)

// TestLogFlags: named flags go in one public record, the others in one
// private record, and a public name with no flag gets a public warning.
func TestLogFlags(t *testing.T) {
	fs := flag.NewFlagSet("train", flag.ContinueOnError)
	fs.Int("epochs", 3, "")
	fs.Float64("lr", 0.01, "")
	fs.String("data", "/secure/customers.csv", "")
	fs.String("token", "", "")
	if err := fs.Parse([]string{"-epochs=5", "-token=hunter2"}); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	LogFlags(slog.New(newTestHandler(&buf, &Options{ReplaceAttr: dropTime})), fs, "epochs", "lr", "missing")
	want := testPrefix + "level=INFO msg=flags epochs=5 lr=0.01\n" +
		"level=INFO msg=flags data=/secure/customers.csv token=hunter2\n" +
		testPrefix + "level=WARN msg=\"LogFlags: no such flag\" name=missing\n"
	if buf.String() != want {
		t.Errorf("got\n%s\nwant\n%s", buf.String(), want)
	}
	buf.Reset()
	LogFlags(slog.New(newTestHandler(&buf, &Options{ReplaceAttr: dropTime})), flag.NewFlagSet("none", flag.ContinueOnError))
	if buf.Len() != 0 {
		t.Errorf("no flags: %q", buf.String())
	}
}
