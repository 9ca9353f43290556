"""The RFC's API on the standard logging module.

Three things make ``category=`` work on every logger, including loggers made
before set-up, a library's, and LoggerAdapter (which passes keyword arguments
through to Logger.log):

- Logger._log accepts ``category=`` and stores it on the record (the
  attribute named by _category.ATTR). It is the one method every logging call
  of every Logger goes through, so patching the class covers every instance.
  The five level methods (debug ... critical), by far the most called, take
  ``category=`` themselves and call logging's own _log, so that a private
  call costs no frame more than without conflog.
- Logger.callHandlers sends a public record to conflog's handler only, so it
  is written once, with the prefix, and never by the user's handlers.
- Once enabled, Formatter.formatMessage escapes every record's line to one
  line and pushes a line that starts with the prefix off byte 0, so that no
  private record printed by the user's handlers can forge a public line.
"""

import copy
import gc
import logging
import logging.handlers
import os
import re
import sys
import threading
import types
from collections.abc import Mapping

from . import _trace
from ._category import ATTR, DataCategory, is_public
from ._channel import Sink
from ._line import check_prefix, escape, guard, valid_prefix

PUBLIC = DataCategory.ONLY_PUBLIC_DATA
DEFAULT_FORMAT = "%(levelname)s %(name)s: %(message)s"

# --- category= on every call -------------------------------------------------

_orig_log = logging.Logger._log
_orig_call_handlers = logging.Logger.callHandlers
# Before 3.11, findCaller counts stacklevel frames before it skips logging's
# own, so our frame must be counted; from 3.11 it skips internal frames first.
_COUNT_OUR_FRAME = not hasattr(logging, "_is_internal_frame")


if _COUNT_OUR_FRAME:

    def _log(self, level, msg, args, exc_info=None, extra=None, stack_info=False, stacklevel=1, category=None):
        if category is not None:
            extra = dict(extra, **{ATTR: category}) if extra else {ATTR: category}
        _orig_log(self, level, msg, args, exc_info, extra, stack_info, stacklevel + 1)

else:

    def _log(self, level, msg, args, exc_info=None, extra=None, stack_info=False, stacklevel=1, category=None):
        if category is not None:
            extra = dict(extra, **{ATTR: category}) if extra else {ATTR: category}
        _orig_log(self, level, msg, args, exc_info, extra, stack_info, stacklevel)


def _call_handlers(self, record):
    h = _state.handler
    # is_public, inlined: this runs for every record of every logger.
    if h is not None and record.__dict__.get(ATTR) is PUBLIC:
        if record.levelno >= h.public_level:
            h.handle(record)
        return
    _orig_call_handlers(self, record)


def _level_method(level, name):
    # Logger.info and its siblings are, on every supported version, "if
    # enabled, self._log(LEVEL, msg, args, **kwargs)". These do the same with
    # category= taken here, and call logging's _log directly: the frames
    # between the caller and _log are as many as without conflog, which
    # findCaller before 3.11 counts on (it starts a fixed number of frames
    # up), and the private path costs one comparison more, not a call.
    def method(self, msg, *args, category=None, **kwargs):
        if self.isEnabledFor(level):
            if category is not None:
                extra = kwargs.get("extra")
                kwargs["extra"] = dict(extra, **{ATTR: category}) if extra else {ATTR: category}
            _orig_log(self, level, msg, args, **kwargs)

    method.__name__ = method.__qualname__ = name
    method.__doc__ = getattr(logging.Logger, name).__doc__
    return method


_LEVEL_METHODS = {name: _level_method(getattr(logging, name.upper()), name)
                  for name in ("debug", "info", "warning", "error", "critical")}

# findCaller skips the frames of logging's own file to find the caller; _log
# and the level methods are frames between the caller and logging, so they
# are given logging's file name, and a record's funcName/lineno stay the
# caller's on every version.
_LOGGING_FILE = logging.addLevelName.__code__.co_filename
_log.__code__ = _log.__code__.replace(co_filename=_LOGGING_FILE)
for _m in _LEVEL_METHODS.values():
    _m.__code__ = _m.__code__.replace(co_filename=_LOGGING_FILE)


# --- public records that leave the process -------------------------------------

#: The record attribute that carries a forwarded public record's scrubbed
#: exception and stack lines (a record crossing a queue or socket loses its
#: exc_info and stack_info).
LINES_ATTR = "conflog_lines"


def _forwardable(record):
    """A copy of a public record fit to cross to another process: what
    QueueHandler.prepare and SocketHandler.makePickle would send, but with the
    message rendered as a public line renders it (an exception argument as its
    type) and the exception and stack as scrubbed lines. Those handlers would
    otherwise bake the full message, traceback and source lines into msg,
    which the receiving process, seeing a public record, would print with the
    prefix (a worker that logs through a QueueHandler without enable())."""
    r = copy.copy(record)
    try:
        r.msg = _public_message(record)
        lines = []
        if record.exc_info:
            lines += _trace.exc_lines(record.exc_info, _state.handler.policy if _state.handler else _trace.DEFAULT)
        if record.stack_info:
            lines += _trace.stack_lines(record.stack_info)
    except Exception as e:
        r.msg = "conflog: error: the record logged at %s:%s could not be formatted (%s)" % (
            _trace.scrub_path(str(record.pathname)), record.lineno, _trace.type_name(type(e)))
        lines = []
    r.message = r.msg
    r.args = r.exc_info = r.exc_text = r.stack_info = None
    r.__dict__[LINES_ATTR] = lines + list(record.__dict__.get(LINES_ATTR) or ())
    return r


_orig_queue_prepare = logging.handlers.QueueHandler.prepare
_orig_make_pickle = logging.handlers.SocketHandler.makePickle


def _queue_prepare(self, record):
    if is_public(record):
        return _forwardable(record)  # already what prepare returns: merged, no exc_info
    return _orig_queue_prepare(self, record)


def _make_pickle(self, record):
    return _orig_make_pickle(self, _forwardable(record) if is_public(record) else record)


def install():
    """Makes every Logger accept category= (done at import of conflog)."""
    logging.Logger._log = _log
    logging.Logger.callHandlers = _call_handlers
    logging.handlers.QueueHandler.prepare = _queue_prepare
    logging.handlers.SocketHandler.makePickle = _make_pickle
    for name, m in _LEVEL_METHODS.items():
        setattr(logging.Logger, name, m)


# --- state ---------------------------------------------------------------------


class _State:
    handler = None  # the PublicHandler enable() attached to the root logger
    prefixes = ()  # the handler's own prefix and the gate's: no private line starts with either
    sink = None  # the process's Sink, made on first use
    args = None  # the arguments of the last enable(), which spawned children get (_spawn)
    lock = threading.Lock()


_state = _State()


def _fallback_stream():
    h = _state.handler
    return h.stream if h is not None and h.stream is not None else sys.stderr


def _sink():
    if _state.sink is None:
        with _state.lock:
            if _state.sink is None:
                _state.sink = Sink(writer=_fallback_stream)
    return _state.sink


# --- the handler ---------------------------------------------------------------


class PublicHandler(logging.Handler):
    """Writes public records, each as one prefixed line, to the gate's public
    channel or, without one, to stream (stderr by default). Private records
    are not its business: it ignores them.

    A public record's exception (exc_info) and stack (stack_info) follow its
    line as prefixed lines of their own, scrubbed (see conflog._trace), all
    in the same write. An exception passed as an argument prints its type
    only. A record that cannot be formatted gives a public error line naming
    the logger and call site, never its message or arguments.
    """

    # The level logging's own Logger.callHandlers compares with: above every
    # level, so that the private records it still hands to the root logger's
    # handlers skip this one with one comparison instead of a call to
    # handle(). Public records reach it through conflog's callHandlers,
    # which compares with public_level, the level set by setLevel.
    SKIP = 1 << 30

    def __init__(self, prefix, stream=None, fmt=None, datefmt=None, allow=(), level=logging.NOTSET):
        super().__init__(level)
        self.setLevel(level)
        self.own_prefix = check_prefix(prefix)
        self.stream = stream
        self.policy = allow if isinstance(allow, _trace.Policy) else _trace.Policy(allow)
        self.setFormatter(logging.Formatter(fmt or DEFAULT_FORMAT, datefmt))
        self._fields_of = self._extra_fields = None  # the formatter whose extra fields are known, and those
        self._told = False

    @property
    def prefix(self):
        """The prefix lines carry: the gate's under conflog run, else our own."""
        gate = _sink().gate_prefix
        return gate if gate is not None else self.own_prefix

    def setLevel(self, level):
        """Sets the level below which public records are dropped."""
        self.public_level = logging._checkLevel(level)
        self.level = self.SKIP

    def createLock(self):
        self.lock = None  # the Sink serialises writes; formatting needs no lock

    def handle(self, record):
        if not is_public(record) or not self.filter(record):
            return False
        self.emit(record)
        return True

    def emit(self, record):
        sink = _sink()
        prefix = sink.gate_prefix or self.own_prefix
        try:
            lines = [self.format_line(record)]
            if record.exc_info:
                lines += _trace.exc_lines(record.exc_info, self.policy)
            if record.stack_info:
                lines += _trace.stack_lines(record.stack_info)
            carried = record.__dict__.get(LINES_ATTR)
            if carried:  # a forwarded record's, scrubbed where it was logged; escaped again here
                lines += [escape(str(l)) for l in carried]
        except Exception as e:
            lines = ["%s %s: conflog: error: the record logged at %s:%s could not be formatted (%s)" % (
                escape(str(record.levelname)), escape(str(record.name)), _trace.scrub_path(str(record.pathname)),
                record.lineno, _trace.type_name(type(e)))]
        if prefix != self.own_prefix and not self._told:
            self.write_lines(lines, prefix)  # with its one warning
        elif len(lines) == 1:
            sink.write(prefix + " " + lines[0] + "\n", prefix)  # the common case, without a join
        else:
            sink.write("".join("%s %s\n" % (prefix, l) for l in lines), prefix)

    def write_lines(self, lines, prefix=None, warning=None):
        """Writes lines (each one line, escaped) as public lines in one write,
        after a warning line if one is given. Returns True if they went to
        the gate's public channel (not to the fallback stream)."""
        prefix = prefix or self.prefix
        head = ""
        if prefix != self.own_prefix and not self._told:
            self._told = True
            head = "%sconflog: warning: the handler's prefix %r is not the gate's (CONFLOG_PREFIX=%r); public records carry the gate's\n" % (
                prefix, self.own_prefix, prefix)
        if warning is not None:
            head += "%sconflog: warning: %s\n" % (prefix, escape(warning))
        return _sink().write(head + "".join("%s %s\n" % (prefix, l) for l in lines), prefix)

    def format_line(self, record):
        """The record's line without the prefix: formatted, scrubbed, escaped."""
        record.message = _public_message(record)  # escaped with the whole line below
        f = self.formatter
        if f.usesTime():
            record.asctime = f.formatTime(record, f.datefmt)
        if f is not self._fields_of:
            self._fields_of, self._extra_fields = f, _extra_fields(f)
        if self._extra_fields:
            record = _public_extras(record, self._extra_fields)
        return escape(_orig_format_message(f, record))


# The attributes logging itself gives a record; a format's other fields are
# the caller's extra= (or a LoggerAdapter's), whose values are data like
# arguments are. So are msg, args and exc_info, printed raw by a format that
# names them.
_RECORD_FIELDS = (frozenset(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {"message", "asctime"}) - {
    "msg", "args", "exc_info"}
_FIELD = re.compile(r"%\((\w+)\)|\{(\w+)|\$\{?(\w+)")


def _extra_fields(formatter):
    """The names a formatter's format takes from extra= rather than from
    logging (in any of the three styles; a name too many costs a lookup)."""
    fmt = getattr(getattr(formatter, "_style", None), "_fmt", None) or ""
    names = {n for m in _FIELD.findall(fmt) for n in m if n}
    return tuple(sorted(names - _RECORD_FIELDS))


def _public_extras(record, names):
    """record, or a copy whose extra fields that hold an exception print as
    a public argument does (a format's "%(err)s" printed the message of an
    exception passed in extra=)."""
    d = record.__dict__
    found = [n for n in names if n in d and type(d[n]) not in _PLAIN and _holds_exception(d[n])]
    if not found:
        return record
    record = copy.copy(record)
    for n in found:
        record.__dict__[n] = _public_arg(d[n], True)
    return record


def _public_message(record):
    """The record's message as a public line has it: an exception as the
    message or an argument prints as its type (and a kept message). Not escaped."""
    msg, args = record.msg, record.args
    if isinstance(msg, BaseException):
        msg = _trace.scrubbed_value(msg)
    elif type(msg) is not str and _holds_exception(msg):
        msg = _public_arg(msg)
    if type(args) is not tuple and isinstance(args, Mapping):  # an ABC's check only off the common path
        # logging's one mapping argument (a dict, or any Mapping: a ChainMap,
        # a mappingproxy): "%(name)s", or "%s" of the whole, keys too
        if not (_PLAIN.issuperset(map(type, args.values())) and _PLAIN.issuperset(map(type, args))) and any(
                _holds_exception(k) or _holds_exception(v) for k, v in args.items()):
            args = {_public_arg(k): _public_arg(v, True) for k, v in args.items()}
    elif args and not _PLAIN.issuperset(map(type, args)) and any(_holds_exception(a) for a in args):
        args = tuple(_public_arg(a, True) for a in args)
    return str(msg) % args if args else str(msg)


# Exceptions inside these (a list of the errors of every retry, say) print
# their messages in the container's repr; they are rebuilt with each
# exception as its scrubbed rendering, up to _MAX_DEPTH levels deep. Exact
# types only: a subclass may print itself otherwise.
_CONTAINERS = frozenset((list, tuple, set, frozenset, dict))
_MAX_DEPTH = 8


class _Scrubbed(str):
    """An exception's scrubbed rendering inside a container: its repr is the
    text itself, as the exception's repr would stand there."""

    __slots__ = ()

    def __repr__(self):
        return str(self)


# Types that never hold an exception: most arguments of a public record, so
# a record of only these skips the search below with one C-level check
# (the search cost the public path 9 % of stdlib logging's instructions).
_PLAIN = frozenset((str, int, float, bool, type(None), bytes))

# What the search does not enter: their reprs print no object they refer to
# (a function's globals, a class's attributes, a module, a frame's locals).
_OPAQUE = (type, types.ModuleType, types.FunctionType, types.BuiltinFunctionType, types.CodeType,
           types.FrameType, types.TracebackType, types.WrapperDescriptorType, types.MethodDescriptorType)
# How many objects the search visits before it gives up and takes the
# argument for one that holds an exception.
_BUDGET = 1000


def _holds_exception(v):
    """Whether an exception can be reached from v, whose repr may then print
    its message: through containers at any depth, and through any other
    object (a namedtuple, a deque, a dict view, a Future, a class of the
    job's with its own __repr__), by gc.get_referents. An object too large
    to search within _BUDGET counts as holding one."""
    if isinstance(v, BaseException):
        return True
    np = sys.modules.get("numpy")
    if not gc.is_tracked(v) and not (np is not None and _may_hide_arrays(v, np)):
        return False  # a number, a numpy scalar, a str subclass: nothing the collector sees inside
    stack, seen = [v], set()
    while stack:
        o = stack.pop()
        if isinstance(o, BaseException):
            return True
        # An exception is always tracked by the collector, and so is any
        # object that holds one (a tuple or dict of only numbers and
        # strings, say, holds none), but for numpy's arrays of objects,
        # which hold theirs unseen by it, and the tuples and dicts that the
        # collector untracks once they hold only untracked objects: such
        # arrays, say.
        if not gc.is_tracked(o) and (np is None or type(o) in _PLAIN or not _may_hide_arrays(o, np)):
            continue
        if isinstance(o, _OPAQUE) or id(o) in seen:
            continue
        t = type(o)
        if t in _CONTAINERS and t is not dict and _PLAIN.issuperset(map(type, o)):
            continue  # a list of numbers or strings, with one C-level check
        seen.add(id(o))
        if isinstance(o, np.ndarray) if np is not None else False:
            if o.dtype.hasobject:
                if o.size + len(seen) > _BUDGET:
                    return True
                stack.extend(o.ravel().tolist())  # a record array's rows come as tuples, searched in turn
            continue
        if len(seen) > _BUDGET:
            return True
        stack.extend(gc.get_referents(o))
    return False


def _may_hide_arrays(o, np):
    """Whether o, untracked by the collector, may still hold an exception:
    a numpy array of objects (dtype object, or a record dtype with an object
    field), which holds its objects unseen by the collector and so by
    gc.get_referents (a pandas Series, DataFrame or Index of errors holds
    them in one), or an exact tuple or dict, which the collector untracks
    once it holds only untracked objects, such arrays too. numpy is not
    imported here: such an array can exist only if it was."""
    t = type(o)
    if t is tuple:
        return not _PLAIN.issuperset(map(type, o))  # one C-level check, as for a tracked one
    if t is dict:
        return not (_PLAIN.issuperset(map(type, o.values())) and _PLAIN.issuperset(map(type, o)))
    return isinstance(o, np.ndarray) and o.dtype.hasobject


def _public_arg(v, top=False, depth=0):
    """v, or, if an exception can be reached from it, v with each exception
    as its scrubbed rendering (containers rebuilt up to _MAX_DEPTH) and any
    other object that holds one as its type and [scrubbed]."""
    if isinstance(v, BaseException):
        text = _trace.scrubbed_value(v)
        return text if top else _Scrubbed(text)
    t = type(v)
    if t in _PLAIN or not _holds_exception(v):
        return v
    if t not in _CONTAINERS or depth >= _MAX_DEPTH:
        return _Scrubbed(_trace.type_name(t) + ": " + _trace.SCRUBBED)
    if t is dict:
        return {_public_arg(k, False, depth + 1): _public_arg(x, False, depth + 1) for k, x in v.items()}
    return t(_public_arg(x, False, depth + 1) for x in v)


# --- private records: one line, never the prefix --------------------------------

_orig_format_message = logging.Formatter.formatMessage


def _format_message(self, record):
    # Every Formatter's line for a record, before logging appends the
    # exception and stack: escaped to one line whatever the format puts in
    # it (message, logger name, extra fields), and pushed off byte 0 if it
    # starts with a public prefix. Lines a Formatter appends (a private
    # traceback) are left as they are: the gate scrubs those.
    # logging's formatMessage is self._style.format(record) on every
    # supported version; calling that directly saves a frame per record.
    line = self._style.format(record)
    if not line.isprintable():  # escape()'s own fast path, inlined: this runs for every private record
        line = escape(line)
    if line.startswith(_state.prefixes):  # a tuple: one call for both prefixes
        return guard(line, *_state.prefixes)
    return line


# --- set-up ----------------------------------------------------------------------


def enable(prefix=None, *, level=logging.INFO, stream=None, format=None, datefmt=None, allow=(),
           public_warnings=(), key=None, excepthook=True):
    """Sets up conflog for this process and returns the root logger.

    prefix is the prefix public lines start with (under ``conflog run`` the
    gate's CONFLOG_PREFIX is used instead, with one warning if they differ;
    prefix may then be None). level is set on the root logger. Public records
    are written once, by conflog, as ``PREFIX LEVEL NAME: MESSAGE`` (format
    is a logging format string for what follows the prefix), to the gate's
    channel or else to stream (stderr). Private records go to the root
    logger's handlers; if it has none, a StreamHandler on stderr is added, as
    logging.basicConfig would.

    allow lists exception types (classes or printed names) whose messages
    public renderings keep, beside PublicError. public_warnings lists warning
    categories reported as public lines (type and location, message only if
    allow-listed). key (bytes, at least 16) keys Pseudonym. excepthook installs
    sys.excepthook and threading.excepthook so that an uncaught exception is
    also reported publicly, scrubbed.
    """
    if prefix is None:
        prefix = _sink().gate_prefix or os.environ.get("CONFLOG_PREFIX")
        if not valid_prefix(prefix):
            raise ValueError("conflog: enable: no prefix: pass prefix='SystemLog:' or run under conflog run")
    handler = PublicHandler(prefix, stream=stream, fmt=format, datefmt=datefmt, allow=allow)
    root = logging.getLogger()
    prefixes = tuple({handler.own_prefix, handler.prefix})  # outside the lock: prefix opens the sink, which takes it
    with _state.lock:
        if _state.handler is not None:
            root.removeHandler(_state.handler)
        _state.handler = handler
        # Every prefix this process's public lines have carried stays
        # guarded: after enable("Other:"), a private line must still not
        # start with the "SystemLog:" of the lines written before.
        _state.prefixes = tuple(set(_state.prefixes) | set(prefixes))
    root.addHandler(handler)
    if not any(h is not handler for h in root.handlers):
        root.addHandler(logging.StreamHandler())
    if level is not None:
        root.setLevel(level)
    logging.Formatter.formatMessage = _format_message
    if key is not None:
        from ._values import set_key

        set_key(key)
    if excepthook:
        from ._hooks import install_excepthooks

        install_excepthooks()
    if public_warnings:
        from ._hooks import capture_warnings

        capture_warnings(public_warnings)
    _state.args = dict(prefix=handler.own_prefix, level=level, stream=stream, format=format, datefmt=datefmt,
                       allow=handler.policy.classes + tuple(sorted(handler.policy.names)),
                       public_warnings=tuple(public_warnings), key=key, excepthook=excepthook)
    from . import _spawn

    _spawn.install()
    return root


def own_logger(logger):
    """One of conflog's own loggers (conflog.metric, conflog.progress),
    enabled again if a dictConfig or fileConfig disabled it: with their
    default disable_existing_loggers=True they disable every logger made
    before them, and conflog's are made at its import, so a job's logging
    config silenced every metric and progress line after it. Levels and
    filters set on them still apply."""
    if logger.disabled:
        logger.disabled = False
    return logger


def public_prefixes():
    """The prefixes no private line may start with: enable()'s and the
    gate's (CONFLOG_PREFIX), even before enable()."""
    env = os.environ.get("CONFLOG_PREFIX")
    return tuple(set(_state.prefixes) | ({env} if valid_prefix(env) else set()))


def enable_args():
    """The arguments of this process's last enable() call (the prefix as
    resolved), or None."""
    return _state.args


def enabled_handler():
    """The PublicHandler of enable(), or None."""
    return _state.handler


def getLogger(name=None, prefix=None):
    """The RFC's ``logging.getLogger(name, prefix)``: enables conflog with
    prefix on first use, then returns logging.getLogger(name). Every logger
    accepts category= whether it came from here or from logging."""
    h = _state.handler
    if h is None:
        enable(prefix)
    elif prefix is not None and prefix != h.own_prefix:
        h.write_lines([], warning="getLogger(%r, %r): conflog is enabled with prefix %r, which stays" % (name, prefix, h.own_prefix))
    return logging.getLogger(name)
