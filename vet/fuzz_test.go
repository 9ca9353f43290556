package vet

import (
	"strings"
	"testing"
	"unicode"
)

// FuzzParseIgnore guards the suppression rule: a directive is recognised
// only with the exact prefix; an accepted one names only known IDs and has a
// non-empty reason; a reason never runs into a trailing "//" comment; and
// anything else is reported as a problem, never silently accepted.
func FuzzParseIgnore(f *testing.F) {
	for _, s := range []string{
		"//conflog:ignore CL001 run names are public",
		"//conflog:ignore CL001,CL002 reviewed",
		"//conflog:ignore CL001",
		"//conflog:ignore CL001 // want `x`",
		"//conflog:ignore",
		"//conflog:ignoreCL001 x",
		"//conflog:ignore CL009 typo",
		"//conflog:ignore CL000 x",
		"// conflog:ignore CL001 x",
		"//conflog:ignore\tCL003\treason",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		ids, reason, problem, ok := parseIgnore(text)
		if !ok {
			if strings.HasPrefix(text, ignorePrefix+" ") || strings.HasPrefix(text, ignorePrefix+"\t") || text == ignorePrefix {
				t.Fatalf("%q not recognised as a directive", text)
			}
			return
		}
		if !strings.HasPrefix(text, ignorePrefix) {
			t.Fatalf("%q recognised without the prefix", text)
		}
		if problem != "" {
			return
		}
		if len(ids) == 0 || strings.TrimSpace(reason) == "" {
			t.Fatalf("%q accepted with ids %q reason %q", text, ids, reason)
		}
		for _, id := range ids {
			if !idPattern.MatchString(id) || id == idBadIgnore {
				t.Fatalf("%q accepted unknown id %q", text, id)
			}
		}
		if strings.Contains(reason, "//") {
			t.Fatalf("%q: reason %q runs into a trailing comment", text, reason)
		}
	})
}

// FuzzWords guards name matching: an identifier splits into lower-case
// words that, joined, are exactly its letters and digits in order, so no
// part of a name escapes the sensitive-word check.
func FuzzWords(f *testing.F) {
	for _, s := range []string{"userEmail", "APIKey", "raw_row2", "HTTPRequestBody", "ssn", "x", "_", "ÉtéTEXT", "tokenizer"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		ws := words(name)
		var want strings.Builder
		for _, r := range name {
			if unicode.IsLetter(r) || unicode.IsDigit(r) {
				want.WriteString(strings.ToLower(string(r)))
			}
		}
		for _, w := range ws {
			if w == "" || w != strings.ToLower(w) {
				t.Fatalf("words(%q) = %q: empty or not lower-case word", name, ws)
			}
		}
		if got := strings.Join(ws, ""); got != want.String() {
			t.Fatalf("words(%q) = %q, joined %q, want %q", name, ws, got, want.String())
		}
		// A name holding a sensitive word, in any case, matches, unless
		// each one is followed by a label or tool word (tokenName, bodySize,
		// NewTextHandler).
		s := newNameSet(defaultSensitive)
		for i, w := range ws {
			if s.words[w] && (i+1 == len(ws) || !labelWords[ws[i+1]] && !toolWords[ws[i+1]]) {
				if _, ok := s.match(name); !ok {
					t.Fatalf("%q holds %q but does not match", name, w)
				}
			}
		}
	})
}

// TestWords pins the splitting rules that decide what counts as a word.
func TestWords(t *testing.T) {
	s := newNameSet(defaultSensitive)
	for name, want := range map[string]string{
		"userEmail": "email", "APIKey": "apikey", "api_key": "apikey", "rawRows": "rows",
		"requestBody": "body", "SSN": "ssn", "promptText": "prompt", "records": "records",
		"context": "", "tokenizer": "", "textual": "", "rowIdx": "", "bodyguard": "",
		"emailCount": "", "Password2": "password",
		// A label of the sensitive thing is not the thing; the thing stays.
		"tokenName": "", "token_id": "", "secretName": "", "apiKeyID": "",
		"nameToken": "token", "tokenNameToken": "token", "bodyBytes": "body",
		// A tool working on it is not the thing either; a holder of it is.
		"NewTextHandler": "", "TextHandler": "", "bodyParser": "", "passwordHasher": "",
		"textHandlerText": "text", "bodyReader": "body", "textBuilder": "text",
		"bodyDecoder": "body", "handlerText": "text",
	} {
		got, _ := s.match(name)
		if got != want {
			t.Errorf("match(%q) = %q, want %q", name, got, want)
		}
	}
}
