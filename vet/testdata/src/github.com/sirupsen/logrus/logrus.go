// Package logrus is a declarations-only stand-in for github.com/sirupsen/logrus.
package logrus

type Fields map[string]any

type Entry struct{}

type Logger struct{}

func New() *Logger                           { return &Logger{} }
func Info(args ...any)                       {}
func Infof(format string, args ...any)       {}
func WithField(k string, v any) *Entry       { return &Entry{} }
func (e *Entry) Warn(args ...any)            {}
func (l *Logger) Errorln(args ...any)        {}
func (l *Logger) WithFields(f Fields) *Entry { return &Entry{} }
func (l *Logger) SetLevel(level uint32)      {}
