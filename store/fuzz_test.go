package store

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"testing"

	"filippo.io/age"
	"golang.org/x/mod/sumdb/note"
)

// fuzzSKey is a fixed signer (a test key, nothing else), so seeds signed with
// it stay valid in the corpus.
const fuzzSKey = "PRIVATE+KEY+fuzz+f932b76a+AXB9XX565noSz1soaq5TeEfLAL2O+YAl52LUuKYsuv0b"

// ParseCheckpoint never panics, and whatever it accepts re-serialises to
// exactly the bytes it was given (canonical, all-or-nothing).
func FuzzParseCheckpoint(f *testing.F) {
	s, err := note.NewSigner(fuzzSKey)
	if err != nil {
		f.Fatal(err)
	}
	vkey, _ := verifierKey(fuzzSKey)
	v, _ := note.NewVerifier(vkey)
	c := &Checkpoint{Origin: originPrefix + strings.Repeat("ab", 16), Size: 7, Segment: 2, Retired: 1, Time: 1700000000}
	c.sign(s)
	f.Add(c.Note)
	f.Add([]byte("conflog.store/x\n1\n\n— fuzz AAAA\n"))
	f.Add(bytes.Replace(c.Note, []byte("retired 1"), []byte("retired 3"), 1))
	f.Fuzz(func(t *testing.T, msg []byte) {
		got, err := ParseCheckpoint(msg, v)
		if err != nil {
			return
		}
		if got.body() == "" || !bytes.Equal(got.Note, msg) {
			t.Fatal("accepted a note it does not reproduce")
		}
		again := &Checkpoint{Origin: got.Origin, Size: got.Size, Hash: got.Hash, Segment: got.Segment, Retired: got.Retired, Time: got.Time}
		again.sign(s) // Ed25519 is deterministic
		if !bytes.Equal(again.Note, msg) {
			t.Fatalf("accepted a non-canonical checkpoint:\n%q\nre-signed:\n%q", msg, again.Note)
		}
	})
}

// FuzzParseManifest: a manifest is accepted only if it is signed, once and
// canonically, by the key it names, and then it is exactly what signing its
// fields again gives: no byte of an accepted manifest is free to change.
func FuzzParseManifest(f *testing.F) {
	s, err := note.NewSigner(fuzzSKey)
	if err != nil {
		f.Fatal(err)
	}
	vkey, _ := verifierKey(fuzzSKey)
	m := &manifest{id: strings.Repeat("ab", 16), version: 1, verifier: vkey, recipients: []string{"age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p"}}
	good, err := m.sign(s)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good)
	f.Add(m.marshal())
	f.Add(bytes.Replace(good, []byte("recipient age1"), []byte("recipient age2"), 1))
	f.Fuzz(func(t *testing.T, data []byte) {
		got, err := parseManifest(data)
		if err != nil {
			return
		}
		if got.verifier != vkey {
			// Signed by a key the fuzzer made up: it cannot, short of
			// breaking Ed25519.
			t.Fatalf("accepted a manifest signed by %s", got.verifier)
		}
		again, err := got.sign(s) // Ed25519 is deterministic
		if err != nil || !bytes.Equal(again, data) {
			t.Fatalf("accepted a non-canonical manifest:\n%q\nre-signed:\n%q", data, again)
		}
	})
}

// parseIndex never panics; what it accepts with a trailer re-serialises to
// the same bytes.
func FuzzParseIndex(f *testing.F) {
	id := strings.Repeat("0f", 16)
	good := indexHeader(id, 2, 5) + strings.Repeat("ab", 32) + " 3\n" + sealedTrailer(1, [32]byte{1})
	f.Add([]byte(good))
	f.Add([]byte(indexHeader(id, 1, 0) + strings.Repeat("cd", 32) + " 12\n" + "abc"))
	f.Add([]byte(indexHeader(id, 1, 0) + abandonedTrailer(0)))
	f.Fuzz(func(t *testing.T, data []byte) {
		x, err := parseIndex(data)
		if err != nil || x.state == indexOpen {
			return
		}
		var b strings.Builder
		b.WriteString(indexHeader(x.storeID, x.segment, x.first))
		for _, e := range x.commitments {
			fmt.Fprintf(&b, "%s %d\n", hexString(e.c[:]), e.n)
		}
		if x.state == indexSealed {
			b.WriteString(sealedTrailer(int64(len(x.commitments)), x.cipherHash))
		} else {
			b.WriteString(abandonedTrailer(int64(len(x.commitments))))
		}
		if b.String() != string(data) {
			t.Fatalf("accepted non-canonical index %q", data)
		}
	})
}

func hexString(b []byte) string {
	const digits = "0123456789abcdef"
	out := make([]byte, 0, 2*len(b))
	for _, c := range b {
		out = append(out, digits[c>>4], digits[c&15])
	}
	return string(out)
}

// The segment plaintext reader never panics or over-allocates, and a clean
// end only comes after whole frames. Counting what a crash cut off
// (cutOff) never panics either, and counts at least the records of the
// whole frames the reader decodes.
func FuzzSegmentReader(f *testing.F) {
	id := strings.Repeat("12", 16)
	good := []byte(segmentHeader(id, 1, 0))
	good = appendFrame(good, testBlock(make([]byte, saltSize), "hello", "world"))
	good = appendFrame(good, &frame{purged: true, raw: appendRecord(make([]byte, tagSize), 0, 42, nil, true)})
	f.Add(good)
	f.Add(good[:len(good)-3])
	f.Add([]byte(segmentHeader(id, 1, 0) + "B\xff\xff\xff\xff"))
	// A block cut in its body, in its second record's line.
	f.Add(good[:len(segmentHeader(id, 1, 0))+1+1+saltSize+2+5+2+2])
	f.Fuzz(func(t *testing.T, data []byte) {
		sr, err := readSegmentHeader(bytes.NewReader(data))
		if err != nil {
			return
		}
		whole := int64(0)
		defer func() {
			sr, _ := readSegmentHeader(bytes.NewReader(data))
			if n := sr.cutOff(); n < whole || n > int64(len(data)) {
				t.Fatalf("cutOff counts %d records, the whole frames hold %d", n, whole)
			}
		}()
		for {
			fr, err := sr.next()
			if err == io.EOF {
				return
			}
			if err != nil {
				return
			}
			if n, err := eachRecord(fr.body(), nil); err == nil {
				whole += n
			}
			if len(fr.body()) == 0 {
				t.Fatal("empty block accepted")
			}
			// Its records decode without panicking, each within the body.
			total := 0
			eachRecord(fr.body(), func(r *blockRecord) error {
				total += len(r.data)
				return nil
			})
			if total > len(fr.body()) {
				t.Fatal("records longer than their block")
			}
		}
	})
}

// FindWitnesses never panics, and finds every checkpoint written with
// WitnessLine whatever surrounds it.
func FuzzFindWitnesses(f *testing.F) {
	f.Add([]byte("SystemLog: conflog checkpoint Y29uZmxvZw==\nother\n"), []byte("hello"))
	f.Add([]byte("conflog checkpoint !!!\r\n"), []byte{})
	f.Fuzz(func(t *testing.T, log, noteBytes []byte) {
		FindWitnesses(bytes.NewReader(log))
		if bytes.ContainsAny(log, "\n\r") || len(noteBytes) == 0 {
			return
		}
		c := &Checkpoint{Note: noteBytes}
		in := string(log) + "\n" + "SystemLog: " + WitnessLine(c) + "\n"
		ws, err := FindWitnesses(strings.NewReader(in))
		if err != nil || len(ws) == 0 {
			t.Fatalf("found %d, %v", len(ws), err)
		}
		last := ws[len(ws)-1]
		if last.Line != 2 || !bytes.Equal(last.Note, noteBytes) {
			t.Fatalf("witness %+v", last)
		}
	})
}

// fuzzIdentity is a test-only age identity, so fuzz seeds stay decryptable.
const fuzzIdentity = "AGE-SECRET-KEY-1405UDAC6T4WEAH7JDAM4S0TJYDNC4XREYA09JJ3X6AM9Y6RR3VASJN56JP"

// A segment file as verify reads it (age decryption, header, frames, each
// record against its commitment) never panics, and never passes unless every
// record matches its commitment: a mutated ciphertext is an error.
func FuzzSegmentFile(f *testing.F) {
	id, err := age.ParseX25519Identity(fuzzIdentity)
	if err != nil {
		f.Fatal(err)
	}
	storeID := strings.Repeat("ab", 16)
	var plain []byte
	plain = append(plain, segmentHeader(storeID, 1, 0)...)
	var cms []entry
	for i, data := range []string{"alpha", "beta"} {
		b := testBlock(bytes.Repeat([]byte{byte(i + 1)}, saltSize), data)
		plain = appendFrame(plain, b)
		cms = append(cms, entry{commit(b.raw), 1})
	}
	var ct bytes.Buffer
	enc, _ := age.Encrypt(&ct, id.Recipient())
	enc.Write(plain)
	enc.Close()
	f.Add(ct.Bytes())
	f.Add(ct.Bytes()[:len(ct.Bytes())-7])
	f.Add([]byte("age-encryption.org/v1\n-> X25519 AAAA\n--- AAAA\n"))
	keys := [][]byte{purgeKey(fuzzIdentity)}
	f.Fuzz(func(t *testing.T, data []byte) {
		r := &Report{}
		var got []string
		v := &verifier{id: storeID, r: r, keys: keys, opts: &VerifyOptions{
			Identities: []age.Identity{id},
			OnRecord: func(rec Record) error {
				got = append(got, string(rec.Data))
				return nil
			},
		}}
		s := &segmentCheck{v: v, num: 1, lostAt: -1}
		s.startDecrypt(bytes.NewReader(data))
		for i := range cms {
			if s.sr != nil {
				if err := s.block(&cms[i]); err != nil {
					t.Fatal(err)
				}
			}
			s.count++
		}
		s.finish(&index{storeID: storeID, segment: 1, count: int64(len(cms)), state: indexOpen})
		if s.sr == nil && r.OK() {
			t.Fatal("decryption stopped without a problem reported")
		}
		if r.OK() && strings.Join(got, ",") != "alpha,beta" {
			t.Fatalf("passed with records %q", got)
		}
	})
}

// testBlock returns a block frame of lines, stamped 1, 2, …
func testBlock(salt []byte, lines ...string) *frame {
	raw := bytes.Clone(salt)
	for i, l := range lines {
		raw = appendRecord(raw, int64(i), int64(i+1), []byte(l), false)
	}
	return &frame{raw: raw}
}
