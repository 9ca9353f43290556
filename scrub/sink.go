package scrub

import (
	"bufio"
	"fmt"
	"os"
	"sync"
)

// A Sink receives the private lines of one or more streams. Line is called
// once per line, without its line end; line is valid only during the call.
// A Sink shared by several filters must be safe for concurrent use.
//
// If a Sink also has a Flush() error method, a Filter calls it at the end of
// every Write, so private lines are not held in memory longer than public ones.
type Sink interface {
	Line(line []byte) error
}

// Discard is a Sink that drops every line.
var Discard Sink = discard{}

type discard struct{}

func (discard) Line([]byte) error { return nil }

// A File is a Sink appending private lines to a file only its owner can read.
// It is safe for concurrent use.
type File struct {
	mu sync.Mutex
	f  *os.File
	w  *bufio.Writer
}

// OpenFile opens path for appending private lines, creating it with mode 0600
// whatever the umask. It refuses a symbolic link (O_NOFOLLOW), anything but a
// regular file, and an existing file that its group or others may access:
// private lines must not land where they can be read.
func OpenFile(path string) (*File, error) {
	f, err := openNoFollow(path)
	if err != nil {
		return nil, err
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("private file: %w", err)
	}
	if !fi.Mode().IsRegular() {
		f.Close()
		return nil, fmt.Errorf("private file %s: not a regular file (%v)", path, fi.Mode().Type())
	}
	if fi.Size() == 0 {
		// Ours, or empty: either way no one else can have read anything
		// yet. Chmod undoes a umask that took the owner's bits away.
		if err := f.Chmod(0o600); err != nil {
			f.Close()
			return nil, fmt.Errorf("private file: %w", err)
		}
	} else if perm := fi.Mode().Perm(); perm&0o077 != 0 {
		f.Close()
		return nil, fmt.Errorf("private file %s: mode %#o lets others read private lines", path, perm)
	}
	return &File{f: f, w: bufio.NewWriterSize(f, 64<<10)}, nil
}

// Line appends line and a '\n'.
func (s *File) Line(line []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.w.Write(line)
	return s.w.WriteByte('\n')
}

// Flush writes buffered lines to the file.
func (s *File) Flush() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Flush()
}

// Close flushes and closes the file.
func (s *File) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	err := s.w.Flush()
	if cerr := s.f.Close(); err == nil {
		err = cerr
	}
	return err
}
