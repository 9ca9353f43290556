package vet

import (
	"fmt"
	"slices"
	"strings"
	"unicode"
)

// defaultSensitive is issue 6's list of words that mark a value as private
// when they appear in its name or its type's name. Matching is by whole word
// of a Go identifier (see words), so "context" does not match "text" and
// "tokenizer" does not match "token".
var defaultSensitive = []string{
	"password", "secret", "token", "apikey", "credential", "ssn", "email",
	"prompt", "sample", "text", "row", "record", "body", "payload",
}

// nameSet is a set of sensitive words; it is also a flag.Value holding a
// comma-separated list, so the analyzer's -sensitive and -sensitive-add
// flags (and golangci-lint settings) configure it.
type nameSet struct {
	words map[string]bool
}

func newNameSet(words []string) *nameSet {
	s := &nameSet{words: make(map[string]bool)}
	for _, w := range words {
		s.words[strings.ToLower(w)] = true
	}
	return s
}

func (s *nameSet) String() string {
	if s == nil {
		return ""
	}
	list := make([]string, 0, len(s.words))
	for w := range s.words {
		list = append(list, w)
	}
	slices.Sort(list)
	return strings.Join(list, ",")
}

// Set replaces the set with a comma-separated list of words.
func (s *nameSet) Set(list string) error {
	words, err := parseWords(list)
	if err != nil {
		return err
	}
	s.words = make(map[string]bool, len(words))
	for _, w := range words {
		s.words[w] = true
	}
	return nil
}

// addSet is the flag.Value of -sensitive-add: it adds to a nameSet.
type addSet struct{ to *nameSet }

func (a addSet) String() string { return "" }

func (a addSet) Set(list string) error {
	words, err := parseWords(list)
	if err != nil {
		return err
	}
	for _, w := range words {
		a.to.words[w] = true
	}
	return nil
}

// parseWords splits a comma-separated list of sensitive words. A word must be
// letters and digits only, because it is compared with the words of an
// identifier, which never hold anything else.
func parseWords(list string) ([]string, error) {
	var words []string
	for _, w := range strings.Split(list, ",") {
		w = strings.ToLower(strings.TrimSpace(w))
		if w == "" {
			continue
		}
		for _, r := range w {
			if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
				return nil, fmt.Errorf("sensitive word %q: only letters and digits are allowed", w)
			}
		}
		words = append(words, w)
	}
	return words, nil
}

// match reports the sensitive word found in the identifier name, if any. The
// name is split into words (camelCase, snake_case, digits); a word matches
// when it, or it plus a plural "s", is in the set, and so does the
// concatenation of two adjacent words, so "apiKey" and "api_key" match
// "apikey".
//
// A word followed by a word naming a label of the thing rather than the
// thing itself (see labelWords) does not match: tokenName, tokenId,
// secretName, bodySize name a token's label, a secret's name, a size. Nor
// does one followed by a word naming a tool working on the thing (see
// toolWords): NewTextHandler, TextHandler, bodyParser.
func (s *nameSet) match(name string) (string, bool) {
	ws := words(name)
	for i, w := range ws {
		n := 1
		if !s.has(w) {
			if i+1 >= len(ws) || !s.has(w+ws[i+1]) {
				continue
			}
			n, w = 2, w+ws[i+1]
		}
		if i+n < len(ws) && (labelWords[ws[i+n]] || toolWords[ws[i+n]]) {
			continue
		}
		return w, true
	}
	return "", false
}

// labelWords are the words that, after a sensitive word, make a name a
// label of the sensitive thing, not the thing: a token's name or id, a
// body's size, a record's count.
var labelWords = map[string]bool{
	"name": true, "names": true, "id": true, "ids": true, "count": true,
	"len": true, "length": true, "size": true, "type": true, "kind": true,
	"index": true, "idx": true, "status": true, "limit": true,
}

// toolWords are the words that, after a sensitive word, make a name one of
// a tool working on the sensitive thing, not the thing: slog.NewTextHandler
// and slog.TextHandler write text, a bodyParser parses a body. Words naming
// something that holds the thing (reader, writer, buffer, builder, decoder)
// are not here: a bodyReader or a textBuilder still holds what it names.
var toolWords = map[string]bool{
	"handler": true, "handlers": true, "parser": true, "parsers": true,
	"formatter": true, "formatters": true, "validator": true, "validators": true,
	"hasher": true, "renderer": true, "factory": true, "limiter": true,
}

func (s *nameSet) has(w string) bool {
	if s.words[w] {
		return true
	}
	base, ok := strings.CutSuffix(w, "s")
	return ok && s.words[base]
}

// words splits a Go identifier into lowercase words: "userEmail" → user,
// email; "APIKey" → api, key; "raw_row2" → raw, row, 2.
func words(name string) []string {
	var out []string
	rs := []rune(name)
	start := 0
	flush := func(end int) {
		if end > start {
			out = append(out, strings.ToLower(string(rs[start:end])))
		}
		start = end
	}
	for i := 0; i < len(rs); i++ {
		r := rs[i]
		switch {
		case r == '_' || (!unicode.IsLetter(r) && !unicode.IsDigit(r)):
			flush(i)
			start = i + 1
		case i > start && unicode.IsDigit(r) != unicode.IsDigit(rs[i-1]):
			flush(i)
		case i > start && unicode.IsUpper(r):
			prevLower := unicode.IsLower(rs[i-1])
			nextLower := i+1 < len(rs) && unicode.IsLower(rs[i+1])
			// "userEmail": split before E; "APIKey": split before K, the
			// last capital of a run followed by a lower-case letter.
			if prevLower || (unicode.IsUpper(rs[i-1]) && nextLower) {
				flush(i)
			}
		}
	}
	flush(len(rs))
	return out
}
