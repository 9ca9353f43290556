"""Exceptions and stacks rendered for a public line: shape kept, data scrubbed.

What is kept is what the gate keeps when it re-emits a crash trace (package
traceback): the "Traceback" header, each frame's file (scrubbed as below),
line and function name, the exception's type, the chain headings and the
exception-group structure. What is dropped is what can hold data: messages,
notes, source lines, arguments and locals. A message is kept only for a
PublicError or an allow-listed type, and then escaped to one line.

Paths and names follow the grammar of the gate's re-emitted lines
(traceback/grammar.go, docs/traces.md), for under --strict these lines
leave through the public channel, which the gate does not judge again: a
home directory (the component after one named home, home2..., Users or
users, and a leading /root) becomes "~", and a path component that looks
like data rather than code becomes "[scrubbed]": anything but ASCII
letters, digits and . _ - + ~ !, a run of more digits than a name in code
has (digits joined by '-' or '_' count as one run: SSNs, phone numbers,
dates, customer ids), a dotted number of more than eight digits (a card, an
IP address), a UUID. A customer id or e-mail address in a directory name
says nothing about the crash. Names are ASCII identifiers joined by '.',
with the compiler's <module>-style parts, under the same digit rule. Here
the rule is stricter than the gate's in one place: a UUID component whose
hex letters break its digits into short runs is scrubbed too.
"""

import re
import sys
from types import CodeType

from ._line import escape

SCRUBBED = "[scrubbed]"
HEADER = "Traceback (most recent call last):"
CAUSE = "The above exception was the direct cause of the following exception:"
CONTEXT = "During handling of the above exception, another exception occurred:"
GROUP_HEADER = "Exception Group Traceback (most recent call last):"
MAX_GROUP_WIDTH = 15  # CPython's defaults, so a group reads as it would in a crash
MAX_GROUP_DEPTH = 10
MAX_CHAIN = 32
RECURSION_CUTOFF = 3  # CPython's: repeated frames beyond this are counted, not printed

_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_CODE_COMPONENT = re.compile(r"[A-Za-z0-9_.+~!-]{1,255}")
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_MAX_DIGIT_RUN = 5  # traceback's maxDigitRun: numpy's _mt19937 has five
_MAX_NUMBER_DIGITS = 8  # traceback's maxNumberDigits: libcuda.so.535.154.05 has eight
_MAX_LINE_DIGITS = 6  # traceback's maxLineDigits


def _has_digit_run(s: str) -> bool:
    """traceback's hasDigitRun: a run of more than five digits, digits joined
    by '-' or '_' counting as one run, or a dotted number (groups joined by
    '.', '-' or '_') of more than eight digits."""
    run = num = 0
    for i, c in enumerate(s):
        digit_next = i + 1 < len(s) and "0" <= s[i + 1] <= "9"
        if "0" <= c <= "9":
            run += 1
            num += 1
            if run > _MAX_DIGIT_RUN or num > _MAX_NUMBER_DIGITS:
                return True
        elif c in "-_" and digit_next:
            pass
        elif c == "." and digit_next and run > 0:
            run = 0
        else:
            run = num = 0
    return False


def _is_ident(s: str) -> bool:
    return _IDENT.fullmatch(s) is not None and not _has_digit_run(s)


def _is_code_component(p: str) -> bool:
    return _CODE_COMPONENT.fullmatch(p) is not None and not _has_digit_run(p) and not _UUID.fullmatch(p)


def _is_home_dir(p: str) -> bool:
    if p.lower() == "users":
        return True
    rest = p[4:]
    return p.startswith("home") and (rest == "" or rest.isascii() and rest.isdigit())


def _is_pseudo_file(p: str) -> bool:
    """<string>, <stdin>, <frozen NAME>, numpy's <__array_function__ internals>."""
    if len(p) < 3 or p[0] != "<" or p[-1] != ">":
        return False
    name = p[1:-1]
    if name.startswith("frozen "):
        return _is_py_name(name[len("frozen "):])
    return name == "__array_function__ internals" or _is_code_component(name)


def _is_py_name(name: str) -> bool:
    if not name or len(name) > 256:
        return False
    for part in name.split("."):
        if part.startswith("<") and part.endswith(">") and len(part) > 2:
            part = part[1:-1]
        if not _is_ident(part):
            return False
    return True


def scrub_path(path: str) -> str:
    """Returns path with its home directory as "~" and data-shaped
    components scrubbed, as the gate's traceback.appendPath does."""
    if path.startswith("<"):
        return path if _is_pseudo_file(path) else "<" + SCRUBBED + ">"
    sep = "\\" if "\\" in path and "/" not in path else "/"
    parts = path.split(sep)
    home = 0  # parts[home:] follow "~"
    if path.startswith("/root/"):
        home = 2
    for i, p in enumerate(parts):
        if _is_home_dir(p) and i + 2 < len(parts):
            home = i + 2
            break
    out = ["~"] if home else []
    for i, p in enumerate(parts[home:] if home else parts):
        keep = p == "" or _is_code_component(p) or (
            i == 0 and not home and len(p) == 2 and p[1] == ":" and p[0].isascii() and p[0].isalpha())
        out.append(p if keep else SCRUBBED)
    return escape(sep.join(out))


def scrub_name(name: str) -> str:
    """Returns a function or type name if it is identifier-shaped (ASCII
    identifiers joined by '.', without an id's run of digits), else [scrubbed]."""
    return name if _is_py_name(name) else SCRUBBED


def line_number(n) -> str:
    """A frame's line number as the gate keeps it: at most six digits."""
    n = str(n)
    return n if len(n) <= _MAX_LINE_DIGITS and n.isascii() and n.isdigit() else SCRUBBED


def type_name(t) -> str:
    """The exception type's name as CPython prints it: builtins and __main__
    unqualified; [scrubbed] for a class the code does not name (see named_by_code)."""
    mod = getattr(t, "__module__", None)
    qual = getattr(t, "__qualname__", None) or getattr(t, "__name__", "?")
    if not named_by_code(t, mod, qual):
        return SCRUBBED
    if not isinstance(mod, str) or mod in ("builtins", "__main__"):
        return scrub_name(qual)
    return scrub_name(mod + "." + qual)


_HEAPTYPE = 1 << 9  # Py_TPFLAGS_HEAPTYPE: a class made at run time, by a statement or type()


def named_by_code(t, mod, qual) -> bool:
    """Whether class t's name was written in code, not computed from data
    (type("zebracustomer77", (Exception,), {}) is identifier-shaped too).

    A class statement leaves its class where its qualified name says, as
    pickle finds it: an attribute of its module (or of an enclosing class),
    or, in a function's body ("f.<locals>.E"), a code object named E among
    the function's constants, which the compiler made from the statement.
    Names are looked up in __dict__, so no descriptor or module __getattr__
    runs; a class made by type() from data is found nowhere."""
    if isinstance(t, type) and not t.__flags__ & _HEAPTYPE:
        return True  # a static type of C code (dict_values, the builtin exceptions)
    m = sys.modules.get(mod) if isinstance(mod, str) else None
    if m is None or not isinstance(qual, str):
        return False
    obj, code = m, None
    for part in qual.split("."):
        if part == "<locals>":
            if code is None:
                code = getattr(getattr(obj, "__func__", obj), "__code__", None)
                if not isinstance(code, CodeType):
                    return False
        elif code is not None:
            code = next((c for c in code.co_consts if isinstance(c, CodeType) and c.co_name == part), None)
            if code is None:
                return False
        else:
            try:
                obj = vars(obj).get(part)
            except TypeError:
                return False
    return code is not None or obj is t


class Policy:
    """Which exception messages a public rendering keeps: PublicError
    subclasses always, and the allow-listed types (classes matched with
    issubclass, strings matched against the printed type name exactly)."""

    def __init__(self, allow=(), match=None):
        if isinstance(allow, (str, type)):
            allow = (allow,)  # one name or class: a string is not a list of its characters
        self.classes = tuple(a for a in allow if isinstance(a, type))
        self.names = frozenset(a for a in allow if isinstance(a, str))
        self.match = match  # an extra predicate on the type name (shrike's allow_list)

    def extend(self, allow=(), match=None):
        """A policy that keeps what this one keeps and what allow and match keep."""
        both = match
        if self.match is not None and match is not None:
            both = lambda name: self.match(name) or match(name)  # noqa: E731
        if isinstance(allow, (str, type)):
            allow = (allow,)
        return Policy(self.classes + tuple(self.names) + tuple(allow), both or self.match)

    def keeps(self, exc) -> bool:
        from ._errors import PublicError

        t = type(exc)
        if issubclass(t, PublicError) or (self.classes and issubclass(t, self.classes)):
            return True
        name = type_name(t)
        return name in self.names or (self.match is not None and self.match(name))


DEFAULT = Policy()


def message_text(exc, policy):
    """The text after "Type: " for exc, or None for a bare type."""
    if policy.keeps(exc):
        try:
            text = _kept_args(exc)
            if text is None:
                text = str(exc)
        except Exception:
            return "<exception str() failed>"
        return escape(text) if text else None
    # Without calling str(): an exception's __str__ is its author's code and
    # may format data; args tell whether there is anything to scrub.
    return SCRUBBED if getattr(exc, "args", ()) else None


_PLAIN = frozenset((str, int, float, bool, type(None), bytes))


def _kept_args(exc):
    """A kept message whose arguments hold an exception, with each such
    argument as a public record's (its type, [scrubbed]), as BaseException
    prints its args: one as str, more as a tuple; None for any other. A
    PublicError or an allow-listed type that wraps the error it caught,
    raise PublicValueError("lookup failed", e) or RuntimeError(e), printed
    that error's message, which a public record's argument never does."""
    args = getattr(exc, "args", ())
    if not isinstance(args, tuple) or _PLAIN.issuperset(map(type, args)):
        return None
    from ._logging import _holds_exception, _public_arg  # _logging imports this module

    if not any(_holds_exception(a) for a in args):
        return None
    if len(args) == 1:
        return str(_public_arg(args[0], True))
    return str(tuple(_public_arg(a) for a in args))


def _frames(tb):
    """Frame lines for a traceback, with CPython's cut of repeated frames."""
    lines, last, repeat = [], None, 0
    while tb is not None:
        co = tb.tb_frame.f_code
        key = (co.co_filename, tb.tb_lineno, co.co_name)
        if key == last:
            repeat += 1
        else:
            if repeat > RECURSION_CUTOFF:
                lines.append("  [Previous line repeated %d more times]" % (repeat - RECURSION_CUTOFF))
            last, repeat = key, 1
        if repeat <= RECURSION_CUTOFF:
            lines.append('  File "%s", line %s, in %s' % (
                scrub_path(co.co_filename), line_number(tb.tb_lineno), scrub_name(co.co_name)))
        tb = tb.tb_next
    if repeat > RECURSION_CUTOFF:
        lines.append("  [Previous line repeated %d more times]" % (repeat - RECURSION_CUTOFF))
    return lines


def _is_group(exc):
    return sys.version_info >= (3, 11) and isinstance(exc, BaseExceptionGroup)  # noqa: F821


def _one(exc, policy, depth, seen):
    """The lines of exc and of its chain, oldest first, as CPython orders them."""
    chain = []
    e = exc
    # exc itself is printed even if seen: a group's member that is also in
    # the group's own chain (errors caught one inside the other, then raised
    # together) is printed again there, as CPython does; seen stops its chain.
    while e is not None and (not chain or id(e) not in seen) and len(chain) < MAX_CHAIN:
        seen.add(id(e))
        chain.append(e)
        if e.__cause__ is not None:
            chain.append(CAUSE)
            e = e.__cause__
        elif e.__context__ is not None and not e.__suppress_context__:
            chain.append(CONTEXT)
            e = e.__context__
        else:
            e = None
    if chain and isinstance(chain[-1], str):
        chain.pop()  # a cycle: the separator leads nowhere new
    lines = []
    for item in reversed(chain):
        if isinstance(item, str):
            lines += ["", item, ""]
            continue
        lines += _single(item, policy, depth, seen)
    return lines


def _single(exc, policy, depth, seen):
    group = _is_group(exc)
    lines = []
    if exc.__traceback__ is not None:
        lines.append(GROUP_HEADER if group else HEADER)
        lines += _frames(exc.__traceback__)
    msg = message_text(exc, policy)
    head = type_name(type(exc))
    if group:
        n = len(exc.exceptions)
        head += ": %s (%d sub-exception%s)" % (msg or SCRUBBED, n, "" if n == 1 else "s")
    elif msg is not None:
        head += ": " + msg
    lines.append(head)
    if not group:
        return lines
    lines = ["  | " + l if l else "  |" for l in lines]
    if exc.__traceback__ is not None:
        lines[0] = "  + " + lines[0][4:]  # CPython's mark on a group's header
    if depth >= MAX_GROUP_DEPTH:
        lines.append("    +---------------- ... ----------------")
        lines.append("    | and %d more exceptions" % len(exc.exceptions))
        return lines + ["    +------------------------------------"]
    for i, sub in enumerate(exc.exceptions[:MAX_GROUP_WIDTH], 1):
        lines.append("    +---------------- %d ----------------" % i)
        lines += ["    | " + l if l else "    |" for l in _one(sub, policy, depth + 1, seen)]
    if len(exc.exceptions) > MAX_GROUP_WIDTH:
        lines.append("    +---------------- ... ----------------")
        lines.append("    | and %d more exceptions" % (len(exc.exceptions) - MAX_GROUP_WIDTH))
    lines.append("    +------------------------------------")
    return lines


def format_exception(exc, policy=DEFAULT):
    """Returns the public lines for exc (an exception instance), each one
    line with nothing escaped left to do."""
    if not isinstance(exc, BaseException):
        return []
    return _one(exc, policy, 0, set())


def exc_lines(exc_info, policy=DEFAULT):
    """format_exception for a record's exc_info: True, an exception, or a
    (type, value, tb) tuple."""
    if exc_info is True:
        exc_info = sys.exc_info()
    if isinstance(exc_info, BaseException):
        return format_exception(exc_info, policy)
    if isinstance(exc_info, tuple) and len(exc_info) == 3:
        if exc_info[1] is not None:
            return format_exception(exc_info[1], policy)
        if isinstance(exc_info[0], type):
            return [type_name(exc_info[0])]
    return []


_FRAME = re.compile(r'  File "(.*)", line (\d+), in (.*)')


def stack_lines(stack_info: str):
    """Scrubs a record's stack_info (traceback.print_stack's text): the
    heading and frames are kept, source lines dropped."""
    out = []
    for line in stack_info.splitlines():
        if line == "Stack (most recent call last):":
            out.append(line)
            continue
        m = _FRAME.fullmatch(line)
        if m:
            out.append('  File "%s", line %s, in %s' % (scrub_path(m.group(1)), line_number(m.group(2)), scrub_name(m.group(3))))
    return out


def scrubbed_value(exc) -> str:
    """How an exception passed as a public record's argument prints: its type,
    and its message only if the policy keeps it (as Go's scrubbed errors)."""
    msg = message_text(exc, DEFAULT)
    name = type_name(type(exc))
    return name + ": " + msg if msg is not None else name
