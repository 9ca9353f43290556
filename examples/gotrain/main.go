// Command gotrain is a small Go "training job" that logs through conflog:
// public records carry conflog.Public, everything else is private, and, as
// in real jobs, some data gets printed. Run it behind the egress gate:
//
//	go run ./cmd/conflog run --strict --prefix SystemLog: -- go run ./examples/gotrain
//
// Under conflog run the handler writes public records to the public channel
// ($CONFLOG_CHANNEL); with --strict only that channel can carry public
// lines, so the customer row printed below, which happens to start with the
// prefix, is held back. With -crash panic or -crash fatal it ends in a crash,
// whose trace the gate re-emits scrubbed.
package main

import (
	"flag"
	"fmt"
	"log/slog"
	"os"
	"sync"

	"github.com/conflog/conflog"
)

func main() {
	prefix := flag.String("prefix", os.Getenv("CONFLOG_PREFIX"), "the public marker (default $CONFLOG_PREFIX)")
	crash := flag.String("crash", "", "end in a crash: panic (in a goroutine) or fatal (a runtime fatal error)")
	flag.Parse()
	if *prefix == "" {
		fmt.Fprintln(os.Stderr, "gotrain: no prefix: pass -prefix or run under conflog run")
		os.Exit(2)
	}

	logger := conflog.New(os.Stderr, *prefix, nil)
	slog.SetDefault(logger)

	rows := []string{
		"alice@example.com bought 3 items",
		*prefix + " row text that happens to look public: carol@example.net",
	}
	logger.Info("job started", conflog.Public, "rows", len(rows))
	for epoch := 1; epoch <= 2; epoch++ {
		for _, row := range rows {
			logger.Debug("row", "text", row)
			slog.Info("training on row", "text", row) // private: no marker
		}
		logger.Info("epoch finished", conflog.Public, "epoch", epoch, "loss", 1.0/float64(epoch))
	}
	// Printed data that starts with the prefix: only --strict stops it.
	fmt.Println(rows[1]) //conflog:ignore CL005 deliberate: a forged row, to show --strict holding it back

	switch *crash {
	case "panic":
		// The gate re-emits the trace with the value and arguments scrubbed.
		done := make(chan bool)
		go func() {
			label(rows, 7)
			close(done)
		}()
		<-done
	case "fatal":
		// fatal error: sync: unlock of unlocked mutex. (A deadlock would be
		// fatal only while no other goroutine, a timer's say, is alive.)
		var mu sync.Mutex
		mu.Unlock()
	}
	logger.Info("job done", conflog.Public)
}

//go:noinline
func label(rows []string, i int) string {
	if i >= len(rows) {
		panic(fmt.Sprintf("no label for row %q", rows[0]))
	}
	return rows[i]
}
