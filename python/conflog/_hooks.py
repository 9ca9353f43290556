"""Uncaught exceptions, warnings, prefix_stack_trace and metrics as public lines."""

import contextlib
import functools
import logging
import math
import numbers
import sys
import threading
import warnings

from . import _trace
from ._category import DataCategory
from ._line import escape
from ._logging import PUBLIC, enabled_handler

_REPORTED = "__conflog_reported__"


def _report(exc, heading, policy=None, prefix=None):
    """Writes exc's scrubbed trace as public lines once per exception."""
    h = enabled_handler()
    if h is None or exc is None or getattr(exc, _REPORTED, False):
        return
    try:
        setattr(exc, _REPORTED, True)
    except Exception:
        pass
    h.write_lines(["CRITICAL conflog: " + heading] + _trace.format_exception(exc, policy or h.policy), prefix)


_prev_excepthook = None
_prev_threading_hook = None


def _excepthook(t, v, tb):
    _report(v, "uncaught exception")
    _prev_excepthook(t, v, tb)  # the full trace, on stderr: private


def _threading_excepthook(args):
    if args.exc_type is not SystemExit:
        _report(args.exc_value, "uncaught exception in a thread")
    _prev_threading_hook(args)


def install_excepthooks():
    """Installs sys.excepthook and threading.excepthook (once): an uncaught
    exception is written as scrubbed public lines, then handed to the hook
    that was there before, which prints it in full on stderr (private)."""
    global _prev_excepthook, _prev_threading_hook
    if _prev_excepthook is None:
        _prev_excepthook = sys.excepthook
        sys.excepthook = _excepthook
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
        self.allow = tuple(allow)
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
_prev_showwarning = None


def _showwarning(message, category, filename, lineno, file=None, line=None):
    h = enabled_handler()
    if h is not None and _public_warnings and isinstance(category, type) and issubclass(category, _public_warnings):
        w = message if isinstance(message, Warning) else category(str(message))
        text = _trace.scrubbed_value(w) if not h.policy.keeps(w) else _trace.type_name(category) + ": " + escape(str(message))
        h.write_lines(["WARNING py.warnings: %s:%s: %s" % (_trace.scrub_path(str(filename)), int(lineno), text)])
    _prev_showwarning(message, category, filename, lineno, file, line)  # in full, where it went before: private


def capture_warnings(categories):
    """Reports warnings of the given categories (classes) as public lines:
    type and location, the message only if the type is allow-listed."""
    global _public_warnings, _prev_showwarning
    _public_warnings = tuple(categories)
    if _prev_showwarning is None:
        _prev_showwarning = warnings.showwarning
        warnings.showwarning = _showwarning


# --- metrics ---------------------------------------------------------------------

_metric_logger = logging.getLogger("conflog.metric")


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
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        text = str(int(value))
    else:
        v = float(value)
        text = repr(v) if math.isfinite(v) else str(v)
    line = "%s=%s" % (name, text)
    if step is not None:
        if isinstance(step, bool) or not isinstance(step, numbers.Integral):
            raise TypeError("conflog.metric: step of %s: want an int, not %s" % (name, type(step).__name__))
        line += " step=%d" % int(step)
    (logger or _metric_logger).info("%s", line, category=DataCategory.ONLY_PUBLIC_DATA, stacklevel=2)


__all__ = ["prefix_stack_trace", "metric", "install_excepthooks", "capture_warnings", "PUBLIC"]
