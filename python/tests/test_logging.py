"""category= on every call of every logger, records routed once, caller info kept."""

import logging
import unittest

import conflog
from conflog import DataCategory

from .inproc import Enabled
from .support import SECRET, run_py

EARLY = logging.getLogger("made.before.setup")  # created at import, before any enable()


class CategoryEverywhereTest(Enabled):
    def test_handler_level_and_private_records_skip_it(self):
        h = conflog._logging.enabled_handler()
        calls = []
        orig = h.handle
        h.handle = lambda r: calls.append(r.getMessage()) or orig(r)
        try:
            h.setLevel(logging.WARNING)
            log = logging.getLogger("lvl")
            log.info("public info", category=conflog.PUBLIC)
            log.warning("public warning", category=conflog.PUBLIC)
            log.error("private error")
            log.critical("private critical")
        finally:
            h.handle = orig
            h.setLevel(logging.NOTSET)
        pub, priv = self.out()
        self.assertEqual([l for l in pub if " lvl: " in l], ["SystemLog: WARNING lvl: public warning"])
        self.assertEqual(priv, ["private error", "private critical"])
        # Private records never reach the handler (logging's own loop skips
        # it by its level); public ones below its level are not handled.
        self.assertEqual(calls, ["public warning"])

    def test_every_call_form_accepts_category(self):
        log = logging.getLogger("forms")
        log.setLevel(logging.DEBUG)
        P = DataCategory.ONLY_PUBLIC_DATA
        log.debug("d", category=P)
        log.info("i", category=P)
        log.warning("w", category=P)
        log.error("e", category=P)
        log.critical("c", category=P)
        log.log(logging.INFO, "l", category=P)
        try:
            1 / 0
        except ZeroDivisionError:
            log.exception("x", category=P)
        log.fatal("f", category=DataCategory.PUBLIC)
        log.info("private", category=DataCategory.CONTAINS_PRIVATE_DATA)
        log.info("private alias", category=DataCategory.PRIVATE)
        log.debug("below level", category=P)  # enabled: DEBUG set above
        pub, priv = self.out()
        self.assertEqual([l for l in pub if " forms: " in l], [
            "SystemLog: DEBUG forms: d", "SystemLog: INFO forms: i", "SystemLog: WARNING forms: w",
            "SystemLog: ERROR forms: e", "SystemLog: CRITICAL forms: c", "SystemLog: INFO forms: l",
            "SystemLog: ERROR forms: x", "SystemLog: CRITICAL forms: f", "SystemLog: DEBUG forms: below level"])
        self.assertEqual(priv, ["private", "private alias"])

    def test_loggers_made_before_setup_and_library_loggers(self):
        EARLY.info("early public", category=conflog.PUBLIC)
        EARLY.warning("early warning", category=conflog.PUBLIC)  # shrike raised TypeError here

        class LibLogger(logging.Logger):  # a library's own Logger class
            def info(self, msg, *args, **kwargs):
                super().info("[lib] " + msg, *args, **kwargs)

        lib = LibLogger("lib")
        lib.parent = logging.getLogger()
        lib.info("lib public", category=conflog.PUBLIC)
        lib.info("lib private")
        pub, priv = self.out()
        self.assertEqual(pub, ["SystemLog: INFO made.before.setup: early public",
                               "SystemLog: WARNING made.before.setup: early warning",
                               "SystemLog: INFO lib: [lib] lib public"])
        self.assertEqual(priv, ["[lib] lib private"])

    def test_logger_adapter_passes_category(self):
        class Tagged(logging.LoggerAdapter):
            def process(self, msg, kwargs):
                return "[%s] %s" % (self.extra["tag"], msg), kwargs

        a = logging.LoggerAdapter(logging.getLogger("ad"), {"k": "v"})
        a.info("adapter public", category=conflog.PUBLIC)
        a.warning("adapter private")
        t = Tagged(logging.getLogger("ad"), {"tag": "T"})
        t.error("tagged", category=conflog.PUBLIC)
        nested = logging.LoggerAdapter(t, {})
        nested.info("nested", category=conflog.PUBLIC)
        pub, priv = self.out()
        self.assertEqual(pub, ["SystemLog: INFO ad: adapter public", "SystemLog: ERROR ad: [T] tagged",
                               "SystemLog: INFO ad: [T] nested"])
        self.assertEqual(priv, ["adapter private"])

    def test_only_the_member_makes_a_call_public(self):
        log = logging.getLogger("typos")
        for c in ["public", "ONLY_PUBLIC_DATA", True, 1, DataCategory.CONTAINS_PRIVATE_DATA, None, object()]:
            log.info("private %r", type(c).__name__, category=c)
        log.info("extra does not count", extra={"public": True, "conflog_category": "public"})
        pub, priv = self.out()
        self.assertEqual(pub, [])
        self.assertEqual(len(priv), 8)

    def test_public_record_is_written_once_and_not_by_user_handlers(self):
        child = logging.getLogger("a.b")
        extra = logging.StreamHandler(self.private)
        child.addHandler(extra)  # a handler on the logger itself, and the root's
        try:
            child.info("once", category=conflog.PUBLIC)
            child.info("twice: private through both handlers")
        finally:
            child.removeHandler(extra)
        pub, priv = self.out()
        self.assertEqual(pub, ["SystemLog: INFO a.b: once"])
        self.assertEqual(priv, ["twice: private through both handlers"] * 2)

    def test_levels_and_filters_still_apply_to_public_records(self):
        log = logging.getLogger("quiet")
        log.setLevel(logging.WARNING)
        log.info("dropped by level", category=conflog.PUBLIC)
        f = logging.Filter("other")
        log.addFilter(f)
        log.warning("dropped by filter", category=conflog.PUBLIC)
        log.removeFilter(f)
        log.disabled = True
        log.warning("dropped: disabled", category=conflog.PUBLIC)
        log.disabled = False
        log.warning("kept", category=conflog.PUBLIC)
        self.assertEqual(self.out(), (["SystemLog: WARNING quiet: kept"], []))

    def test_caller_info_is_the_callers(self):
        seen = []

        class Keep(logging.Handler):
            def emit(self, record):
                seen.append((record.funcName, record.lineno, record.filename))

        log = logging.getLogger("caller")
        log.addHandler(Keep())
        log.propagate = False
        try:
            def helper():
                log.info("from helper", stacklevel=2)  # reports its caller
                log.info("from helper, categorised", stacklevel=2, category=DataCategory.PRIVATE)

            line = _line() + 1
            log.info("direct", category=DataCategory.PRIVATE)
            logging.LoggerAdapter(log, {}).info("adapter", category=DataCategory.PRIVATE)
            helper()
            log.info("plain")
            log.debug("below the level")  # not recorded: the logger is at INFO
            log.setLevel(logging.DEBUG)
            # Every way into a record, each with and without category=: the
            # level methods conflog replaces, and those it leaves to logging
            # (log, exception, fatal and warn go through _log or a level method).
            calls = [
                lambda **k: log.debug("d", **k), lambda **k: log.info("i", **k),
                lambda **k: log.warning("w", **k), lambda **k: log.error("e", **k),
                lambda **k: log.critical("c", **k), lambda **k: log.fatal("f", **k),
                lambda **k: log.log(logging.INFO, "l", **k), lambda **k: log.exception("x", **k),
            ]
            if hasattr(log, "warn"):
                calls.append(lambda **k: log.warn("w", **k))
            for c in calls:
                c(); c(category=DataCategory.PRIVATE); c(stacklevel=1, category=DataCategory.PRIVATE)
        finally:
            log.propagate = True
            log.setLevel(logging.NOTSET)
        me = "test_caller_info_is_the_callers"
        self.assertEqual(seen[:5], [(me, line, "test_logging.py"), (me, line + 1, "test_logging.py"),
                                    (me, line + 2, "test_logging.py"), (me, line + 2, "test_logging.py"),
                                    (me, line + 3, "test_logging.py")])
        # Each lambda is the caller of its logging call: its name and line.
        self.assertEqual(len(seen[5:]), 3 * len(calls))
        want = [("<lambda>", c.__code__.co_firstlineno, "test_logging.py") for c in calls for _ in range(3)]
        self.assertEqual(seen[5:], want)


def _line():
    import sys

    return sys._getframe(1).f_lineno


class ForwardedRecordsTest(unittest.TestCase):
    def test_public_record_through_a_queue_from_a_worker_without_enable(self):
        # The logging cookbook's multiprocessing pattern: spawned workers
        # configure only a QueueHandler, the main process enables conflog and
        # hands each record to its logger. QueueHandler.prepare (and
        # SocketHandler.makePickle) bake the formatted message, traceback and
        # source lines into msg; the parent, seeing a public record, must
        # still print only its scrubbed form.
        p = run_py("""
            import io, logging, logging.handlers, multiprocessing, pickle, conflog

            def worker(q):
                root = logging.getLogger()
                root.handlers[:] = [logging.handlers.QueueHandler(q)]
                root.setLevel(logging.INFO)
                log = logging.getLogger("worker")
                log.info("opened %s", FileNotFoundError(2, "gone", "/data/S3CR3T.csv"), category=conflog.PUBLIC)
                try:
                    {}["S3CR3T"]
                except KeyError:
                    log.exception("lookup failed", category=conflog.PUBLIC)
                log.info("stack", stack_info=True, category=conflog.PUBLIC)  # S3CR3T in this source line
                log.info("private %s", "S3CR3T")
                # SocketHandler's pickle, as a log server would receive it
                h = logging.handlers.SocketHandler("localhost", None)
                try:
                    raise ValueError("S3CR3T")
                except ValueError as e:
                    r = log.makeRecord("sock", logging.ERROR, "f.py", 1, "failed %s", (e,), None)
                    r.conflog_category = conflog.PUBLIC
                    r.exc_info = (ValueError, e, e.__traceback__)
                q.put(pickle.loads(h.makePickle(r)[4:]))

            if __name__ == "__main__":
                # Started before enable(), so that the worker is without it:
                # a worker started after it is enabled as its parent was, and
                # writes its public records itself (test_spawn).
                ctx = multiprocessing.get_context("spawn")
                q = ctx.Queue()
                w = ctx.Process(target=worker, args=(q,))
                w.start()
                public = io.StringIO()
                conflog.enable("SystemLog:", stream=public)
                for _ in range(5):
                    r = q.get()
                    if isinstance(r, dict):
                        r = logging.makeLogRecord(r)
                    logging.getLogger(r.name).handle(r)
                w.join()
                print(public.getvalue(), end="")
            """)
        pub = p.stdout.splitlines()
        self.assertNotIn("S3CR3T", p.stdout)
        self.assertEqual(pub[:5], ["SystemLog: INFO worker: opened FileNotFoundError: [scrubbed]",
                                   "SystemLog: ERROR worker: lookup failed",
                                   "SystemLog: Traceback (most recent call last):",
                                   pub[3],
                                   "SystemLog: KeyError: [scrubbed]"])
        self.assertRegex(pub[3], r'^SystemLog:   File ".*job\.py", line \d+, in worker$')
        self.assertEqual(pub[5:7], ["SystemLog: INFO worker: stack", "SystemLog: Stack (most recent call last):"])
        self.assertTrue(all(l.startswith("SystemLog:   File ") for l in pub[7:-4]), pub)
        self.assertEqual(pub[-4:-2], ["SystemLog: ERROR sock: failed ValueError: [scrubbed]",
                                      "SystemLog: Traceback (most recent call last):"])
        self.assertEqual(pub[-1], "SystemLog: ValueError: [scrubbed]")
        self.assertIn("private S3CR3T", p.stderr)  # the private record reached the parent's handler


class SetupTest(unittest.TestCase):
    def test_getlogger_with_prefix_as_in_the_rfc(self):
        p = run_py("""
            import conflog
            from conflog import DataCategory
            logger = conflog.getLogger(__name__, "SystemLog:")
            logger.warning("safe message", category=DataCategory.ONLY_PUBLIC_DATA)
            logger.warning("unsafe message")
            other = conflog.getLogger("other", "Other:")
            other.info("still the first prefix", category=DataCategory.ONLY_PUBLIC_DATA)
        """)
        self.assertEqual(p.stderr.splitlines(), [
            "SystemLog: WARNING __main__: safe message", "unsafe message",
            "SystemLog:conflog: warning: getLogger('other', 'Other:'): conflog is enabled with prefix 'SystemLog:', which stays",
            "SystemLog: INFO other: still the first prefix"])

    def test_category_without_enable_is_private_and_raises_nothing(self):
        p = run_py("""
            import logging, conflog
            logging.basicConfig(format="%(message)s", level=logging.INFO)
            logging.getLogger("x").info("not enabled", category=conflog.PUBLIC)
        """)
        self.assertEqual(p.stderr, "not enabled\n")

    def test_bad_prefix_refused_at_setup(self):
        for bad in ["", "a\nb", "a\rb", "\x1b[0m", None]:
            with self.subTest(prefix=bad):
                p = run_py("import conflog; conflog.enable(%r)" % (bad,), check=False)
                self.assertNotEqual(p.returncode, 0)
                self.assertIn("ValueError: conflog: ", p.stderr)

    def test_prefix_from_the_gate_when_none_is_given(self):
        p = run_py("""
            import logging, conflog
            conflog.enable()
            logging.getLogger("g").info("hi", category=conflog.PUBLIC)
        """, {"CONFLOG_PREFIX": "Gate:"})
        self.assertEqual(p.stderr, "Gate: INFO g: hi\n")

    def test_enable_adds_a_private_handler_only_when_there_is_none(self):
        p = run_py("""
            import logging, conflog
            conflog.enable("SystemLog:")
            logging.getLogger("x").info("private at info")
        """)
        self.assertEqual(p.stderr, "private at info\n")
        p = run_py("""
            import logging, sys, conflog
            logging.basicConfig(format="P %(levelname)s %(message)s", stream=sys.stdout)
            conflog.enable("SystemLog:")
            logging.getLogger("x").info("private at info")
        """)
        self.assertEqual((p.stdout, p.stderr), ("P INFO private at info\n", ""))

    def test_enable_again_with_another_prefix_keeps_guarding_the_first(self):
        p = run_py("""
            import logging, conflog
            conflog.enable("SystemLog:")
            logging.getLogger("a").info("one", category=conflog.PUBLIC)
            conflog.enable("Other:")
            logging.getLogger("a").info("two", category=conflog.PUBLIC)
            logging.getLogger("a").info("SystemLog: forged S3CR3T")
            logging.getLogger("a").info("Other: forged S3CR3T")
            """)
        lines = p.stderr.splitlines()
        self.assertEqual([l for l in lines if "S3CR3T" not in l], ["SystemLog: INFO a: one", "Other: INFO a: two"])
        self.assertEqual(len(lines), 4)
        self.assertFalse(any(l.startswith(("SystemLog:", "Other:")) for l in lines if "S3CR3T" in l), lines)

    def test_format_option(self):
        p = run_py("""
            import logging, conflog
            conflog.enable("SystemLog:", format="%(levelname)s %(name)s %(funcName)s: %(message)s")
            def train():
                logging.getLogger("t").info("epoch %d", 3, category=conflog.PUBLIC)
            train()
        """)
        self.assertEqual(p.stderr, "SystemLog: INFO t train: epoch 3\n")


    def test_exceptions_in_extra_fields_of_the_format_print_their_type(self):
        # A format that takes a field from extra= (or a LoggerAdapter's)
        # printed an exception there with its message, as "%s" of it.
        p = run_py("""
            import logging, conflog
            conflog.enable("SystemLog:", format="%%(levelname)s [%%(err)s %%(n)s]: %%(message)s")
            log = logging.getLogger("t")
            log.info("one", extra={"err": ValueError("%(s)s"), "n": 1}, category=conflog.PUBLIC)
            logging.LoggerAdapter(log, {"err": [OSError(2, "%(s)s")], "n": 2}).info("two", category=conflog.PUBLIC)
            log.info("three", extra={"err": "plain", "n": [3]}, category=conflog.PUBLIC)
            h = conflog._logging.enabled_handler()
            h.setFormatter(logging.Formatter("{levelname} {err}: {message}", style="{"))
            log.info("four", extra={"err": KeyError("%(s)s")}, category=conflog.PUBLIC)
            h.setFormatter(logging.Formatter("%%(message)s %%(args)s"))
            log.info("five %%s", OSError(2, "%(s)s"), category=conflog.PUBLIC)
        """ % {"s": SECRET})
        self.assertEqual(p.stderr.splitlines(), [
            "SystemLog: INFO [ValueError: [scrubbed] 1]: one", "SystemLog: INFO [[FileNotFoundError: [scrubbed]] 2]: two",
            "SystemLog: INFO [plain [3]]: three", "SystemLog: INFO KeyError: [scrubbed]: four",
            "SystemLog: five FileNotFoundError: [scrubbed] (FileNotFoundError: [scrubbed],)"])


if __name__ == "__main__":
    unittest.main()
