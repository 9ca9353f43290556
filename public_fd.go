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

// A publicSink is the process's channel for public lines. One is opened per
// process and shared by every handler, so each public line is one Write on
// one file, under one mutex, whatever handler wrote it.
//
// When the variable is set but unusable (not a decimal number, a negative
// number, a descriptor that is not open), or when a write to it fails, public
// lines go to the handler's own writer instead, prefixed as always, and a
// warning says so once on stderr. Public lines are never lost and private
// lines never go to the channel.
type publicSink struct {
	mu      sync.Mutex
	w       io.Writer // nil when there is no usable channel
	desc    string    // "CONFLOG_PUBLIC_FD=3", for warnings
	warn    io.Writer // where warnings go
	problem string    // a warning not yet printed
	failed  bool      // a write failed: the channel is no longer used
}

// processSink is the sink of this process, opened on first use.
var processSink = sync.OnceValue(func() *publicSink {
	return openPublicSink(os.Getenv(envPublicFD), os.Stderr)
})

// openPublicSink opens the channel the value of CONFLOG_PUBLIC_FD names.
// Tests call it directly with a pipe's descriptor.
func openPublicSink(val string, warn io.Writer) *publicSink {
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
	return s
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
