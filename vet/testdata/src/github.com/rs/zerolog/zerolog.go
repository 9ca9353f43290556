// Package zerolog is a declarations-only stand-in for github.com/rs/zerolog.
package zerolog

type Logger struct{}

type Event struct{}

func (l *Logger) Info() *Event                   { return &Event{} }
func (e *Event) Str(k, v string) *Event          { return e }
func (e *Event) Msg(msg string)                  {}
func (e *Event) Msgf(format string, args ...any) {}
func (e *Event) Send()                           {}
