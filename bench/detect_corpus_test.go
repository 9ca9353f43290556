package bench

// This file generates the labelled log corpus of the detector benchmarks
// and accuracy test: ML training and serving lines full of innocent IDs,
// hashes, timestamps, floats, paths and versions, with a value of every
// detector's kind planted at known positions. It is deterministic: the same
// size gives the same bytes and labels on every machine.

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"hash/crc32"
	"math/big"
	"math/rand/v2"
	"strings"
	"sync"

	"github.com/brianvoe/gofakeit/v7"
)

// detectSeed pins the corpus.
const detectSeed = 20261123

// A detectLabel is a planted value: which detector must report it, where.
type detectLabel struct {
	Detector string
	Offset   int64
	Len      int
}

type detectCorpus struct {
	data   []byte
	labels []detectLabel
}

var (
	detectCorpusMu    sync.Mutex
	detectCorpusCache = map[int]*detectCorpus{}
)

// detectCorpusOf returns the corpus of about size bytes, generated once.
func detectCorpusOf(size int) *detectCorpus {
	detectCorpusMu.Lock()
	defer detectCorpusMu.Unlock()
	if c, ok := detectCorpusCache[size]; ok {
		return c
	}
	g := &detectGen{
		f:   gofakeit.New(detectSeed),
		r:   rand.New(rand.NewPCG(detectSeed, 1)),
		buf: bytes.NewBuffer(make([]byte, 0, size+4096)),
	}
	for g.buf.Len() < size {
		g.line()
	}
	c := &detectCorpus{data: g.buf.Bytes(), labels: g.labels}
	detectCorpusCache[size] = c
	return c
}

type detectGen struct {
	f      *gofakeit.Faker
	r      *rand.Rand
	buf    *bytes.Buffer
	labels []detectLabel
	step   int
}

// plantRate is the share of lines holding a planted value: about one line
// in 50, far denser than real logs, so that every detector is measured on
// thousands of values.
const plantRate = 50

func (g *detectGen) line() {
	g.step++
	g.buf.WriteString(g.timestamp())
	if g.r.IntN(plantRate) == 0 {
		g.plant()
		return
	}
	g.buf.WriteString(g.noise())
	g.buf.WriteByte('\n')
}

func (g *detectGen) timestamp() string {
	return fmt.Sprintf("2026-11-%02dT%02d:%02d:%02d.%03dZ ", 1+g.r.IntN(28), g.r.IntN(24), g.r.IntN(60), g.r.IntN(60), g.r.IntN(1000))
}

func (g *detectGen) hex(n int) string {
	const digits = "0123456789abcdef"
	b := make([]byte, n)
	for i := range b {
		b[i] = digits[g.r.IntN(16)]
	}
	return string(b)
}

func (g *detectGen) from(alphabet string, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = alphabet[g.r.IntN(len(alphabet))]
	}
	return string(b)
}

const (
	upperDigits = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	base62      = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	base64url   = base62 + "-_"
)

// noise is an innocent line: what training and serving jobs print.
func (g *detectGen) noise() string {
	r := g.r
	switch r.IntN(12) {
	case 0, 1, 2:
		return fmt.Sprintf("INFO train step=%d epoch=%d loss=%.4f lr=%.1e grad_norm=%.3f tokens_per_sec=%.1f num_tokens=%d max_tokens=8192 gpu=%d mem_gb=%.1f",
			g.step, g.step/5000, r.Float64()*3, r.Float64()*1e-3, r.Float64()*5, 40000+r.Float64()*20000, r.IntN(1<<20), r.IntN(8), r.Float64()*80)
	case 3, 4:
		return fmt.Sprintf("INFO serve request_id=%s trace_id=%s user_id=%d model=%s status=200 latency_ms=%.2f bytes=%d path=/v1/completions",
			g.hex(16), g.f.UUID(), 1_000_000_000_000_000_000+r.Uint64N(8_000_000_000_000_000_000), g.model(), r.Float64()*300, r.IntN(1<<16))
	case 5:
		return fmt.Sprintf("INFO checkpoint saved path=/mnt/ckpt/run-%s/step-%08d.pt sha256=%s size=%d git=%s", g.f.UUID(), g.step, g.hex(64), r.Int64N(1<<40), g.hex(40))
	case 6:
		return fmt.Sprintf("INFO data shard=s3://datasets/%s/part-%05d-of-01024.parquet rows=%d cols=%d ts=%d elapsed=%d:%02d:%02d.%03d",
			g.f.Noun(), r.IntN(1024), r.IntN(1<<21), 2+r.IntN(200), 1_700_000_000_000+r.Int64N(100_000_000_000), r.IntN(3), r.IntN(60), r.IntN(60), r.IntN(1000))
	case 7:
		if r.IntN(20) != 0 { // the environment is printed once per job, not every few lines
			return g.noise()
		}
		// cuDNN versions have four parts: shaped like an IPv4 address
		// (the ipv4 detector skips values of version-named keys).
		return fmt.Sprintf("INFO env python=3.11.%d torch==2.%d.%d+cu121 cuda=12.%d cudnn=8.9.%d.%d driver=535.%d.%02d nccl=2.18.%d tokenizer=sentencepiece secret_name=prod-db-creds password_file=/run/secrets/db",
			r.IntN(10), r.IntN(5), r.IntN(3), r.IntN(5), r.IntN(8), r.IntN(30), r.IntN(200), r.IntN(100), r.IntN(9))
	case 8:
		return fmt.Sprintf("DEBUG config {'lr': %g, 'batch_size': %d, 'warmup_steps': %d, 'seed': %d, 'dropout': %.2f, 'optimizer': 'adamw', 'betas': (0.9, 0.95)}",
			r.Float64()*1e-3, 1<<r.IntN(10), r.IntN(10000), r.IntN(1<<31), r.Float64())
	case 9:
		return fmt.Sprintf("INFO eval accuracy=%.4f f1=%.4f auc=%.5f n=%d ece=%.3e preds=[%.3f, %.3f, %.3f] ptr=0x%s", r.Float64(), r.Float64(), r.Float64(), r.IntN(100000), r.Float64()*0.1, r.Float64(), r.Float64(), r.Float64(), g.hex(12))
	case 10:
		return fmt.Sprintf("WARN %s %s %s: retrying in %.1fs (attempt %d/5) job=%s-%s", g.f.Verb(), g.f.Noun(), g.f.Adjective(), r.Float64()*10, 1+r.IntN(5), g.f.Noun(), g.hex(8))
	default:
		return fmt.Sprintf("INFO embed preview=%s norm=%.4f dim=%d batch=%s", g.from(base64url, 44), r.Float64()*10, 1<<(6+r.IntN(6)), g.hex(32))
	}
}

func (g *detectGen) model() string {
	return []string{"llama-3-8b", "mistral-7b-v0.3", "bert-base-uncased", "resnet50", "gpt-neox-20b", "t5-v1_1-xl"}[g.r.IntN(6)]
}

// detectKinds are the kinds this corpus plants; the evaluation corpus of
// detect_eval_test.go plants the others.
var detectKinds = []string{"email", "card", "iban", "ssn", "phone", "ipv4", "ipv6", "mac", "jwt", "aws-key", "github-token",
	"gitlab-token", "slack-token", "slack-webhook", "stripe-key", "google-api-key", "private-key", "credential"}

// plant writes a line with one value of a randomly chosen kind, and labels it.
func (g *detectGen) plant() {
	kind := detectKinds[g.r.IntN(len(detectKinds))]
	if kind == "private-key" {
		g.plantPEM()
		return
	}
	v, ctx := g.value(kind)
	pre, post, _ := strings.Cut(ctx, "%s")
	g.buf.WriteString("INFO " + pre)
	g.labels = append(g.labels, detectLabel{kind, int64(g.buf.Len()), len(v)})
	g.buf.WriteString(v)
	g.buf.WriteString(post)
	fmt.Fprintf(g.buf, " step=%d loss=%.4f\n", g.step, g.r.Float64())
}

// value returns a planted value and a context for it ("%s" marks it).
func (g *detectGen) value(kind string) (string, string) {
	r, f := g.r, g.f
	pick := func(ctx ...string) string { return ctx[r.IntN(len(ctx))] }
	switch kind {
	case "email":
		return f.Email(), pick("user_email=%s", `{"email": "%s", "plan": "pro"}`, "sending receipt to <%s>", "login ok for %s")
	case "card":
		types := []string{"visa", "mastercard", "american-express", "diners-club", "discover"}
		v := f.CreditCardNumber(&gofakeit.CreditCardOptions{Types: []string{types[r.IntN(len(types))]}, Gaps: r.IntN(2) == 0})
		if len(v) > 16 && !strings.Contains(v, " ") {
			// Bare 17-19 digits are out of the card detector's scope
			// (see detect/card.go): print them grouped, as cards are.
			v = v[:4] + " " + v[4:8] + " " + v[8:12] + " " + v[12:]
		}
		if r.IntN(4) == 0 {
			v = strings.ReplaceAll(v, " ", "-")
		}
		return v, pick("payment card=%s approved", `{"card_number": "%s"}`, "charge failed for card %s: insufficient funds")
	case "iban":
		return g.iban(), pick("payout iban=%s", `{"iban": "%s", "amount": 12.50}`, "refund to %s queued")
	case "ssn":
		area := 1 + r.IntN(899)
		for area == 666 {
			area = 1 + r.IntN(899)
		}
		return fmt.Sprintf("%03d-%02d-%04d", area, 1+r.IntN(99), 1+r.IntN(9999)), pick("kyc ssn=%s", `{"ssn": "%s"}`, "applicant %s verified")
	case "phone":
		var v string
		switch r.IntN(4) {
		case 0:
			v = fmt.Sprintf("+1 %d%02d-%d%02d-%04d", 2+r.IntN(8), r.IntN(100), 2+r.IntN(8), r.IntN(100), r.IntN(10000))
		case 1:
			v = fmt.Sprintf("(%d%02d) %d%02d-%04d", 2+r.IntN(8), r.IntN(100), 2+r.IntN(8), r.IntN(100), r.IntN(10000))
		case 2:
			v = fmt.Sprintf("+44 20 %04d %04d", r.IntN(10000), r.IntN(10000))
		default:
			v = fmt.Sprintf("%d%02d.%d%02d.%04d", 2+r.IntN(8), r.IntN(100), 2+r.IntN(8), r.IntN(100), r.IntN(10000))
		}
		return v, pick("callback phone=%s", `{"phone": "%s"}`, "sms sent to %s")
	case "ipv4":
		return f.IPv4Address(), pick("client_ip=%s", "connect %s:8443 ok", `{"remote_addr": "%s"}`)
	case "ipv6":
		return f.IPv6Address(), pick("client_ip=%s", "peer [%s]:443 closed", `{"remote_addr": "%s"}`)
	case "mac":
		return f.MacAddress(), pick("device mac=%s", "dhcp lease %s renewed")
	case "jwt":
		h := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"HS256","typ":"JWT"}`))
		claims, _ := json.Marshal(map[string]any{"sub": f.UUID(), "iat": 1700000000 + r.IntN(1e8), "name": f.Name()})
		sig := make([]byte, 32)
		for i := range sig {
			sig[i] = byte(r.IntN(256))
		}
		return h + "." + base64.RawURLEncoding.EncodeToString(claims) + "." + base64.RawURLEncoding.EncodeToString(sig),
			pick("auth header Bearer %s", "auth_token=%s", `{"id_token": "%s"}`)
	case "aws-key":
		return []string{"AKIA", "ASIA"}[r.IntN(2)] + g.from("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 16), pick("aws_access_key_id=%s", "using key %s for s3")
	case "github-token":
		body := g.from(base62, 30)
		c := crc32.ChecksumIEEE([]byte(body))
		sum := make([]byte, 6)
		for i := 5; i >= 0; i-- {
			sum[i] = base62[c%62]
			c /= 62
		}
		return []string{"ghp_", "gho_", "ghu_", "ghs_", "ghr_"}[r.IntN(5)] + body + string(sum), pick("GITHUB_TOKEN=%s", "git clone https://%s@github.com/org/repo")
	case "gitlab-token":
		return "glpat-" + g.from(base64url, 20), pick("CI_JOB_TOKEN=%s", "gitlab auth %s")
	case "slack-token":
		return fmt.Sprintf("xoxb-%d-%d-%s", 100000000000+r.Int64N(899999999999), 1000000000000+r.Int64N(8999999999999), g.from(base62, 24)), pick("SLACK_BOT_TOKEN=%s", "notify via %s")
	case "slack-webhook":
		return "https://hooks.slack.com/services/T" + g.from(upperDigits, 8) + "/B" + g.from(upperDigits, 10) + "/" + g.from(base62, 24), pick("alert webhook=%s", "posting to %s")
	case "stripe-key":
		return []string{"sk_live_", "rk_live_"}[r.IntN(2)] + g.from(base62, 24+r.IntN(76)), pick("STRIPE_KEY=%s", "stripe client %s")
	case "google-api-key":
		return "AIza" + g.from(base64url, 35), pick("maps key=%s", "GOOGLE_API_KEY=%s")
	case "credential":
		v := g.from(base62+"!#%+-./@^_~", 12+r.IntN(20))
		return v, pick("db connect password=%s", `{"db_password": "%s"}`, "api_key: %s", "client_secret='%s'")
	}
	panic("no kind " + kind)
}

func (g *detectGen) iban() string {
	type country struct {
		code   string
		length int
		bban   string // alphabet per position: 'n' digit, 'a' upper, 'c' either
	}
	cs := []country{
		{"DE", 22, "nnnnnnnnnnnnnnnnnn"}, {"GB", 22, "aaaannnnnnnnnnnnnn"}, {"FR", 27, "nnnnnnnnnncccccccccccnn"},
		{"NL", 18, "aaaannnnnnnnnn"}, {"ES", 24, "nnnnnnnnnnnnnnnnnnnn"}, {"IT", 27, "annnnnnnnnncccccccccccc"},
		{"CH", 21, "nnnnncccccccccccc"}, {"BE", 16, "nnnnnnnnnnnn"}, {"PL", 28, "nnnnnnnnnnnnnnnnnnnnnnnn"}, {"NO", 15, "nnnnnnnnnnn"},
	}
	c := cs[g.r.IntN(len(cs))]
	bban := make([]byte, len(c.bban))
	for i, k := range c.bban {
		switch {
		case k == 'n' || k == 'c' && g.r.IntN(2) == 0:
			bban[i] = byte('0' + g.r.IntN(10))
		default:
			bban[i] = byte('A' + g.r.IntN(26))
		}
	}
	// Check digits: 98 - (BBAN + country + "00" as a number) mod 97.
	var num strings.Builder
	for _, b := range string(bban) + c.code + "00" {
		if b >= 'A' {
			fmt.Fprintf(&num, "%d", b-'A'+10)
		} else {
			num.WriteRune(b)
		}
	}
	n, _ := new(big.Int).SetString(num.String(), 10)
	check := 98 - new(big.Int).Mod(n, big.NewInt(97)).Int64()
	iban := fmt.Sprintf("%s%02d%s", c.code, check, bban)
	if len(iban) != c.length {
		panic("iban length for " + c.code)
	}
	if g.r.IntN(2) == 0 {
		var b strings.Builder
		for i := 0; i < len(iban); i += 4 {
			if i > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(iban[i:min(i+4, len(iban))])
		}
		iban = b.String()
	}
	return iban
}

// plantPEM writes a private-key block: on its own lines (each labelled, as
// a Scanner reports every line of a block) or escaped inside one JSON line.
func (g *detectGen) plantPEM() {
	kind := []string{"RSA ", "EC ", "", "OPENSSH "}[g.r.IntN(4)]
	begin := "-----BEGIN " + kind + "PRIVATE KEY-----"
	end := "-----END " + kind + "PRIVATE KEY-----"
	body := make([]string, 3+g.r.IntN(8))
	for i := range body {
		body[i] = g.from(base62+"+/", 64)
	}
	if g.r.IntN(2) == 0 {
		v := begin + `\n` + strings.Join(body, `\n`) + `\n` + end
		g.buf.WriteString(`INFO config {"service_account_key": "`)
		g.labels = append(g.labels, detectLabel{"private-key", int64(g.buf.Len()), len(v)})
		g.buf.WriteString(v + `\n"}` + "\n")
		return
	}
	g.buf.WriteString("INFO loaded key:\n")
	for _, l := range append(append([]string{begin}, body...), end) {
		g.labels = append(g.labels, detectLabel{"private-key", int64(g.buf.Len()), len(l)})
		g.buf.WriteString(l + "\n")
	}
}
