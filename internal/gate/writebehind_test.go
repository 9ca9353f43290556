//go:build unix

package gate

import (
	"bytes"
	"errors"
	"fmt"
	"testing"
)

// TestWriteBehindKeepsOrder: many writes, each reused by the caller at once
// (as the filter reuses its buffer), arrive whole and in order.
func TestWriteBehindKeepsOrder(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	b := NewWriteBehind(&out)
	var want bytes.Buffer
	buf := make([]byte, 0, 64)
	for i := range 10000 {
		buf = fmt.Appendf(buf[:0], "SystemLog: line %d\n", i)
		want.Write(buf)
		if n, err := b.Write(buf); n != len(buf) || err != nil {
			t.Fatalf("write %d: %d, %v", i, n, err)
		}
		// The caller may overwrite its buffer as soon as Write returns.
		for k := range buf {
			buf[k] = 'X'
		}
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(out.Bytes(), want.Bytes()) {
		t.Fatalf("output differs from what was written (%d bytes, want %d)", out.Len(), want.Len())
	}
	if _, err := b.Write([]byte("late\n")); !errors.Is(err, ErrWriteBehindClosed) {
		t.Errorf("write after close: %v, want %v", err, ErrWriteBehindClosed)
	}
	if err := b.Close(); err != nil {
		t.Errorf("second close: %v", err)
	}
}

// failAfter accepts n writes, then fails every one.
type failAfter struct {
	n      int
	writes int
}

func (w *failAfter) Write(p []byte) (int, error) {
	if w.writes++; w.writes > w.n {
		return 0, errors.New("broken pipe")
	}
	return len(p), nil
}

// TestWriteBehindReportsErrors: the underlying writer's error is not lost:
// a later Write or Close returns it, and nothing is written after it.
func TestWriteBehindReportsErrors(t *testing.T) {
	t.Parallel()
	w := &failAfter{n: 3}
	b := NewWriteBehind(w)
	var werr error
	for i := 0; i < 100 && werr == nil; i++ {
		_, werr = b.Write([]byte("x\n"))
	}
	cerr := b.Close()
	if cerr == nil || cerr.Error() != "broken pipe" {
		t.Fatalf("close: %v, want the writer's error", cerr)
	}
	if werr != nil && werr.Error() != "broken pipe" {
		t.Errorf("write: %v, want the writer's error", werr)
	}
	if w.writes != 4 {
		t.Errorf("the writer saw %d writes, want 4: none after its error", w.writes)
	}
}
