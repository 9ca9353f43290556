package ship

import (
	"fmt"
	"net"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/conflog/conflog/internal/rsyslogtest"
)

// TestDownDestinationBacksOff: a destination that refuses every
// connection (it accepts and hangs up at once) is dialled on the backoff's
// schedule (100 ms doubling), not at every block the gate queues: a job
// writing for a second makes a handful of dials, not one per write.
func TestDownDestinationBacksOff(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	var dials atomic.Int64
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			dials.Add(1)
			c.Close()
		}
	}()
	ca := rsyslogtest.NewCA(t, t.TempDir(), "ca")
	d, err := ParseDestination("syslog+tls://" + l.Addr().String() + "?ca=" + ca.File)
	if err != nil {
		t.Fatal(err)
	}
	s, err := New(d, filepath.Join(t.TempDir(), "q"), Options{Prefix: "SystemLog:"})
	if err != nil {
		t.Fatal(err)
	}
	writes := 0
	for start := time.Now(); time.Since(start) < time.Second; writes++ {
		fmt.Fprintf(s, "SystemLog: line %d\n", writes)
		time.Sleep(time.Millisecond)
	}
	s.Close(0)
	// 0, 0.1, 0.3, 0.7 s: 4 dials in a second; 12 leaves room for a slow
	// machine's timers, and is far below one per write.
	if n := dials.Load(); n > 12 || n == 0 {
		t.Errorf("%d dials in a second of %d writes, want 1 to 12", n, writes)
	}
	// Nor is the deliverer woken for each write while it waits out the
	// backoff (a switch to its thread each: a sixth of the gate's CPU time
	// with the destination down): only when it waits for lines, idle.
	if n := s.wakeups.Load(); n > int64(writes)/10 {
		t.Errorf("the deliverer was woken %d times by %d writes while the destination was down", n, writes)
	}
	t.Logf("%d dials, %d writes, %d wake-ups", dials.Load(), writes, s.wakeups.Load())
}
