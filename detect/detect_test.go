package detect

import (
	"slices"
	"strings"
	"testing"
)

// samples holds, per detector, values it must report (found) and strings it
// must not report (clean), each tried alone and inside a log line.
var samples = map[string]struct{ found, clean []string }{
	"email": {
		found: []string{"bob@example.org", "mailto:bob@example.org"[7:], "jane.doe+ml@data.co.uk", "a_b-c%d@sub-domain.example.io", "X@Y.ZA"},
		clean: []string{"@property", "user@localhost", "torch@2.1.0", "a@b.c", "bob@-x.com", "bob@x-.com", "bob@x..com", "@@", "name@",
			"https://user:pa55word@db.example.com/x", "https://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@github.com/org/repo"},
	},
	"card": {
		// Grouped: the grouping is context enough. Bare numbers need a
		// word naming a card before them: see cardLines.
		found: []string{"4111 1111 1111 1111", "4111-1111-1111-1111", "4111.1111.1111.1111", "4111\u200b1111\u200b1111\u200b1111",
			"5555 5555 5555 4444", "2223 0031 2200 3222", "3782 822463 10005", "6011 0009 9013 9424 009", "3530 1113 3330 0000",
			"3056 930902 5904", "6200 0000 0000 0005", "4222 2222 2222 2"},
		clean: []string{"4111 1111 1111 1112", "1234 5678 1234 5670", "4111 1111-1111 1111", "9111 1111 1111 1111", "4111.1111.1111.1111.2",
			"0.4111111111111111", "41111111111111111111",
			"request_id=3557782371113626", `{"trace_id": "4111111111111111"}`, "seed: 4111111111111111",
			"99d4b285-6140-4814-8116-277cf38896b7", "v2.4111.1111.1111.1111"},
	},
	"iban": {
		found: []string{"DE89370400440532013000", "DE89 3704 0044 0532 0130 00", "GB82WEST12345698765432", "FR1420041010050500013M02606",
			"NL91ABNA0417164300", "CH9300762011623852957", "NO9386011117947"},
		clean: []string{"DE89370400440532013001", "DE8937040044053201300", "XX89370400440532013000", "GB82WEST1234569876543X", "DE89 3704 0044 0532 0130 0"},
	},
	"ssn": {
		found: []string{"536-22-1234", "001-01-0001", "665-99-9999", "536 22 1234", "899-45-6788"},
		clean: []string{"000-12-3456", "536-00-1234", "536-22-0000", "078-05-1120", "219-09-9999",
			"123-45-6789", "536-22 1234", "2026-11-23", "536-22-1234-5"},
	},
	"uk-nino": {
		found: []string{"AB 12 34 56 C", "ZY 98 76 54 A"},
		clean: []string{"QQ 12 34 56 C", "AB 12 34 56 E", "GB 12 34 56 A", "AO 12 34 56 A", "AB 12 34 5 C", "AB12 34 56 C"},
	},
	"it-cf": {
		found: []string{"RSSMRA85T10A562S", "BNCGPP80A41F205L", "RSSMRA85T10A56NH"},
		clean: []string{"RSSMRA85T10A562T", "RSSMRA85F10A562S", "RSSMRA85T10A562", "rssmra85t10a562s"},
	},
	"es-dni": {
		found: []string{"12345678Z", "12345678-Z", "X1234567L", "Z7654321H"},
		clean: []string{"12345678A", "00000000T", "X1234567A", "W1234567L", "1234567Z", "12345678z"},
	},
	"nl-bsn": {
		found: []string{"111222333", "1112.22.333"},
		clean: []string{"111222334", "000000000", "11122233", "1112223330"},
	},
	"fr-nir": {
		found: []string{"185057800608491", "1 85 05 78 006 084 91", "269057512345631"},
		clean: []string{"185057800608492", "585057800608491", "1 85 13 78 006 084 42", "18505780060849"},
	},
	"phone": {
		// International and written with separators: no context needed.
		// The rest need a word naming a phone: see phoneLines.
		found: []string{"+44 20 7946 0958", "+1 (415) 555-2671", "+1 415-555-2671", "+33 8 66 90 74 39", "+39 06 6982 1234"},
		clean: []string{"+0123456789", "+1234", "+1 (415) 555-26", "+44 20 7946"},
	},
	"ipv4": {
		found: []string{"10.0.0.1", "192.168.1.254", "255.255.255.255", "8.8.8.8"},
		clean: []string{"256.1.1.1", "1.2.3", "1.2.3.4.5", "01.2.3.4", "1.2.3.4-rc1", "cudnn=8.9.2.26", `{"driver_version": "1.2.3.4"}`},
	},
	"ipv6": {
		found: []string{"fe80::1", "2001:db8::8a2e:370:7334", "2001:0db8:85a3:0000:0000:8a2e:0370:7334", "::1", "::ffff:192.0.2.128"},
		clean: []string{"::", "12:34:56", "dead:beef", "std::vector", "2001:db8:::1", "17:14:33.123"},
	},
	"mac": {
		found: []string{"00:1a:2b:3c:4d:5e", "00-1A-2B-3C-4D-5E", "FF:FF:FF:FF:FF:FF"},
		clean: []string{"00:1a:2b:3c:4d", "00:1a-2b:3c:4d:5e", "00:1a:2b:3c:4d:5e:6f", "0g:1a:2b:3c:4d:5e", "12:34:56"},
	},
	"jwt": {
		found: []string{
			"eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c",
			"eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.",
			"eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0", // signature left off
		},
		clean: []string{
			"eyJ0eXAiOiJKV1QifQ.eyJzdWIiOiJ4In0.c2ln", // header without alg
			"eyJhbGciOiJIUzI1NiJ9.bm90IGpzb24.c2ln",   // claims not JSON
			"eyJhbGciOiJIUzI1NiJ9.bm90IGpzb24",        // two parts, claims not JSON
			"eyJhbGciOiJIUzI1NiJ9",
		},
	},
	"aws-key": {
		found: []string{"AKIAZ2X7QJ4MRT5NV6WB", "ASIAQ3RT7ZX2KLMN4PQW", "ABIAZ2X7QJ4MRT5NV6WB", "ACCAZ2X7QJ4MRT5NV6WB", "AROAZ2X7QJ4MRT5NV6WB",
			"A3TXZ2X7QJ4MRT5NV6WB"},
		clean: []string{"AKIAIOSFODNN7EXAMPLE", "AKIAZ2X7QJ4MRT5NV6W", "AKIAZ2X7QJ4MRT5NV6WBX", "AKIAZ2X7QJ4MRT5NV6W1", "akiaz2x7qj4mrt5nv6wb", "AKIAXXXXXXXXXXXXXXXX"},
	},
	"github-token": {
		found: []string{"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", "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",
			"github_pat_11ABCDEFG0123456789abc_" + strings.Repeat("aB3dE5gH7j", 5) + "K9mN2pQ4r"},
		clean: []string{"ghp_8aspm4G7VmSUfOoD6V1vrORcmn0iSH2JWh3e", "ghx_8aspm4G7VmSUfOoD6V1vrORcmn0iSH2JWh3d", "ghp_" + strings.Repeat("a", 36),
			"ghp_8aspm4G7VmSUfOoD6V1vrORcmn0iSH2JWh3"},
	},
	"gitlab-token": {
		found: []string{"glpat-9XkQm2Lp7RvT4wYz8NcB", "glpat-ab12CD34ef56GH78ij90KLmn", "gldt-9XkQm2Lp7RvT4wYz8NcB", "glrt-9XkQm2Lp7RvT4wYz8NcB",
			"glptt-0f3c2a9b8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f3a", "glft-9XkQm2Lp7RvT4wYz8NcB", "glpat-9XkQm2Lp7RvT4wYz8NcBq1w2e3r.01.1a2b3c4d5"},
		clean: []string{"glpat-short", "glpat-xxxxxxxxxxxxxxxxxxxx", "glpat-<your-token-here>",
			"glptt-hellOworld380_testin", "glagent-hellOworld380_testin", "glimt-my-tokens_are-corr", "GR134894112312312312312312312",
			"gloas-checking_Length-Is-checking_Length-Is-", "glpat-9XkQm2Lp7RvT4wYz8NcBq1w2e3r.01.1A2B3C4D5"},
	},
	"slack-token": {
		found: []string{"xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx", "xoxb-379000000949-3264265062887-Yt0EEj8spYCJy881ZW14w7Ey", "xoxp-12345678901-12345678901-123456789012-0123456789abcdef0123456789abcdef",
			"xoxe.xoxp-1-Mi0yLTEyMzQ1Njc4OTAxMi0xMjM0NTY3ODkwMTIzLTEyMzQ1Njc4OTAxMjM0NTYtYWJj", "xoxe-1-My0xLTEyMzQ1Njc4OTAxMi0xMjM0NTY3ODkwMTIzNDU2"},
		clean: []string{"xoxb-not-a-token", "xoxb-", "xoxb-123456789012-xxxxxxxxxxxxxxxxxxxxxx", "xoxe.xoxp-"},
	},
	"slack-webhook": {
		found: []string{"https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX"[:0] + "https://hooks.slack.com/services/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",
			"hooks.slack.com/services/T024TTTTT/BBB72BBL/AZAAA9u0pA4ad666eMgbi555", "https://hooks.slack.com/workflows/T0A1B2C3D/A04J5K6L7M8/123456789012345678/q8R9s0T1u2V3w4X5y6Z7a8B9",
			"https://hooks.slack.com/triggers/T0A1B2C3D/1234567890123/q8R9s0T1u2V3w4X5y6Z7a8B9"},
		clean: []string{"https://hooks.slack.com/services/", "https://hooks.slack.com/services/T0A1B2C3D/B4E5F6G7H/XXXXXXXXXXXXXXXXXXXXXXXX"},
	},
	"stripe-key": {
		found: []string{"sk_live_4eC39HqLyjWDarjtT1zdp7dc", "rk_live_51HxYzAbCdEfGhIjKlMnOpQrStUv", "sk_test_4eC39HqLyjWDarjtT1zdp7dc",
			"rk_test_51HxYzAbCdEfGhIjKlMnOpQrStUv", "whsec_9fK2mQ7xLp4vR8tZ3wYb6nHcAa1", "rk_prod_51OuEMLAlTWGaDypquDn9aZigaJOsa9NR1w1BxZXs9Jl"},
		clean: []string{"sk_live_short", "sk_live_xxxxxxxxxxxxxxxxxxxxxxxx", "pk_test_4eC39HqLyjWDarjtT1zdp7dc"},
	},
	"google-api-key": {
		found: []string{"AIzaSyD3x8-9Kq2LmN4pQr5sTu6vWx7yZ0aBcDe"},
		clean: []string{"AIzaSyD3x8-9Kq2LmN4pQr5sTu6vWx7yZ0aBcD", "AIzaSyD3x8-9Kq2LmN4pQr5sTu6vWx7yZ0aBcDef", "AIzaxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"},
	},
	"private-key": {
		found: []string{"-----BEGIN PRIVATE KEY-----", "-----BEGIN RSA PRIVATE KEY-----", "-----BEGIN OPENSSH PRIVATE KEY-----",
			"-----BEGIN EC PRIVATE KEY-----\\nMHcCAQEEIB\\n-----END EC PRIVATE KEY-----", "-----BEGIN ENCRYPTED PRIVATE KEY-----",
			"-----BEGIN PGP PRIVATE KEY BLOCK-----", "-----BEGIN PGP PRIVATE KEY BLOCK-----\\nlQOYBF\\n-----END PGP PRIVATE KEY BLOCK-----"},
		clean: []string{"-----BEGIN PUBLIC KEY-----", "-----BEGIN CERTIFICATE-----", "-----BEGIN RSAPRIVATE KEY-----",
			"-----BEGIN OPENSSH PRIVATE KEY----------END OPENSSH PRIVATE KEY-----", "-----BEGIN PRIVATE KEY-----\\nanything\\n-----END PRIVATE KEY-----"},
	},
	"url-password": {
		found: []string{"S3cr3t", "pa$$w0rd!", "S3%24cr%40t", "hunter22"},
		clean: []string{"password", "${REDIS_PASSWORD}", "***", "<password>", "pw", "a b c"},
	},
	"authorization": {
		found: []string{"9fK2mQ7xLp4vR8tZ3wYb6nHc", "amFuZTpTM2NyM3RQYXNz", "abc.DEF-123_ghi~JKL+mno/p=", "5eb4223e-5008-46e5-be67-c7b8f2732305",
			"c2tfdGVzdF80ZUMzOUhxTHlqV0Rhcmp0VDF6ZHA3ZGM6"}, // Basic sk_test_…: (a key as the user)
		clean: []string{"token", "of", "abcdefghijklmnopqrst", "<your-token-here>", "YWJjZGVm", "YnJvd3Nlcjo="}, // browser:
	},
	"credential": {
		found: []string{"Xk9#mP2$vL8q", "s3cr3t-V4lue-9q", "Tr0ub4dor&3x", "%QuG!1_AG^wu2P4#D"},
		clean: []string{"changeme", "xxxxxxxxxx", "<token>", "${DB_PASSWORD}", "$DB_PASSWORD", "********", "short", "aaaaaaaaaaaa",
			"{{ .Password }}", "your_password_here", "REDACTED", "abababab"},
	},
}

// checkLines checks a table of lines: in each found line the value marked
// by «» is the one finding, of a detector whose name ends with suffix;
// no clean line has a finding.
func checkLines(t *testing.T, s *Set, tab struct{ found, clean []string }, suffix string) {
	t.Helper()
	for _, l := range tab.found {
		i, j := strings.Index(l, "«"), strings.Index(l, "»")
		want := l[i+len("«") : j]
		line := strings.NewReplacer("«", "", "»", "").Replace(l)
		fs := s.Find([]byte(line), nil)
		if len(fs) != 1 || fs[0].Col != i+1 || fs[0].Len != len(want) || !strings.HasSuffix(fs[0].Detector, suffix) {
			t.Errorf("Find(%q) = %+v, want %s %q at col %d", line, fs, suffix, want, i+1)
		}
	}
	for _, l := range tab.clean {
		if fs := s.Find([]byte(l), nil); len(fs) != 0 {
			t.Errorf("Find(%q) = %+v, want nothing", l, fs)
		}
	}
}

// cardLines are lines whose bare card number (marked by «») is named by
// the words before it, and lines where it is not.
var cardLines = struct{ found, clean []string }{
	found: []string{
		"payment card=«4111111111111111» approved",
		`{"card_number": "«5555555555554444»"}`,
		"ccNum: «378282246310005»",
		"charge failed for card «6011111111111117»: insufficient funds",
		"pan=«6759649826438453» type=maestro",
		"Visa «4222222222222» on file",
		"cc «6304000000000000» exp 12/29",
		"billing.credit_card «3530111333300000»",
		"debit «601100099013942400» ok",
	},
	clean: []string{
		"num_tokens=6011820449486005 cards=2",
		"rng=4334252910217187",
		"scan 4111111111111111",
		"discard=4111111111111111", // "card" only inside a word
		"accuracy 5555555555554444",
		// Luhn-valid, from an issuer's range, but bare with no card word.
		"4111111111111111", "6011820449486005", "4334252910217187", "5555555555554444",
		"tokens_seen=30569309025904", "sample_idx=4111111111111111", "checksum: 6011000990139424",
	},
}

func TestCardLines(t *testing.T) { checkLines(t, mustSet(t, "card"), cardLines, "card") }

// contextual detectors find a value only after its key, scheme or URL.
var contextual = map[string]bool{"credential": true, "url-password": true, "authorization": true, "nl-bsn": true, "fr-nir": true}

// idLines are lines whose national id or bare SSN (marked by «») is named by
// the words before it, and lines where it is not.
var idLines = struct{ found, clean []string }{
	found: []string{
		"bsn=«111222333»", `{"burgerservicenummer": "«1112.22.333»"}`,
		"nir=«185057800608491»", "numéro de sécurité sociale : «1 85 05 78 006 084 91»", `{"insee": "«269057512345631»"}`,
		"NINO «AB123456C»", `{"ni_number": "«ZY987654A»"}`, "national insurance number: «AB 12 34 56 C»",
		"ssn=«536221234»", `{"social_security_number": "«536221234»"}`, "applicant «536-22-1234» verified",
		"ssn: «900-12-3456»", "itin «912-78-3456»",
		"dni=«12345678Z»", "NIE «X1234567L»", "codice_fiscale=«RSSMRA85T10A562S»",
	},
	clean: []string{
		"step=111222333", "id 185057800608491", "batch AB123456C", "ssn=123456789", "ssn=000221234", "sample_idx=536221234",
		"bsn=111222334", "nir=185057800608492", "snir=185057800608491", "id 666-12-3456", "ref 900-12-3456",
	},
}

func TestIDLines(t *testing.T) { checkLines(t, mustSet(t), idLines, "") }

// phoneLines are lines whose phone number (marked by «») is found, and
// lines that hold none, with every detector on.
var phoneLines = struct{ found, clean []string }{
	found: []string{
		"phone=«+14155552671»", "callback phone «415-555-2671»", `{"phone": "«(415) 555-2671»"}`, "tel: «(0141)4960835»",
		"mobile «06690743915»", "Telefon «(04402) 586460»", "sms sent to «+44 7911 123456»", "whatsapp «+49 1512 3456789»",
		"téléphone «05 28 50 08 91»", "phone: «001-415-555-2671x400»",
	},
	clean: []string{
		"Δtokens=+16777216", "step 2026-11-23", "415-555-2671", "ratio +14155552671", "size=06690743915", "delta=+3.1415926535",
		"nvidia-cudnn-cu12==9.1.0.70", "lr 0.0001234567",
	},
}

func TestPhoneLines(t *testing.T) { checkLines(t, mustSet(t, "all"), phoneLines, "phone") }

// credentialLines are lines whose credential value (marked by «») must be
// found, and lines that hold none.
var credentialLines = struct{ found, clean []string }{
	found: []string{
		"password=«Xk9#mP2$vL8q»",
		"db passwd: «s3cr3t-V4lue-9q» user=bob",
		`{"api_key": "«Tr0ub4dor&3x»", "n": 1}`,
		"DB_PASSWORD=«hT7#kq2Lm9xZ»",
		"client_secret='«a8Fk2mQ9zX4p»'",
		"authToken := «q9Zx7Lp2Mv4N»",
		"curl -H x?apikey=«k2Jd8fQz1Lm9»&page=2",
		"SECRET : «W9x!c4Rt7vQe»",
		"db connect password=«M#JPCJiF-MaJ@UlNR.Fosg%jfwe» step=1", // an email inside stays one credential
		`"credentials" : "«0afae57f3ccfd9d7f5767067bc48b30f719e271ba470488056e37ab35d4b6506»"`,
		"+ curl -s -u «api:d2LkV78zLx!t» https://api.example.net/v2/messages",
		"curl --user  '«johns:h0pk1ns~21s»' $API_URL",
		`curl -u "«:d2LkV78zLx!t»" https://localhost:9200`,
		`curl -u «sk9Xq2LmP7vR4tZ8:» https://api.example.net`, // an API key as the user
		"curl --user «kevin:'pRf7vG2h1L8nQkW9'» -iX PATCH",
		`curl -X POST --user «"{acd3c08b-74e8-4f44-a2d0-80694le24f46}":"{ZqL5kVrX1n8tA2}"» --header "Accept: application/json"`,
		` utils.GetEnvOrDefault("api_token", "«dafa7817-e246-48f3-91a7-e87653d587b8»")`,
		`os.environ.get('CLIENT_SECRET','«k2Jd8fQz1Lm9Xw4R»')`,
		`getenv("DB_PASSWORD", "«hT7#kq2Lm9xZ»")`,
	},
	clean: []string{
		"num_tokens=51234 max_tokens=4096",
		"tokenizer: bert-base-uncased",
		"password=changeme",
		"password=${DB_PASSWORD}",
		"token=<token>",
		"secret=********",
		"password_hash=on",
		"token=ab",
		"password=",
		"passwordless=true",
		"secret_name=prod-db-creds",
		`notes = "Maven - io.jsonwebtoken:jjwt-jackson-0.11.2"`, // a slug
		"secret=/run/secrets/db_password",                       // a path
		`credentials: ./keys/service-account.json`,
		"publicToken = \"9Cnzj4p4WGeKLs1Pt8QuKUpRKfFLfRYC9AIKjbJTWit\"",
		"csrf-token=Mj2qykJO5rELyHgezQ69nzUX0i3OH67V7+V4eUrLfpuyOuxmiW9rhROG/Whikle15syazJOkrjJa3U2AbhIvUw==",
		"https://qyapi.example.com/cgi-bin/department/create?access_token=ACCESS_TOKEN",
		"python -u train.py --epochs 3",
		"docker run -u 1000:1000 img",
		"docker run -u $(id -u):$(id -g) img",
		"curl -u root:root http://localhost",
		"pip install -U transformers",
		`print(["token", "logprob"], ["secret", "prod-db-creds"])`,
		`getenv("api_token", "")`,
		`fields=("password", "username", "email")`,
	},
}

func mustSet(t testing.TB, names ...string) *Set {
	t.Helper()
	ds, err := Select(names...)
	if err != nil {
		t.Fatal(err)
	}
	s, err := NewSet(ds...)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestSamples guards every detector's validator and candidate search: each
// true sample is found whole, alone and inside a line; no false sample is.
func TestSamples(t *testing.T) {
	for _, d := range Detectors() {
		if _, ok := samples[d.Name()]; !ok {
			t.Errorf("detector %s has no samples", d.Name())
		}
	}
	for name, tab := range samples {
		d, ok := Lookup(name)
		if !ok {
			t.Fatalf("no detector %q", name)
		}
		one := mustSet(t, name)
		for _, v := range tab.found {
			if !d.Validate([]byte(v)) {
				t.Errorf("%s.Validate(%q) = false, want true", name, v)
			}
			if contextual[name] {
				continue // found only after a key; see TestCredentialLines
			}
			for _, line := range []string{v, "x " + v + " y", "msg=\"" + v + "\", next", "[" + v + "]"} {
				fs := one.Find([]byte(line), nil)
				if len(fs) != 1 || line[fs[0].Offset:fs[0].Offset+int64(fs[0].Len)] != v || fs[0].Detector != name {
					t.Errorf("%s: Find(%q) = %+v, want exactly %q", name, line, fs, v)
				}
			}
		}
		for _, v := range tab.clean {
			if d.Validate([]byte(v)) {
				t.Errorf("%s.Validate(%q) = true, want false", name, v)
			}
			for _, line := range []string{v, "x " + v + " y"} {
				if fs := one.Find([]byte(line), nil); len(fs) != 0 {
					t.Errorf("%s: Find(%q) = %+v, want nothing", name, line, fs)
				}
			}
		}
	}
}

func TestCredentialLines(t *testing.T) {
	checkLines(t, mustSet(t, "credential"), credentialLines, "credential")
}

// TestSpecificWins guards overlap resolution: a token after "token=" is
// reported once, by its own detector, not as a generic credential.
func TestSpecificWins(t *testing.T) {
	s := mustSet(t)
	line := []byte("token=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 password=AKIAZ2X7QJ4MRT5NV6WB")
	fs := s.Find(line, nil)
	var got []string
	for _, f := range fs {
		got = append(got, f.Detector)
	}
	if !slices.Equal(got, []string{"github-token", "aws-key"}) {
		t.Fatalf("Find = %v, want [github-token aws-key]", got)
	}
	if f, ok := s.Check([]byte("mailto:bob@example.org")); !ok || f.Detector != "email" || f.Col != 8 {
		t.Fatalf("Check(mailto:) = %+v, %v", f, ok)
	}
	// A password holding an email-shaped part stays one credential.
	line = []byte("password=M#JPCJiF-MaJ@UlNR.Fosg%jfwe step=1")
	if fs := s.Find(line, nil); len(fs) != 1 || fs[0].Detector != "credential" || fs[0].Len != len("M#JPCJiF-MaJ@UlNR.Fosg%jfwe") {
		t.Fatalf("Find = %+v, want one credential", fs)
	}
}

// TestDefaultSet guards the gate's default: high-confidence detectors only.
func TestDefaultSet(t *testing.T) {
	s := mustSet(t)
	for _, d := range s.Detectors() {
		if d.Confidence() != High {
			t.Errorf("default set holds %s (confidence %v)", d.Name(), d.Confidence())
		}
	}
	if _, ok := s.Check([]byte("client 10.0.0.1 mac 00:1a:2b:3c:4d:5e phone +14155552671")); ok {
		t.Error("default set reported a low-confidence value")
	}
	if f, ok := s.Check([]byte("user bob@example.org")); !ok || f.Detector != "email" || f.Col != 6 {
		t.Errorf("Check = %+v, %v; want email at col 6", f, ok)
	}
	if _, err := Select("email", "nope"); err == nil || !strings.Contains(err.Error(), `unknown detector "nope"`) {
		t.Errorf("Select(nope) error = %v", err)
	}
	if ds, err := Select("email", "card", "email"); err != nil || len(ds) != 2 {
		t.Errorf("Select(email, card, email) = %v, %v; want email and card", ds, err)
	}
	if ds, err := Select("all"); err != nil || len(ds) != len(Detectors()) {
		t.Errorf("Select(all) = %d detectors, %v; want %d", len(ds), err, len(Detectors()))
	}
}

// TestCheckNoAlloc guards the gate's hot path: a clean line costs no allocation.
func TestCheckNoAlloc(t *testing.T) {
	if testing.CoverMode() != "" {
		t.Skip("coverage instrumentation allocates")
	}
	s := mustSet(t)
	line := []byte("SystemLog:time=2026-11-23T17:14:33Z level=INFO msg=\"epoch finished\" epoch=3 loss=0.251 step=12000 id=9f86d081884c")
	if n := testing.AllocsPerRun(100, func() { s.Check(line) }); n != 0 {
		t.Errorf("Check allocates %v times per clean line", n)
	}
}

func TestMask(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"4111111111111111", "************1111"},
		{"bob@example.org", "***********.org"},
		{"10.0.0.1", "******.1"},
		{"abc", "**c"},
		{"ab", "**"},
		{"", ""},
		{strings.Repeat("k", 100) + "tail", "****************tail"},
	} {
		if got := Mask([]byte(tc.in)); got != tc.want {
			t.Errorf("Mask(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
