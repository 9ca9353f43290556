"""A progress bar that reports publicly, at a bounded rate, without its description."""

import logging
import numbers
import time

from . import _logging
from ._category import DataCategory
from ._line import escape, guard

try:  # the private bar on the terminal, when tqdm is installed
    from tqdm import tqdm as _tqdm
except Exception:  # ImportError, or a broken install: the public lines still work
    _tqdm = None

_logger = logging.getLogger("conflog.progress")
_logger.setLevel(logging.INFO)  # not the root logger's: see _hooks._metric_logger


def _bar_desc(desc):
    """desc as tqdm's private bar may print it: one line, and not starting a
    line with a public prefix, even with the ": " tqdm puts after it (the
    gate takes a bar's line after its last \\r: "SystemLog" would make
    "SystemLog: 50%|..." a public line outside --strict)."""
    if desc is None:
        return None
    text = escape(str(desc))
    prefixes = _logging.public_prefixes()
    guarded = guard(text + ": ", *prefixes)
    return text if guarded == text + ": " else guarded[0] + text


def _bar_postfix(postfix):
    """tqdm's postfix (a str, or a dict of names and values) escaped to one line."""
    if postfix is None:
        return None
    if isinstance(postfix, dict):
        return {escape(str(k)): v if isinstance(v, numbers.Number) else escape(str(v)) for k, v in postfix.items()}
    return escape(str(postfix))


class progress:
    """Wraps an iterable (or counts update() calls) and logs a public line
    ``INFO conflog.progress: n=50 total=100 rate=12.5/s elapsed=4.0s`` at most
    once every interval seconds, and at the end unless the last line already said it all.

    desc is shown in the public line only with public_desc=True: a
    description is often built from data ("epoch 3 of customer_x.csv").
    When tqdm is installed (and bar is not False) a tqdm bar is drawn as
    well, on stderr, which the gate keeps private; tqdm_kwargs go to it.

        for batch in conflog.progress(loader, desc="train", public_desc=True):
            ...
    """

    clock = staticmethod(time.monotonic)  # replaced by tests

    def __init__(self, iterable=None, total=None, desc=None, *, public_desc=False, interval=30.0,
                 logger=None, bar=None, **tqdm_kwargs):
        if total is None and iterable is not None:
            try:
                total = len(iterable)
            except TypeError:
                total = None
        self.iterable, self.total, self.n = iterable, total, 0
        self.desc = escape(str(desc)) if (desc is not None and public_desc) else None
        self.interval = max(float(interval), 1.0)  # bounded: never more than one line a second
        self.logger = logger
        self.bar = None
        if _tqdm is not None and bar is not False:
            if "postfix" in tqdm_kwargs:
                tqdm_kwargs["postfix"] = _bar_postfix(tqdm_kwargs["postfix"])
            self.bar = _tqdm(total=total, desc=_bar_desc(desc), **tqdm_kwargs)
        self.start = self.clock()
        self.last = self.start
        self.closed = False
        self.reported = None  # n at the last line, so that close() does not repeat it

    def __iter__(self):
        try:
            for x in self.iterable:
                yield x
                self.update(1)
        finally:
            self.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    def update(self, n=1):
        self.n += n
        if self.bar is not None:
            self.bar.update(n)
        now = self.clock()
        if now - self.last >= self.interval:
            self.last = now
            self._report(now)

    def close(self):
        if self.closed:
            return
        self.closed = True
        if self.bar is not None:
            self.bar.close()
        if self.n != self.reported:
            self._report(self.clock())

    def _report(self, now):
        self.reported = self.n
        elapsed = now - self.start
        rate = self.n / elapsed if elapsed > 0 else 0.0
        parts = ["desc=%s" % self.desc] if self.desc is not None else []
        parts.append("n=%d" % self.n)
        if self.total is not None:
            parts.append("total=%d" % int(self.total))
        parts.append("rate=%.3g/s elapsed=%.1fs" % (rate, elapsed))
        (self.logger or _logging.own_logger(_logger)).info("%s", " ".join(parts), category=DataCategory.ONLY_PUBLIC_DATA)
