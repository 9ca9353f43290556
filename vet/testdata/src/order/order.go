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

// The server builds the request, logs it, then stores it as the body:
// what is logged was not the body when it was logged.
func testChannel() {
	c := &ctx{}
	request := chatRequest{Model: "gpt"}
	converted := convert(c, request)
	jsonData, _ := json.Marshal(converted)
	logger.Info("test request", conflog.Public, "json", string(jsonData))
	requestBody := bytes.NewBuffer(jsonData)
	c.Body = io.NopCloser(requestBody)
	again := convert(c, request)
	logger.Info("after", conflog.Public, "model", again.Model) // want `CL002 public call logs again.Model, which is private by its name requestBody`
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
