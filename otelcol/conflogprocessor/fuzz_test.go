package conflogprocessor

import (
	"bytes"
	"context"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// FuzzSameAsScrub: whatever the bytes, cut into records at '\n' as the
// filelog receiver cuts a file (and a line longer than max_log_size, here
// max_line, into pieces of that length) and sent in batches of any size,
// the processor passes exactly the lines conflog scrub passes on those
// bytes, and each starts with the prefix: a cut line's rest stays private
// as scrub keeps it. Where the processor is stricter than scrub by design
// (receiverCut), scrub's input is what the processor judges. So no body comes out public unless
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
	f.Add([]byte("SystemLog: a\nsecret 4111111111111111 SystemLog: leaked\nSystemLog: b\n"), uint8(24), uint64(10), false, false)
	f.Add([]byte("SystemLog: exactly 24 ch\nSystemLog: lost\nx\nSystemLog: c\n"), uint8(24), uint64(11), false, false)
	f.Add([]byte("Traceback (most recent call last):\n  File \"a.py\", line 1, in <module>\nKeyError: 'alice@example.com' SystemLog: x\nSystemLog: y\n"), uint8(12), uint64(12), false, false)
	f.Add([]byte("SystemLog: a\nprivate \xc3\xa9t\xc3\xa9 caf\xc3\xa9 \xc3\xa9SystemLog: rest\nSystemLog: b\n"), uint8(18), uint64(13), false, false)
	f.Fuzz(func(t *testing.T, stream []byte, maxLine uint8, seed uint64, redact, keepANSI bool) {
		cfg := testConfig()
		if maxLine >= uint8(len(prefix)) {
			cfg.MaxLine = int(maxLine)
			cfg.ReceiverMaxLogSize = int(maxLine)
		}
		if redact {
			cfg.Detect = detectRedact
		}
		cfg.KeepANSI = keepANSI
		p, sink := start(t, cfg)
		recs, judged, changed := receiverCut(fileLines(stream), cfg.ReceiverMaxLogSize)
		send(t, p, "fuzz", records("/f.log", recs), rand.New(rand.NewPCG(seed, seed)))
		got := bodies(sink)
		if changed {
			stream = joinLines(judged)
		}
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

// receiverCut models the filelog receiver's cut and the processor's rule
// on it: the records the receiver makes of lines with max_log_size n (0: no
// cut), and the lines the processor judges as scrub would, where it is
// stricter than scrub: the line after one whose last piece is n bytes long
// (a line of exactly a multiple of n bytes cannot be told from a cut one)
// is private, left out; a cut line holding '\r' (scrub's line end too) is
// judged as its first piece, the rest private, where scrub would judge
// each of its '\r'-ended lines.
func receiverCut(lines []string, n int) (recs, judged []string, changed bool) {
	cut := false
	for _, l := range lines {
		pieces := cutRecords([]string{l}, n)
		recs = append(recs, pieces...)
		switch {
		case cut:
			changed = true
		case len(pieces) > 1 && strings.Contains(l, "\r"):
			judged = append(judged, pieces[0])
			changed = true
		default:
			judged = append(judged, l)
		}
		cut = n > 0 && len(pieces[len(pieces)-1]) >= n
	}
	return recs, judged, changed
}

// FuzzDockerPieces: whatever the lines, with any of them cut into pieces
// as Docker's json-file driver cuts a long line (every piece's body without
// the line end but the last's), the processor passes what conflog scrub
// gives on the stream in which each cut line is its first piece alone: the
// rest of a cut line is private, whatever it starts with, and the line
// after it is judged as usual. The first line is not cut: its pieces are
// known by their length, which these short pieces lack.
func FuzzDockerPieces(f *testing.F) {
	f.Add([]byte("SystemLog: a\nprivate row SystemLog: b\nSystemLog: c\n"), uint64(1))
	f.Add(readJob(f), uint64(2))
	f.Fuzz(func(t *testing.T, data []byte, seed uint64) {
		if bytes.IndexByte(data, '\r') >= 0 {
			// A '\r' ends a line too; the driver cuts by bytes alone, and a
			// piece ending in '\r' would change what its first piece is.
			data = bytes.ReplaceAll(data, []byte("\r"), []byte("\\r"))
		}
		rng := rand.New(rand.NewPCG(seed, 3))
		var recs []rec
		var judged []string
		for _, line := range fileLines(data) {
			// A stream's first record is known for a piece by its length
			// alone (TestDockerPartialLine); here pieces are short.
			if len(line) < 2 || len(recs) == 0 || rng.IntN(3) != 0 {
				recs = append(recs, rec{body: line + "\n"})
				judged = append(judged, line)
				continue
			}
			first := len(recs)
			start := 0
			for start < len(line) {
				end := start + 1 + rng.IntN(len(line)-start)
				if start == 0 && end == len(line) {
					end = len(line) - 1 // cut at least once
				}
				body := line[start:end]
				if end == len(line) {
					body += "\n"
				}
				recs = append(recs, rec{body: body})
				start = end
			}
			judged = append(judged, recs[first].body)
		}
		for i := range recs {
			recs[i].path, recs[i].seq, recs[i].container = "/d.log", int64(i+1), true
		}
		p, sink := start(t, testConfig())
		if err := p.ConsumeLogs(context.Background(), batch("docker", recs...)); err != nil {
			t.Fatal(err)
		}
		want := oracle(t, testConfig(), joinLines(judged))
		if got := bodies(sink); !slices.Equal(got, want) {
			t.Fatalf("pieces %v:\n got %q\nwant %q", recs, got, want)
		}
	})
}

// FuzzPartialTag: whatever the CRI log tag, a line that either reading
// takes for partial is partial here: the kubelet's (any ':'-separated tag
// is "P") and the container parser's (the tag is not exactly "F", the one
// that ends its joining).
func FuzzPartialTag(f *testing.F) {
	for _, tag := range []string{"P", "F", "P:x", "F:P", "x", "", ":", "F:"} {
		f.Add(tag)
	}
	f.Fuzz(func(t *testing.T, tag string) {
		kubelet := slices.Contains(strings.Split(tag, ":"), "P")
		parser := tag != "F"
		if (kubelet || parser) && !partialTag(tag) {
			t.Fatalf("logtag %q: partial by the kubelet (%v) or the container parser (%v), not here", tag, kubelet, parser)
		}
	})
}

// FuzzStartMidFile: whatever the bytes, read as filelog reads a file it
// begins after its first skip lines (start_at: end on the Collector's
// start), numbered from 1 with their offsets, the processor passes what
// scrub's strict mode passes on the lines read, no line by its prefix:
// record 1 not at offset 0 is not the file's start. From the start, what
// scrub passes.
func FuzzStartMidFile(f *testing.F) {
	f.Add([]byte("SystemLog: a\nTraceback (most recent call last):\n  File \"a.py\", line 1, in <module>\nValueError: x\nSystemLog: heidi\n"), uint8(4), uint64(1))
	f.Add([]byte("\n\nSystemLog: after two empty lines\n"), uint8(2), uint64(2))
	f.Add([]byte("panic: boom\nSystemLog: value\n\ngoroutine 1 [running]:\nmain.main()\n\t/src/main.go:5 +0x1d\nSystemLog: ok\n"), uint8(1), uint64(3))
	f.Add(readJob(f), uint8(40), uint64(4))
	f.Fuzz(func(t *testing.T, data []byte, skip uint8, seed uint64) {
		lines := fileLines(data)
		k := int(skip) % (len(lines) + 1)
		off := int64(0)
		for _, l := range lines[:k] {
			off += int64(len(l)) + 1
		}
		cfg := testConfig()
		p, sink := start(t, cfg)
		rng := rand.New(rand.NewPCG(seed, 7))
		read := lines[k:]
		for i := 0; i < len(read); {
			n := 1 + rng.IntN(len(read)-i)
			ld := batch("fuzz")
			sl := ld.ResourceLogs().At(0).ScopeLogs().At(0)
			for _, l := range read[i : i+n] {
				lr := sl.LogRecords().AppendEmpty()
				lr.Body().SetStr(l)
				lr.Attributes().PutStr("log.file.path", "/f.log")
				lr.Attributes().PutInt("log.file.record_number", int64(i+1))
				lr.Attributes().PutInt("log.file.record_offset", off)
				off += int64(len(l)) + 1
				i++
			}
			if err := p.ConsumeLogs(t.Context(), ld); err != nil {
				t.Fatal(err)
			}
		}
		want := oracleStrict(t, cfg, joinLines(read), k > 0)
		if got := bodies(sink); !slices.Equal(got, want) {
			t.Fatalf("begun after %d lines: got %q, want %q", k, got, want)
		}
	})
}
