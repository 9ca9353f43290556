package detect

import "testing"

// tripwireMisses are lines the egress gate's default set let out public
// (issue 9 §5): each must now be caught, by the detector named, and the
// finding must cover the secret part named.
var tripwireMisses = []struct{ line, detector, value string }{
	// A real password that happens to contain a placeholder word.
	{"password=S3cr3tPassw0rd!", "credential", "S3cr3tPassw0rd!"},
	{"DB_PASSWORD=MySecretTokenX9#q", "credential", "MySecretTokenX9#q"},
	{"api_key: $ecr3tV4lu3-2026", "credential", "$ecr3tV4lu3-2026"},
	{"password='*Xk9mP2vL8q'", "credential", "*Xk9mP2vL8q"},
	{"secret=<Xk9mP2vL8q", "credential", "<Xk9mP2vL8q"},
	{"token=nullXk9mP2vL8q", "credential", "nullXk9mP2vL8q"},
	// Passwords in connection URLs, of any scheme, encoded or not.
	{"connecting to postgres://jane:S3cr3t@db.internal:5432/prod", "url-password", "S3cr3t"},
	{"redis://:pa$$w0rd!@cache:6379/0", "url-password", "pa$$w0rd!"},
	{"mongodb+srv://admin:S3%24cr%40t@cluster0.mongodb.net/test", "url-password", "S3%24cr%40t"},
	{"next=https%3A%2F%2Fbob%3Ahunter22%40example.com%2F", "url-password", "hunter22"},
	// Percent-encoded, internationalised and zero-width-split emails.
	{"GET /unsubscribe?u=jane.doe%40example.com HTTP/1.1", "email", "jane.doe%40example.com"},
	{"contact josé.müller@bücher.de now", "email", "josé.müller@bücher.de"},
	{"user jane\u200b.doe@example.com logged in", "email", "jane\u200b.doe@example.com"},
	{"user jane.doe@exa\u200dmple.com logged in", "email", "jane.doe@exa\u200dmple.com"},
	// Cards split by dots or zero-width characters.
	{"card 4111.1111.1111.1111 declined", "card", "4111.1111.1111.1111"},
	{"card 4111\u200b1111\u200b1111\u200b1111 declined", "card", "4111\u200b1111\u200b1111\u200b1111"},
	// Authorization headers.
	{"Authorization: Bearer 9fK2mQ7xLp4vR8tZ3wYb6nHc", "authorization", "9fK2mQ7xLp4vR8tZ3wYb6nHc"},
	{`headers={"Authorization": "Basic amFuZTpTM2NyM3RQYXNz"}`, "authorization", "amFuZTpTM2NyM3RQYXNz"},
	{"curl -H 'authorization: bearer abc.DEF-123_ghi~JKL+mno/p=' x", "authorization", "abc.DEF-123_ghi~JKL+mno/p="},
	// Other schemes, and none, after an Authorization name (gitleaks'
	// curl-auth-header fixtures).
	{`curl -H "Authorization: Token 22cb987851bc5659229114c62e60c79abd0d2c08" --request PUT`, "authorization", "22cb987851bc5659229114c62e60c79abd0d2c08"},
	{`curl -H "Authorization: Api-Token 22cb987851bc5659l29114c62e60c79abd0d2c08"`, "authorization", "22cb987851bc5659l29114c62e60c79abd0d2c08"},
	{"curl --header  'Authorization:  5eb4223e-5008-46e5-be67-c7b8f2732305'", "authorization", "5eb4223e-5008-46e5-be67-c7b8f2732305"},
	{`{"authorization": "k2Jd8fQz1Lm9Xw4Rt7Vb"}`, "authorization", "k2Jd8fQz1Lm9Xw4Rt7Vb"},
	// A JWT printed without its signature (detect-secrets' fixtures).
	{"jwt=eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ done", "jwt",
		"eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ"},
}

// TestTripwireMisses guards issue 9 §5: the default set finds each value.
func TestTripwireMisses(t *testing.T) {
	s := mustSet(t)
	for _, tc := range tripwireMisses {
		fs := s.Find([]byte(tc.line), nil)
		ok := false
		for _, f := range fs {
			if f.Detector == tc.detector && tc.line[f.Offset:f.Offset+int64(f.Len)] == tc.value {
				ok = true
			}
		}
		if !ok {
			t.Errorf("Find(%q) = %+v, want %s %q", tc.line, fs, tc.detector, tc.value)
		}
		if _, ok := s.NewChecker().Check([]byte(tc.line)); !ok {
			t.Errorf("Checker passes %q", tc.line)
		}
	}
}

// mlDecoys are lines of real ML output that hold no secret and no personal
// data: none may be reported by the default set (issue 12).
var mlDecoys = []string{
	`{"token": " photosynthesis", "logprob": -0.77, "bytes": [32, 112]}`,
	`{"token": "Ġphotosynthesis", "logprob": -0.77}`,
	`{"token": "▁Paris", "logprob": -0.01, "top_logprobs": [{"token": "▁London", "logprob": -4.6}]}`,
	`{"token": "Photosynthesis", "logprob": -1.2}`,
	`{"token": "bytes:\xe2\x80", "logprob": -3.1}`,
	`{"token": "##ization", "id": 3989}`,
	"next_page_token=CiAKGjBpNDd2Nmp2Zml2cXRtbzBmcGZtdHRiM2UQAQ",
	`{"nextPageToken": "CiAKGjBpNDd2Nmp2Zml2cXRtbzBmcGZtdHRiM2U"}`,
	"git clone git@github.com:org/repo.git",
	"nvidia-cudnn-cu12==9.1.0.70",
	"Δtokens=+16777216",
	"num_tokens=6011820449486005 rng=4334252910217187 sample_idx=4111111111111111 checksum=6011000990139424",
	"tokens_seen=30569309025904 max_new_tokens=512",
	"pad_token: <pad> eos_token: </s> bos_token_id=1",
	"Basic dXNlcjpwYXNzd29yZA==",
	"the bearer of bad news",
	"password_file=/run/secrets/db secret_name=prod-db-creds",
	"http://localhost:8080/v1/models https://huggingface.co/meta-llama/Llama-3-8B",
	"redis://:${REDIS_PASSWORD}@cache:6379/0 postgres://user:password@localhost/db",
	"python -u -m torch.distributed.run --nproc_per_node 8 train.py",
	`{"authorization": null, "tokenizer": "meta-llama/Llama-3-8B", "credentials": "/root/.config/gcloud/adc.json"}`,
	"Authorization: AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20260101/us-east-1/s3/aws4_request",
	"tokenizer_token=bert-base-uncased access_token=HF_TOKEN",
}

func TestMLDecoys(t *testing.T) {
	s := mustSet(t)
	for _, l := range mlDecoys {
		if fs := s.Find([]byte(l), nil); len(fs) != 0 {
			t.Errorf("Find(%q) = %+v, want nothing", l, fs)
		}
	}
}

// TestMLDecoysAll: the version pins of pip freeze are not IPv4 addresses,
// even with every detector on.
func TestMLDecoysAll(t *testing.T) {
	s := mustSet(t, "all")
	for _, l := range []string{"nvidia-cudnn-cu12==9.1.0.70", "torch~=2.4.1.0", "driver v535.104.5.1"} {
		if fs := s.Find([]byte(l), nil); len(fs) != 0 {
			t.Errorf("Find(%q) = %+v, want nothing", l, fs)
		}
	}
}
