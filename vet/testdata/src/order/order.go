// Package order checks that a taint assigned after a use does not reach it
// (one-api channel-test.go:93), unless a loop, a closure, a goto, or a go or
// defer statement can run the later statement first, or the value used is
// a reference kept and read again after that statement.
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

// adaptor is one-api's adaptor.Adaptor: an interface, so what
// ConvertRequest keeps of c is unknown; it may keep c itself.
type adaptor interface {
	ConvertRequest(c *ctx, r chatRequest) (any, error)
}

// The server builds the request, logs it, then stores it as the body
// (one-api channel-test.go:93). converted may hold c, but it is marshalled
// and logged before the body is stored through c: the bytes logged cannot
// hold it. Marshalled again after, they can.
func testChannel(a adaptor) { // want testChannel:"logs parameters publicly"
	c := &ctx{}
	request := chatRequest{Model: "gpt"}
	converted, _ := a.ConvertRequest(c, request)
	jsonData, _ := json.Marshal(converted)
	logger.Info("test request", conflog.Public, "json", string(jsonData))
	requestBody := bytes.NewBuffer(jsonData)
	c.Body = io.NopCloser(requestBody)
	again, _ := json.Marshal(converted)
	logger.Info("test request", conflog.Public, "json", string(again)) // want `CL002 public call logs string\(again\), which is private by its name requestBody`
}

// box holds a value whose name says nothing: only its flow can taint it.
type box struct{ V string }

func join(b *box, s string) string { return s }

// A statement reading both a reference tainted later and data tainted now
// carries the data from now on.
func mixed(r *http.Request) {
	b := &box{}
	both := join(b, r.URL.Path)
	logger.Info("both", conflog.Public, "both", both) // want `CL003 public call logs both`
	q := b
	logger.Info("q", conflog.Public, "v", q.V)
	b.V = r.URL.Path
	logger.Info("q", conflog.Public, "v", q.V) // want `CL003 public call logs q.V`
}

func show(b *box) { logger.Info("b", conflog.Public, "v", b.V) } // want show:"logs parameters publicly"

// A helper called before the value is stored logs none; one whose call is
// deferred or runs in a goroutine runs after, or at any time.
func helpers(r *http.Request) {
	b := &box{}
	show(b)
	defer show(b) // want `CL003`
	go show(b)    // want `CL003`
	b.V = r.URL.Path
	show(b) // want `CL003`
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
