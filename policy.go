package conflog

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"log/slog"
	"path/filepath"
	"strconv"
)

// A Policy says what becomes of a private record. The zero value is Keep.
// Policies are values to put in Options.Private: Keep, Drop, Length, Hash,
// or one made by Route.
type Policy struct {
	kind  policyKind
	route slog.Handler
}

type policyKind uint8

const (
	policyKeep policyKind = iota
	policyDrop
	policyLength
	policyHash
	policyRoute
)

var (
	// Keep writes private records to the writer without the prefix; the
	// platform (or conflog run) removes them before they leave the boundary.
	Keep = Policy{kind: policyKeep}

	// Drop discards private records.
	Drop = Policy{kind: policyDrop}

	// Length replaces a private record by a public line that carries no
	// content: its time, level, the message "private message scrubbed", the
	// message's length in bytes and the file:line of the call.
	Length = Policy{kind: policyLength}

	// Hash is Length with an HMAC-SHA256 of the message under Options.Key,
	// truncated to 128 bits, in place of the length: equal messages give
	// equal hashes, for correlation only.
	Hash = Policy{kind: policyHash}
)

// Route sends private records to h instead (the sealed store, a file inside
// the boundary...). h gets the handler's WithAttrs and WithGroup calls, and
// records without their category markers. Route panics if h is nil.
func Route(h slog.Handler) Policy {
	if h == nil {
		panic("conflog: Route: nil handler")
	}
	return Policy{kind: policyRoute, route: h}
}

// scrubbedMessage is the message of the public line Length and Hash write.
const scrubbedMessage = "private message scrubbed"

// handleScrubbed writes the public line of the Length and Hash policies. It
// is built from the record's time, level and call site only: no message, no
// attribute and no preformatted context (that context may be private too).
func (h *Handler) handleScrubbed(r *slog.Record) error {
	s := newState(h, true)
	defer s.free()
	s.buf = append(s.buf, h.c.prefix...)
	if s.json {
		s.buf = append(s.buf, '{')
	}
	s.builtins(r, scrubbedMessage)
	if h.c.policy.kind == policyHash {
		m := hmac.New(sha256.New, h.c.key)
		m.Write([]byte(r.Message))
		s.attr(slog.String("hash", hex.EncodeToString(m.Sum(nil)[:16])))
	} else {
		s.attr(slog.Int("length", len(r.Message)))
	}
	if !h.c.addSource {
		if src := r.Source(); src != nil && src.File != "" {
			s.attr(slog.String(slog.SourceKey, filepath.Base(src.File)+":"+strconv.Itoa(src.Line)))
		}
	}
	s.end()
	return h.write(s.buf, true)
}
