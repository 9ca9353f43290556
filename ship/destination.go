package ship

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"path/filepath"
	"strings"
	"time"
)

// A Destination is a central log service, named by a URL:
//
//	syslog+tls://HOST:PORT?ca=CA.pem&cert=CLIENT.pem&key=CLIENT.key[&name=SERVERNAME]
//	otlp+https://HOST:PORT[/PATH]?ca=CA.pem[&cert=…&key=…][&name=…][&bearer_file=TOKEN]
//	otlp+grpc://HOST:PORT?ca=CA.pem[&cert=…&key=…][&name=…][&bearer_file=TOKEN]
//
// syslog+tls is RFC 5424 messages over RFC 5425 TLS; otlp+https is OTLP
// logs over HTTPS (PATH defaults to /v1/logs), otlp+grpc OTLP logs over
// gRPC with TLS, each with bearer_file's content as an "Authorization:
// Bearer" header (gRPC metadata "authorization"). ca is required: the server's
// certificate is verified against it alone, for HOST (or name). cert and key
// give a client certificate for mutual TLS. The files are checked when the
// URL is parsed: a key or token others may read, an expired certificate or
// one not meant for a TLS client is refused.
type Destination struct {
	url    string // canonical: file paths absolute, so a later --resume finds them
	scheme string
	addr   string
	path   string // otlp: the URL path
	bearer string // otlp: the token
	files  tlsFiles
}

// ParseDestination parses and checks a destination URL.
func ParseDestination(raw string) (*Destination, error) {
	u, err := url.Parse(raw)
	if err != nil {
		// net/url's error quotes the whole URL, user info included.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, fmt.Errorf("destination: not a URL: %w", err)
	}
	d := &Destination{scheme: u.Scheme}
	switch u.Scheme {
	case "syslog+tls":
		if u.Path != "" && u.Path != "/" {
			return nil, fmt.Errorf("destination %q: syslog has no path", redact(u))
		}
	case "otlp+https":
		d.path = u.Path
	case "otlp+grpc":
		if u.Path != "" && u.Path != "/" {
			return nil, fmt.Errorf("destination %q: OTLP over gRPC has no path", redact(u))
		}
	default:
		return nil, fmt.Errorf("destination %q: scheme %q: want syslog+tls://HOST:PORT, otlp+https://HOST:PORT or otlp+grpc://HOST:PORT", redact(u), u.Scheme)
	}
	if u.User != nil || u.Fragment != "" {
		return nil, fmt.Errorf("destination %q: want only HOST:PORT and ?ca=…&cert=…&key=…", redact(u))
	}
	host, port, err := net.SplitHostPort(u.Host)
	if err != nil || host == "" || port == "" {
		return nil, fmt.Errorf("destination %q: want HOST:PORT (syslog over TLS is port 6514)", redact(u))
	}
	d.addr = u.Host
	q := u.Query()
	for k, v := range q {
		switch k {
		case "ca", "cert", "key", "name", "bearer_file":
			if k == "bearer_file" && u.Scheme == "syslog+tls" {
				return nil, fmt.Errorf("destination %q: bearer_file is for otlp+https and otlp+grpc", redact(u))
			}
			if len(v) != 1 || v[0] == "" {
				return nil, fmt.Errorf("destination %q: %s= given %d times or empty", redact(u), k, len(v))
			}
		default:
			return nil, fmt.Errorf("destination %q: unknown parameter %q (want ca, cert, key, name, bearer_file)", redact(u), k)
		}
	}
	abs := func(k string) (string, error) {
		p := q.Get(k)
		if p == "" {
			return "", nil
		}
		p, err := filepath.Abs(p)
		if err == nil {
			q.Set(k, p)
		}
		return p, err
	}
	if d.files.ca, err = abs("ca"); err != nil {
		return nil, err
	}
	if d.files.cert, err = abs("cert"); err != nil {
		return nil, err
	}
	if d.files.key, err = abs("key"); err != nil {
		return nil, err
	}
	if tok, err := abs("bearer_file"); err != nil {
		return nil, err
	} else if tok != "" {
		if d.bearer, err = readToken(tok); err != nil {
			return nil, fmt.Errorf("destination %s: %w", redact(u), err)
		}
	}
	d.files.serverName = host
	if n := q.Get("name"); n != "" {
		d.files.serverName = n
	}
	if _, err := d.files.config(time.Now()); err != nil {
		return nil, fmt.Errorf("destination %s: %w", redact(u), err)
	}
	u.RawQuery = q.Encode()
	d.url = u.String()
	return d, nil
}

// redact is the URL without its query, fragment or user info, for
// messages.
func redact(u *url.URL) string {
	v := *u
	v.RawQuery = ""
	v.Fragment, v.RawFragment = "", ""
	if v.User != nil {
		// A password given by mistake (user:pass@, refused) is not echoed.
		v.User = url.User("…")
	}
	return v.String()
}

// String is the canonical URL.
func (d *Destination) String() string { return d.url }

// Name is the URL without its parameters: the destination's label in
// metrics and messages.
func (d *Destination) Name() string {
	name, _, _ := strings.Cut(d.url, "?")
	return name
}

// dirName names the destination's queue under a queue root.
func (d *Destination) dirName() string {
	return strings.NewReplacer("://", "-", ":", "-", "/", "-", "+", "-").Replace(d.Name())
}

// A conn is one connection to a destination.
type conn interface {
	// send writes records, the lines before seq end; an error means the
	// connection is unusable.
	send(recs []Record, end uint64) error
	// confirmed returns the seq before which every line sent is known
	// delivered, or 0.
	confirmed(now time.Time) uint64
	// broken reports a connection the peer closed or broke.
	broken() error
	// close ends the connection in order, waiting at most wait for the
	// peer, and returns confirmed as of then.
	close(wait time.Duration) uint64
}

// header is what every message of one job carries.
type header struct {
	host, app, queue, job string
}

func newHeader(j Job, queue string) header {
	return header{host: headerName(j.Host, 255), app: headerName(j.Name, 48), queue: queue, job: j.ID}
}

// headers gives each record the header of the job that queued it: the
// deliverer's own (def) for a record whose job the queue does not know.
// A header it returns is never changed: a framer knows it by its address.
type headers struct {
	def  header
	last *Job
	h    *header
}

func (hs *headers) of(r *Record) *header {
	if r.Job == nil || r.Job.ID == "" {
		return &hs.def
	}
	if r.Job != hs.last {
		h := newHeader(*r.Job, hs.def.queue)
		hs.last, hs.h = r.Job, &h
	}
	return hs.h
}

// dial connects to the destination.
func (d *Destination) dial(ctx context.Context, h header, confirmAfter time.Duration) (conn, error) {
	switch d.scheme {
	case "syslog+tls":
		return dialSyslog(ctx, d, h, confirmAfter)
	case "otlp+https", "otlp+grpc":
		return dialOTLP(ctx, d, h)
	}
	return nil, errors.New("unreachable")
}
