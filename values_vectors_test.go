package conflog

import (
	"encoding/hex"
	"encoding/json"
	"os"
	"testing"
)

// TestPseudonymVectors checks the tokens of testdata/pseudonym_vectors.json,
// which the Python package's tests check too: a customer's token must be the
// same whichever language logged it.
func TestPseudonymVectors(t *testing.T) {
	data, err := os.ReadFile("testdata/pseudonym_vectors.json")
	if err != nil {
		t.Fatal(err)
	}
	var file struct {
		Vectors []struct {
			Key   string `json:"key_hex"`
			Value string `json:"value_hex"`
			Token string `json:"token"`
		} `json:"vectors"`
	}
	if err := json.Unmarshal(data, &file); err != nil {
		t.Fatal(err)
	}
	if len(file.Vectors) == 0 {
		t.Fatal("no vectors")
	}
	for _, v := range file.Vectors {
		key, err1 := hex.DecodeString(v.Key)
		value, err2 := hex.DecodeString(v.Value)
		if err1 != nil || err2 != nil {
			t.Fatalf("bad vector %+v", v)
		}
		if got := (pseudonym{new(string(value))}).token(key); got != v.Token {
			t.Errorf("Pseudonym(%q) under key %s = %s, want %s", value, v.Key, got, v.Token)
		}
	}
}
