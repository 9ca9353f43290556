package conflog

import (
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"sync"

	"github.com/conflog/conflog/internal/channel"
)

// A publicSink is the process's channel for public lines. One is opened per
// process and shared by every handler, so each public line is one Write on
// one connection, under one mutex, whatever handler wrote it.
//
// The channel is the one conflog run names in CONFLOG_CHANNEL, specified in
// internal/channel/SPEC.md; the client connects at the first public line and
// writes each line whole. When the variables are malformed, when the socket
// cannot be proven the gate's (not a socket, in a directory others may use,
// another run's token), public lines go to the handler's own writer instead,
// prefixed as always, and a warning says so once on stderr. When the gate
// does not greet in time or a write fails, they go there too, with one
// warning for the outage, until the client tries the channel again after its
// backoff (SPEC.md, client step 7). Public lines are never lost and private
// lines never go to the channel.
//
// The gate that reads the channel passes only lines with its own prefix, so
// while the channel is in use, a handler built with another prefix writes
// its public lines with the gate's, and says so once (see gatePrefix).
type publicSink struct {
	mu      sync.Mutex
	w       io.Writer // the channel's client, one Write per line; nil when there is none
	desc    string    // `CONFLOG_CHANNEL="unix:/tmp/…"`, for warnings
	warn    io.Writer // where warnings go
	problem string    // a warning not yet printed
	down    bool      // the channel failed and has not taken a line since: warned already

	gate string          // the gate's valid prefix, when the channel is usable
	told map[string]bool // handler prefixes already warned of as replaced
}

// processSink is the sink of this process, opened on first use.
var processSink = sync.OnceValue(func() *publicSink {
	return openPublicSink(os.Getenv, os.Stderr)
})

// openPublicSink makes the sink for the channel the variables read by getenv
// name and, if there is one, takes the gate's prefix from CONFLOG_PREFIX.
// Without CONFLOG_CHANNEL there is no channel, and CONFLOG_PREFIX is ignored:
// a shell may hold it for conflog scrub. A stale CONFLOG_PUBLIC_FD is never
// used: the number may name any file this process opened.
func openPublicSink(getenv func(string) string, warn io.Writer) *publicSink {
	s := &publicSink{desc: channel.EnvChannel + "=" + strconv.Quote(getenv(channel.EnvChannel)), warn: warn}
	c, err := channel.FromEnv(getenv)
	if err != nil {
		s.problem = fmt.Sprintf("%v; public records go to the logger's writer", err)
		return s
	}
	if c == nil {
		return s
	}
	s.w = c
	s.setGate(getenv(channel.EnvPrefix))
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
	if err := channel.CheckPrefix(gate); err != nil {
		s.problem = fmt.Sprintf("%s: %v; public records keep the handler's prefix", channel.EnvPrefix, err)
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
			s.gate, prefix, channel.EnvPrefix, s.gate)
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
	fmt.Fprintf(s.warn, "%sconflog: warning: %s\n", prefix, oneLine(s.problem))
	s.problem = ""
}

// oneLine escapes the control bytes of a warning, which may quote a value
// from the environment (an error naming the path): a line break in it must
// not start a line of its own.
func oneLine(s string) string {
	if !strings.ContainsFunc(s, isControl) {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		if isControl(r) {
			fmt.Fprintf(&b, "\\x%02x", r)
		} else {
			b.WriteRune(r)
		}
	}
	return b.String()
}

func isControl(r rune) bool { return r < 0x20 || r == 0x7f }

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
	if _, err := s.w.Write(line); err != nil {
		if !s.down {
			// One warning per outage: the client fails at once until its
			// backoff has passed, and those failures say nothing new.
			s.down = true
			until := "until it can be reached again"
			if channel.Final(err) {
				until = "from now on"
			}
			s.problem = fmt.Sprintf("%s: %v; public records go to the logger's writer %s", s.desc, err, until)
			s.warnLocked(prefix)
		}
		return false
	}
	s.down = false
	return true
}
