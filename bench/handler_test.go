package bench

import (
	"context"
	"io"
	"log/slog"
	"syscall"
	"testing"
	"time"

	"github.com/conflog/conflog"
	"github.com/rs/zerolog"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// The handler benchmarks log the same record — a message and string, int,
// float64, bool and time.Duration attributes — to io.Discard through each
// logger, so the numbers compare encoders, not I/O. Sub-benchmark names are
// rec=…/impl=…, for benchstat -col /impl.

// handlerNop is the floor for private records: slog's front end and a
// Handle that returns nil. Enabled cannot see the category, so a Drop
// handler can at best match it.
type handlerNop struct{}

func (handlerNop) Enabled(context.Context, slog.Level) bool  { return true }
func (handlerNop) Handle(context.Context, slog.Record) error { return nil }
func (h handlerNop) WithAttrs([]slog.Attr) slog.Handler      { return h }
func (h handlerNop) WithGroup(string) slog.Handler           { return h }

func handlerAttrs(n int) []slog.Attr {
	five := []slog.Attr{
		slog.String("dataset", "train-v3"), slog.Int("epoch", 3), slog.Float64("loss", 0.2513),
		slog.Bool("converged", false), slog.Duration("took", 1534*time.Millisecond),
	}
	var as []slog.Attr
	for len(as) < n {
		as = append(as, five[len(as)%5])
	}
	return as
}

func handlerZapFields(n int) []zap.Field {
	five := []zap.Field{
		zap.String("dataset", "train-v3"), zap.Int("epoch", 3), zap.Float64("loss", 0.2513),
		zap.Bool("converged", false), zap.Duration("took", 1534*time.Millisecond),
	}
	var fs []zap.Field
	for len(fs) < n {
		fs = append(fs, five[len(fs)%5])
	}
	return fs
}

func handlerZerolog(e *zerolog.Event, n int) *zerolog.Event {
	for i := range n {
		switch i % 5 {
		case 0:
			e = e.Str("dataset", "train-v3")
		case 1:
			e = e.Int("epoch", 3)
		case 2:
			e = e.Float64("loss", 0.2513)
		case 3:
			e = e.Bool("converged", false)
		case 4:
			e = e.Dur("took", 1534*time.Millisecond)
		}
	}
	return e
}

func handlerConflog(format conflog.Format, p conflog.Policy) *slog.Logger {
	return conflog.New(io.Discard, "SystemLog:", &conflog.Options{Format: format, Private: p})
}

type handlerImpl struct {
	name string
	// log logs one record of n attributes; with is true for the logger
	// made with context.
	log func(b *testing.B, n int, with bool)
}

// handlerSlog benchmarks a *slog.Logger; public adds conflog.Public.
func handlerSlog(mk func() *slog.Logger, public bool) func(b *testing.B, n int, with bool) {
	return func(b *testing.B, n int, with bool) {
		l := mk()
		if with {
			l = l.With(handlerAnyArgs(handlerAttrs(5))...)
		}
		as := handlerAttrs(n)
		if public {
			as = append([]slog.Attr{conflog.Public}, as...)
		}
		ctx := context.Background()
		handlerLoop(b, func() { l.LogAttrs(ctx, slog.LevelInfo, "epoch finished", as...) })
	}
}

// handlerLoop runs op b.N times. Besides wall time it reports the process's
// CPU time per op (cpu-ns/op): on a shared, loaded machine wall time mostly
// measures the scheduler, CPU time still measures the code.
func handlerLoop(b *testing.B, op func()) {
	b.ReportAllocs()
	start := handlerCPUTime()
	for b.Loop() {
		op()
	}
	b.ReportMetric(float64(handlerCPUTime()-start)/float64(b.N), "cpu-ns/op")
}

// handlerCPUTime is the user and system time the process has used.
func handlerCPUTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func handlerAnyArgs(as []slog.Attr) []any {
	args := make([]any, len(as))
	for i, a := range as {
		args[i] = a
	}
	return args
}

var handlerImpls = []handlerImpl{
	{"conflogJSON", handlerSlog(func() *slog.Logger { return handlerConflog(conflog.JSON, conflog.Keep) }, true)},
	{"conflogText", handlerSlog(func() *slog.Logger { return handlerConflog(conflog.Text, conflog.Keep) }, true)},
	{"slogJSON", handlerSlog(func() *slog.Logger { return slog.New(slog.NewJSONHandler(io.Discard, nil)) }, false)},
	{"slogText", handlerSlog(func() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }, false)},
	{"zap", func(b *testing.B, n int, with bool) {
		core := zapcore.NewCore(zapcore.NewJSONEncoder(zap.NewProductionEncoderConfig()), zapcore.AddSync(io.Discard), zap.InfoLevel)
		l := zap.New(core)
		if with {
			l = l.With(handlerZapFields(5)...)
		}
		fs := handlerZapFields(n)
		handlerLoop(b, func() { l.Info("epoch finished", fs...) })
	}},
	{"zerolog", func(b *testing.B, n int, with bool) {
		l := zerolog.New(io.Discard).With().Timestamp().Logger()
		if with {
			l = handlerZerologContext(l.With()).Logger()
		}
		handlerLoop(b, func() { handlerZerolog(l.Info(), n).Msg("epoch finished") })
	}},
	// Private records: Drop against the do-nothing floor.
	{"conflogDrop", handlerSlog(func() *slog.Logger { return handlerConflog(conflog.JSON, conflog.Drop) }, false)},
	{"nop", handlerSlog(func() *slog.Logger { return slog.New(handlerNop{}) }, false)},
}

func handlerZerologContext(c zerolog.Context) zerolog.Context {
	return c.Str("dataset", "train-v3").Int("epoch", 3).Float64("loss", 0.2513).Bool("converged", false).Dur("took", 1534*time.Millisecond)
}

// BenchmarkHandler: rec=attrs4|attrs5|attrs10 is a record of that many
// attributes; rec=with5 is five attributes on a logger that already carries
// five from With.
func BenchmarkHandler(b *testing.B) {
	recs := []struct {
		name string
		n    int
		with bool
	}{{"attrs4", 4, false}, {"attrs5", 5, false}, {"attrs10", 10, false}, {"with5", 5, true}}
	for _, r := range recs {
		for _, impl := range handlerImpls {
			b.Run("rec="+r.name+"/impl="+impl.name, func(b *testing.B) { impl.log(b, r.n, r.with) })
		}
	}
}
