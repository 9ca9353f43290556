//go:build unix

package channel

import (
	"io"
	"os"
	"strings"
	"testing"
)

type discardCloser struct{}

func (discardCloser) Write(p []byte) (int, error) { return len(p), nil }
func (discardCloser) Close() error                { return nil }

// BenchmarkWrite measures a 200-byte record written by the client on the
// channel, beside the same record written on a pipe as before version 1
// (CONFLOG_PUBLIC_FD): the price of the socket, the pid check and the lock.
func BenchmarkWrite(b *testing.B) {
	rec := []byte(testPrefix + "level=INFO msg=\"epoch finished\" " + strings.Repeat("x", 150) + "\n")
	b.Run("socket", func(b *testing.B) {
		l, err := Listen(testPrefix)
		if err != nil {
			b.Fatal(err)
		}
		go l.Serve(func() io.WriteCloser { return discardCloser{} })
		defer l.Close()
		c, err := FromEnv(envOf(l.Env(nil)))
		if err != nil {
			b.Fatal(err)
		}
		defer c.Close()
		b.SetBytes(int64(len(rec)))
		for b.Loop() {
			if _, err := c.Write(rec); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("pipe", func(b *testing.B) {
		r, w, err := os.Pipe()
		if err != nil {
			b.Fatal(err)
		}
		go io.Copy(io.Discard, r)
		defer r.Close()
		defer w.Close()
		b.SetBytes(int64(len(rec)))
		for b.Loop() {
			if _, err := w.Write(rec); err != nil {
				b.Fatal(err)
			}
		}
	})
}
