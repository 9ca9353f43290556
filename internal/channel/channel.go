// Package channel is the public channel of conflog run, version 1: the one
// way a job can send public records that the gate trusts. SPEC.md, beside
// this file, specifies it for clients in any language; this package is its
// Go implementation, the server (Listen, for the gate) and the client
// (Client, for package conflog's handler).
//
// It is also the one home of the contracts the gate and the handlers share:
// the environment variables and the prefix rule (CheckPrefix). It uses the
// standard library only, because package conflog imports it.
package channel

import (
	"errors"
	"fmt"
	"strings"
)

// The variables the gate sets in the job's environment (SPEC.md,
// "Environment").
const (
	// EnvPrefix holds the gate's prefix: a public line must start with it.
	EnvPrefix = "CONFLOG_PREFIX"
	// EnvChannel holds "unix:" and the absolute path of the socket.
	EnvChannel = "CONFLOG_CHANNEL"
	// EnvToken holds the run's token: 32 lowercase hex digits.
	EnvToken = "CONFLOG_CHANNEL_TOKEN"
	// EnvPublicFD named a descriptor before version 1. The gate removes it
	// from the job's environment: a number names nothing a client can
	// verify, and an inherited one may name a data file.
	EnvPublicFD = "CONFLOG_PUBLIC_FD"
)

// scheme starts the value of EnvChannel.
const scheme = "unix:"

// tokenLen is the length of a token: 128 random bits in lowercase hex.
const tokenLen = 32

// greeting is the line the gate writes first on each connection it accepts.
func greeting(token string) string { return "conflog-channel 1 " + token + "\n" }

// CheckPrefix says why prefix cannot mark public lines, or returns nil. A
// prefix must not be empty nor hold a control byte: a line break would split
// a public line, and the gate strips escapes before the prefix, so a prefix
// holding ESC could never be matched as written. The handlers refuse such a
// prefix at construction, the gate at start.
func CheckPrefix(prefix string) error {
	if prefix == "" {
		return errors.New("empty prefix: public lines need a prefix such as \"SystemLog:\"")
	}
	if strings.ContainsAny(prefix, "\n\r") {
		return fmt.Errorf("prefix %q holds a line break: a public line must be one line", prefix)
	}
	for i := 0; i < len(prefix); i++ {
		if c := prefix[i]; c < 0x20 || c == 0x7f {
			return fmt.Errorf("prefix %q holds control byte %#02x at %d: the gate strips escapes and line ends before the prefix", prefix, c, i)
		}
	}
	return nil
}

// checkToken says why token is not a token, or returns nil.
func checkToken(token string) error {
	if len(token) != tokenLen {
		return fmt.Errorf("%s: want %d lowercase hex digits, have %d bytes", EnvToken, tokenLen, len(token))
	}
	for i := 0; i < len(token); i++ {
		if c := token[i]; !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return fmt.Errorf("%s: want %d lowercase hex digits, byte %d is not one", EnvToken, tokenLen, i)
		}
	}
	return nil
}
