package conflog

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"
)

// TestAllocsBudget: the common path — a public or private record of slog's
// inline size, in either format, with context from With — allocates
// nothing in the handler; Drop allocates nothing. Skipped under -race, which
// allocates on its own.
func TestAllocsBudget(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates")
	}
	ctx := context.Background()
	now := time.Now()
	for _, format := range []Format{Text, JSON} {
		for name, p := range map[string]Policy{"Keep": Keep, "Drop": Drop} {
			h := newHandler(io.Discard, testPrefix, &Options{Format: format, Private: p}, noSink())
			hw := h.WithAttrs([]slog.Attr{slog.String("run", "r1"), slog.Int("seed", 7)}).WithGroup("g")
			for _, public := range []bool{false, true} {
				r := slog.NewRecord(now, slog.LevelInfo, "epoch finished", 0)
				r.AddAttrs(slog.String("s", "abc"), slog.Int("epoch", 3), slog.Float64("loss", 0.251),
					slog.Bool("ok", true))
				if public {
					r.AddAttrs(Public) // the fifth: still inline in the Record
				} else {
					r.AddAttrs(slog.Duration("d", time.Second))
				}
				for _, hh := range []slog.Handler{h, hw} {
					if n := testing.AllocsPerRun(100, func() { hh.Handle(ctx, r) }); n != 0 {
						t.Errorf("%v/%s/public=%v: %v allocs per record", format, name, public, n)
					}
				}
			}
		}
	}
}
