package bench

import (
	"bufio"
	"crypto/rand"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

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
//	impl=sealed  store.Writer: records in 64 KiB blocks, each with a salted
//	             commitment, a Merkle leaf and an index line; age
//	             encryption; and the checkpoint at Close;
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

// storeVerifySizes are the store sizes BenchmarkStoreVerify measures, and
// storeVerifyPeaks the peak heap it saw verifying each, by mode, for the
// extrapolation to 10⁸ records.
var (
	storeVerifyPeaks = map[string]map[int]float64{}
	storeVerifyDirs  = map[int]string{}
)

func storeVerifySizes() []int {
	if testing.Short() {
		return []int{10_000, 100_000}
	}
	return []int{1_000_000, 10_000_000}
}

// BenchmarkStoreVerify verifies stores of 10⁶ and 10⁷ records of 32 bytes
// (10⁴ and 10⁵ under -short), key-less (mode=keyless) and decrypting every
// record (mode=identity, what cat does), and reports the peak heap in use
// and records verified per second. A last sub-benchmark, size=1e8-extrapolated,
// extends the peak linearly from the two measured sizes to 10⁸ records.
func BenchmarkStoreVerify(b *testing.B) {
	id, err := age.GenerateX25519Identity()
	if err != nil {
		b.Fatal(err)
	}
	skey, _, err := note.GenerateKey(rand.Reader, "bench")
	if err != nil {
		b.Fatal(err)
	}
	sizes := storeVerifySizes()
	for _, mode := range []string{"keyless", "identity"} {
		for _, n := range sizes {
			b.Run(fmt.Sprintf("mode=%s/size=%d", mode, n), func(b *testing.B) {
				dir := storeVerifyDir(b, n, id, skey)
				opts := &store.VerifyOptions{}
				if mode == "identity" {
					opts.Identities = []age.Identity{id}
				}
				var peak uint64
				cpu := storeCPUTime()
				for b.Loop() {
					var rep *store.Report
					p := storePeakHeap(func() { rep, err = store.Verify(dir, opts) })
					if err != nil || !rep.OK() || rep.Sealed != int64(n) {
						b.Fatalf("verify: %v %v", err, rep.Err())
					}
					peak = max(peak, p)
				}
				b.ReportMetric(float64(peak), "peak-heap-B")
				b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "records/s")
				// Per core: records per second of CPU time, which a loaded
				// machine does not dilute.
				b.ReportMetric(float64(n)*float64(b.N)/(float64(storeCPUTime()-cpu)/1e9), "records/cpu-s")
				if storeVerifyPeaks[mode] == nil {
					storeVerifyPeaks[mode] = map[int]float64{}
				}
				storeVerifyPeaks[mode][n] = float64(peak)
			})
		}
		b.Run(fmt.Sprintf("mode=%s/size=1e8-extrapolated", mode), func(b *testing.B) {
			p := storeVerifyPeaks[mode]
			lo, hi := sizes[0], sizes[1]
			if p[lo] == 0 || p[hi] == 0 {
				b.Skip("run with the measured sizes")
			}
			for b.Loop() {
			}
			perRecord := max(0, (p[hi]-p[lo])/float64(hi-lo))
			b.ReportMetric(p[hi]+perRecord*float64(100_000_000-hi), "peak-heap-B")
		})
	}
}

// storeVerifyDir returns a store of n records of 32 bytes, written once per
// benchmark run through store.Writer in 64 MiB segments.
func storeVerifyDir(b *testing.B, n int, id *age.X25519Identity, skey string) string {
	if dir, ok := storeVerifyDirs[n]; ok {
		return dir
	}
	dir, err := os.MkdirTemp("", "conflog-verify-bench")
	if err != nil {
		b.Fatal(err)
	}
	storeVerifyCleanup = append(storeVerifyCleanup, dir)
	w, err := store.Open(filepath.Join(dir, "s"), &store.Options{
		Recipients: []age.Recipient{id.Recipient()},
		SigningKey: skey,
	})
	if err != nil {
		b.Fatal(err)
	}
	line := []byte("step=0000000000 loss=0.12345678")
	for i := range n {
		copy(line[5:15], fmt.Sprintf("%010d", i))
		if err := w.Append(line); err != nil {
			b.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		b.Fatal(err)
	}
	storeVerifyDirs[n] = filepath.Join(dir, "s")
	return storeVerifyDirs[n]
}

// storeVerifyCleanup lists the stores to remove when the benchmarks end.
var storeVerifyCleanup []string

func TestMain(m *testing.M) {
	code := m.Run()
	for _, d := range storeVerifyCleanup {
		os.RemoveAll(d)
	}
	os.Exit(code)
}

// storePeakHeap runs f with the GC collecting eagerly (GOGC=10) and returns
// the most heap it saw in use, sampled every 100µs: what f needs live, not
// what a lazy GC lets pile up.
func storePeakHeap(f func()) uint64 {
	defer debug.SetGCPercent(debug.SetGCPercent(10))
	runtime.GC()
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	var peak atomic.Uint64
	done, stopped := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(stopped)
		for {
			metrics.Read(sample)
			if v := sample[0].Value.Uint64(); v > peak.Load() {
				peak.Store(v)
			}
			select {
			case <-done:
				return
			case <-time.After(100 * time.Microsecond):
			}
		}
	}()
	f()
	close(done)
	<-stopped
	return peak.Load()
}

// BenchmarkStoreRun runs `conflog run` on the gate benchmark's log (1 GiB,
// 4 MiB under -short) with cat as the job, its private lines going three
// ways side by side: private=file (--private file:PATH, not synced),
// private=store (--private store:DIR, at its defaults), and, for the cost
// of the encryption alone, the age CLI encrypting the whole log
// (private=agecli; not a gate). disk-B is what each leaves on disk: the
// file, every file of the store, the age file; cpu-ns/op the CPU time of
// conflog run and its job (or of age), which on a loaded machine says more
// than the wall time.
func BenchmarkStoreRun(b *testing.B) {
	s := gateFixtures(b)
	keys := filepath.Join(b.TempDir(), "keys")
	if out, err := exec.Command(s.bin, "keygen", keys).CombinedOutput(); err != nil {
		b.Fatalf("keygen: %v\n%s", err, out)
	}
	devnull, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		b.Fatal(err)
	}
	defer devnull.Close()
	run := func(b *testing.B, private string, extra ...string) {
		args := append([]string{"run", "--prefix", gatePrefix, "--private", private}, extra...)
		cmd := exec.Command(s.bin, append(args, "--", s.catPath, s.log)...)
		cmd.Stdout, cmd.Stderr = devnull, devnull
		if err := cmd.Run(); err != nil {
			b.Fatalf("%v: %v", cmd.Args, err)
		}
	}
	b.Run("private=file", func(b *testing.B) {
		b.SetBytes(s.size)
		var disk int64
		start := storeCPUTime()
		for b.Loop() {
			path := filepath.Join(b.TempDir(), "private.log")
			run(b, "file:"+path)
			disk = storeDiskSize(b, path)
		}
		storeReportCPU(b, start)
		b.ReportMetric(float64(disk), "disk-B")
	})
	b.Run("private=store", func(b *testing.B) {
		b.SetBytes(s.size)
		var disk int64
		start := storeCPUTime()
		for b.Loop() {
			dir := filepath.Join(b.TempDir(), "store")
			run(b, "store:"+dir, "--recipient", filepath.Join(keys, "recipient"), "--signer", filepath.Join(keys, "signer"))
			disk = storeDiskSize(b, dir)
		}
		storeReportCPU(b, start)
		b.ReportMetric(float64(disk), "disk-B")
	})
	// The file sink never fsyncs: the store with --sync none is the
	// like-for-like comparison (a kill -9 loses the same either way).
	b.Run("private=store-nosync", func(b *testing.B) {
		b.SetBytes(s.size)
		var disk int64
		start := storeCPUTime()
		for b.Loop() {
			dir := filepath.Join(b.TempDir(), "store")
			run(b, "store:"+dir, "--recipient", filepath.Join(keys, "recipient"), "--signer", filepath.Join(keys, "signer"), "--sync", "none")
			disk = storeDiskSize(b, dir)
		}
		storeReportCPU(b, start)
		b.ReportMetric(float64(disk), "disk-B")
	})
	b.Run("private=agecli", func(b *testing.B) {
		ageBin, err := exec.LookPath("age")
		if err != nil {
			b.Skip("the age CLI is not installed (.ci/run installs it): apt-get install age")
		}
		b.SetBytes(s.size)
		var disk int64
		start := storeCPUTime()
		for b.Loop() {
			out := filepath.Join(b.TempDir(), "log.age")
			// -R: keygen's recipient file, comment line and all.
			if o, err := exec.Command(ageBin, "-R", filepath.Join(keys, "recipient"), "-o", out, s.log).CombinedOutput(); err != nil {
				b.Fatalf("age: %v\n%s", err, o)
			}
			disk = storeDiskSize(b, out)
		}
		storeReportCPU(b, start)
		b.ReportMetric(float64(disk), "disk-B")
	})
}

// storeDiskSize returns the bytes in path, a file or a directory's files.
func storeDiskSize(b *testing.B, path string) int64 {
	var n int64
	err := filepath.Walk(path, func(_ string, fi os.FileInfo, err error) error {
		if err == nil && fi.Mode().IsRegular() {
			n += fi.Size()
		}
		return err
	})
	if err != nil {
		b.Fatal(err)
	}
	return n
}
