package detect

import "bytes"

// A vendorSpec describes the API keys of one vendor: the literal prefixes
// that begin them (matched in the case given), the alphabet and length of
// what follows, and the structure check the format has. The formats are
// the vendors' documented ones, cross-checked with the published rules of
// gitleaks and trufflehog (facts, not code).
type vendorSpec struct {
	name     string
	prefixes []string
	ok       func(byte) bool
	min, max int // length of the body after the prefix
	// check, when set, is the format's structure check on the whole
	// value and its body.
	check func(v, body []byte) bool
}

// vendorDetector finds the keys of one vendorSpec.
type vendorDetector struct{ spec *vendorSpec }

func (d vendorDetector) extent(line []byte, start, end int) (int, int, bool) {
	if string(line[start:end]) != d.prefix(line[start:end]) {
		return 0, 0, false // the automaton folds case; these prefixes do not
	}
	return tokenExtent(line, start, end, d.spec.max, d.spec.ok)
}

// prefix returns the spec's prefix v starts with, or "".
func (d vendorDetector) prefix(v []byte) string {
	best := ""
	for _, p := range d.spec.prefixes {
		if len(p) > len(best) && bytes.HasPrefix(v, []byte(p)) {
			best = p
		}
	}
	return best
}

func (d vendorDetector) Validate(v []byte) bool {
	p := d.prefix(v)
	if p == "" {
		return false
	}
	body := v[len(p):]
	if len(body) < d.spec.min || len(body) > d.spec.max {
		return false
	}
	for _, b := range body {
		if !d.spec.ok(b) {
			return false
		}
	}
	if placeholder(body) {
		return false
	}
	return d.spec.check == nil || d.spec.check(v, body)
}

// mixed reports whether v holds an upper-case letter, a lower-case letter
// and, when digit is set, a digit: what random keys over those alphabets
// hold, and words and hex strings do not.
func mixed(v []byte, digit bool) bool {
	var u, l, d bool
	for _, b := range v {
		u = u || isUpper(b)
		l = l || isLower(b)
		d = d || isDigit(b)
	}
	return u && l && (d || !digit)
}

// openAIMarker is base64 of "OpenAI", which OpenAI's keys carry.
var openAIMarker = []byte("T3BlbkFJ")

var vendorSpecs = []*vendorSpec{
	// OpenAI: sk- and 20 + "T3BlbkFJ" + 20 base62 (user keys); sk-proj-,
	// sk-svcacct-, sk-admin- and 58 or 74 + "T3BlbkFJ" + 58 or 74 of
	// [A-Za-z0-9_-] (project, service-account and admin keys).
	{name: "openai-key", prefixes: []string{"sk-", "sk-proj-", "sk-svcacct-", "sk-admin-", "sk-None-"}, ok: isTokenByte, min: 40, max: 200,
		check: func(v, body []byte) bool {
			i := bytes.Index(body, openAIMarker)
			if bytes.HasPrefix(v, []byte("sk-ant-")) {
				return false
			}
			if len(v)-len(body) == 3 { // sk- then 20 + marker + 20, base62
				return len(body) == 48 && i == 20 && mixed(body, true) && !bytes.ContainsAny(body, "-_")
			}
			return i >= 20 && mixed(body, true)
		}},
	// Anthropic: sk-ant-api03- (API) or sk-ant-admin01- (admin), 93 of
	// [A-Za-z0-9_-], then "AA".
	{name: "anthropic-key", prefixes: []string{"sk-ant-api03-", "sk-ant-admin01-", "sk-ant-oat01-", "sk-ant-ort01-"}, ok: isTokenByte, min: 95, max: 95,
		check: func(_, body []byte) bool { return bytes.HasSuffix(body, []byte("AA")) && mixed(body, true) }},
	// Hugging Face: hf_ (user access tokens) or api_org_ (organisation
	// tokens) and 34 ASCII letters.
	{name: "huggingface-token", prefixes: []string{"hf_", "api_org_"}, ok: isLetter, min: 34, max: 34,
		check: func(_, body []byte) bool { return mixed(body, false) }},
	// Replicate: r8_ and 37 base62.
	{name: "replicate-token", prefixes: []string{"r8_"}, ok: isBase62, min: 37, max: 37,
		check: func(_, body []byte) bool { return mixed(body, true) }},
	// Groq: gsk_ and 52 base62.
	{name: "groq-key", prefixes: []string{"gsk_"}, ok: isBase62, min: 52, max: 52,
		check: func(_, body []byte) bool { return mixed(body, true) }},
	// Perplexity: pplx- and 48 base62.
	{name: "perplexity-key", prefixes: []string{"pplx-"}, ok: isBase62, min: 48, max: 48,
		check: func(_, body []byte) bool { return mixed(body, true) }},
	// Databricks personal access tokens: dapi and 32 lower-case hex, with
	// an optional -N suffix.
	{name: "databricks-token", prefixes: []string{"dapi"}, ok: func(b byte) bool { return isDigit(b) || 'a' <= b && b <= 'f' || b == '-' }, min: 32, max: 34,
		check: func(_, body []byte) bool {
			if len(body) == 34 && !(body[32] == '-' && isDigit(body[33])) || len(body) == 33 {
				return false
			}
			return bytes.IndexByte(body[:32], '-') < 0 && hexMixed(body[:32])
		}},
	// PyPI upload tokens: macaroons whose base64 starts with the encoded
	// location "pypi.org".
	{name: "pypi-token", prefixes: []string{"pypi-AgEIcHlwaS5vcmc"}, ok: isTokenByte, min: 50, max: 1000},
	// npm access tokens: npm_ and 36 base62, the last 6 a base62 CRC32 of
	// the first 30 (the format of GitHub's tokens).
	{name: "npm-token", prefixes: []string{"npm_"}, ok: isBase62, min: 36, max: 36,
		check: func(_, body []byte) bool { sum := githubChecksum(body[:30]); return bytes.Equal(body[30:], sum[:]) }},
	// age secret keys: Bech32 (BIP 173) with the human-readable part
	// AGE-SECRET-KEY-, upper case, 32 bytes of key and a checksum.
	{name: "age-secret-key", prefixes: []string{"AGE-SECRET-KEY-1"}, ok: isBech32Upper, min: 58, max: 58,
		check: func(v, _ []byte) bool { return bech32Valid(v) }},
}

func hexMixed(v []byte) bool {
	var l, d bool
	for _, b := range v {
		l = l || isLower(b)
		d = d || isDigit(b)
	}
	return l && d
}

const bech32Charset = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"

func isBech32Upper(b byte) bool {
	return bytes.IndexByte([]byte(bech32Charset), b|0x20) >= 0 && !isLower(b)
}

// bech32Valid checks a Bech32 string's checksum (BIP 173), in either case.
func bech32Valid(v []byte) bool {
	sep := bytes.LastIndexByte(v, '1')
	if sep < 1 || sep+7 > len(v) {
		return false
	}
	hrp := bytes.ToLower(v[:sep])
	values := make([]int, 0, 2*len(hrp)+1+len(v)-sep-1)
	for _, c := range hrp {
		values = append(values, int(c>>5))
	}
	values = append(values, 0)
	for _, c := range hrp {
		values = append(values, int(c&31))
	}
	for _, c := range v[sep+1:] {
		i := bytes.IndexByte([]byte(bech32Charset), c|0x20)
		if i < 0 {
			return false
		}
		values = append(values, i)
	}
	gen := [5]int{0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3}
	chk := 1
	for _, x := range values {
		top := chk >> 25
		chk = (chk&0x1ffffff)<<5 ^ x
		for i := range 5 {
			if (top>>i)&1 == 1 {
				chk ^= gen[i]
			}
		}
	}
	return chk == 1
}

// A contextSpec describes a key that has no prefix of its own and is found
// by the name before it: WANDB_API_KEY=…, cohere.Client("…"),
// aws_secret_access_key = …. The value is the first run of exactly n bytes
// of its alphabet within 40 bytes after the name, standing alone.
type contextSpec struct {
	name  string
	words []string // case-insensitive
	ok    func(byte) bool
	n     int
	check func(v []byte) bool
}

type contextKeyDetector struct{ spec *contextSpec }

// contextWindow bounds how far after its name a key is sought.
const contextWindow = 40

func (d contextKeyDetector) extent(line []byte, start, end int) (int, int, bool) {
	lim := min(len(line), end+contextWindow)
	for i := end; i < lim; {
		if !d.spec.ok(line[i]) {
			i++
			continue
		}
		j := span(line, i, d.spec.n+1, d.spec.ok)
		sepBefore := i > 0 && bytes.IndexByte([]byte(` ='":(,`+"`"), line[i-1]) >= 0
		if j-i == d.spec.n && sepBefore && (j == len(line) || !isWord[line[j]] && line[j] != '/' && line[j] != '+' && line[j] != '-') {
			return i, j, true
		}
		i = j
	}
	return 0, 0, false
}

func (d contextKeyDetector) Validate(v []byte) bool {
	if len(v) != d.spec.n {
		return false
	}
	for _, b := range v {
		if !d.spec.ok(b) {
			return false
		}
	}
	return !placeholder(v) && (d.spec.check == nil || d.spec.check(v))
}

func isLowerHex(b byte) bool    { return isDigit(b) || 'a' <= b && b <= 'f' }
func isBase64Std(b byte) bool   { return isAlnum(b) || b == '+' || b == '/' }
func mixedDigits(v []byte) bool { return mixed(v, true) }

var contextSpecs = []*contextSpec{
	// Weights & Biases API keys: 40 lower-case hex, after WANDB_API_KEY,
	// wandb login, wandb.login(key=…) or api.wandb.ai in a .netrc.
	{name: "wandb-key", words: []string{"wandb"}, ok: isLowerHex, n: 40, check: hexMixed},
	// Cohere: 40 base62 after cohere or CO_API_KEY.
	{name: "cohere-key", words: []string{"cohere", "co_api_key"}, ok: isBase62, n: 40, check: mixedDigits},
	// Mistral: 32 base62 after mistral.
	{name: "mistral-key", words: []string{"mistral"}, ok: isBase62, n: 32, check: mixedDigits},
	// AWS secret access keys: 40 of base64's alphabet after the key's name
	// (aws_secret_access_key, SecretAccessKey, AWS_SECRET, …).
	{name: "aws-secret-key", words: []string{"secret_access_key", "secretaccesskey", "secret-access-key", "aws_secret", "aws-secret"},
		ok: isBase64Std, n: 40, check: mixedDigits},
}
