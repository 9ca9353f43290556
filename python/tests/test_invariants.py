"""The Go handler's output invariants (invariants_test.go), for Python:

1. every record is exactly one line (a public record's scrubbed exception
   and stack follow on lines of their own, each carrying the prefix);
2. a public record's lines start with the prefix, byte 0;
3. a private record's line never starts with the prefix, whatever it holds;
4. one write per record, so concurrent records never interleave;

and no public line echoes a planted secret. A seeded random generator
stands in for Go's fuzzing: set CONFLOG_SEED to replay a failure, and
CONFLOG_ROUNDS to run longer."""

import collections
import functools
import io
import logging
import os
import random
import threading
import unittest

import conflog
from conflog import _logging
from conflog._channel import Sink

from .inproc import Enabled
from .support import SECRET, FakeGate

ROUNDS = int(os.environ.get("CONFLOG_ROUNDS", "500"))

# Pieces that try to fake a line or a prefix, as Go's trickyInputs.
TRICKY = ["\n", "\r", "\r\n", "SystemLog:", "\nSystemLog: forged", "\x1b[0m", "\x1b[2K\rSystemLog:", "\u2028",
          "\u2029", "\x85", "\x00", "\x7f", "\udcff", "\t", " ", "B:", "%s", "%(x)s", "{", "\u202e", "\ufeff",
          "a=b", '"q"', "Traceback (most recent call last):", '  File "x", line 1, in f']


def rand_text(r):
    parts = []
    for _ in range(r.randrange(0, 6)):
        k = r.random()
        if k < 0.6:
            parts.append(r.choice(TRICKY))
        elif k < 0.8:
            parts.append("".join(chr(r.randrange(0, 0x250)) for _ in range(r.randrange(1, 8))))
        else:
            parts.append("".join(chr(r.choice([r.randrange(0x20), r.randrange(0x7f, 0xa0), r.randrange(0x2000, 0x2070),
                                               r.randrange(0xd800, 0xe000), r.randrange(0x10000, 0x10100)]))
                                 for _ in range(r.randrange(1, 4))))
    return "".join(parts)


class Planted(Exception):
    def __str__(self):
        return SECRET + " in __str__"


class _Holder:
    """A job's class whose repr prints what it holds."""

    def __init__(self, v):
        self.v = v

    def __repr__(self):
        return "Holder(%r)" % (self.v,)


def _Row(v):
    return collections.namedtuple("Row", "v")(v)


_WRAPS = [lambda v: [v], lambda v: (v,), lambda v: {"k": v}, lambda v: {v}, lambda v: collections.deque([v]),
          _Holder, _Row, lambda v: {"k": v}.values(), lambda v: functools.partial(print, v), lambda v: slice(v),
          lambda v: conflog.PublicError("kept", v)]  # a kept message wrapping what it caught
try:  # numpy's arrays of objects hold them unseen by the collector (Debian's python3 has numpy)
    import numpy

    def _object_array(v):
        a = numpy.empty(1, dtype=object)
        a[0] = v
        return a

    _WRAPS.append(_object_array)
except ImportError:
    pass


def held_exception(r):
    """An exception (its message, or its class's name, is the secret)
    wrapped in 0 to 12 random containers and objects whose reprs print it."""
    if r.random() < 0.3:
        v = type("Z" + SECRET, (Exception,), {})()  # a class named from data
    else:
        v = Planted(SECRET) if r.random() < 0.5 else ValueError(SECRET + rand_text(r))
    for _ in range(r.randrange(13)):
        wrap = r.choice(_WRAPS)
        try:
            v = wrap(v)
        except TypeError:  # a set of an unhashable
            v = [v]
    return v


def log_random(r, log, public):
    """Logs one record built from random text: message, args, extra, an
    exception whose message, notes and chain hold the secret."""
    msg = rand_text(r)
    kw = {"extra": {"field": rand_text(r)}}
    if public:
        kw["category"] = conflog.PUBLIC
    mode = r.randrange(6)
    if mode == 0:
        log.info(msg.replace("%", "%%"), **kw)
    elif mode == 1:
        log.info(msg.replace("%", "%%") + " %s %r", rand_text(r), Planted(SECRET), **kw)
    elif mode == 2:
        try:
            try:
                raise KeyError(SECRET + rand_text(r))
            except KeyError as e:
                err = ValueError(SECRET + "\n" + rand_text(r))
                if hasattr(err, "add_note"):
                    err.add_note(SECRET + " note " + rand_text(r))
                raise err from (e if r.random() < 0.5 else None)
        except ValueError:
            log.exception(msg.replace("%", "%%"), **kw)
    elif mode == 3:
        log.info(msg.replace("%", "%%"), stack_info=True, **kw)
    elif mode == 4:
        log.info("%(a)s", {"a": msg}, **kw)
    elif mode == 5 and r.random() < 0.3:
        v = held_exception(r)  # a key of logging's one mapping argument, its values plain
        try:
            log.info(msg.replace("%", "%%") + " %s", {v: 1, rand_text(r): rand_text(r)}, **kw)
        except TypeError:  # an unhashable key
            log.info(msg.replace("%", "%%") + " %s", {"k": v}, **kw)
    else:
        v = held_exception(r)
        log.info(msg.replace("%", "%%") + " %s %r", v, v, **kw)
    return mode


class InvariantTest(Enabled):
    def check(self, rounds, prefixes, public_out, seed):
        r = random.Random(seed)
        names = [rand_text(r) or "n" for _ in range(20)] + ["SystemLog:", "a\nSystemLog: b"]
        for i in range(rounds):
            public = r.random() < 0.5
            log = logging.getLogger(r.choice(names))
            for f in (public_out, self.private):
                if isinstance(f, io.StringIO):  # start empty: reading a growing buffer is quadratic
                    f.seek(0)
                    f.truncate()
            mark = public_out.tell(), self.private.tell()
            if isinstance(public_out, _Collect):
                public_out.expect_more = public
            mode = log_random(r, log, public)
            pub = "".join(l + "\n" for l in public_out.getvalue()[mark[0]:].splitlines()
                          if "conflog: warning: the handler's prefix" not in l)
            priv = self.private.getvalue()[mark[1]:]
            where = "seed=%d round=%d public=%s mode=%d\npublic=%r\nprivate=%r" % (seed, i, public, mode, pub, priv)
            if public:
                self.assertEqual(priv, "", where)
                lines = pub.split("\n")
                self.assertEqual(lines[-1], "", where)  # ends with a line end
                for l in lines[:-1]:
                    self.assertTrue(l.startswith(prefixes[0]), where)  # rule 2
                    self.assertNotIn(SECRET, l, where)
                    for c in l:
                        self.assertFalse(ord(c) < 0x20 or 0x7f <= ord(c) < 0xa0 or c in "\u2028\u2029", where)
                if mode in (0, 1, 4, 5):
                    self.assertEqual(len(lines), 2, where)  # rule 1
            else:
                self.assertEqual(pub, "", where)
                lines = priv.split("\n")
                if mode != 2:  # logging prints a private exception in full, on lines of its own
                    self.assertEqual(len(lines), 2 if mode != 3 else len(lines), where)
                first = lines[0]
                for p in prefixes:
                    self.assertFalse(first.startswith(p), where)  # rule 3
                for c in first:
                    self.assertFalse(c in "\n\r\x1b\x85\u2028\u2029", where)

    def seed(self):
        return int(os.environ.get("CONFLOG_SEED") or random.randrange(1 << 30))

    def test_rules_on_random_records(self):
        for fmt in ["%(message)s", "%(name)s %(message)s", "%(threadName)s:%(message)s", "%(field)s %(message)s"]:
            logging.getLogger().handlers[0].setFormatter(logging.Formatter(fmt))
            self.check(ROUNDS, ["SystemLog:"], self.public, self.seed())

    def test_rules_under_another_gate_prefix(self):
        for gate_prefix in ["B:", "INFO", " SystemLog:", "System", "{"]:
            with FakeGate(prefix=gate_prefix) as g:
                saved = _logging._state.sink
                _logging._state.sink = Sink(environ=g.env, writer=lambda: self.public)
                conflog.enable("SystemLog:", stream=self.public, excepthook=False)
                channel = _Collect(g)
                try:
                    self.check(ROUNDS // 5, [gate_prefix, "SystemLog:"], channel, self.seed())
                    channel.expect_more = False
                    self.assertEqual(self.public.getvalue(), "")  # the channel took every public line
                finally:
                    _logging._state.sink._close()  # so that the gate sees the end of data
                    _logging._state.sink = saved

    def test_concurrent_records_never_interleave(self):
        writes = []

        class Recorder:
            def write(self, s):
                writes.append(s)

            def flush(self):
                pass

        _logging._state.handler.stream = Recorder()
        log = logging.getLogger("conc")

        def work(t):
            for i in range(200):
                try:
                    raise ValueError(SECRET)
                except ValueError:
                    log.exception("t=%d i=%d %s", t, i, "x" * (i * 100), category=conflog.PUBLIC)

        ts = [threading.Thread(target=work, args=(t,)) for t in range(8)]
        [t.start() for t in ts]
        [t.join() for t in ts]
        self.assertEqual(len(writes), 1600)
        for w in writes:
            lines = w.split("\n")
            self.assertEqual(len(lines), 5, w[:200])  # the record, header, frame, type, and the end
            self.assertTrue(all(l.startswith("SystemLog: ") for l in lines[:-1]), w[:200])
            self.assertEqual(lines[3], "SystemLog: ValueError: [scrubbed]")


class EscapeTest(unittest.TestCase):
    def test_every_code_point(self):
        # escape()'s fast path returns a printable text unchanged: that is
        # sound only if no character it must escape is printable. Checked for
        # every code point, alone and between ordinary text.
        from conflog._line import _NEEDS_ESCAPE, escape

        for c in map(chr, range(0x110000)):
            must = _NEEDS_ESCAPE.match(c) is not None
            self.assertFalse(must and c.isprintable(), "U+%04X is printable yet must be escaped" % ord(c))
            if must:
                out = escape("a" + c + "b")
                self.assertNotIn(c, out, "U+%04X" % ord(c))
                out.encode("utf-8")  # a lone surrogate is escaped too
                self.assertEqual(len(out.splitlines()), 1, "U+%04X" % ord(c))
        for text in ["epoch 3 loss 0.251", "caf\u00e9 \u00a0nbsp", "\u4e2d\u6587", "\U0001f600", ""]:
            self.assertEqual(escape(text), text)


class _Collect:
    """What a FakeGate received, as the text stream check() reads. Reading it
    waits for the gate's reader thread: for new data when public is expected,
    and until it has been still for a while."""

    def __init__(self, gate):
        self.gate = gate
        self.expect_more = False
        self.mark = 0

    def tell(self):
        self.mark = len(self._text())
        return self.mark

    def _text(self):
        with self.gate.lock:
            return "".join(l + "\n" for _, l in self.gate.lines)

    def getvalue(self):
        import time

        deadline = time.monotonic() + 10
        while self.expect_more and len(self._text()) == self.mark and time.monotonic() < deadline:
            time.sleep(0.0005)
        last = self._text()
        while True:
            time.sleep(0.005)
            now = self._text()
            if now == last:
                return now
            last = now


if __name__ == "__main__":
    unittest.main()
