package conflog

import (
	"fmt"
	"io"
	"os"
	"strconv"
	"sync"
)

// envPublicFD names the variable by which conflog run hands a job the write
// end of a pipe for its public records.
const envPublicFD = "CONFLOG_PUBLIC_FD"

// envPrefix names the variable by which conflog run tells the job the gate's
// prefix: the one a public line must start with to get out.
const envPrefix = "CONFLOG_PREFIX"

// A publicSink is the process's channel for public lines. One is opened per
// process and shared by every handler, so each public line is one Write on
// one file, under one mutex, whatever handler wrote it.
//
// When the variable is set but unusable (not a decimal number, a negative
// number, a descriptor that is not open), or when a write to it fails, public
// lines go to the handler's own writer instead, prefixed as always, and a
// warning says so once on stderr. Public lines are never lost and private
// lines never go to the channel.
//
// The gate that reads the channel passes only lines with its own prefix, so
// while the channel is in use, a handler built with another prefix writes
// its public lines with the gate's, and says so once (see gatePrefix).
type publicSink struct {
	mu      sync.Mutex
	w       io.Writer // nil when there is no usable channel
	desc    string    // "CONFLOG_PUBLIC_FD=3", for warnings
	warn    io.Writer // where warnings go
	problem string    // a warning not yet printed
	failed  bool      // a write failed: the channel is no longer used

	gate string          // the gate's valid prefix, when the channel is usable
	told map[string]bool // handler prefixes already warned of as replaced
}

// processSink is the sink of this process, opened on first use.
var processSink = sync.OnceValue(func() *publicSink {
	return openPublicSink(os.Getenv(envPublicFD), os.Getenv(envPrefix), os.Stderr)
})

// openPublicSink opens the channel the value of CONFLOG_PUBLIC_FD names and,
// if it is usable, takes the gate's prefix from the value of CONFLOG_PREFIX.
// Tests call it directly with a pipe's descriptor.
func openPublicSink(val, gate string, warn io.Writer) *publicSink {
	s := &publicSink{desc: envPublicFD + "=" + strconv.Quote(val), warn: warn}
	if val == "" {
		return s
	}
	fd, err := strconv.Atoi(val)
	if err != nil || fd < 0 {
		s.problem = fmt.Sprintf("%s: not a file descriptor; public records go to the logger's writer", s.desc)
		return s
	}
	f := os.NewFile(uintptr(fd), envPublicFD)
	if f == nil {
		s.problem = fmt.Sprintf("%s: not a file descriptor; public records go to the logger's writer", s.desc)
		return s
	}
	if _, err := f.Stat(); err != nil {
		s.problem = fmt.Sprintf("%s: %v; public records go to the logger's writer", s.desc, err)
		return s
	}
	s.w = f
	s.setGate(gate)
	return s
}

// setGate takes the gate's prefix, the value of CONFLOG_PREFIX, if it is one
// NewHandler would accept. An invalid one is reported once and ignored: each
// handler keeps its own prefix, since no gate can use that one (package
// scrub refuses the same prefixes).
func (s *publicSink) setGate(gate string) {
	if gate == "" {
		return
	}
	if err := checkPrefix(gate); err != nil {
		s.problem = fmt.Sprintf("%s: %v; public records keep the handler's prefix", envPrefix, err)
		return
	}
	s.gate = gate
}

// gatePrefix returns the prefix a handler built with prefix writes its
// public lines with: the gate's, if the channel is in use and the gate's
// prefix differs. A line with the handler's own prefix would reach the gate
// only to be held as private, and whoever watches the job outside would see
// nothing and not know why. The first time a prefix is replaced, one public
// warning line names both.
func (s *publicSink) gatePrefix(prefix string) string {
	if s.gate == "" || s.gate == prefix {
		return prefix
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.told[prefix] {
		if s.told == nil {
			s.told = map[string]bool{}
		}
		s.told[prefix] = true
		line := fmt.Sprintf("%sconflog: warning: the handler's prefix %q is not the gate's (%s=%q); public records carry the gate's\n",
			s.gate, prefix, envPrefix, s.gate)
		if !s.writeLocked([]byte(line), s.gate) {
			io.WriteString(s.warn, line)
		}
	}
	return s.gate
}

// warnOnce prints a pending warning, once per process. It carries the
// handler's prefix so that the warning itself is a public line: whoever
// watches the job outside the boundary must learn that the channel is broken.
func (s *publicSink) warnOnce(prefix string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.warnLocked(prefix)
}

func (s *publicSink) warnLocked(prefix string) {
	if s.problem == "" {
		return
	}
	fmt.Fprintf(s.warn, "%sconflog: warning: %s\n", prefix, s.problem)
	s.problem = ""
}

// write writes a public line to the channel and reports whether it did; when
// it did not, the caller writes the line to its own writer.
func (s *publicSink) write(line []byte, prefix string) bool {
	if s.w == nil {
		return false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.writeLocked(line, prefix)
}

func (s *publicSink) writeLocked(line []byte, prefix string) bool {
	if s.failed {
		return false
	}
	if _, err := s.w.Write(line); err != nil {
		s.failed = true
		s.problem = fmt.Sprintf("%s: %v; public records go to the logger's writer from now on", s.desc, err)
		s.warnLocked(prefix)
		return false
	}
	return true
}
