package conflogprocessor

import (
	"container/list"
	"hash/maphash"
	"time"

	"github.com/conflog/conflog/detect"
	"github.com/conflog/conflog/traceback"
)

// A stream is the state of one log stream: its crash trace scrubber (which
// knows whether a Python exception message is in progress) and the
// tripwire's checker (which follows private-key blocks). The filter that
// judges its lines is shared (filter.go).
type stream struct {
	key    streamKey
	check  *detect.Checker     // nil when detect is off
	trace  *traceback.Scrubber // nil with traces off
	next   int64               // the sequence number expected next; 0 before the first record
	broken bool                // not seen whole: no line passes by its prefix
	// cut: the last record may be the first piece of a line the receiver
	// cut (its body was receiver_max_log_size long): the next record is
	// its rest, private.
	cut bool
	// ends: the stream's bodies keep their line end, as the container
	// parser leaves Docker's json-file `log`; a body without it is a piece
	// of a longer line (see processor.go's dockerPiece).
	ends bool
	off  int64 // the last record's offset attribute; -1 without one
	last time.Time
	elem *list.Element
}

// A streamKey names a stream: 128 bits of hash of its key's encoding
// (processor.go's resourceKey, appendField, appendValue), two 64-bit hashes
// under seeds drawn when the processor starts. The state kept per stream
// and per tombstone is then the same whatever its resource and stream
// attributes weigh (a 64 KiB attribute made every stream and every
// tombstone hold 64 KiB: TestStreamMemoryLongKeys). Two keys name one
// stream, mixing their state, with a chance of 2^-128 a pair; the seeds are
// never shown, so a sender cannot aim at it. (SHA-256, tried first, took
// the processor's instructions to 3.5 times, by callgrind, where two
// streams alternate record by record; these hashes are the runtime's, 3%
// more than the string map's.)
type streamKey [2]uint64

// keyHash makes the streamKey of keys.
type keyHash struct{ seed [2]maphash.Seed }

func newKeyHash() keyHash { return keyHash{[2]maphash.Seed{maphash.MakeSeed(), maphash.MakeSeed()}} }

func (h keyHash) of(key []byte) streamKey {
	return streamKey{maphash.Bytes(h.seed[0], key), maphash.Bytes(h.seed[1], key)}
}

// streamTable holds the streams, at most max of them, each dropped after
// idle without a record. The least recently used stream is at the back.
type streamTable struct {
	byKey map[streamKey]*stream
	lru   list.List
	max   int
	idle  time.Duration
	tomb  tombstones
}

func newStreamTable(max int, idle time.Duration) *streamTable {
	return &streamTable{byKey: make(map[streamKey]*stream), max: max, idle: idle,
		tomb: tombstones{keys: make(map[streamKey]struct{}), max: tombstonesPerStream * max}}
}

// tombstonesPerStream bounds the tombstones kept, per stream of max_streams:
// a tombstone is a key's hash, about 220 bytes with the map's and the
// order's share, a fifth of a stream's state (README).
const tombstonesPerStream = 16

// tombstones remember the unsequenced streams dropped while they could not
// be judged from scratch: inside an exception message or a cut line, or
// broken. Without
// a sequence number nothing else would tell that such a stream, when it
// comes back, is not starting: its next line may still be the message.
// The oldest is forgotten past max.
type tombstones struct {
	keys  map[streamKey]struct{}
	order []streamKey
	max   int
}

func (t *tombstones) add(key streamKey) {
	if _, ok := t.keys[key]; ok {
		return
	}
	if len(t.order) >= t.max {
		delete(t.keys, t.order[0])
		t.order = t.order[1:]
	}
	t.keys[key] = struct{}{}
	t.order = append(t.order, key)
}

func (t *tombstones) has(key streamKey) bool {
	_, ok := t.keys[key]
	return ok
}

// get returns the stream named key, or nil. The lookup does not allocate.
func (t *streamTable) get(key streamKey, now time.Time) *stream {
	s := t.byKey[key]
	if s != nil {
		s.last = now
		t.lru.MoveToFront(s.elem)
	}
	return s
}

// add adds s, dropping the least recently used stream if the table is
// full. It reports whether it dropped one.
func (t *streamTable) add(s *stream, now time.Time) (dropped bool) {
	if len(t.byKey) >= t.max {
		t.remove(t.lru.Back().Value.(*stream))
		dropped = true
	}
	s.last = now
	s.elem = t.lru.PushFront(s)
	t.byKey[s.key] = s
	return dropped
}

// expire drops the streams idle for longer than the time-out and returns
// how many it dropped.
func (t *streamTable) expire(now time.Time) int {
	n := 0
	for e := t.lru.Back(); e != nil; e = t.lru.Back() {
		s := e.Value.(*stream)
		if now.Sub(s.last) <= t.idle {
			break
		}
		t.remove(s)
		n++
	}
	return n
}

// remove forgets s. Nothing of it waits in a filter: every record's body is
// written with its line end. What an unfinished trace holds stays private.
func (t *streamTable) remove(s *stream) {
	t.lru.Remove(s.elem)
	delete(t.byKey, s.key)
	if s.next == 0 && (s.broken || s.cut || s.trace != nil && s.trace.InMessage()) {
		t.tomb.add(s.key)
	}
}

func (t *streamTable) len() int { return len(t.byKey) }

// gateWriter receives a stream's public lines from its filter (whole lines,
// each ending in '\n') and hands each, through the stream's tripwire, to
// the processor.
type gateWriter struct {
	p     *gate
	check *detect.Checker // nil when detect is off
}

func (w *gateWriter) Write(b []byte) (int, error) {
	n := len(b)
	for len(b) > 0 {
		line := b
		if i := indexLF(b); i >= 0 {
			line, b = b[:i], b[i+1:]
		} else {
			b = nil
		}
		w.p.public(w.check, line, -1)
	}
	return n, nil
}
