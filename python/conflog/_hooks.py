"""Uncaught exceptions, warnings, prefix_stack_trace and metrics as public lines."""

import _thread
import atexit
import contextlib
import functools
import logging
import math
import numbers
import sys
import threading
import traceback
import warnings

from . import _trace
from ._category import DataCategory
from ._logging import PUBLIC, enabled_handler, own_logger

_REPORTED = "__conflog_reported__"


def _report(exc, heading, policy=None, prefix=None):
    """Writes exc's scrubbed trace as public lines once per exception.
    Returns where it went, now or before: "channel" (the gate's public
    channel), "stream" (the fallback stream) or None (not reported)."""
    h = enabled_handler()
    if h is None or exc is None:
        return None
    done = getattr(exc, _REPORTED, None)
    if done:
        return done
    where = "stream"
    if h.write_lines(["CRITICAL conflog: " + heading] + _trace.format_exception(exc, policy or h.policy), prefix):
        where = "channel"
    try:
        setattr(exc, _REPORTED, where)
    except Exception:
        pass
    return where


_prev_excepthook = None
_prev_threading_hook = None

# The mark on each line of a private trace whose scrubbed copy already went
# to the gate's public channel. The gate re-emits the Python traces it finds
# on stderr; marked, this one is not found, so the crash is public once (ours,
# scrubbed in process) and its full text stays private. A mark, not a
# reformatting: the private copy keeps every line the interpreter prints.
MARK = "> "


def _write_marked(text, what):
    """Writes text (a full trace) to stderr, each line marked, after one line
    that says why; splitlines also splits at \\r and the other breaks a
    reader could take for a line's end, so every piece carries the mark."""
    err = sys.stderr
    if err is None:
        return False
    try:
        err.write("conflog: the %s below went to the public channel scrubbed; its full trace stays here, private:\n" % what
                  + "".join(MARK + l + "\n" for l in text.splitlines()))
        err.flush()
    except Exception:
        return False
    return True


def _excepthook(t, v, tb):
    where = _report(v, "uncaught exception")
    if where == "channel" and _prev_excepthook is sys.__excepthook__:
        if _write_marked("".join(traceback.format_exception(t, v, tb)), "uncaught exception"):
            return
    _prev_excepthook(t, v, tb)  # the full trace, on stderr: private


# The interpreter's own threading.excepthook (threading.__excepthook__ is
# 3.10's name for it; 3.9 has only the C function).
_DEFAULT_THREADING_HOOK = getattr(threading, "__excepthook__", None) or getattr(_thread, "_excepthook", None)


def _threading_excepthook(args):
    if args.exc_type is SystemExit:
        _prev_threading_hook(args)
        return
    where = _report(args.exc_value, "uncaught exception in a thread")
    if where == "channel" and _prev_threading_hook is _DEFAULT_THREADING_HOOK:
        name = args.thread.name if args.thread is not None else threading.get_ident()
        text = "Exception in thread %s:\n" % name + "".join(
            traceback.format_exception(args.exc_type, args.exc_value, args.exc_traceback))
        if _write_marked(text, "uncaught exception in a thread"):
            return
    _prev_threading_hook(args)


def _report_at_exit():
    # The interpreter sets sys.last_value before it calls sys.excepthook for
    # an uncaught exception. A hook a library installed after ours (rich's
    # traceback.install(), say) does not call ours, and the crash's public
    # lines were lost; at exit the exception is reported if it was not yet.
    v = getattr(sys, "last_value", None)
    if v is not None and not getattr(v, _REPORTED, None) and sys.excepthook is not _excepthook:
        _report(v, "uncaught exception")


def install_excepthooks():
    """Installs sys.excepthook and threading.excepthook (once): an uncaught
    exception is written as scrubbed public lines, then handed to the hook
    that was there before, which prints it in full on stderr (private).
    When the public lines went to the gate's channel and the hook before was
    the interpreter's own, the full trace is printed with each line marked
    instead, so that the gate does not re-emit the crash a second time."""
    global _prev_excepthook, _prev_threading_hook
    if _prev_excepthook is None:
        _prev_excepthook = sys.excepthook
        sys.excepthook = _excepthook
        atexit.register(_report_at_exit)
    if _prev_threading_hook is None:
        _prev_threading_hook = threading.excepthook
        threading.excepthook = _threading_excepthook


class prefix_stack_trace(contextlib.ContextDecorator):
    """A decorator and context manager that reports an exception leaving it
    as scrubbed public lines, then lets it propagate (reraise=False swallows
    it instead). allow lists more types whose message is kept, beside
    PublicError and enable()'s allow list. The exception is reported once,
    however many of these it crosses, and the excepthook does not repeat it.

        @conflog.prefix_stack_trace()
        def main(): ...
    """

    def __init__(self, allow=(), reraise=True, match=None):
        self.allow = (allow,) if isinstance(allow, (str, type)) else tuple(allow)
        self.match = match
        self.reraise = reraise

    def __enter__(self):
        return self

    def __exit__(self, t, v, tb):
        if v is None or isinstance(v, (GeneratorExit,)):
            return False
        h = enabled_handler()
        if h is not None:
            _report(v, "exception", h.policy.extend(self.allow, self.match))
        return not self.reraise


# --- warnings --------------------------------------------------------------------

_public_warnings = ()
_orig_showwarnmsg = None
# The warnings module's own writer, which catch_warnings(record=True)
# replaces with a list's append: a recorded warning is not shown, so it is
# not reported either.
_SHOWWARNMSG_IMPL = getattr(warnings, "_showwarnmsg_impl", None)


def _recording():
    return warnings.showwarning is getattr(warnings, "_showwarning_orig", None) and \
        getattr(warnings, "_showwarnmsg_impl", None) is not _SHOWWARNMSG_IMPL


def _report_warning(message, category, filename, lineno):
    h = enabled_handler()
    if h is not None and _public_warnings and isinstance(category, type) and issubclass(category, _public_warnings):
        w = message if isinstance(message, Warning) else category(str(message))
        if h.policy.keeps(w):  # the message kept as an exception's is: an exception among its args by its type
            kept = _trace.message_text(w, h.policy)
            text = _trace.type_name(category) + (": " + kept if kept is not None else "")
        else:
            text = _trace.scrubbed_value(w)
        h.write_lines(["WARNING py.warnings: %s:%s: %s" % (
            _trace.scrub_path(str(filename)), _trace.line_number(int(lineno)), text)])


def _showwarnmsg(msg):
    # warnings.warn's one way out, before it picks warnings.showwarning (which
    # logging.captureWarnings, a library or the user may replace at any time,
    # and which a hook of ours there would lose): reported here, then shown
    # as before, privately.
    if not _recording():
        try:
            _report_warning(msg.message, msg.category, msg.filename, msg.lineno)
        except Exception:
            pass
    _orig_showwarnmsg(msg)


def capture_warnings(categories):
    """Reports warnings of the given categories (classes) as public lines:
    type and location, the message only if the type is allow-listed. Every
    warning is still shown where it was before (private)."""
    global _public_warnings, _orig_showwarnmsg
    _public_warnings = tuple(categories)
    if _orig_showwarnmsg is None:
        _orig_showwarnmsg = warnings._showwarnmsg
        warnings._showwarnmsg = _showwarnmsg


# --- metrics ---------------------------------------------------------------------

_metric_logger = logging.getLogger("conflog.metric")
# Its own level, so that a job quieting the root logger (to WARNING, for its
# libraries' sake) does not drop every metric line; setting this logger's
# level silences them.
_metric_logger.setLevel(logging.INFO)


def metric(name, value, step=None, logger=None):
    """Logs a public metric line: ``INFO conflog.metric: loss=0.25 step=3``.

    name must be identifier-shaped (it is code); value a real number (int,
    float, numpy scalar, 0-d tensor: anything with __float__ but no str);
    step an int or None. Raises TypeError or ValueError otherwise, at once,
    so a metric that could carry data never becomes public.
    """
    if not isinstance(name, str) or _trace.scrub_name(name) != name or "<" in name:
        raise ValueError("conflog.metric: name %r is not identifier-shaped" % (name,))
    if isinstance(value, (str, bytes)) or not hasattr(type(value), "__float__"):
        raise TypeError("conflog.metric: value of %s: want a number, not %s" % (name, type(value).__name__))
    try:
        if isinstance(value, numbers.Integral) and not isinstance(value, bool):
            text = str(int(value))
        else:
            v = float(value)
            text = repr(v) if math.isfinite(v) else str(v)
    except Exception:
        # A tensor or array of more than one element, or a __float__ that
        # fails: the promised TypeError, without the value's own message.
        raise TypeError("conflog.metric: value of %s: %s does not convert to one number"
                        % (name, type(value).__name__)) from None
    line = "%s=%s" % (name, text)
    if step is not None:
        if isinstance(step, bool) or not isinstance(step, numbers.Integral):
            raise TypeError("conflog.metric: step of %s: want an int, not %s" % (name, type(step).__name__))
        line += " step=%d" % int(step)
    (logger or own_logger(_metric_logger)).info("%s", line, category=DataCategory.ONLY_PUBLIC_DATA, stacklevel=2)


__all__ = ["prefix_stack_trace", "metric", "install_excepthooks", "capture_warnings", "PUBLIC"]
