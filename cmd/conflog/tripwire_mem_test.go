//go:build unix

package main

import (
	"io"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/conflog/conflog/detect"
)

// TestTripwireLongLineNotKept: the tripwire does not keep a copy of the
// longest line it passed. Each public-channel connection has a tripwire of
// its own (up to 1024 at once), so a kept copy was up to --max-line more per
// connection than the channel's bound.
func TestTripwireLongLineNotKept(t *testing.T) {
	ds, err := detect.Select()
	if err != nil {
		t.Fatal(err)
	}
	set, err := detect.NewSet(ds...)
	if err != nil {
		t.Fatal(err)
	}
	var blocked atomic.Int64
	d := &detectFlags{mode: string(detectBlock), set: set}
	w := d.wrap(io.Discard, "SystemLog:", "public channel", nil, &blocked, func(string, ...any) {})
	line := "SystemLog: " + strings.Repeat("a", 1<<20) + "\n"
	if n, err := w.Write([]byte(line)); err != nil || n != len(line) {
		t.Fatalf("Write = %d, %v", n, err)
	}
	if c := cap(w.(*tripwireWriter).out); c > 256<<10 {
		t.Errorf("after a %d-byte line the tripwire keeps a %d-byte buffer", len(line), c)
	}
}
