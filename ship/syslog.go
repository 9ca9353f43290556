package ship

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"sync"
	"time"
)

// pen is the private enterprise number of conflog's structured data. 32473
// is the one RFC 5612 sets aside for documentation; a site that registers
// its own can change it here.
const pen = "32473"

// facility is user-level messages (RFC 5424 §6.2.1).
const facility = 1

// appendSyslog appends one RFC 5425 frame (octet counting: "LEN SP MSG")
// holding the RFC 5424 message for r:
//
//	<PRI>1 TIMESTAMP HOST APP - public [conflog@32473 queue="ID" seq="N" job="JOBID"] LINE
//
// and for the notice of a blocked line, [blocked@32473 …] after conflog's
// element (see [Blocked]).
// The line goes as MSG unchanged, its prefix included, so the receiver can
// check it again; queue and seq name it for de-duplication.
func appendSyslog(b []byte, r Record, h header) []byte {
	var f framer
	return f.appendSyslog(b, &r, &h)
}

// A framer makes appendSyslog's frames for one connection, reusing its
// memory and what the frame before had in common with this one. Each part
// of a frame is appended once, straight into the batch: the octet count
// is computed from the parts' lengths, not by building the message first
// (a copy of every header, and before that of every line). What stays
// from frame to frame is kept formatted: the header's parts of one job
// (the host, app, queue and job), the time stamp (a block of lines queued
// together has one), the date and time to the second, and the sequence
// number, counted up in decimal (formatting each was a sixth of the
// framer's time).
type framer struct {
	sd []byte // the blocked notice's structured data

	h        *header // what mid and end were made for: a header is not changed
	mid, end []byte  // ` HOST APP - public [conflog@… queue="Q" seq="` and `" job="J"]`

	seq  uint64 // the sequence number in seqd, when seqd is not empty
	seqd []byte

	us     int64    // the unix microsecond of full, when fulld
	full   [27]byte // a whole TIMESTAMP
	fulld  bool
	sec    int64    // the unix second of stamp, when stampd
	stamp  [20]byte // "2006-01-02T15:04:05."
	stampd bool
}

// pri is the start of a message, "<PRI>1 ", for each syslog severity.
var pri = func() (p [8]string) {
	for sev := range p {
		p[sev] = "<" + strconv.Itoa(facility*8+sev) + ">1 "
	}
	return p
}()

func (f *framer) appendSyslog(b []byte, r *Record, h *header) []byte {
	if h != f.h {
		f.h = h
		f.mid = append(f.mid[:0], ' ')
		f.mid = append(f.mid, h.host...)
		f.mid = append(f.mid, ' ')
		f.mid = append(f.mid, h.app...)
		f.mid = append(f.mid, ` - public [conflog@`+pen+` queue="`...)
		f.mid = append(f.mid, h.queue...)
		f.mid = append(f.mid, `" seq="`...)
		f.end = append(f.end[:0], '"')
		if h.job != "" {
			f.end = append(f.end, ` job="`...)
			f.end = append(f.end, h.job...) // CheckJobID: nothing to escape
			f.end = append(f.end, '"')
		}
		f.end = append(f.end, ']')
	}
	f.countTo(r.Seq)
	sd := f.sd[:0]
	if r.Event == EventBlocked {
		sd = appendBlockedSD(sd, parseBlocked(r.Line))
		f.sd = sd
	}
	p := pri[severity(r.Line).syslog&7]
	n := len(p) + len(f.full) + len(f.mid) + len(f.seqd) + len(f.end) + len(sd) + 1 + len(r.Line)
	b = strconv.AppendUint(b, uint64(n), 10)
	b = append(b, ' ')
	b = append(b, p...)
	b = f.appendStamp(b, r.Time)
	b = append(b, f.mid...)
	b = append(b, f.seqd...)
	b = append(b, f.end...)
	b = append(b, sd...)
	b = append(b, ' ')
	return append(b, r.Line...)
}

// countTo makes seqd seq in decimal: by adding one to the digits when seq
// follows the last, as it does but for a batch's first line.
func (f *framer) countTo(seq uint64) {
	if len(f.seqd) == 0 || seq != f.seq+1 || seq == 0 {
		f.seq, f.seqd = seq, strconv.AppendUint(f.seqd[:0], seq, 10)
		return
	}
	f.seq = seq
	for i := len(f.seqd) - 1; i >= 0; i-- {
		if f.seqd[i] != '9' {
			f.seqd[i]++
			return
		}
		f.seqd[i] = '0'
	}
	f.seqd = append(f.seqd[:1], f.seqd...) // all nines: one digit more
	f.seqd[0] = '1'
}

// appendStamp is the package's appendStamp: the same stamp as the last
// call's copied, and the part to the second kept from the last call in
// the same second.
func (f *framer) appendStamp(b []byte, t time.Time) []byte {
	us := t.UnixMicro()
	if f.fulld && us == f.us {
		return append(b, f.full[:]...)
	}
	sec, frac := us/1e6, us%1e6
	if frac < 0 {
		sec, frac = sec-1, frac+1e6
	}
	if !f.stampd || sec != f.sec {
		appendStamp(f.full[:0], time.Unix(sec, 0))
		copy(f.stamp[:], f.full[:20])
		f.sec, f.stampd = sec, true
	}
	copy(f.full[:], f.stamp[:])
	for i := 25; i >= 20; i-- {
		f.full[i] = byte('0' + frac%10)
		frac /= 10
	}
	f.full[26] = 'Z'
	f.us, f.fulld = us, true
	return append(b, f.full[:]...)
}

// appendStamp appends t as RFC 5424 TIMESTAMP in UTC with microseconds,
// 2006-01-02T15:04:05.000000Z, by hand: time.AppendFormat was a sixth of
// the deliverer's time.
func appendStamp(b []byte, t time.Time) []byte {
	t = t.UTC()
	y, mo, d := t.Date()
	h, mi, s := t.Clock()
	us := t.Nanosecond() / 1000
	var a [27]byte
	put := func(at, v, width int) {
		for i := at + width - 1; i >= at; i-- {
			a[i] = byte('0' + v%10)
			v /= 10
		}
	}
	put(0, y, 4)
	a[4] = '-'
	put(5, int(mo), 2)
	a[7] = '-'
	put(8, d, 2)
	a[10] = 'T'
	put(11, h, 2)
	a[13] = ':'
	put(14, mi, 2)
	a[16] = ':'
	put(17, s, 2)
	a[19] = '.'
	put(20, us, 6)
	a[26] = 'Z'
	return append(b, a[:]...)
}

// headerName returns s as an RFC 5424 header field: printable US-ASCII
// without spaces, at most max bytes, "-" when empty.
func headerName(s string, max int) string {
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s) && len(b) < max; i++ {
		if c := s[i]; c > ' ' && c < 0x7f {
			b = append(b, c)
		} else {
			b = append(b, '_')
		}
	}
	if len(b) == 0 {
		return "-"
	}
	return string(b)
}

// A level is a line's severity, as syslog and OpenTelemetry number it.
type level struct {
	syslog int // RFC 5424 §6.2.1
	otel   int // OpenTelemetry SeverityNumber
	text   string
}

var (
	levelDebug = level{7, 5, "DEBUG"}
	levelInfo  = level{6, 9, "INFO"}
	levelWarn  = level{4, 13, "WARN"}
	levelError = level{3, 17, "ERROR"}
	levelFatal = level{2, 21, "FATAL"}
)

// severity reads a line's level where its format says it: a "level=X"
// field (conflog's and slog's text handlers), a JSON "level":"X", or a
// level word among the line's first words (Python's logging, glog-like).
// Otherwise the line is INFO. It runs for every line shipped: one scan for
// "level" finds both keys (the first "level=" wins, then the first JSON
// key), and the words are cut with tables, not bytes.TrimLeft/IndexAny,
// which build their sets on each call (a third of the deliverer's time).
func severity(line []byte) level {
	json := -1
	// Each "level" is found by its 'v', a rare letter in log lines: a
	// search for the whole key stopped at every 'l' ("loss", "lr").
	for off := 0; ; {
		v := bytes.IndexByte(line[off:], 'v')
		if v < 0 {
			break
		}
		i := off + v - 2 // where "level" would start
		off += v + 1
		if i < 0 || !bytes.HasPrefix(line[i:], levelKey) {
			continue
		}
		j := i + len(levelKey)
		if j < len(line) && line[j] == '=' {
			return levelWord(line[j+1:])
		}
		if json < 0 && i > 0 && line[i-1] == '"' && bytes.HasPrefix(line[j:], []byte(`":"`)) {
			json = j + len(`":"`)
		}
	}
	if json >= 0 {
		return levelWord(line[json:])
	}
	// The first six words; only one of three to eight bytes can name a
	// level, and only such a word is looked up (knownLevel on every word
	// was a third of severity's time).
	i, n := 0, len(line)
	for w := 0; w < 6 && i < n; w++ {
		for i < n && wordClass[line[i]]&wordTrim != 0 {
			i++
		}
		start := i
		for i < n && wordClass[line[i]]&wordEnd == 0 {
			i++
		}
		if k := i - start; k >= 3 && k <= 8 {
			if l, ok := knownLevel(line[start:i]); ok {
				return l
			}
		}
	}
	return levelInfo
}

// wordClass has, for each byte, wordTrim if it comes before a word
// (" \t:[]|-") and wordEnd if it ends one (" \t:[]|"): one table, looked
// up once a byte.
var wordClass = func() (t [256]uint8) {
	for _, c := range []byte(" \t:[]|") {
		t[c] = wordTrim | wordEnd
	}
	t['-'] = wordTrim
	return t
}()

const (
	wordTrim = 1 << iota
	wordEnd
)

var levelKey = []byte("level")

// levelEnd are the bytes that end a level value (" \t\",").
var levelEnd = byteSet(" \t\",")

func byteSet(s string) (t [256]bool) {
	for i := 0; i < len(s); i++ {
		t[s[i]] = true
	}
	return t
}

func levelWord(b []byte) level {
	end := 0
	for end < len(b) && !levelEnd[b[end]] {
		end++
	}
	if l, ok := knownLevel(b[:end]); ok {
		return l
	}
	return levelInfo
}

func knownLevel(w []byte) (level, bool) {
	// Upper-cased in a buffer on the stack: this runs for several words of
	// every line shipped, and an allocation each was the deliverer's main
	// cost in the gate benchmark.
	if len(w) > 8 {
		return level{}, false
	}
	var up [8]byte
	for i, c := range w {
		if c >= 'a' && c <= 'z' {
			c -= 'a' - 'A'
		}
		up[i] = c
	}
	switch string(up[:len(w)]) {
	case "DEBUG", "TRACE":
		return levelDebug, true
	case "INFO", "NOTICE":
		return levelInfo, true
	case "WARN", "WARNING":
		return levelWarn, true
	case "ERROR", "ERR":
		return levelError, true
	case "FATAL", "CRITICAL", "PANIC":
		return levelFatal, true
	}
	return level{}, false
}

// syslogConn is one RFC 5425 connection.
//
// RFC 5425 has no acknowledgement: a line written is not a line received.
// A line counts as delivered once the connection was still sound
// confirmAfter after it was written (the server had that long to read it),
// or once the server answered our close_notify by closing, which it does
// only after reading everything before it. Lines written in the window
// before a break are sent again on the next connection; the receiver
// drops the copies by queue and seq.
type syslogConn struct {
	c            *tls.Conn
	h            headers
	confirmAfter time.Duration
	buf          []byte
	frame        framer
	held         *heldConn // under c

	marks []mark // batches written, not yet confirmed

	stop    func() bool // undoes the AfterFunc that ends the connection with the shipper
	dead    chan struct{}
	mu      sync.Mutex
	deadErr error
}

// A mark is a batch of lines: the seq after it, and a time.
type mark struct {
	end uint64
	at  time.Time
}

// probe is how long dial waits for the server to refuse the client's
// certificate: under TLS 1.3 that refusal comes after the handshake.
var probe = 300 * time.Millisecond

// dialSyslog connects and shakes hands within 10s. When ctx ends, so does
// the connection: a write blocked on a server that does not read returns.
func dialSyslog(ctx context.Context, d *Destination, h header, confirmAfter time.Duration) (*syslogConn, error) {
	cfg, err := d.files.config(time.Now())
	if err != nil {
		return nil, err
	}
	dctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	raw, err := (&net.Dialer{KeepAlive: 30 * time.Second}).DialContext(dctx, "tcp", d.addr)
	if err != nil {
		return nil, err
	}
	if cfg.ServerName == "" { // as tls.Dialer does
		host, _, _ := net.SplitHostPort(d.addr)
		cfg = cfg.Clone()
		cfg.ServerName = host
	}
	held := &heldConn{Conn: raw}
	tc := tls.Client(held, cfg)
	if err := tc.HandshakeContext(dctx); err != nil {
		raw.Close()
		return nil, err
	}
	c := &syslogConn{c: tc, held: held, h: headers{def: h}, confirmAfter: confirmAfter, dead: make(chan struct{})}
	c.stop = context.AfterFunc(ctx, func() { c.c.SetDeadline(time.Now()) })
	go c.watch()
	select {
	case <-c.dead:
		return nil, fmt.Errorf("%s closed the connection after the handshake: it refuses our client certificate or its name (%w)", d.addr, c.broken())
	case <-time.After(probe):
	case <-ctx.Done():
		c.c.Close()
		return nil, ctx.Err()
	}
	return c, nil
}

// watch reads until the server closes or breaks the connection; a syslog
// server never writes, so anything else (an alert) is an end too.
func (c *syslogConn) watch() {
	_, err := io.Copy(io.Discard, c.c)
	if err == nil {
		err = io.EOF
	}
	c.mu.Lock()
	c.deadErr = err
	c.mu.Unlock()
	close(c.dead)
}

func (c *syslogConn) broken() error {
	select {
	case <-c.dead:
		c.mu.Lock()
		defer c.mu.Unlock()
		return c.deadErr
	default:
		return nil
	}
}

func (c *syslogConn) send(recs []Record, end uint64) error {
	if err := c.broken(); err != nil {
		return err
	}
	b := c.buf[:0]
	if len(recs) == 0 { // all refused: nothing to write, but confirmed in turn
		c.marks = append(c.marks, mark{end: end, at: time.Now()})
		return nil
	}
	for i := range recs {
		r := &recs[i]
		b = c.frame.appendSyslog(b, r, c.h.of(r))
	}
	c.buf = b
	c.c.SetWriteDeadline(time.Now().Add(30 * time.Second))
	c.held.hold()
	_, err := c.c.Write(b)
	if ferr := c.held.release(); err == nil {
		err = ferr
	}
	if err != nil {
		return err
	}
	c.marks = append(c.marks, mark{end: end, at: time.Now()})
	return nil
}

func (c *syslogConn) confirmed(now time.Time) uint64 {
	if c.broken() != nil {
		return 0
	}
	var end uint64
	i := 0
	for ; i < len(c.marks) && now.Sub(c.marks[i].at) >= c.confirmAfter; i++ {
		end = c.marks[i].end
	}
	c.marks = c.marks[i:]
	return end
}

func (c *syslogConn) close(wait time.Duration) uint64 {
	defer c.stop()
	defer c.c.Close()
	if c.broken() == nil && len(c.marks) > 0 {
		c.c.SetWriteDeadline(time.Now().Add(wait))
		if c.c.CloseWrite() == nil {
			select {
			case <-c.dead:
				if err := c.broken(); errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
					return c.marks[len(c.marks)-1].end
				}
			case <-time.After(wait):
			}
		}
	}
	return c.confirmed(time.Now())
}

// heldConn is the TCP connection under a syslogConn's TLS. Between hold and
// release it holds what TLS writes, up to heldBytes, and writes it with one
// write(2): TLS writes each record of at most 16 KiB with a write of its
// own, and those write(2)s, with the segments each made, were a fifth of
// the deliverer's thread (perf; the whole batch is one TLS Write). Writes from another
// goroutine (TLS answering a key update while it reads) keep their order
// among the held ones: every write is under mu.
type heldConn struct {
	net.Conn
	mu      sync.Mutex
	holding bool
	buf     []byte
}

// heldBytes is the most a heldConn holds before it writes.
const heldBytes = 256 << 10

func (h *heldConn) Write(p []byte) (int, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if !h.holding {
		return h.Conn.Write(p)
	}
	h.buf = append(h.buf, p...)
	if len(h.buf) >= heldBytes {
		if err := h.flush(); err != nil {
			return 0, err
		}
	}
	return len(p), nil
}

func (h *heldConn) hold() {
	h.mu.Lock()
	h.holding = true
	h.mu.Unlock()
}

// release writes what is held and stops holding.
func (h *heldConn) release() error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.holding = false
	return h.flush()
}

// flush writes what is held. Called with mu held.
func (h *heldConn) flush() error {
	if len(h.buf) == 0 {
		return nil
	}
	_, err := h.Conn.Write(h.buf)
	h.buf = h.buf[:0]
	return err
}
