"""One record, one line: the escaping every line conflog writes goes through."""

import re

# Every C0 control, DEL, every C1 control, and the Unicode line and paragraph
# separators: each could end a line for some reader (a terminal, the gate's
# \r rule, a log viewer splitting on U+2028) or hide text (ESC sequences).
# Bidi overrides (U+202A-U+202E, U+2066-U+2069) are escaped too: they make a
# line read differently from its bytes.
_ESCAPES = {c: "\\x%02x" % c for c in list(range(0x20)) + list(range(0x7F, 0xA0))}
_ESCAPES.update({ord("\n"): "\\n", ord("\r"): "\\r", ord("\t"): "\\t"})
for _c in (0x2028, 0x2029, 0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A), 0xFEFF):
    _ESCAPES[_c] = "\\u%04x" % _c
del _c

_NEEDS_ESCAPE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff\ud800-\udfff]")
_SURROGATE = re.compile("[\ud800-\udfff]")


def escape(text: str) -> str:
    """Returns text with every byte that could end or hide a line escaped.

    Lone surrogates (from undecodable file names) become \\udcXX, so the
    result always encodes as UTF-8.
    """
    # The common case, no copy: every character _NEEDS_ESCAPE matches is a
    # control, format, separator or surrogate (Cc, Cf, Zl, Zp, Cs), none of
    # which str.isprintable accepts, so a printable text needs nothing; the
    # C scan is several times faster than the regex's. Text it rejects for
    # other reasons (a no-break space, say) takes the regex.
    if text.isprintable() or not _NEEDS_ESCAPE.search(text):
        return text
    text = text.translate(_ESCAPES)
    return _SURROGATE.sub(lambda m: "\\u%04x" % ord(m.group()), text)


def check_prefix(prefix) -> str:
    """Returns prefix if a public line may start with it, else raises ValueError.

    The rules are the Go handler's (checkPrefix): not empty, no line break,
    no control byte (the gate strips escapes before the prefix, so a prefix
    holding one could never match as written).
    """
    if not isinstance(prefix, str):
        raise TypeError("conflog: prefix must be a str, not %s" % type(prefix).__name__)
    if not prefix:
        raise ValueError("conflog: empty prefix: public lines need a prefix such as 'SystemLog:'")
    for i, c in enumerate(prefix):
        if c in "\n\r":
            raise ValueError("conflog: prefix %r holds a line break: a public line must be one line" % prefix)
        if ord(c) < 0x20 or ord(c) == 0x7F:
            raise ValueError("conflog: prefix %r holds control byte %#04x at %d" % (prefix, ord(c), i))
    return prefix


def valid_prefix(prefix) -> bool:
    try:
        check_prefix(prefix)
    except (TypeError, ValueError):
        return False
    return True


def guard(line: str, *prefixes: str) -> str:
    """Returns line pushed off byte 0 by a space if it starts with any prefix.

    A private line must never start with a public prefix, whatever its
    content: the Go handler does the same with its guard byte.
    """
    if not any(p and line.startswith(p) for p in prefixes):
        return line
    # A guard byte that no prefix starts with, so the guarded line cannot
    # start with one either.
    g = next(c for c in " ~_#" if not any(p.startswith(c) for p in prefixes))
    return g + line
