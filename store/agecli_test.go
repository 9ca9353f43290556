//go:build unix

package store

import (
	"bytes"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// A segment is a standard age file: Debian's age CLI decrypts it with the
// identity, and the plaintext is the documented segment format.
func TestSegmentDecryptsWithAgeCLI(t *testing.T) {
	ageBin, err := exec.LookPath("age")
	if err != nil {
		t.Skip("the age CLI is not installed (.ci/run installs it): apt-get install age")
	}
	k := newTestKeys(t)
	dir := t.TempDir()
	w := openT(t, dir, k.options())
	appendT(t, w, "private line one", "private line two")
	w.Close()
	keyFile := filepath.Join(t.TempDir(), "key.txt")
	os.WriteFile(keyFile, []byte(k.identity.String()+"\n"), 0o600)
	out, err := exec.Command(ageBin, "-d", "-i", keyFile, filepath.Join(dir, segmentName(1, "age"))).Output()
	if err != nil {
		t.Fatalf("age -d: %v", err)
	}
	id := mustManifest(t, dir).id
	if !strings.HasPrefix(string(out), segmentHeader(id, 1, 0)) {
		t.Fatalf("plaintext starts %.80q", out)
	}
	sr, err := readSegmentHeader(bytes.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for {
		f, err := sr.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, blockLines(t, f)...)
	}
	if strings.Join(got, ",") != "private line one,private line two" {
		t.Fatalf("records %q", got)
	}
	// And the age CLI refuses a tampered segment.
	b, _ := os.ReadFile(filepath.Join(dir, segmentName(1, "age")))
	b[len(b)-5] ^= 1
	bad := filepath.Join(t.TempDir(), "bad.age")
	os.WriteFile(bad, b, 0o600)
	if err := exec.Command(ageBin, "-d", "-i", keyFile, bad).Run(); err == nil {
		t.Fatal("age -d decrypted a tampered segment")
	}
}

// Every segment decrypts with the age CLI: a sealed one whole; a recovered
// one (a crashed writer's, never finished) up to its last whole chunk, which
// holds every record its index lists, before age reports the missing end.
func TestEverySegmentDecryptsWithAgeCLI(t *testing.T) {
	ageBin, err := exec.LookPath("age")
	if err != nil {
		t.Skip("the age CLI is not installed (.ci/run installs it): apt-get install age")
	}
	k := newTestKeys(t)
	dir := t.TempDir()
	o := k.options()
	o.MaxSegmentBytes = 100 << 10
	w := openT(t, dir, o)
	appendT(t, w, fillerLines(180, nil)...)
	crashT(w)
	w = openT(t, dir, o)
	w.Close()
	keyFile := filepath.Join(t.TempDir(), "key.txt")
	os.WriteFile(keyFile, []byte(k.identity.String()+"\n"), 0o600)
	rep := readAll(t, dir, k)
	recovered := 0
	for n := int64(1); ; n++ {
		data, err := os.ReadFile(filepath.Join(dir, segmentName(n, "idx")))
		if err != nil {
			break
		}
		x, err := parseIndex(data)
		if err != nil {
			t.Fatal(err)
		}
		out, err := exec.Command(ageBin, "-d", "-i", keyFile, filepath.Join(dir, segmentName(n, "age"))).Output()
		switch x.state {
		case indexSealed:
			if err != nil {
				t.Fatalf("age -d segment %d: %v", n, err)
			}
		case indexRecovered:
			recovered++
			if err == nil {
				t.Logf("segment %d: recovered, and age -d decrypted it whole", n)
			}
		default:
			continue
		}
		sr, err := readSegmentHeader(bytes.NewReader(out))
		if err != nil {
			t.Fatal(err)
		}
		for i := range x.count {
			f, err := sr.next()
			if err != nil || commit(f.raw) != x.commitments[i].c {
				t.Fatalf("segment %d block %d from age -d: %v", n, i, err)
			}
		}
	}
	if recovered == 0 || len(rep) == 0 {
		t.Fatalf("no recovered segment (%d records)", len(rep))
	}
}
