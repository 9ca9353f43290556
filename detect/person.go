package detect

import (
	"bytes"
	"unicode"
	"unicode/utf8"
)

// Personal names and postal addresses have no format and no check: a name
// is any words, an address any words with a number. They are found only
// under a key that names them, and only when the value has their shape.
//
// personNameDetector: the value of a key naming a person's name —
// first_name, lastName, "Full name", customer_name, billing-name,
// cardholder, surname, and the same in German, French, Italian, Spanish and
// Dutch (vorname, nachname, prenom, cognome, apellido, achternaam,
// voornaam) — in key=value, key: value, JSON or Python form. The value is
// one to six words, each a capitalised word (Jürgen, O'Brien,
// Hans-Peter), an initial or title (J., Dr., Univ.Prof.), a particle (van,
// de, von, di, y), or a word of a script without case (山田 太郎); at least
// one is a capitalised word of two letters or more, or a caseless word;
// no digits, no '@', '_' or '/'. The plain key "name" is not one: in ML
// logs it names models, datasets, metrics and runs ("name": "Accuracy").
type personNameDetector struct{}

// postalAddressDetector: the value of a key ending in "address" (address,
// billing_address, "Shipping address", homeAddress) or naming a street
// (street, adresse, anschrift, indirizzo, direccion), which holds two or
// more words, a digit (a house number or a postcode) and a word of three
// letters or more that is capitalised or of a caseless script (CJK
// addresses count one word of four letters or more); and no URL, email,
// '=', '_' or ':' (so ip_address=10.0.0.1, "bind address: 0.0.0.0:8000",
// "address": "unix:/tmp/s.sock" and a memory address 0x7f3a… are none).
type postalAddressDetector struct{}

// maxPersonal bounds a name or address value.
const maxPersonal = 200

// nameLiterals start a personNameDetector candidate; nameOwners are the
// words a "name" or "naam" key must begin with (first_name, firstName,
// "First name", customer-name, surname, vorname, achternaam), and
// holderOwners those of a "holder" key (cardholder, account_holder).
var (
	nameLiterals = []string{"name", "naam", "holder", "cognome", "apellido"}
	nameOwners   = []string{"first", "last", "full", "given", "family", "middle", "customer", "contact", "billing", "shipping",
		"recipient", "patient", "legal", "maiden", "sur", "vor", "nach", "voor", "achter"}
	holderOwners = []string{"card", "account"}
)

// ownedKey reports whether the key word before line[start] (past one '_',
// '-' or ' ', or none) ends in one of owners, itself a whole word or the
// head of the key: "first_name", "customer_first_name", "firstName" are;
// "filename", "model_name" are not.
func ownedKey(line []byte, start int, owners []string) bool {
	i := start
	if i > 0 && (line[i-1] == '_' || line[i-1] == '-' || line[i-1] == ' ') {
		i--
	}
	j := i
	for j > 0 && i-j < 16 && (isUpper(line[j-1]) || isLower(line[j-1])) {
		j--
	}
	var low [16]byte
	n := copy(low[:], line[j:i])
	for k := range n {
		low[k] |= 0x20
	}
	for _, o := range owners {
		if bytes.HasSuffix(low[:n], []byte(o)) && (n == len(o) || isUpper(line[i-len(o)])) {
			return true
		}
	}
	return false
}

// addressKeys are the key words of postalAddressDetector: address (and
// its suffixes billing_address, homeAddress), street, and the German and
// Dutch words.
var addressKeys = []string{"address", "street", "adresse", "adres", "anschrift"}

// personalKey reads a key ending in the literal at [start, end), a
// separator (':', '=', ":=", "=>", quotes and spaces around it) and the
// start of the value. It returns where the value starts and its quote, or
// ok=false.
func personalKey(line []byte, start, end int) (vs int, quote byte, ok bool) {
	i := end
	for i < len(line) && i-end < 2 && isDigit(line[i]) {
		i++ // address1, address2
	}
	if i < len(line) && isKeyByte(line[i]) {
		return 0, 0, false
	}
	if i < len(line) && (line[i] == '"' || line[i] == '\'') {
		i++
	}
	for i < len(line) && line[i] == ' ' {
		i++
	}
	if i >= len(line) || line[i] != ':' && line[i] != '=' {
		return 0, 0, false
	}
	i++
	if i < len(line) && (line[i] == '=' || line[i] == '>') {
		i++
	}
	for i < len(line) && line[i] == ' ' {
		i++
	}
	if i < len(line) && (line[i] == '"' || line[i] == '\'') {
		return i + 1, line[i], true
	}
	return i, 0, i < len(line)
}

// quotedEnd returns the end of a quoted value starting at s, or -1.
func quotedEnd(line []byte, s int, q byte) int {
	for e := s; e < len(line) && e-s <= maxPersonal; e++ {
		switch line[e] {
		case '\\':
			e++
		case q:
			return e
		}
	}
	return -1
}

func (personNameDetector) extent(line []byte, start, end int) (int, int, bool) {
	owners := nameOwners
	switch end - start {
	case len("holder"):
		owners = holderOwners
	case len("cognome"), len("apellido"):
		owners = nil
	}
	if owners != nil && !ownedKey(line, start, owners) || owners == nil && !boundaryBefore(line, start) {
		return 0, 0, false
	}
	s, q, ok := personalKey(line, start, end)
	if !ok {
		return 0, 0, false
	}
	if q != 0 {
		e := quotedEnd(line, s, q)
		if e < 0 {
			return 0, 0, false
		}
		return s, e, personName(line[s:e])
	}
	// Unquoted: the name words, one space apart, up to anything else.
	e, words := s, 0
	for i := s; words < 6; i = e + 1 {
		w := nextSpace(line, i)
		if w == i || !nameToken(line[i:w]) {
			break
		}
		e, words = w, words+1
		if w+1 >= len(line) || line[w] != ' ' {
			break
		}
	}
	if words == 0 {
		return 0, 0, false
	}
	return s, e, personName(line[s:e])
}

// nextSpace returns the end of the word starting at i: the next byte that
// ends an unquoted name word.
func nextSpace(line []byte, i int) int {
	for i < len(line) && bytes.IndexByte([]byte(" ,;&|})]\t"), line[i]) < 0 {
		i++
	}
	return i
}

// Validate checks a name's shape.
func (personNameDetector) Validate(v []byte) bool { return personName(v) }

// nameParticles are the lower-case words of names: van der, de la, von,
// di, y.
var nameParticles = []string{"van", "der", "den", "de", "di", "da", "del", "della", "dos", "das", "du", "des", "von", "zu",
	"le", "la", "ter", "ten", "y", "e", "bin", "ibn", "al", "el"}

// notNames are capitalised words that stand for a missing name.
var notNames = []string{"unknown", "anonymous", "guest", "user", "customer", "test", "none", "null", "nil", "redacted",
	"name", "first", "last", "full", "n/a", "na", "tbd", "todo", "example", "sample", "string", "true", "false"}

func personName(v []byte) bool {
	if len(v) < 2 || len(v) > maxPersonal || !utf8.Valid(v) || placeholder(v) {
		return false
	}
	words, named := 0, false
	for rest := v; ; {
		w, after, more := bytes.Cut(rest, []byte(" "))
		if len(w) == 0 {
			return false // two spaces, or a space at an end
		}
		if words++; words > 6 || !nameToken(w) {
			return false
		}
		named = named || nameWord(w) && !containsWordFold(notNames, w)
		if !more {
			return named
		}
		rest = after
	}
}

// containsWordFold reports whether w, folded to lower case, is one of ws.
func containsWordFold(ws []string, w []byte) bool {
	for _, x := range ws {
		if bytes.EqualFold(w, []byte(x)) {
			return true
		}
	}
	return false
}

// nameToken reports whether w may be a word of a name: a particle, or a
// word that begins with a capital (or a letter of a caseless script) and
// goes on in letters, marks, '.', '-' and apostrophes.
func nameToken(w []byte) bool {
	if len(w) == 0 || len(w) > 40 {
		return false
	}
	if containsWordFold(nameParticles, w) && isLower(w[0]) {
		return true
	}
	r, n := utf8.DecodeRune(w)
	if !unicode.IsUpper(r) && !unicode.IsTitle(r) && !caseless(r) {
		return false
	}
	for _, r := range string(w[n:]) {
		if !unicode.IsLetter(r) && !unicode.Is(unicode.Mn, r) && r != '.' && r != '-' && r != '\'' && r != '’' {
			return false
		}
	}
	return true
}

// nameWord reports whether w is a capitalised word with a lower-case
// letter (John, O'Brien, Hans-Peter) or a word of a caseless script.
func nameWord(w []byte) bool {
	r, n := utf8.DecodeRune(w)
	if caseless(r) {
		return true
	}
	if !unicode.IsUpper(r) && !unicode.IsTitle(r) {
		return false
	}
	for _, r := range string(w[n:]) {
		if unicode.IsLower(r) {
			return true
		}
	}
	return false
}

// caseless reports whether r is a letter of a script without case (Han,
// kana, Hangul, Thai, Arabic, Hebrew, Devanagari…).
func caseless(r rune) bool {
	return r >= 0x80 && unicode.IsLetter(r) && !unicode.IsUpper(r) && !unicode.IsLower(r) && !unicode.IsTitle(r)
}

func (postalAddressDetector) extent(line []byte, start, end int) (int, int, bool) {
	if start > 0 && isLower(line[start-1]) && isLower(line[start]) {
		return 0, 0, false // inside a word: ipaddress; homeAddress, ip_address are keys
	}
	s, q, ok := personalKey(line, start, end)
	if !ok {
		return 0, 0, false
	}
	var e int
	if q != 0 {
		if e = quotedEnd(line, s, q); e < 0 {
			return 0, 0, false
		}
	} else {
		// Unquoted: to the end of the line or the next " key=", '|',
		// ';', '&', '}', ']' or tab.
		for e = s; e < len(line) && e-s <= maxPersonal; e++ {
			if c := line[e]; c == '|' || c == ';' || c == '&' || c == '}' || c == ']' || c == '\t' || c == '"' {
				break
			}
			if line[e] == ' ' && nextKey(line, e+1) {
				break
			}
		}
		for e > s && (line[e-1] == ' ' || line[e-1] == ',' || line[e-1] == '.') {
			e--
		}
	}
	return s, e, postalAddress(line[s:e])
}

// nextKey reports whether a key= or key: begins at i.
func nextKey(line []byte, i int) bool {
	j := i
	for j < len(line) && (isWord[line[j]] || line[j] == '-' || line[j] == '.') {
		j++
	}
	return j > i && j < len(line) && (line[j] == '=' || line[j] == ':' && j+1 < len(line) && line[j+1] == ' ')
}

// Validate checks an address's shape.
func (postalAddressDetector) Validate(v []byte) bool { return postalAddress(v) }

func postalAddress(v []byte) bool {
	if len(v) < 6 || len(v) > maxPersonal || !utf8.Valid(v) || placeholder(v) {
		return false
	}
	if bytes.Contains(v, []byte("://")) || bytes.ContainsAny(v, "@=_:<>{}$") || bytes.IndexByte([]byte("/.~[("), v[0]) >= 0 {
		return false
	}
	words, digit, word, cjk := 0, false, false, 0
	for i := 0; i < len(v); {
		// The next word: up to a space, a comma or a JSON-escaped
		// newline (\n).
		if c := v[i]; c == ' ' || c == ',' {
			i++
			continue
		}
		if v[i] == '\\' && i+1 < len(v) && v[i+1] == 'n' {
			i += 2
			continue
		}
		j := i
		for j < len(v) && v[j] != ' ' && v[j] != ',' && !(v[j] == '\\' && j+1 < len(v) && v[j+1] == 'n') {
			j++
		}
		w := v[i:j]
		i = j
		words++
		if len(w) > 2 && w[0] == '0' && (w[1] == 'x' || w[1] == 'X') {
			return false // a memory address
		}
		if bytes.Count(w, []byte(".")) >= 3 {
			return false // a dotted quad, a version
		}
		letters, lead := 0, rune(0)
		for _, r := range string(w) {
			switch {
			case r < utf8.RuneSelf && isDigit(byte(r)):
				digit = true
			case unicode.IsLetter(r):
				if letters == 0 {
					lead = r
				}
				letters++
				if caseless(r) {
					cjk++
				}
			}
		}
		word = word || letters >= 3 && (unicode.IsUpper(lead) || caseless(lead))
	}
	return digit && word && (words >= 2 || cjk >= 4)
}
