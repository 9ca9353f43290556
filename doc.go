// Package conflog is a log/slog handler for code that runs on data nobody may
// read: every logging call says whether it is public, and only public records
// leave the compliant boundary.
//
// The platform it serves deletes every log line that does not start with a
// fixed prefix such as "SystemLog:". A Handler writes public records with
// that prefix and private ones without it, so the platform (or the egress
// gate, conflog run) keeps exactly the public lines:
//
//	logger := conflog.New(os.Stderr, "SystemLog:", nil)
//	logger.Info("epoch finished", conflog.Public, "epoch", 3, "loss", 0.251)
//	// SystemLog:time=2026-11-23T17:19:01.584Z level=INFO msg="epoch finished" epoch=3 loss=0.251
//	logger.Info("loaded row", "text", row.Text)
//	// time=2026-11-23T17:19:01.584Z level=INFO msg="loaded row" text="…"
//
// # Categories
//
// A record is public only if one of its own attributes is the marker Public
// (Category(OnlyPublicData)) and none is Category(ContainsPrivateData).
// Everything else is private: a call without a marker, a record whose marker
// sits inside a group (slog.Group("g", conflog.Public) does not count), and
// every record of a logger made by Logger.With(conflog.Public) or WithGroup —
// a logger is never public, only a call is. A marker in a record's own
// attributes counts even when the logger has groups. The attributes a
// logger was given with With are part of each of its records, public ones
// too, as in slog; conflog vet checks them as a public call's own. The marker is never
// printed, and ReplaceAttr never sees it: it cannot remove a marker, and one
// it returns is dropped, not obeyed. slog.SetDefault(conflog.New(…)) makes
// log.Printf and every library that logs through slog private.
//
// # Rules
//
// A Handler keeps these rules for any message, key, value, group name,
// error, LogValuer or ReplaceAttr result, and its tests try hard to break
// each of them:
//
//  1. One record is one line: one '\n', at the end. Line breaks, carriage
//     returns and other control bytes inside the record are escaped (slog's
//     quoting in Text, JSON string escapes in JSON), and so are the line
//     ends of readers that break lines where Unicode does (Python's
//     str.splitlines, editors, log viewers): NEL (U+0085) and the other C1
//     controls, U+2028 and U+2029, also in a MarshalJSON method's output.
//  2. A public line starts with the prefix, at byte 0.
//  3. A private line never starts with the prefix. In the rare case where
//     its encoding would (a first key equal to the prefix, a prefix such as
//     "{" or "time="), the line is written after one space (a tab if the
//     prefix starts with a space).
//  4. One record is one Write, made under a mutex shared by all the handlers
//     derived from one NewHandler, so concurrent records never interleave.
//
// Public lines are also careful about what they print. An error value prints
// its type chain with the messages scrubbed ("*fs.PathError: [scrubbed]:
// syscall.Errno: no such file or directory"), unless it is a PublicError or
// was made by Errorf; the chain is followed 16 errors deep and written up to
// 16 KiB, then "…". So does an error inside another value: a value that
// holds an error anywhere (a []error, a map or struct with an error in it, a
// fs.PathError held by value, a slog.Attr, slog.Group or slog.Value passed
// as a value, a reflect.Value) prints in fmt's %+v shape with each error
// scrubbed, as a string in JSON. Of the runtime's own errors the class stays
// and the numbers go ("runtime error: index out of range [scrubbed]"); a
// runtime.Error of another package is scrubbed like any error. Where slog prints the value of a panicking method
// (!PANIC: …), a public line prints only that it panicked; so it does where
// fmt would print it (%!v(PANIC=…)), in a part of a value beside an error or
// in the chain of an Errorf argument: the whole value then reads "!PANIC: T
// panicked: [scrubbed]".
//
// # Format
//
// Text and JSON lines read exactly like those of slog.TextHandler and
// slog.JSONHandler — same keys (time, level, source, msg), same time and
// duration formats, same quoting — with the prefix glued before byte 0 of a
// public line. They differ from slog's only where slog lets a control byte
// or a line separator through (DEL, 0x7f, is escaped here, and in JSON the C1
// controls, and U+2028, U+2029 and invalid UTF-8 in a MarshalJSON method's
// output), writes an invalid JSON line (a year
// outside 0–9999, a group emptied by ReplaceAttr), or reports a panicking
// method ("!PANIC: T panicked: …" here, the value scrubbed in a public line).
//
// # Private records
//
// Options.Private decides what becomes of a private record: Keep writes it
// unprefixed (the default), Drop discards it, Length and Hash replace it by a
// public line without its content, and Route sends it to another handler.
//
// # The public channel
//
// Under conflog run, the environment names the gate's public channel
// (CONFLOG_CHANNEL, a Unix socket, and CONFLOG_CHANNEL_TOKEN; the contract is
// internal/channel/SPEC.md). Every Handler in the process then sends its
// public lines (the same bytes, prefix to newline) on the channel instead of
// its writer, each written whole, on one connection per process opened at
// the first public line; private records are unchanged. The client writes
// only to a socket it has proven to be this run's gate: a socket, in a
// directory only this user may enter, that greets it with the run's token.
// If the variables are malformed, the socket cannot be proven, or a write
// fails, public lines go to the handler's writer as if there were no
// channel, and one warning, itself a public line, says so on stderr: a
// public line is never lost and a private one never goes to the channel.
// CONFLOG_PUBLIC_FD, which named a descriptor before, is never used: an
// inherited number may name any file the process has opened since.
//
// The gate reading the channel passes only lines with its own prefix, which
// conflog run puts in CONFLOG_PREFIX. While the channel is in use, a Handler
// built with a different prefix writes its public lines (and the warnings
// above) with the gate's prefix instead, and one public warning, the first
// time per prefix, names both: otherwise every public record would be held
// as private and nobody outside would know why. Rule 3 then holds for both
// prefixes: a private line starts with neither. If CONFLOG_PREFIX is not a
// valid prefix, each Handler keeps its own and one warning says so; without
// CONFLOG_CHANNEL the variable is ignored.
package conflog
