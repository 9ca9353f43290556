//go:build !unix

// Command conflog needs a Unix system: its gate runs the job in its own
// process group, relays and reads signals, and its store, queue and private
// file rely on flock(2), O_NOFOLLOW and Unix permissions. Elsewhere it
// prints that and exits 2 (a usage error) instead of running with weaker
// guarantees.
package main

import (
	"fmt"
	"os"
	"runtime"
)

func main() {
	fmt.Fprintf(os.Stderr, "conflog: error: conflog needs a Unix system (Linux, macOS, BSD); %s is not supported\n", runtime.GOOS)
	fmt.Fprintf(os.Stderr, "conflog: hint: the Go packages build here, and the handler, detect, vet and traceback work (docs/platforms.md)\n")
	os.Exit(2)
}
