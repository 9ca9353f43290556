package ship

import (
	"bytes"
	"crypto/tls"
	"io"
	"net"
	"sync/atomic"
	"testing"

	"github.com/conflog/conflog/internal/rsyslogtest"
)

// countingConn counts its writes.
type countingConn struct {
	net.Conn
	writes atomic.Int64
}

func (c *countingConn) Write(p []byte) (int, error) {
	c.writes.Add(1)
	return c.Conn.Write(p)
}

// TestHeldConnWritesABatchAtOnce: TLS writes a batch as records of at most
// 16 KiB, each with a write of its own; held, the batch goes out in writes
// of heldBytes, and the receiver reads it whole and in order (a record out
// of order would fail its MAC). Writes outside hold and release go straight
// through.
func TestHeldConnWritesABatchAtOnce(t *testing.T) {
	p := rsyslogtest.NewPKI(t)
	cert, err := tls.LoadX509KeyPair(p.ServerCert, p.ServerKey)
	if err != nil {
		t.Fatal(err)
	}
	l, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{cert}})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	got := make(chan []byte, 1)
	go func() {
		c, err := l.Accept()
		if err != nil {
			got <- nil
			return
		}
		defer c.Close()
		b, _ := io.ReadAll(c)
		got <- b
	}()
	raw, err := net.Dial("tcp", l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	counted := &countingConn{Conn: raw}
	held := &heldConn{Conn: counted}
	c := tls.Client(held, &tls.Config{InsecureSkipVerify: true}) // what is tested is the writing
	if err := c.Handshake(); err != nil {
		t.Fatal(err)
	}

	batch := bytes.Repeat([]byte("SystemLog: step=1 loss=0.25\n"), 600<<10/28) // 600 KiB: 38 TLS records
	before := counted.writes.Load()
	held.hold()
	if _, err := c.Write(batch); err != nil {
		t.Fatal(err)
	}
	if err := held.release(); err != nil {
		t.Fatal(err)
	}
	if n, most := counted.writes.Load()-before, int64(len(batch)/heldBytes+1); n > most {
		t.Errorf("a batch of %d bytes held: %d writes, want at most %d", len(batch), n, most)
	}
	before = counted.writes.Load()
	if _, err := c.Write([]byte("after\n")); err != nil {
		t.Fatal(err)
	}
	if n := counted.writes.Load() - before; n != 1 {
		t.Errorf("a write not held: %d writes, want 1", n)
	}
	c.Close()
	if b := <-got; !bytes.Equal(b, append(batch, "after\n"...)) {
		t.Errorf("the receiver read %d bytes, want the batch and the line after it, %d", len(b), len(batch)+6)
	}
}
