package bench

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The egress gate against its peers, as processes on real files and pipes:
//
//	BenchmarkGateScrub: `conflog scrub` (built binary: the default, with
//	  crash traces and the leak tripwire on; without the tripwire,
//	  --detect off; and without either) against `LC_ALL=C grep -a '^SystemLog:'`, both reading the same
//	  ML-style log and writing into a pipe that is drained (grep stops
//	  early when its output is /dev/null).
//	BenchmarkGateRun: a child writing the log to its stdout, alone with
//	  stdout on /dev/null, and behind `conflog run` (whose stdout is
//	  /dev/null too). Two children: cat, which does nothing but I/O (the
//	  worst case for the gate: every byte costs it a pipe copy and a look,
//	  while cat's own copy to /dev/null is nearly free), and a Python job
//	  writing the log line by line, as a real job prints. impl=pipe-to-cat
//	  is the floor for any gate: the same child piped into cat.
//
// The log is 1 GiB, or 4 MiB under -short.

const gatePrefix = "SystemLog:"

type gateFixture struct {
	bin, log      string
	size          int64
	grep, catPath string
}

// gateFixtures builds conflog and writes the log in a directory removed when
// the benchmark ends (each top-level benchmark makes its own: a 1 GiB file
// must not outlive the run).
func gateFixtures(b *testing.B) *gateFixture {
	b.Helper()
	dir := b.TempDir()
	s := &gateFixture{bin: filepath.Join(dir, "conflog"), log: filepath.Join(dir, "train.log")}
	build := exec.Command("go", "build", "-o", s.bin, "./cmd/conflog")
	build.Dir = ".."
	if out, err := build.CombinedOutput(); err != nil {
		b.Fatalf("go build conflog: %v\n%s", err, out)
	}
	size := int64(1 << 30)
	if testing.Short() {
		size = 4 << 20
	}
	var err error
	if s.size, err = gateWriteLog(s.log, size); err != nil {
		b.Fatal(err)
	}
	if s.grep, err = exec.LookPath("grep"); err != nil {
		b.Fatal(err)
	}
	if s.catPath, err = exec.LookPath("cat"); err != nil {
		b.Fatal(err)
	}
	return s
}

// gateWriteLog writes an ML-style log of about size bytes: a third of the
// lines public, the rest private rows and library chatter, a tqdm bar
// redrawn with \r, coloured lines, and a Python traceback at the end.
func gateWriteLog(path string, size int64) (int64, error) {
	f, err := os.Create(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	w := bufio.NewWriterSize(f, 1<<20)
	var n int64
	for i := 0; n < size; i++ {
		var k int
		switch i % 12 {
		case 0, 4, 8:
			k, _ = fmt.Fprintf(w, "SystemLog: step=%d epoch=%d loss=%.4f lr=3.0e-04 throughput=%d samples/s\n", i, i/100000, 1/float64(i+1), 900+i%200)
		case 1, 5:
			k, _ = fmt.Fprintf(w, "2026-11-23 17:00:%02d,%03d INFO dataset: row %d text='customer %d wrote about order %d' email=user%d@example.com\n", i%60, i%1000, i, i*7, i*13, i)
		case 2:
			k, _ = fmt.Fprintf(w, "\r %3d%%|%-20s| %d/100000 [00:12<00:15, 36.2it/s]", i%100, "####################"[:i%20], i%100000)
		case 3:
			k, _ = fmt.Fprintf(w, "\x1b[32mSystemLog: eval step=%d acc=0.9%03d\x1b[0m\n", i, i%1000)
		case 6:
			k, _ = fmt.Fprintf(w, "tokenizer warning: sequence length %d > 512 for row %d ('%s...')\n", 512+i%100, i, "Dear support, my account 12345")
		case 7:
			k, _ = fmt.Fprintf(w, "{\"step\": %d, \"grad_norm\": 1.07, \"batch_text\": \"customer said hello %d\"}\n", i, i)
		case 9, 10:
			k, _ = fmt.Fprintf(w, "INFO torch.distributed: rank %d all-reduce of bucket %d done in %dms\n", i%8, i%64, i%17)
		case 11:
			k, _ = fmt.Fprintf(w, "DEBUG loaded shard %d of 4096 from s3://bucket/customer-data/part-%05d.parquet\n", i%4096, i)
		}
		n += int64(k)
	}
	// The job dies at the end, as jobs do. (After a Python traceback the
	// trace scrubber holds every later line as a possible message
	// continuation, so one in the middle would turn the rest private.)
	k, _ := fmt.Fprintf(w, "Traceback (most recent call last):\n  File \"/home/alice/train.py\", line 88, in step\n    loss = model(batch)\nValueError: bad row: alice@example.com\n")
	return n + int64(k), w.Flush()
}

// reportChildCPU, deferred at the start of a benchmark, reports the CPU
// time its child processes used per op (cpu-sec/op: the gate, its job, grep
// or cat, all waited for), which a loaded machine inflates far less than
// wall time.
func reportChildCPU(b *testing.B) func() {
	start := childrenCPUTime()
	return func() { b.ReportMetric((childrenCPUTime()-start).Seconds()/float64(b.N), "cpu-sec/op") }
}

func childrenCPUTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_CHILDREN, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// gateDrain runs cmd with stdout into a pipe drained by the benchmark, as a
// log shipper reads it.
func gateDrain(b *testing.B, cmd *exec.Cmd) {
	b.Helper()
	out, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	if _, err := io.Copy(io.Discard, out); err != nil {
		b.Fatal(err)
	}
	if err := cmd.Wait(); err != nil {
		b.Fatalf("%v: %v", cmd.Args, err)
	}
}

func BenchmarkGateScrub(b *testing.B) {
	s := gateFixtures(b)
	b.Run("impl=conflog", func(b *testing.B) {
		b.SetBytes(s.size)
		defer reportChildCPU(b)()
		for b.Loop() {
			gateDrain(b, exec.Command(s.bin, "scrub", "--prefix", gatePrefix, s.log))
		}
	})
	b.Run("impl=conflog-detectoff", func(b *testing.B) {
		b.SetBytes(s.size)
		defer reportChildCPU(b)()
		for b.Loop() {
			gateDrain(b, exec.Command(s.bin, "scrub", "--detect", "off", "--prefix", gatePrefix, s.log))
		}
	})
	b.Run("impl=conflog-notraces", func(b *testing.B) {
		b.SetBytes(s.size)
		defer reportChildCPU(b)()
		for b.Loop() {
			gateDrain(b, exec.Command(s.bin, "scrub", "--traces=false", "--detect", "off", "--prefix", gatePrefix, s.log))
		}
	})
	b.Run("impl=grep", func(b *testing.B) {
		b.SetBytes(s.size)
		defer reportChildCPU(b)()
		for b.Loop() {
			cmd := exec.Command(s.grep, "-a", "^"+gatePrefix, s.log)
			cmd.Env = append(os.Environ(), "LC_ALL=C")
			gateDrain(b, cmd)
		}
	})
}

func BenchmarkGateRun(b *testing.B) {
	s := gateFixtures(b)
	devnull, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		b.Fatal(err)
	}
	defer devnull.Close()
	python, err := exec.LookPath("python3")
	if err != nil {
		b.Fatal(err)
	}
	// Python's stdout to a pipe is an 8 KiB buffer, unless PYTHONUNBUFFERED
	// is set, as container images for ML jobs usually set it so that logs
	// are not lost in a crash: then every line is a write(2). Both are
	// measured, with the variable set explicitly either way.
	base := slices.DeleteFunc(os.Environ(), func(kv string) bool { return strings.HasPrefix(kv, "PYTHONUNBUFFERED=") })
	for _, child := range []struct {
		name string
		argv []string
		env  []string
	}{
		{"cat", []string{s.catPath, s.log}, base},
		{"python", []string{python, "-c", gatePythonWriter, s.log}, base},
		{"python-unbuffered", []string{python, "-c", gatePythonWriter, s.log}, append(slices.Clip(base), "PYTHONUNBUFFERED=1")},
	} {
		b.Run("child="+child.name+"/impl=alone", func(b *testing.B) {
			b.SetBytes(s.size)
			defer reportChildCPU(b)()
			for b.Loop() {
				cmd := exec.Command(child.argv[0], child.argv[1:]...)
				cmd.Env = child.env
				cmd.Stdout = devnull
				if err := cmd.Run(); err != nil {
					b.Fatal(err)
				}
			}
		})
		// The floor for any gate: the child's output through a pipe into a
		// process that only reads it (cat to /dev/null).
		b.Run("child="+child.name+"/impl=pipe-to-cat", func(b *testing.B) {
			b.SetBytes(s.size)
			defer reportChildCPU(b)()
			for b.Loop() {
				r, w, err := os.Pipe()
				if err != nil {
					b.Fatal(err)
				}
				writer := exec.Command(child.argv[0], child.argv[1:]...)
				writer.Env = child.env
				writer.Stdout = w
				reader := exec.Command(s.catPath)
				reader.Stdin, reader.Stdout = r, devnull
				if err := writer.Start(); err != nil {
					b.Fatal(err)
				}
				if err := reader.Start(); err != nil {
					b.Fatal(err)
				}
				w.Close()
				r.Close()
				if err := writer.Wait(); err != nil {
					b.Fatal(err)
				}
				if err := reader.Wait(); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run("child="+child.name+"/impl=conflog-run", func(b *testing.B) {
			b.SetBytes(s.size)
			defer reportChildCPU(b)()
			for b.Loop() {
				cmd := exec.Command(s.bin, append([]string{"run", "--prefix", gatePrefix, "--"}, child.argv...)...)
				cmd.Env = child.env
				cmd.Stdout, cmd.Stderr = devnull, devnull
				if err := cmd.Run(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// gatePythonWriter prints the log line by line, as a training loop does.
const gatePythonWriter = `
import sys
w = sys.stdout.buffer.write
with open(sys.argv[1], "rb") as f:
    for line in f:
        w(line)
`
