package bench

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/conflog/conflog/internal/rsyslogtest"
	"github.com/conflog/conflog/ship"
)

// Shipping, against a real rsyslog on loopback (mutual TLS):
//
//	BenchmarkGateShip: `conflog run -- cat LOG` on the gate's 1 GiB log
//	  (4 MiB under -short), without shipping and with one --ship
//	  destination. --ship-wait 0: the job's time, what the gate adds to it;
//	  the lines it has not delivered at the end wait in the queue (the next
//	  run delivers them), so the measure is the queue's cost, not the
//	  network's.
//	BenchmarkShipDelivery: a queue of 200,000 public lines (20,000 under
//	  -short) delivered to rsyslog until it confirmed them all; lines/s.

func BenchmarkGateShip(b *testing.B) {
	s := gateFixtures(b)
	p := rsyslogtest.NewPKI(b)
	r := rsyslogtest.Start(b, p)
	url := r.URL(p, p.ClientCert, p.ClientKey)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	down := strings.Replace(url, "127.0.0.1:"+strings.Split(strings.Split(url, "127.0.0.1:")[1], "?")[0], l.Addr().String(), 1)
	l.Close() // nothing listens there now
	devnull, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		b.Fatal(err)
	}
	defer devnull.Close()
	for _, impl := range []struct {
		name string
		args []string
	}{
		{"conflog-run", nil},
		{"conflog-run-ship", []string{"--ship", url, "--ship-wait", "0s"}},
		// The destination down: the queue's cost alone, no delivery
		// competing for the CPU.
		{"conflog-run-ship-down", []string{"--ship", down, "--ship-wait", "0s"}},
	} {
		b.Run("impl="+impl.name, func(b *testing.B) {
			b.SetBytes(s.size)
			for b.Loop() {
				args := append([]string{"run", "--prefix", gatePrefix, "--queue", b.TempDir()}, impl.args...)
				cmd := exec.Command(s.bin, append(args, "--", s.catPath, s.log)...)
				cmd.Stdout, cmd.Stderr = devnull, devnull
				if err := cmd.Run(); err != nil {
					b.Fatal(err)
				}
				os.Truncate(r.Out, 0) // rsyslog's copy of the lines is not the point
			}
		})
	}
}

func BenchmarkShipDelivery(b *testing.B) {
	n := 200_000
	if testing.Short() {
		n = 20_000
	}
	p := rsyslogtest.NewPKI(b)
	r := rsyslogtest.Start(b, p)
	d, err := ship.ParseDestination(r.URL(p, p.ClientCert, p.ClientKey))
	if err != nil {
		b.Fatal(err)
	}
	lines := make([][]byte, n)
	for i := range lines {
		lines[i] = fmt.Appendf(nil, "SystemLog: level=INFO step=%d epoch=%d loss=%.4f lr=3.0e-04 throughput=%d samples/s", i, i/1000, 1/float64(i+1), 900+i%200)
	}
	b.Run("dest=rsyslog-tls", func(b *testing.B) {
		var total time.Duration
		for b.Loop() {
			b.StopTimer()
			dir := filepath.Join(b.TempDir(), "q")
			q, err := ship.OpenQueue(dir, gatePrefix, d.String(), ship.QueueOptions{})
			if err != nil {
				b.Fatal(err)
			}
			if k, err := q.Append(time.Now(), lines...); k != n || err != nil {
				b.Fatal(k, err)
			}
			q.Close()
			os.Truncate(r.Out, 0)
			b.StartTimer()
			start := time.Now()
			s, err := ship.New(d, dir, ship.Options{Prefix: gatePrefix})
			if err != nil {
				b.Fatal(err)
			}
			if err := s.Close(10 * time.Minute); err != nil {
				b.Fatal(err)
			}
			total += time.Since(start)
		}
		b.ReportMetric(float64(n)*float64(b.N)/total.Seconds(), "lines/s")
	})
}
