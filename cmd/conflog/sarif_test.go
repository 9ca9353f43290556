//go:build unix

package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestScanSARIF guards the SARIF 2.1.0 output: the members the schema
// requires (sarifLog: version, runs; run: tool; tool: driver; driver: name;
// rule: id; result: message with text) and a location a dashboard can open,
// with no whole value anywhere in the document.
func TestScanSARIF(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	file := filepath.Join(dir, "train.log")
	log := "step=1 loss=0.25\ncafé user=bob@example.org\nip 10.0.0.1 key AKIAZ2X7QJ4MRT5NV6WB\n"
	if err := os.WriteFile(file, []byte(log), 0o600); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	code := conflogMain(&cli{stdin: strings.NewReader(""), stdout: &stdout, stderr: &stderr}, []string{"scan", "--sarif", "--detectors", "all", file})
	if code != exitFail {
		t.Fatalf("exit %d, want %d; stderr:\n%s", code, exitFail, stderr.String())
	}
	if strings.Contains(stdout.String(), "bob@example.org") || strings.Contains(stdout.String(), "AKIAZ2X7QJ4MRT5NV6WB") {
		t.Fatal("SARIF output holds a whole value")
	}
	var doc map[string]any
	if err := json.Unmarshal(stdout.Bytes(), &doc); err != nil {
		t.Fatalf("SARIF output is not JSON: %v", err)
	}
	if doc["version"] != "2.1.0" {
		t.Errorf("version = %v", doc["version"])
	}
	runs := doc["runs"].([]any)
	if len(runs) != 1 {
		t.Fatalf("%d runs", len(runs))
	}
	run := runs[0].(map[string]any)
	driver := run["tool"].(map[string]any)["driver"].(map[string]any)
	if driver["name"] != "conflog" {
		t.Errorf("driver name = %v", driver["name"])
	}
	rules := driver["rules"].([]any)
	ruleIDs := map[string]int{}
	for i, r := range rules {
		id, _ := r.(map[string]any)["id"].(string)
		if id == "" {
			t.Errorf("rule %d has no id", i)
		}
		ruleIDs[id] = i
	}
	results := run["results"].([]any)
	type loc struct {
		rule              string
		line, col, offset int
	}
	var got []loc
	for _, r := range results {
		res := r.(map[string]any)
		if text, _ := res["message"].(map[string]any)["text"].(string); text == "" {
			t.Errorf("result without message text: %v", res)
		}
		id := res["ruleId"].(string)
		if idx := int(res["ruleIndex"].(float64)); idx != ruleIDs[id] {
			t.Errorf("result %s has ruleIndex %d, rule is at %d", id, idx, ruleIDs[id])
		}
		pl := res["locations"].([]any)[0].(map[string]any)["physicalLocation"].(map[string]any)
		if pl["artifactLocation"].(map[string]any)["uri"] != file {
			t.Errorf("uri = %v", pl["artifactLocation"])
		}
		reg := pl["region"].(map[string]any)
		got = append(got, loc{id, int(reg["startLine"].(float64)), int(reg["startColumn"].(float64)), int(reg["byteOffset"].(float64))})
	}
	want := []loc{
		{"email", 2, 11, strings.Index(log, "bob@")}, // "café user=" is 10 code points, 11 bytes
		{"ipv4", 3, 4, strings.Index(log, "10.0")},
		{"aws-key", 3, 17, strings.Index(log, "AKIA")},
	}
	if len(got) != len(want) {
		t.Fatalf("results %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("result %d = %+v, want %+v", i, got[i], want[i])
		}
	}
}
