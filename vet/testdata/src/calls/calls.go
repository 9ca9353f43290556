// Package calls holds public log calls, leaky (with "want" expectations) and
// clean (with none: any finding there fails the test).
package calls

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"

	"github.com/conflog/conflog"
)

var logger = conflog.New(os.Stderr, "SystemLog:", nil)

type User struct {
	Name     string
	Email    string
	Age      int
	Password string
}

type Record struct{ Fields []string }

type Tensor struct{ Dims []int }

func (t Tensor) LogValue() slog.Value { return slog.IntValue(len(t.Dims)) }

// CL001: the message of a public call must be constant.
func messages(names []string, epoch int) {
	name := names[0]
	logger.Info("epoch finished: "+name, conflog.Public)                   // want `CL001 public log message "epoch finished: " \+ name is not a constant`
	logger.Info(fmt.Sprintf("epoch %d", epoch), conflog.Public)            // want `CL001 public log message fmt.Sprintf`
	logger.Warn(name, conflog.Public)                                      // want `CL001`
	logger.InfoContext(context.Background(), name, conflog.Public)         // want `CL001`
	logger.Log(context.Background(), slog.LevelInfo, name, conflog.Public) // want `CL001`
	slog.Info(name, conflog.Category(conflog.OnlyPublicData))              // want `CL001`

	// Clean: constant messages with numeric attrs; private calls may say anything.
	const done = "epoch done"
	logger.Info("epoch finished", conflog.Public, "epoch", epoch, "loss", 0.25)
	logger.Info(done, conflog.Public, "epoch", epoch)
	logger.Info("loaded "+name, "name", name) // private: no marker
	logger.Info(name, conflog.Category(conflog.ContainsPrivateData))
	logger.LogAttrs(context.Background(), slog.LevelInfo, "step", conflog.Public, slog.Int("step", epoch))
}

// CL002: sensitive names and types, aggregates printed whole, public errors.
func sensitive(u User, password string, apiKey string, rec Record, t Tensor, batch [][]float32, m map[string]int) { // want sensitive:"logs parameters publicly"
	logger.Info("login", conflog.Public, "pw", password)                     // want `CL002 public call logs password, which is private by its name password \(sensitive word "password"\)`
	logger.Info("login", conflog.Public, "key", apiKey)                      // want `CL002 .*sensitive word "apikey"`
	logger.Info("login", conflog.Public, "user", u.Email)                    // want `CL002 .*field Email`
	logger.Info("login", conflog.Public, "user", u)                          // want `CL002 public call prints u whole \(a struct\)`
	logger.Info("row", conflog.Public, "rec", rec)                           // want `CL002 .*type Record`
	logger.Info("counts", conflog.Public, "m", m)                            // want `CL002 public call prints m whole \(a map\)`
	logger.Info("step", conflog.Public, slog.String("user", u.Email))        // want `CL002 public call logs u.Email, which is private by its field Email`
	logger.Info("step", conflog.Public, slog.Group("g", "secret", password)) // want `CL002`
	upper := strings.ToUpper(password)
	logger.Info("step", conflog.Public, "x", upper) // want `CL002 .*password`
	err := fmt.Errorf("bad password %s", password)
	logger.Info("failed", conflog.Public, "err", conflog.PublicError(err))                    // want `CL002 public call makes the error conflog.PublicError\(err\) public`
	logger.Info("failed", conflog.Public, "err", conflog.Errorf(password))                    // want `CL002 public call makes the error conflog.Errorf\(password\) public`
	logger.Info("attr", conflog.Public, slog.Attr{Key: "k", Value: slog.StringValue(apiKey)}) // want `CL002 .*apikey`
	perr := conflog.PublicError(errors.New("x" + password))
	logger.Info("failed", conflog.Public, "err", perr) // want `CL002 public call makes the error perr public`

	// Clean: numbers, lengths, sanitisers, %T, key names that are only keys,
	// constants, values that log themselves, plain errors (scrubbed by conflog).
	logger.Info("login", conflog.Public, "age", u.Age, "pw_len", len(password))
	logger.Info("login", conflog.Public, "pw", conflog.Redact(password), "user", conflog.Pseudonym(u.Email))
	logger.Info("login", conflog.Public, "key", conflog.Mask(apiKey, 4))
	logger.Info("batch", conflog.Public, "batch", conflog.Shape(batch), "t", t)
	logger.Info("type", conflog.Public, "type", fmt.Sprintf("%T", password))
	logger.Info("type", conflog.Public, "type", fmt.Sprintf("%T of %d", rec, len(rec.Fields)))
	resetURL := "https://example.com/reset?id=" + fmt.Sprint(u.Age)
	logger.Info("reset", conflog.Public, "password_reset_url", resetURL, slog.String("prompt_version", "v2"))
	const tokenHeader = "X-Token"
	logger.Info("header", conflog.Public, "header", tokenHeader)
	logger.Info("failed", conflog.Public, "err", err)
	logger.Info("failed", conflog.Public, "err", conflog.Errorf("bad password %s", password))
	logger.Info("failed", conflog.Public, "err", conflog.PublicError(errors.New("disk full")))
	logger.Info("dims", conflog.Public, "dims", []int{3, 4}, "ok", password != "")
	n := slog.Int("n", 3)
	logger.LogAttrs(context.Background(), slog.LevelInfo, "attrs", conflog.Public, n, slog.Attr{Key: "k", Value: slog.IntValue(len(password))})
	logger.Info("pw", "pw", password)                                                                // private call
	logger.Info("pw", conflog.Public, "pw", password, conflog.Category(conflog.ContainsPrivateData)) // explicitly private wins
}

// CL004: the marker only counts among a record's own args.
func markers() {
	l := logger.With(conflog.Public)                         // want `CL004 With\(conflog.Public\) does not make a logger public`
	pub := conflog.Public                                    // want `CL004 conflog.Public outside a log call's arguments`
	attrs := []any{conflog.Category(conflog.OnlyPublicData)} // want `CL004`
	l.Info("x", pub, attrs)
	logger.Info("x", slog.Group("g", conflog.Public)) // want `CL004 conflog.Public inside slog.Group`

	// Clean: direct arguments, including of a helper, and private categories.
	logger.Info("x", conflog.Public)
	publicInfo("x", conflog.Public)
	_ = logger.With(conflog.Category(conflog.ContainsPrivateData))
}

func publicInfo(msg string, args ...any) { logger.Info("helper", args...) }

// A logger's With attrs print in each of its records, public ones too: they
// are checked as the first public call's own, once.
type server struct{ log *slog.Logger }

var jobLog = logger.With("token", os.Getenv("HF_TOKEN")) // want `CL002 public call at line \d+, through its logger's With, logs os.Getenv\("HF_TOKEN"\)`

func withAttrs(u User, password string, epoch int, path string) {
	l := logger.With("pw", password) // want `CL002 public call at line \d+, through its logger's With, logs password, which is private by its name password`
	l.Info("login", conflog.Public)
	l.Info("again", conflog.Public)
	logger.With("user", u).WithGroup("g").Info("x", conflog.Public) // want `CL002 public call at line \d+, through its logger's With, prints u whole \(a struct\)`
	data, _ := os.ReadFile(path)
	s := &server{log: logger.With("body", string(data))} // want `CL003 public call at line \d+, through its logger's With, logs string\(data\), which comes from os.ReadFile`
	s.log.Info("served", conflog.Public)
	jobLog.Info("started", conflog.Public)
	var later *slog.Logger
	later = l.With("epoch", epoch, "email", u.Email) // want `CL002 .*through its logger's With, logs u.Email`
	later.Warn("slow", conflog.Public)

	// Clean: numbers and constants in With, and private calls on a leaky With.
	clean := logger.With("epoch", epoch, "run", "baseline")
	clean.WithGroup("train").Info("step", conflog.Public, "epoch", epoch)
	private := logger.With("email", u.Email)
	private.Info("row", "pw", password)
}
