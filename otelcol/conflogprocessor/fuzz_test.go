package conflogprocessor

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// FuzzSameAsScrub: whatever the bytes, cut into records at '\n' as the
// filelog receiver cuts a file and sent in batches of any size, the
// processor passes exactly the lines conflog scrub passes on those bytes,
// and each starts with the prefix. So no body comes out public unless
// scrub would pass it. With keep_ansi too: coloured values are judged as a
// terminal shows them.
func FuzzSameAsScrub(f *testing.F) {
	f.Add(readJob(f), uint8(0), uint64(1), false, false)
	f.Add(readJob(f), uint8(40), uint64(2), true, false)
	f.Add([]byte("SystemLog: a\rb\r\nSystemLog: c\x1b[31m\nx\x1bSystemLog: y\n"), uint8(0), uint64(3), false, false)
	f.Add([]byte("Traceback (most recent call last):\n  File \"a.py\", line 1, in <module>\nKeyError: 'a@b.co'\nSystemLog: more a@b.co\n"), uint8(0), uint64(4), false, false)
	f.Add([]byte("panic: boom\n\ngoroutine 1 [running]:\nmain.main()\n\t/src/main.go:5 +0x1d\nexit status 2\nSystemLog: ok\n"), uint8(0), uint64(5), false, false)
	f.Add([]byte("SystemLog: -----BEGIN RSA PRIVATE KEY-----\nSystemLog: MIIEowIBAAKCAQEA\nSystemLog: -----END RSA PRIVATE KEY-----\n"), uint8(0), uint64(6), true, false)
	f.Add(joinLines(colouredValues), uint8(0), uint64(7), false, true)
	f.Add(joinLines(colouredValues), uint8(0), uint64(8), true, true)
	f.Add([]byte("SystemLog: key \x1b[1m-----BEGIN RSA PRIVATE KEY-----\x1b[0m\nSystemLog: \x1b[2mMIIEowIBAAKCAQEA\x1b[0m\nSystemLog: ok\n"), uint8(0), uint64(9), true, true)
	f.Fuzz(func(t *testing.T, stream []byte, maxLine uint8, seed uint64, redact, keepANSI bool) {
		cfg := testConfig()
		if maxLine >= uint8(len(prefix)) {
			cfg.MaxLine = int(maxLine)
		}
		if redact {
			cfg.Detect = detectRedact
		}
		cfg.KeepANSI = keepANSI
		p, sink := start(t, cfg)
		send(t, p, "fuzz", records("/f.log", fileLines(stream)), rand.New(rand.NewPCG(seed, seed)))
		got := bodies(sink)
		want := oracle(t, cfg, stream)
		if !slices.Equal(got, want) {
			t.Fatalf("processor and scrub differ on %q:\n got %q\nwant %q", stream, got, want)
		}
		for _, l := range got {
			if !strings.HasPrefix(l, prefix) || strings.ContainsAny(l, "\n\r") {
				t.Fatalf("not a public line: %q", l)
			}
		}
	})
}
