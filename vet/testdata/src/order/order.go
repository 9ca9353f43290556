// Package order checks that a taint assigned after a use does not reach it
// (one-api channel-test.go:93), unless a loop, a closure or a goto can run
// the later statement first.
package order

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"os"

	"github.com/conflog/conflog"
)

var logger = conflog.New(os.Stderr, "SystemLog:", nil)

type ctx struct{ Body io.ReadCloser }

type chatRequest struct{ Model string }

func convert(c *ctx, r chatRequest) chatRequest { return r }

// The server builds the request, logs it, then stores it as the body
// (one-api channel-test.go:93). c is a pointer: convert may keep it in
// its result, which would then see the body stored through c, so the
// order does not help here and the line is still reported. (Within one
// call the marshalled bytes cannot hold what is stored after them; but c
// may be storage another call wrote before, see state below.)
func testChannel() {
	c := &ctx{}
	request := chatRequest{Model: "gpt"}
	converted := convert(c, request)
	jsonData, _ := json.Marshal(converted)
	logger.Info("test request", conflog.Public, "json", string(jsonData)) // want `CL002 public call logs string\(jsonData\), which is private by its name requestBody`
	requestBody := bytes.NewBuffer(jsonData)
	c.Body = io.NopCloser(requestBody)
}

type holder struct{ c *ctx }

func wrap(c *ctx) holder { return holder{c: c} }

// Values that share storage see a later write through another: the order
// of statements says nothing there.
func aliases(r *http.Request) {
	c := &ctx{}
	h := wrap(c)
	c.Body = r.Body
	logger.Info("h", conflog.Public, "body", h.c.Body) // want `CL003 public call logs h.c.Body`

	var s string
	p := &s
	s = r.URL.Path
	logger.Info("p", conflog.Public, "p", *p) // want `CL003 public call logs \*p`

	m := map[string]string{}
	n := m
	m["k"] = r.URL.Path
	logger.Info("n", conflog.Public, "n", n["k"]) // want `CL003 public call logs n\["k"\]`

	xs := make([]string, 1)
	ys := xs
	xs[0] = r.URL.Path
	logger.Info("ys", conflog.Public, "ys", ys[0]) // want `CL003 public call logs ys\[0\]`
}

// A struct of values is copied whole: a later write to the original is
// not in the copy.
type pair struct{ A, B string }

func copies(r *http.Request) {
	var a pair
	b := a
	a.A = r.URL.Path
	logger.Info("b", conflog.Public, "b", b.A)
	logger.Info("a", conflog.Public, "a", a.A) // want `CL003 public call logs a.A`
}

// A use before the read, then after it.
func before(r *http.Request) {
	var s string
	logger.Info("s", conflog.Public, "s", s)
	s = r.URL.Path
	logger.Info("s", conflog.Public, "s", s) // want `CL003 public call logs s, which comes from the HTTP request`
}

// In a loop the later assignment runs before the next round's use.
func loop(r *http.Request, n int) {
	var s string
	for i := 0; i < n; i++ {
		logger.Info("s", conflog.Public, "s", s) // want `CL003 public call logs s`
		s = r.URL.Path
	}
	var t string
	for range n {
		logger.Info("t", conflog.Public, "t", t) // want `CL003 public call logs t`
		t = r.URL.Path
	}
}

// A closure written before the assignment runs after it.
func closure(r *http.Request) {
	var s string
	defer func() {
		logger.Info("s", conflog.Public, "s", s) // want `CL003 public call logs s`
	}()
	s = r.URL.Path
	var t string
	set := func() { t = r.URL.Path }
	logger.Info("t", conflog.Public, "t", t) // want `CL003 public call logs t`
	set()
}

// A goto jumps back over the assignment.
func jump(r *http.Request, n int) {
	var s string
again:
	logger.Info("s", conflog.Public, "s", s) // want `CL003 public call logs s`
	s = r.URL.Path
	n--
	if n > 0 {
		goto again
	}
}

// A package variable may be set by any function before this one runs.
var last string

func remember(r *http.Request) { last = r.URL.Path }

func report() {
	logger.Info("last", conflog.Public, "last", last) // want `CL003 public call logs last`
}

func reportThenRemember(r *http.Request) {
	logger.Info("last", conflog.Public, "last", last) // want `CL003 public call logs last`
	last = r.URL.Path
}

// A write through a reference outlives the call that makes it: the next
// call (the next request) logs, before its own write, what this one
// stored. Statement order within one call says nothing here.
type server struct {
	last string
	seen map[string]string
}

func (s *server) handle(r *http.Request) {
	logger.Info("last", conflog.Public, "last", s.last) // want `CL003 public call logs s.last`
	s.last = r.URL.Path
}

var shared = map[string]string{}

func sharedMap(r *http.Request) {
	m := shared
	logger.Info("m", conflog.Public, "v", m["k"]) // want `CL003 public call logs m\["k"\]`
	m["k"] = r.URL.Path
}

func (s *server) viaCopy(r *http.Request) {
	seen := s.seen
	logger.Info("seen", conflog.Public, "v", seen["k"]) // want `CL003 public call logs seen\["k"\]`
	s.seen["k"] = r.URL.Path
}
