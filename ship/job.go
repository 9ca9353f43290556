package ship

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// A Job is who queued a line: the job's name (syslog's APP-NAME, OTLP's
// service.name), its id (one per run: syslog's job="…", OTLP's
// service.instance.id) and the host. The queue keeps it with each segment
// (SEQ.job beside SEQ.seg), so the lines a later process delivers, a
// 'conflog ship --resume' or the next run, carry the identity of the job
// that printed them, not the deliverer's.
type Job struct {
	Name string `json:"name"`
	ID   string `json:"id"`
	Host string `json:"host"`
}

// NewJobID returns a random job id: 16 hex digits.
func NewJobID() string {
	b := make([]byte, 8)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// CheckJobID refuses an id that is not 1 to 64 letters, digits, '.', '_',
// ':' or '-': it goes into syslog structured data and metric labels as it is.
func CheckJobID(id string) error {
	if id == "" || len(id) > 64 || strings.IndexFunc(id, func(r rune) bool { return !isIDRune(r) }) >= 0 {
		return fmt.Errorf("job id %q: want 1 to 64 letters, digits, '.', '_', ':' or '-'", id)
	}
	return nil
}

func isIDRune(r rune) bool {
	return r == ':' || r == '-' || isEventRune(r)
}

func (q *Queue) jobPath(first uint64) string {
	return filepath.Join(q.dir, fmt.Sprintf("%020d.job", first))
}

// writeJob records the appending job for the segment starting at first
// (before the segment's first line), and leaves its fsync to the syncer.
// Called with mu held.
func (q *Queue) writeJob(first uint64) error {
	b, _ := json.Marshal(q.opts.Job)
	if err := replaceFile(q.dir, filepath.Base(q.jobPath(first)), append(b, '\n'), false); err != nil {
		return err
	}
	q.jobs = append(q.jobs, q.jobPath(first))
	q.dirDirty = true
	q.wakeSyncer()
	return nil
}

// readJob returns the job of the segment starting at first, or nil when it
// has none (a queue made before jobs were kept, a file a full disk kept
// from being written, or one a power cut left empty before the syncer
// fsynced it): its lines go out as the deliverer's own, as do those of a
// job without an id (a Queue opened with the zero Job).
func (q *Queue) readJob(first uint64) (*Job, error) {
	b, err := os.ReadFile(q.jobPath(first))
	if errors.Is(err, fs.ErrNotExist) || err == nil && len(b) == 0 {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var j Job
	if err := json.Unmarshal(b, &j); err != nil || (j.ID != "" && CheckJobID(j.ID) != nil) {
		return nil, fmt.Errorf("%s: malformed", filepath.Base(q.jobPath(first)))
	}
	return &j, nil
}
