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
