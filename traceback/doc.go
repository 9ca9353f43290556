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
// line.
//
// # The grammar
//
// What a public line copies from its private line passes a grammar
// (grammar.go; [Check] is the same grammar as a checker, for tests and for
// clients in other languages):
//
//   - names (functions, exception and panic types, extension modules) are
//     ASCII identifiers joined by '.', with Python's <module>, <lambda>,
//     <listcomp>… and Go's receivers, "[...]", "-fm" and numbered closures;
//   - paths keep their shape, but a component that is not plausibly code
//     (spaces, '@' outside a Go module version, non-ASCII, a run of more than
//     five digits, a dotted number of more than eight: 4111.1111.1111.1111)
//     becomes "[scrubbed]", and a home directory of any kind
//     (/home/x, /home2/x, /var/home/x, /export/home/x, /Users/x, C:\Users\x,
//     /root) becomes "~";
//   - line numbers have at most six digits.
//
// Anything else in those places becomes "[scrubbed]". The rule was set on
// the real numpy, pandas and torch traces in testdata/ml; docs/traces.md
// gives it in full.
//
// Options.Allow names exception and panic types whose message is kept: a
// message is code-defined for some types (json.decoder.JSONDecodeError,
// KeyboardInterrupt), and the operator may decide it is safe. Only the
// exception line's own message is kept, escaped (a tab as four spaces, a
// control byte, C1 control or invalid UTF-8 as \xNN, cut at 4096 bytes):
// nothing marks where a message ends, so its second line could as well be
// the program's next output.
//
// # Where a trace starts and ends
//
// A trace's first lines (a header, a chain separator, an exception-group
// header, a faulthandler line) are tentative: nothing is emitted until a
// frame confirms them. CPython prints a header only for an exception with
// frames, so a message line that reads like a header, or a lone header in
// ordinary output, returns the Scrubber to where it was, and the lines after
// it are judged there. After the frames the next unindented line is the
// exception line whatever it holds: a type that does not parse becomes
// "[scrubbed]" and its message is held all the same. An exception group's
// closing marker ends its sub-exceptions, not the hold on the lines after
// it (see below). A Go
// function line is emitted only with its file line. [Scrubber.Crash] tells
// how a process that dies of the trace in progress ends, for the gate's
// strict mode, which releases only the crash that ends the job.
//
// # The InMessage rule
//
// A multi-line Python message continues on unindented lines that can begin
// with anything, including the gate's public prefix. The gate must not pass
// those lines, so it asks InMessage before each line and, while it is true,
// hands even prefixed lines to Line, where they stay private.
//
// For Python, InMessage is true from a trace's first frame to the end of
// the stream (Flush). Python writes nothing that marks the end of a
// message: a message may itself hold blank lines, and notes follow it on
// unindented lines. Nor can any line the Scrubber recognises end one: a
// message can embed whole traces (a wrapped worker's stderr, up to an
// exception group's closing marker or a faulthandler dump's last line), and
// CPython 3.11 and 3.12 print a sub-exception's later message lines without
// the group's margin, so even a group's closing marker may be a line of the
// last sub-exception's message. A trace that begins inside a message is
// re-emitted, and where it ends the message goes on. That covers the frames
// too: the next unindented line there is the exception line, whose message
// is private. While a trace is tentative, InMessage is what it was before:
// true if the tentative lines came inside a message.
//
// For Go, InMessage is true after a "panic:" or "fatal error:" line until the
// goroutine header (or "runtime stack:") that follows the panic lines. The
// runtime indents the continuation lines of a panic value with a tab after
// each \n, but not after a \r, where the gate also ends a line; and "\r\r"
// in a value makes an empty line, so the blank line before the goroutines
// does not end the value either. A value holds at most 16 unindented lines:
// a printed "panic: " line with no dump after it does not hold its stream
// for ever. In a goroutine dump a file line is kept only right after a
// function line, as the runtime prints it.
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
// gate's ordinary prefix rule. Where a message imitates the format exactly,
// header and frames alike, it is read as a trace, and what passes the
// grammar is emitted; a Go error message of the form
// "pkg.Name(…)" or "(T) 0x…" keeps its first word as if it were the
// runtime's type name.
//
// # Resources
//
// A Scrubber never blocks and keeps no trace in memory: every public line is
// produced while its private line is processed, except one held
// `  File "…", line N` line that may open a SyntaxError report and is
// emitted only when the exception line confirms it, a Go function line
// waiting for its file line, and the lines of a tentative trace (at most 8).
// It reads at most the
// first 16 KiB of a line (no line of a real trace is longer; a cut line at
// worst fails to parse and is dropped) and emits at most 8 KiB per public
// line, so its memory is a few tens of kilobytes whatever the input, and a
// truncated trace simply stops.
package traceback
