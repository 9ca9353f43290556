package bench

import (
	"bufio"
	"crypto/rand"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"

	"filippo.io/age"
	"github.com/conflog/conflog/store"
	"golang.org/x/mod/sumdb/note"
)

// storeRecord is the benchmark's private line: 1 KiB of log-like text.
var storeRecord = func() []byte {
	b := make([]byte, 1024)
	const text = "epoch=3 step=1200 row={\"name\": \"Alice Example\", \"email\": \"alice@example.com\", \"note\": \"…\"} "
	for i := range b {
		b[i] = text[i%len(text)]
	}
	return b
}()

// storeRecords is how many records one benchmark iteration appends: 64 MiB,
// or 1 MiB under -short, so each iteration includes the final seal (age
// finish, fsyncs, a signed checkpoint) amortised over realistic volume.
func storeRecords() int {
	if testing.Short() {
		return 1 << 10
	}
	return 64 << 10
}

// BenchmarkStoreAppend appends 1 KiB records three ways, side by side:
//
//	impl=sealed  store.Writer: salted commitment, Merkle leaf, age encryption,
//	             index line, and the checkpoint at Close;
//	impl=bufio   the same bytes and a newline to a bufio.Writer on a plain
//	             file, fsynced at the end like a sealed segment;
//	impl=bufio-nosync  the same without the fsync (page cache only);
//	impl=agecli  the same bytes piped through Debian's age CLI (age -r).
func BenchmarkStoreAppend(b *testing.B) {
	id, err := age.GenerateX25519Identity()
	if err != nil {
		b.Fatal(err)
	}
	skey, _, err := note.GenerateKey(rand.Reader, "bench")
	if err != nil {
		b.Fatal(err)
	}
	n := storeRecords()
	size := int64(n * len(storeRecord))

	b.Run("impl=sealed", func(b *testing.B) {
		b.SetBytes(size)
		defer storeReportCPU(b, storeCPUTime())
		for b.Loop() {
			dir := filepath.Join(b.TempDir(), "s")
			w, err := store.Open(dir, &store.Options{
				Recipients: []age.Recipient{id.Recipient()},
				SigningKey: skey,
			})
			if err != nil {
				b.Fatal(err)
			}
			for range n {
				if err := w.Append(storeRecord); err != nil {
					b.Fatal(err)
				}
			}
			if err := w.Close(); err != nil {
				b.Fatal(err)
			}
		}
	})

	for _, sync := range []bool{true, false} {
		name := "impl=bufio"
		if !sync {
			name = "impl=bufio-nosync"
		}
		b.Run(name, func(b *testing.B) { storePlain(b, n, size, sync) })
	}

	b.Run("impl=agecli", func(b *testing.B) {
		ageBin, err := exec.LookPath("age")
		if err != nil {
			b.Skip("the age CLI is not installed (.ci/run installs it): apt-get install age")
		}
		b.SetBytes(size)
		defer storeReportCPU(b, storeCPUTime())
		for b.Loop() {
			cmd := exec.Command(ageBin, "-r", id.Recipient().String(), "-o", filepath.Join(b.TempDir(), "out.age"))
			in, err := cmd.StdinPipe()
			if err != nil {
				b.Fatal(err)
			}
			if err := cmd.Start(); err != nil {
				b.Fatal(err)
			}
			w := bufio.NewWriter(in)
			for range n {
				w.Write(storeRecord)
				w.WriteByte('\n')
			}
			w.Flush()
			in.Close()
			if err := cmd.Wait(); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// storePlain writes n records to a plain file through bufio, fsyncing at the
// end when sync is set.
func storePlain(b *testing.B, n int, size int64, sync bool) {
	b.SetBytes(size)
	defer storeReportCPU(b, storeCPUTime())
	for b.Loop() {
		f, err := os.Create(filepath.Join(b.TempDir(), "plain.log"))
		if err != nil {
			b.Fatal(err)
		}
		w := bufio.NewWriter(f)
		for range n {
			w.Write(storeRecord)
			w.WriteByte('\n')
		}
		if err := w.Flush(); err != nil {
			b.Fatal(err)
		}
		if sync {
			if err := f.Sync(); err != nil {
				b.Fatal(err)
			}
		}
		f.Close()
	}
}

// storeReportCPU reports the CPU time (user and system, this process and its
// waited-for children such as the age CLI) spent per iteration since start.
// Wall time on a shared machine depends on everyone else's load; CPU time
// much less so, and it shows what the sealing costs in work, not waiting.
func storeReportCPU(b *testing.B, start int64) {
	b.ReportMetric(float64(storeCPUTime()-start)/float64(b.N), "cpu-ns/op")
}

// storeCPUTime returns the CPU time used so far, in nanoseconds.
func storeCPUTime() int64 {
	var t int64
	for _, who := range []int{syscall.RUSAGE_SELF, syscall.RUSAGE_CHILDREN} {
		var ru syscall.Rusage
		if err := syscall.Getrusage(who, &ru); err != nil {
			panic(err)
		}
		t += ru.Utime.Nano() + ru.Stime.Nano()
	}
	return t
}
