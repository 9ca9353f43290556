// Package unknown holds two cases found on real code (ai-gateway's
// internal/extproc): a constructor's name is not the data it builds, and a
// value whose dynamic type is unknown is printed whole.
package unknown

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"

	"github.com/conflog/conflog"
)

var logger = conflog.New(os.Stderr, "SystemLog:", nil)

type server struct {
	l    *slog.Logger
	name string
}

func newServer(l *slog.Logger) *server { return &server{l: l, name: "extproc"} }

// A server built around slog.NewTextHandler does not hold "text": the
// word names the handler's output format, not data.
func handlerName() {
	s := newServer(slog.New(slog.NewTextHandler(io.Discard, nil)))
	logger.Info("server", conflog.Public, "name", s.name)
	var th *slog.TextHandler
	_ = th
	j := newServer(slog.New(slog.NewJSONHandler(io.Discard, nil)))
	logger.Info("server", conflog.Public, "name", j.name)
	textHandler := slog.NewTextHandler(io.Discard, nil)
	t := newServer(slog.New(textHandler))
	logger.Info("server", conflog.Public, "name", t.name)
}

// The word still counts where it names the data: a text, a call returning
// one, a field holding one.
func stillText(text string, msg struct{ Text string }) {
	logger.Info("in", conflog.Public, "n", len(text))
	logger.Info("in", conflog.Public, "t", text)         // want `CL002 public call logs text, which is private by its name text`
	logger.Info("in", conflog.Public, "t", readText())   // want `CL002 public call logs readText\(\), which is private by its call of readText`
	logger.Info("in", conflog.Public, "t", msg.Text)     // want `CL002 public call logs msg.Text`
	logger.Info("in", conflog.Public, "h", textParser{}) // want `CL002 public call prints textParser\{\} whole \(a struct\)`
}

func readText() string { return "hello" }

type textParser struct{}

type isRequest interface{ isRequest() }

type headers struct{ Key, Value string }

func (headers) isRequest() {}

type body struct{ Body []byte }

func (body) isRequest() {}

// A type switch's default: the value's dynamic type is unknown, so all of
// it may be printed (ai-gateway server.go:368).
func process(req isRequest) error {
	switch v := req.(type) {
	case headers:
		logger.Info("headers", conflog.Public, "n", len(v.Key))
	default:
		logger.Error("unknown request type", conflog.Public, slog.Any("request", v)) // want `CL002 public call prints v whole \(a value of interface type unknown.isRequest, whose dynamic type is unknown`
		return fmt.Errorf("unknown request type: %T", v)
	}
	return nil
}

// A helper's parameter of interface type is judged at its callers, where
// its dynamic type shows (a sink, as for a struct's field); error (scrubbed
// by conflog), slog.LogValuer (its own log form) and context.Context are
// never printed whole.
func unknowns(v any, s fmt.Stringer, err error, lv slog.LogValuer, ctx context.Context) { // want unknowns:"logs parameters publicly"
	logger.Info("v", conflog.Public, "v", v, "s", s, "e", err, "l", lv, "c", ctx)
}

type name string

func (n name) String() string { return string(n) }

type holder struct{ R isRequest }

func callers(ctx context.Context, h holder, st fmt.Stringer) { // want callers:"logs parameters publicly"
	unknowns(42, name("x"), nil, nil, ctx)
	unknowns(headers{}, name("x"), nil, nil, ctx) // want `CL002 public call in unknowns prints headers\{\} whole \(a struct\)`
	unknowns(h.R, name("x"), nil, nil, ctx)       // want `CL002 public call in unknowns prints h.R whole \(a value of interface type unknown.isRequest`
	var x any = struct{ Token string }{"t"}
	logger.Info("x", conflog.Public, "x", x)  // want `CL002 public call prints x whole \(a value of interface type any, whose dynamic type is unknown\)`
	logger.Info("s", conflog.Public, "s", st) // a parameter: callers is a sink for it
	var e error = fmt.Errorf("x")
	logger.Info("e", conflog.Public, "e", e)
}

// Generic code is judged at its instantiation: T may be a number.
func generic[T any](v T) { // want generic:"logs parameters publicly"
	logger.Info("g", conflog.Public, "v", v)
}

func instantiate() {
	generic(3)
}
