// Package traceback finds Go panics and Python tracebacks in a private line
// stream and re-emits them as scrubbed lines that may be made public: the
// shape of the crash (frames, types, chain structure) survives, the data that
// caused it does not.
//
// A Scrubber reads one stream line by line. Lines that are not part of a trace
// cost a table look-up of their first byte (and a compare of the second for
// the few that share a first byte with a trace's start) and produce nothing. Lines that
// are part of a trace produce zero or more public lines, each a single line of
// printable UTF-8 with no control byte, that the egress gate prefixes and
// sends out. Everything else on the line stays private.
//
// # What is kept, what is scrubbed
//
// Python (the format CPython prints, from its interpreter hook and from the
// traceback module; real traces tested with CPython 3.11, 3.12 and 3.13, the
// latter coloured):
//
//   - kept: "Traceback (most recent call last):"; frame lines
//     `  File "PATH", line N, in NAME` (and the SyntaxError form without
//     ", in NAME"); "[Previous line repeated N more times]"; the exception
//     type, module-qualified as Python prints it; the chain separators
//     "The above exception was the direct cause of the following exception:"
//     and "During handling of the above exception, another exception
//     occurred:"; exception-group headers, "| " margins, the
//     "+---------------- N ----------------" and "+-----…" markers, the
//     "(N sub-exceptions)" count and "and N more exceptions".
//   - scrubbed: the exception message, which becomes "[scrubbed]", and every
//     line after it (continuation lines of a multi-line message, __notes__);
//     source echo lines under a frame; caret and tilde lines.
//
// Python's faulthandler dumps (a native crash with PYTHONFAULTHANDLER=1):
// "Fatal Python error: " with the signal's name ("Segmentation fault",
// "Aborted", …; a Py_FatalError message, which an extension can format from
// data, is scrubbed), "Python runtime state:", the "Current thread 0x…" and
// "Thread 0x…" headers, `  File "PATH", line N in NAME` frames and the
// "Extension modules:" list are kept.
//
// Go (the format of the runtime's printpanics and traceback):
//
//   - kept: "panic: " with the value's type where the runtime prints one,
//     "(T) 0x…", "T(…)" and the %#v form "T{…}" (the value itself becomes
//     "[scrubbed]"); the class of a runtime error from a fixed list
//     ("runtime error: index out of range [scrubbed]": the indices can be
//     data); "[recovered]",
//     "[recovered, repanicked]" and nested "panic: " lines; "fatal error: "
//     with the runtime's own constant messages (a fixed list of strings that
//     exist in the runtime's source, so they carry no data; any other
//     message is scrubbed); "[signal SIG…: description code=…]" without the
//     fault address; "goroutine N [status]:"; function names; "file:line
//     +0xOFF" (the offset is a property of the binary, not of the data);
//     "created by F in goroutine N"; "runtime stack:";
//     "...additional frames elided..."; "exit status N".
//   - scrubbed: panic values and error messages with their continuation
//     lines, function argument lists (printed as "(...)": the hex words of
//     an argument list are raw registers and stack slots, and an integer
//     argument such as a customer id appears there verbatim), goroutine
//     labels, the fp=/sp=/pc= words of GOTRACEBACK=system.
//
// ANSI escape sequences (Python 3.13 colours tracebacks when FORCE_COLOR or
// PYTHON_COLORS is set, even into a pipe) are removed before a line is
// parsed, so a coloured trace is recognised and no sequence reaches a public
// line. In both languages a home directory in a path (/home/USER, /Users/USER,
// /root) becomes "~": user names are personal data and say nothing about the
// crash. A tab is written as four spaces; any other control byte, invalid
// UTF-8 or C1 control in a kept field is written as \xNN. A kept field longer
// than 4096 bytes is cut and marked "[cut]".
//
// Options.Allow names exception and panic types whose message is kept: a
// message is code-defined for some types (json.decoder.JSONDecodeError,
// KeyboardInterrupt), and the operator may decide it is safe. A kept message
// is still emitted line by line, each line escaped as above.
//
// # The InMessage rule
//
// A multi-line Python message continues on unindented lines that can begin
// with anything, including the gate's public prefix. The gate must not pass
// those lines, so it asks InMessage before each line and, while it is true,
// hands even prefixed lines to Line, where they stay private.
//
// For Python, InMessage is true from the moment a trace starts (a
// "Traceback" header, an exception-group header, a chain separator) until
// the trace provably ends: a new trace header or chain separator (which
// starts the next part), a faulthandler dump, or the end of the stream
// (Flush). That covers the frames too: the next unindented line there is the
// exception line, whose message is private. Python writes nothing that marks the end of a message:
// a message may itself hold blank lines, and notes follow it on unindented
// lines, so no earlier end is safe.
//
// For Go, InMessage is true after a "panic:" or "fatal error:" line until the
// goroutine header (or "runtime stack:") that follows the panic lines. The
// runtime indents the continuation lines of a panic value with a tab after
// each \n, but not after a \r, where the gate also ends a line; and "\r\r"
// in a value makes an empty line, so the blank line before the goroutines
// does not end the value either. In a goroutine dump a file line is kept only
// right after a function line, as the runtime prints it.
//
// The cost is availability, not confidentiality: when a program prints a
// traceback and carries on (a logged, handled exception), prefixed lines that
// follow on the same stream are held private until one of the events above.
// Held lines are not lost: the gate sends them to the private sink and counts
// them. Options.MaxMessageLines bounds the hold for operators who prefer the
// other side of that trade. Public records written to the gate's own channel
// (CONFLOG_PUBLIC_FD) are never affected.
//
// Known limits. A chained exception that was never raised (the cause in
// "raise X from ValueError(…)") has no traceback header: its exception line,
// the chain's first line, is not recognised (nothing is emitted for it), and
// its continuation lines, before the first chain separator, fall under the
// gate's ordinary prefix rule. Where a message imitates the format exactly: a
// message line equal to a chain separator or a trace header ("Traceback …",
// an exception-group header, "Fatal Python error: …", a faulthandler thread
// header) ends the message early; a Go error message of the form
// "pkg.Name(…)" or "(T) 0x…" keeps its first word as if it were the
// runtime's type name.
//
// # Resources
//
// A Scrubber never blocks and keeps no trace in memory: every public line is
// produced while its private line is processed, except one held
// `  File "…", line N` line that may open a SyntaxError report and is
// emitted only when the exception line confirms it. It reads at most the
// first 16 KiB of a line (no line of a real trace is longer; a cut line at
// worst fails to parse and is dropped) and emits at most 8 KiB per public
// line, so its memory is a few tens of kilobytes whatever the input, and a
// truncated trace simply stops.
package traceback
