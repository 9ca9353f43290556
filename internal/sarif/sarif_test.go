package sarif

import (
	"bytes"
	"encoding/json"
	"testing"
)

// TestWrite checks what every consumer relies on: the version and schema,
// an empty results array rather than null, and rule indexes that point at
// the result's rule (-1 where the driver does not list it).
func TestWrite(t *testing.T) {
	rules := []Rule{{ID: "a"}, {ID: "b"}}
	empty := Run{Tool: Tool{Driver: Driver{Name: "t", Rules: rules}}}
	full := Run{Tool: Tool{Driver: Driver{Name: "t", Rules: rules}}, Results: []Result{
		{RuleID: "b", Locations: At("f.log", 3, 4)},
		{RuleID: "a", Locations: At("f.log", 1, 1)},
		{RuleID: "zz", Locations: At("f.log", 2, 1)},
	}}
	var buf bytes.Buffer
	if err := Write(&buf, empty, full); err != nil {
		t.Fatal(err)
	}
	var got struct {
		Version string `json:"version"`
		Schema  string `json:"$schema"`
		Runs    []struct {
			Results []struct {
				RuleID    string `json:"ruleId"`
				RuleIndex int    `json:"ruleIndex"`
			} `json:"results"`
		} `json:"runs"`
	}
	if err := json.Unmarshal(buf.Bytes(), &got); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, buf.Bytes())
	}
	if got.Version != "2.1.0" || got.Schema == "" || len(got.Runs) != 2 {
		t.Fatalf("header: version %q schema %q runs %d", got.Version, got.Schema, len(got.Runs))
	}
	if !bytes.Contains(buf.Bytes(), []byte(`"results": []`)) {
		t.Errorf("a run without results must have an empty array:\n%s", buf.Bytes())
	}
	want := map[string]int{"b": 1, "a": 0, "zz": -1}
	for _, r := range got.Runs[1].Results {
		if r.RuleIndex != want[r.RuleID] {
			t.Errorf("result for rule %q: ruleIndex %d, want %d", r.RuleID, r.RuleIndex, want[r.RuleID])
		}
	}
}
