// Package zap is a declarations-only stand-in for go.uber.org/zap.
package zap

type Field struct{}

func String(k, v string) Field { return Field{} }

type Logger struct{}

func NewExample() *Logger                           { return &Logger{} }
func (l *Logger) Info(msg string, fields ...Field)  {}
func (l *Logger) Error(msg string, fields ...Field) {}
func (l *Logger) With(fields ...Field) *Logger      { return l }
func (l *Logger) Sugar() *SugaredLogger             { return &SugaredLogger{} }
func (l *Logger) Sync() error                       { return nil }

type SugaredLogger struct{}

func (s *SugaredLogger) Infow(msg string, kv ...any)      {}
func (s *SugaredLogger) Warnf(format string, args ...any) {}
func (s *SugaredLogger) Warn(args ...any)                 {}
