package ship

import (
	"bytes"
	"strconv"
	"time"
)

// EventBlocked names the event of a blocked public line: in the queue, as
// the OTLP record's event name, and (as blocked@32473) the syslog
// structured-data element.
const EventBlocked = "conflog.blocked"

// A Blocked is the notice of a public line the gate's tripwire withheld:
// what found it and where, never the value. The central log gets it as an
// event of its own, beside the line's human notice in the job's output:
//
//	SystemLog: level=WARN event=conflog.blocked detector=email column=31 stream=stdout job=train msg="blocked a public line (value withheld)"
//
// In syslog it carries [blocked@32473 detector="email" column="31"
// stream="stdout" job="train"]; in OTLP the event name conflog.blocked and
// the attributes conflog.detector, conflog.column, conflog.stream and
// conflog.job.
type Blocked struct {
	Detector string // the detector that found it: email, aws-key, …
	Column   int    // 1-based, in the line as the job wrote it
	Stream   string // stdout, stderr, public channel
	Job      string
}

// fields are the notice's fields, each a token: printable ASCII without
// space, '"', '=', '\' or ']' (others become '_'), at most 64 bytes.
func (b Blocked) fields() [4][2]string {
	return [4][2]string{
		{"detector", token(b.Detector)},
		{"column", strconv.Itoa(max(b.Column, 0))},
		{"stream", token(b.Stream)},
		{"job", token(b.Job)},
	}
}

// Line is the notice as one public logfmt line, prefix first.
func (b Blocked) Line(prefix string) []byte {
	l := append([]byte(prefix), noticeHead[:len(noticeHead)-1]...)
	for _, f := range b.fields() {
		l = append(l, ' ')
		l = append(l, f[0]...)
		l = append(l, '=')
		l = append(l, f[1]...)
	}
	return append(l, ` msg="blocked a public line (value withheld)"`...)
}

// noticeHead starts a notice's fields, after the prefix.
const noticeHead = " level=WARN event=" + EventBlocked + " "

// parseBlocked reads the fields back from a notice's line (after its
// prefix, which may hold anything).
func parseBlocked(line []byte) (b Blocked) {
	if i := bytes.LastIndex(line, []byte(noticeHead)); i >= 0 {
		line = line[i+len(noticeHead):]
	}
	for _, w := range bytes.Fields(line) {
		k, v, ok := bytes.Cut(w, []byte("="))
		if !ok {
			continue
		}
		switch string(k) {
		case "detector":
			b.Detector = string(v)
		case "column":
			b.Column, _ = strconv.Atoi(string(v))
		case "stream":
			b.Stream = string(v)
		case "job":
			b.Job = string(v)
		case "msg":
			return b
		}
	}
	return b
}

// token makes s one logfmt and structured-data value: printable ASCII
// without space, '"', '=', '\' or ']', at most 64 bytes, "-" when empty.
func token(s string) string {
	b := make([]byte, 0, min(len(s), 64))
	for i := 0; i < len(s) && len(b) < 64; i++ {
		c := s[i]
		if c <= ' ' || c >= 0x7f || c == '"' || c == '=' || c == '\\' || c == ']' {
			c = '_'
		}
		b = append(b, c)
	}
	if len(b) == 0 {
		return "-"
	}
	return string(b)
}

// appendBlockedSD appends the structured-data element of a notice.
func appendBlockedSD(b []byte, n Blocked) []byte {
	b = append(b, "[blocked@"+pen...)
	for _, f := range n.fields() {
		b = append(b, ' ')
		b = append(b, f[0]...)
		b = append(b, `="`...)
		b = append(b, f[1]...)
		b = append(b, '"')
	}
	return append(b, ']')
}

// Blocked queues the notice of a blocked line as an event. Like Write, it
// never fails: an error is counted.
func (s *Shipper) Blocked(n Blocked) {
	if n.Job == "" {
		n.Job = s.opts.Job
	}
	s.wmu.Lock()
	k, err := s.q.AppendEvent(time.Now(), EventBlocked, n.Line(string(s.prefix)))
	s.wmu.Unlock()
	s.queued.Add(int64(k))
	if err != nil {
		s.fail(err)
	}
	select {
	case s.wake <- struct{}{}:
	default:
	}
}
