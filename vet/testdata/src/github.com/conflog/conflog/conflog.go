// Package conflog is a declarations-only stand-in for the real package, so
// the analyzer's tests do not depend on its implementation.
package conflog

import (
	"context"
	"flag"
	"io"
	"log/slog"
)

type DataCategory uint8

const (
	ContainsPrivateData DataCategory = iota
	OnlyPublicData
)

var Public = Category(OnlyPublicData)

func Category(c DataCategory) slog.Attr { return slog.Any("conflog.category", uint8(c)) }

type Options struct{}

type Handler struct{}

func (h *Handler) Enabled(context.Context, slog.Level) bool  { return true }
func (h *Handler) Handle(context.Context, slog.Record) error { return nil }
func (h *Handler) WithAttrs(attrs []slog.Attr) slog.Handler  { return h }
func (h *Handler) WithGroup(name string) slog.Handler        { return h }

func NewHandler(w io.Writer, prefix string, opts *Options) *Handler { return nil }

func New(w io.Writer, prefix string, opts *Options) *slog.Logger { return nil }

type valuer struct{}

func (valuer) LogValue() slog.Value { return slog.Value{} }

func Redact(v any) slog.LogValuer                                 { return valuer{} }
func Mask(s string, keepLast int) slog.LogValuer                  { return valuer{} }
func Pseudonym(s string) slog.LogValuer                           { return valuer{} }
func Shape(v any) slog.LogValuer                                  { return valuer{} }
func PublicError(err error) error                                 { return err }
func Errorf(format string, args ...any) error                     { return nil }
func HandlePanic(l *slog.Logger)                                  {}
func LogFlags(l *slog.Logger, fs *flag.FlagSet, public ...string) {}
