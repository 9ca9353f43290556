package detect

import (
	"math/rand/v2"
	"strings"
	"testing"
)

// vendorRand makes the vendor samples: random bodies of each format's
// alphabet, with valid checksums where the format has one.
var vendorRand = rand.New(rand.NewPCG(12, 1))

func randFrom(alphabet string, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = alphabet[vendorRand.IntN(len(alphabet))]
	}
	return string(b)
}

const (
	tAlnum   = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	tLetters = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	tURL     = tAlnum + "-_"
	tHex     = "0123456789abcdef"
)

// bech32Encode returns hrp, '1', data and the Bech32 checksum (BIP 173),
// for the age sample.
func bech32Encode(hrp string, data []byte) string {
	values := []int{}
	for _, c := range []byte(hrp) {
		values = append(values, int(c>>5))
	}
	values = append(values, 0)
	for _, c := range []byte(hrp) {
		values = append(values, int(c&31))
	}
	// 8-bit to 5-bit groups.
	var five []int
	acc, bits := 0, 0
	for _, b := range data {
		acc = acc<<8 | int(b)
		bits += 8
		for bits >= 5 {
			bits -= 5
			five = append(five, (acc>>bits)&31)
		}
	}
	if bits > 0 {
		five = append(five, (acc<<(5-bits))&31)
	}
	values = append(values, five...)
	values = append(values, 0, 0, 0, 0, 0, 0)
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
	chk ^= 1
	var out strings.Builder
	out.WriteString(strings.ToUpper(hrp) + "1")
	for _, f := range five {
		out.WriteByte(bech32Charset[f])
	}
	for i := range 6 {
		out.WriteByte(bech32Charset[(chk>>(5*(5-i)))&31])
	}
	return strings.ToUpper(out.String())
}

func init() {
	npmBody := randFrom(tAlnum, 30)
	key := make([]byte, 32)
	for i := range key {
		key[i] = byte(vendorRand.IntN(256))
	}
	age := bech32Encode("age-secret-key-", key)
	add := func(name string, found, clean []string) {
		samples[name] = struct{ found, clean []string }{found, clean}
	}
	add("openai-key",
		[]string{"sk-" + randFrom(tAlnum, 20) + "T3BlbkFJ" + randFrom(tAlnum, 20),
			"sk-proj-" + randFrom(tURL, 74) + "T3BlbkFJ" + randFrom(tURL, 74),
			"sk-svcacct-" + randFrom(tURL, 58) + "T3BlbkFJ" + randFrom(tURL, 58)},
		[]string{"sk-" + randFrom(tAlnum, 48), "sk-ant-api03-" + randFrom(tURL, 93) + "AA", "sk-" + strings.Repeat("x", 20) + "T3BlbkFJ" + strings.Repeat("x", 20),
			"task-1234"})
	add("anthropic-key",
		[]string{"sk-ant-api03-" + randFrom(tURL, 93) + "AA", "sk-ant-admin01-" + randFrom(tURL, 93) + "AA"},
		[]string{"sk-ant-api03-" + randFrom(tURL, 93) + "AB", "sk-ant-api03-" + randFrom(tURL, 40) + "AA"})
	add("huggingface-token",
		[]string{"hf_" + randFrom(tLetters, 34), "api_org_" + randFrom(tLetters, 34)},
		[]string{"hf_" + strings.Repeat("abcdefghijklmnopq", 2), "hf_" + randFrom(tLetters, 33), "hf_" + randFrom(tAlnum, 20) + "12345678901234", "hf_hub_download"})
	add("replicate-token", []string{"r8_" + randFrom(tAlnum, 35) + "a1"}, []string{"r8_" + randFrom(tAlnum, 36), "r8_" + strings.Repeat("ab", 18) + "c"})
	add("groq-key", []string{"gsk_" + randFrom(tAlnum, 50) + "Z9"}, []string{"gsk_" + randFrom(tAlnum, 51)})
	add("perplexity-key", []string{"pplx-" + randFrom(tAlnum, 46) + "Qq"}, []string{"pplx-" + randFrom(tAlnum, 40)})
	add("databricks-token", []string{"dapi" + randFrom(tHex, 30) + "a1", "dapi" + randFrom(tHex, 30) + "b2-2"},
		[]string{"dapi" + randFrom(tHex, 31), "dapi" + strings.Repeat("a", 32)})
	add("pypi-token", []string{"pypi-AgEIcHlwaS5vcmc" + randFrom(tURL, 60)}, []string{"pypi-AgEIcHlwaS5vcmc" + randFrom(tURL, 20)})
	npmSum := githubChecksum([]byte(npmBody))
	add("npm-token", []string{"npm_" + npmBody + string(npmSum[:])}, []string{"npm_" + npmBody + "AAAAAA", "npm_install"})
	add("age-secret-key", []string{age}, []string{age[:len(age)-1] + "Q", strings.ToLower(age)})
	add("wandb-key", []string{randFrom(tHex, 38) + "a1"}, []string{randFrom(tHex, 39), strings.Repeat("0", 40)})
	add("cohere-key", []string{randFrom(tAlnum, 38) + "b2"}, []string{randFrom(tLetters, 40)})
	add("mistral-key", []string{randFrom(tAlnum, 30) + "c3"}, []string{randFrom(tAlnum, 31)})
	add("aws-secret-key", []string{randFrom(tAlnum+"+/", 38) + "d4"}, []string{"wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", randFrom(tLetters, 40)})
	for _, name := range []string{"wandb-key", "cohere-key", "mistral-key", "aws-secret-key"} {
		contextual[name] = true
	}
}

// contextKeyLines are lines whose key (marked by «») is found by the name
// before it, and lines that hold none.
var contextKeyLines = struct{ found, clean []string }{
	found: []string{
		"WANDB_API_KEY=«0f3c2a9b8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f3a»",
		"$ wandb login «0f3c2a9b8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f3a»",
		`wandb.login(key="«0f3c2a9b8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f3a»")`,
		"machine api.wandb.ai login user password «0f3c2a9b8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f3a»",
		`co = cohere.Client("«Zq8Lm2Xp4Tn6Vb9Rc1Kd3Wf5Gh7Jy0Ua2Se4Io6Q»")`,
		"CO_API_KEY: «Zq8Lm2Xp4Tn6Vb9Rc1Kd3Wf5Gh7Jy0Ua2Se4Io6Q»",
		"MISTRAL_API_KEY=«Zq8Lm2Xp4Tn6Vb9Rc1Kd3Wf5Gh7Jy0Ua»",
		"aws_secret_access_key = «Zq8Lm2Xp4Tn6Vb9Rc1Kd3Wf5Gh/Jy0Ua2Se4Io+Q»",
		`{"SecretAccessKey": "«Zq8Lm2Xp4Tn6Vb9Rc1Kd3Wf5Gh/Jy0Ua2Se4Io+Q»"}`,
	},
	clean: []string{
		"wandb: Run data is saved locally in /root/wandb/run-20261123_101010-0f3c2a9b",
		"wandb: ⭐️ View project at https://wandb.ai/team/proj/runs/0f3c2a9b8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f3a",
		"model=mistral-7b-v0.3 revision=0f3c2a9b8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f3a",
		"aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
		"cohere embed-english-v3.0 dims=1024",
	},
}

func TestContextKeyLines(t *testing.T) { checkLines(t, mustSet(t), contextKeyLines, "-key") }

// fixtureLines are the other tools' published fixtures (bench/testdata/
// fixtures.tsv) that package detect once judged wrongly, each with the rule
// that now decides it: values typed to look like keys (an ascending run of
// six), GitLab kinds of one exact length, a header credential that is not
// token68. A password may hold "123456": people type passwords.
var fixtureLines = struct{ found, clean []string }{
	found: []string{
		`curl -L -H "Authorization: «sha256~bRLFnzd5@=-.a+/hgdS»"`,
		"GET /v1/run?authorization=«k2Jd8fQz1Lm9@Xw4R»&page=2",
		"«glptt-Need5_T00-be-exactly-40-chars--ELse_fail»",
		"«glimt-my-tokens_are-correctAB38»",
		"«gloas-checking_Length-Is-_exactly_64--checking_Length-Is-_exactly_64--»",
		"«GR1348941PREfix_helloworld380_testin_pretty_long_token_long»",
		"«glagent-Need5_T00-bee-longer-than-50_chars-or-else-failING-still_OK»",
		"«sk-ant-admin01-abc123xyz-456def789ghij-klmnopqrstuvwx-3456yza789bcde-1234fghijklmnopby56aaaogaopaaaabc123xyzAA»",
		"GITLAB_TOKEN=«ABc123456789dEFghIJK»",
	},
	clean: []string{
		"glimt-my-tokens_are-correctAB38_280",
		"glptt-Need5_T00-be-exactly-40-chars--ELse_failing",
		"gloas-checking_Length-Is-_exactly_64--Xchecking_Length-Is-_longer_longer",
		"GR1348941PREfix_helloworld380_testin_pretty_long_token_long_",
		"Authorization: https://auth.example.com/authorize",
		`{"Authorization": "<token>"}`,
	},
}

func TestFixtureLines(t *testing.T) { checkLines(t, mustSet(t), fixtureLines, "") }
