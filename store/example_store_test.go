package store_test

import (
	"crypto/rand"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"filippo.io/age"
	"github.com/conflog/conflog/store"
	"golang.org/x/mod/sumdb/note"
)

// keys makes what conflog keygen makes: an age identity (kept by the
// investigator) and a checkpoint signing key (kept by the job).
func keys() (*age.X25519Identity, string, string) {
	id, _ := age.GenerateX25519Identity()
	skey, vkey, _ := note.GenerateKey(rand.Reader, "example")
	return id, skey, vkey
}

func Example() {
	id, skey, vkey := keys()
	dir := filepath.Join(os.TempDir(), "conflog-example-store")
	os.RemoveAll(dir)
	defer os.RemoveAll(dir)

	// The job: only the recipient (public key) and the signing key.
	w, err := store.Open(dir, &store.Options{
		Recipients: []age.Recipient{id.Recipient()},
		SigningKey: skey,
	})
	if err != nil {
		panic(err)
	}
	w.Append([]byte("loaded row: alice@example.com"))
	w.Append([]byte("loaded row: bob@example.com"))
	w.Close() // seals the segment and signs a checkpoint

	// An auditor with no key at all checks signatures, tree and ciphertexts.
	rep, _ := store.Verify(dir, &store.VerifyOptions{VerifierKey: vkey})
	fmt.Println("verified:", rep.OK(), "records:", rep.Sealed)

	// The investigator decrypts, and every record is checked as it is read.
	store.Verify(dir, &store.VerifyOptions{
		VerifierKey: vkey,
		Identities:  []age.Identity{id},
		OnRecord: func(r store.Record) error {
			fmt.Printf("%d %s\n", r.Index, r.Data)
			return nil
		},
	})
	// Output:
	// verified: true records: 2
	// 0 loaded row: alice@example.com
	// 1 loaded row: bob@example.com
}

func ExamplePurge() {
	id, skey, vkey := keys()
	dir, _ := os.MkdirTemp("", "conflog-example")
	defer os.RemoveAll(dir)
	w, _ := store.Open(dir, &store.Options{Recipients: []age.Recipient{id.Recipient()}, SigningKey: skey})
	w.Append([]byte("token=ghp_leaked"))
	w.Append([]byte("epoch 3 done"))
	w.Close()

	res, err := store.Purge(dir, id, &store.PurgeOptions{Match: regexp.MustCompile(`ghp_\w+`)})
	fmt.Println("purged:", len(res.Records), err)

	rep, _ := store.Verify(dir, &store.VerifyOptions{
		VerifierKey: vkey,
		Identities:  []age.Identity{id},
		OnRecord: func(r store.Record) error {
			fmt.Printf("%d purged=%v %q\n", r.Index, r.Purged, r.Data)
			return nil
		},
	})
	fmt.Println("still verifies:", rep.OK())
	// Output:
	// purged: 1 <nil>
	// 0 purged=true ""
	// 1 purged=false "epoch 3 done"
	// still verifies: true
}

func ExampleWitnessLine() {
	id, skey, vkey := keys()
	dir, _ := os.MkdirTemp("", "conflog-example")
	defer os.RemoveAll(dir)

	// The job prints each checkpoint as a public line.
	var public strings.Builder
	w, _ := store.Open(dir, &store.Options{
		Recipients: []age.Recipient{id.Recipient()},
		SigningKey: skey,
		OnCheckpoint: func(c *store.Checkpoint) {
			fmt.Fprintf(&public, "SystemLog: %s\n", store.WitnessLine(c))
		},
	})
	w.Append([]byte("private"))
	w.Close()

	// Outside the boundary, the kept public log pins the store.
	ws, _ := store.FindWitnesses(strings.NewReader(public.String()))
	rep, _ := store.Verify(dir, &store.VerifyOptions{VerifierKey: vkey, Witnesses: ws})
	fmt.Println("witnessed:", rep.Witnessed, "ok:", rep.OK())
	// Output:
	// witnessed: 1 ok: true
}

func ExampleParseCheckpoint() {
	id, skey, vkey := keys()
	dir, _ := os.MkdirTemp("", "conflog-example")
	defer os.RemoveAll(dir)
	w, _ := store.Open(dir, &store.Options{Recipients: []age.Recipient{id.Recipient()}, SigningKey: skey})
	w.Append([]byte("one"))
	c, _ := w.Checkpoint()
	w.Close()

	v, _ := note.NewVerifier(vkey)
	got, err := store.ParseCheckpoint(c.Note, v)
	fmt.Println(got.Size, got.Segment, err)
	// Output:
	// 1 1 <nil>
}

func ExampleFindWitnesses() {
	log := "2026-11-23T18:00:00Z SystemLog: epoch 1 loss=0.4\n" +
		"2026-11-23T18:00:01Z SystemLog: conflog checkpoint bm90IGEgbm90ZQ==\n" +
		"2026-11-23T18:00:02Z SystemLog: conflog checkpoint %%%\n"
	ws, _ := store.FindWitnesses(strings.NewReader(log))
	for _, w := range ws {
		fmt.Printf("line %d: %q %v\n", w.Line, w.Note, w.Err)
	}
	// Output:
	// line 2: "not a note" <nil>
	// line 3: "" checkpoint is not base64: illegal base64 data at input byte 0
}

// A Writer is an io.Writer that keeps each Write as one record, so any
// line-per-Write logger can log privately into the store: here log/slog,
// the kind of handler conflog's Route policy sends private records to.
func ExampleWriter_Write() {
	id, skey, vkey := keys()
	dir, _ := os.MkdirTemp("", "conflog-example")
	defer os.RemoveAll(dir)
	w, _ := store.Open(dir, &store.Options{Recipients: []age.Recipient{id.Recipient()}, SigningKey: skey})

	private := slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{
		ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey {
				return slog.Attr{} // keep the output stable for this example
			}
			return a
		},
	}))
	private.Info("loaded row", "email", "alice@example.com")
	w.Close()

	store.Verify(dir, &store.VerifyOptions{
		VerifierKey: vkey,
		Identities:  []age.Identity{id},
		OnRecord: func(r store.Record) error {
			fmt.Printf("%s\n", r.Data)
			return nil
		},
	})
	// Output:
	// level=INFO msg="loaded row" email=alice@example.com
}
