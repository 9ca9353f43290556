// Package fields follows data field by field: through composite literals,
// and into helpers that log only part of a parameter.
package fields

import (
	"context"
	"net/http"
	"os"

	"github.com/conflog/conflog"
)

var logger = conflog.New(os.Stderr, "SystemLog:", nil)

type model struct {
	Name   string
	Digest string
}

type job struct {
	ctx   context.Context
	model *model
	input string
}

// logJob logs the model's name only: callers are judged on j.model.Name.
func logJob(j *job) { // want logJob:"logs parameters publicly"
	logger.Info("job", conflog.Public, "model", j.model.Name)
}

type device struct {
	Library string
	ID      string
}

// logDevices logs one field of the first device and a count, not the slice.
func logDevices(devs []device) { // want logDevices:"logs parameters publicly"
	logger.Info("devices", conflog.Public, "library", devs[0].Library, "n", len(devs))
}

type server struct{ devices []device }

// handle hands m.Name to logJob: it passes its parameter on, a sink too.
func handle(w http.ResponseWriter, r *http.Request, m *model, s *server) { // want handle:"logs parameters publicly"
	logJob(&job{ctx: r.Context(), model: m})                                        // clean: the request is in ctx, which logJob does not log
	logJob(&job{ctx: r.Context(), model: &model{Name: r.URL.Query().Get("model")}}) // want `CL003 public call in logJob logs &job{…}.model.Name, which comes from the HTTP request`
	j := &job{model: m, input: r.FormValue("q")}
	logJob(j)                                                 // clean: the request is in j.input
	logger.Info("job", conflog.Public, "model", j.model.Name) // clean
	logger.Info("job", conflog.Public, "input", j.input)      // want `CL003 public call logs j.input, which comes from the HTTP request`
	logDevices(s.devices)                                     // clean: not printed whole
	devs := []device{{Library: r.Header.Get("X-Library")}}
	logDevices(devs) // want `CL003 public call in logDevices logs devs.\[\].Library, which comes from the HTTP request`
	var d job
	d.model = &model{Digest: r.FormValue("d")}
	logJob(&d) // clean: only the digest is the client's
	var k job
	k.model.Name = r.FormValue("n")
	logJob(&k) // want `CL003 public call in logJob logs &k.model.Name`
}

// meta is built from the request in one field (URL) and from the server's
// own state in another (Group).
type meta struct {
	URL   string
	Group string
}

func getMeta(r *http.Request, group string) *meta { // want getMeta:"returns the HTTP request"
	m := meta{URL: r.URL.String(), Group: group}
	return &m
}

// Only meta's URL came from the request: its Group is clean, its URL and
// the struct printed whole are not.
func useMeta(r *http.Request) { // want useMeta:"logs parameters publicly"
	m := getMeta(r, "default")
	logger.Info("group", conflog.Public, "group", m.Group)
	logger.Info("url", conflog.Public, "url", m.URL) // want `CL003 public call logs m.URL, which comes from the HTTP request`
	logger.Info("meta", conflog.Public, "meta", *m)  // want `CL003 public call logs \*m, which comes from the HTTP request`
	g := getMeta(r, "x").Group
	logger.Info("group", conflog.Public, "group", g)
}
