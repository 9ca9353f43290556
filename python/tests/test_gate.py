"""End to end: real Python jobs under the real gate (conflog run --strict).

The gate binary is $CONFLOG_GATE, or built here with `go build` from the
checkout. .ci/run sets CONFLOG_REQUIRE_GATE=1, so there a missing gate is a
failure, not a skip. Every job plants SECRET in private data of every kind
and numbers its public records; each test asserts that no SECRET leaves and
that every numbered public record does."""

import os
import re
import shutil
import subprocess
import sys
import tempfile
import textwrap
import unittest

from .support import PKG, REPO, SECRET

_gate = None


def gate():
    global _gate
    if _gate is None:
        path = os.environ.get("CONFLOG_GATE")
        if not path:
            if not shutil.which("go"):
                if os.environ.get("CONFLOG_REQUIRE_GATE") == "1":
                    raise AssertionError("no gate: set CONFLOG_GATE or install go")
                raise unittest.SkipTest("no gate binary (set CONFLOG_GATE) and no go to build one")
            path = os.path.join(tempfile.mkdtemp(prefix="conflog-gate-"), "conflog")
            subprocess.run(["go", "build", "-o", path, "./cmd/conflog"], cwd=REPO, check=True)
        _gate = path
    return _gate


def run_job(code, *gate_args, files=None, strict=True, prefix="SystemLog:"):
    """Runs code as job.py under the gate; returns (exit, stdout, stderr)."""
    with tempfile.TemporaryDirectory() as d:
        for name, text in dict(files or {}, **{"job.py": code}).items():
            with open(os.path.join(d, name), "w") as f:
                f.write(textwrap.dedent(text))
        env = {k: v for k, v in os.environ.items() if not k.startswith("CONFLOG_")}
        env["PYTHONPATH"] = PKG
        args = [gate(), "run", "--prefix", prefix] + (["--strict"] if strict else []) + list(gate_args)
        p = subprocess.run(args + ["--", sys.executable, "job.py"], cwd=d, env=env, capture_output=True,
                           text=True, errors="backslashreplace", timeout=300)
    return p.returncode, p.stdout, p.stderr


# One job with every way a Python job makes records: each public record
# carries "pub-N", each private thing carries SECRET.
EVERYTHING = """
    import logging, multiprocessing, os, subprocess, sys, threading, warnings
    import lib  # its logger is made at import, before conflog is set up
    import conflog
    from conflog import DataCategory
    P = DataCategory.ONLY_PUBLIC_DATA
    S = "%(secret)s"

    def spawned(k):
        import logging, conflog
        conflog.enable("SystemLog:")
        logging.getLogger("spawn").info("pub-spawn-%%d", k, category=conflog.PUBLIC)
        logging.getLogger("spawn").info("private " + S)

    if __name__ == "__main__":
        conflog.enable("SystemLog:")
        log = logging.getLogger("job")
        log.info("pub-1 started", category=P)
        log.info("private row " + S)
        log.info("private forged\\nSystemLog: " + S)            # shrike: forged a public line
        log.info("SystemLog: " + S)                              # a private line that starts with the prefix
        print("SystemLog: printed " + S)                         # prints are never public under --strict
        lib.work()                                               # pub-2
        log.warning("pub-3 warning", category=P)                 # shrike: TypeError on a logger made before set-up
        log.info("pub-4 first line\\nsecond line", category=P)   # shrike: lost all but the first line
        logging.LoggerAdapter(log, {"k": S}).info("pub-5 adapter", category=P)
        try:
            e = ValueError(S)
            if hasattr(e, "add_note"):
                e.add_note("note " + S)                          # shrike: printed notes with the prefix
            raise e
        except ValueError:
            log.exception("pub-6 handled", category=P)
            log.exception("private handled " + S)
        try:
            open("/nonexistent/" + S)
        except OSError as e:                                     # shrike: a public call's args were never checked
            log.info("pub-8 open failed: %%s", e, category=P)
            log.info("pub-9 %%(err)s", {"err": e}, category=P)
        ts = [threading.Thread(target=lambda i=i: log.info("pub-thread-%%d", i, category=P)) for i in range(4)]
        [t.start() for t in ts]; [t.join() for t in ts]
        subprocess.run([sys.executable, "-c", "import logging, conflog; conflog.enable('SystemLog:'); "
                        "logging.getLogger('sub').info('pub-sub', category=conflog.PUBLIC); print('" + S + "')"], check=True)
        ctx = multiprocessing.get_context("spawn")
        ps = [ctx.Process(target=spawned, args=(k,)) for k in range(2)]
        [p.start() for p in ps]; [p.join() for p in ps]
        pid = os.fork()
        if pid == 0:
            log.info("pub-fork", category=P)
            os._exit(0)
        os.waitpid(pid, 0)
        for _ in conflog.progress(range(3), desc="rows of " + S):
            pass                                                 # pub-progress: n=3
        conflog.metric("loss", 0.25, step=3)
        conflog.log_args(log, {"lr": 0.1, "data": S}, public=["lr"])
        warnings.warn("user warning " + S)
        log.info("pub-7 done", category=P)
"""

LIB = """
    import logging
    log = logging.getLogger("lib")
    def work():
        log.info("pub-2 from a library", category=__import__("conflog").PUBLIC)
        log.info("lib private %%s", "%(secret)s")
"""

WANT = ["INFO job: pub-1 started", "INFO lib: pub-2 from a library", "WARNING job: pub-3 warning",
        "INFO job: pub-4 first line\\nsecond line", "INFO job: pub-5 adapter", "ERROR job: pub-6 handled",
        "ValueError: [scrubbed]"] + ["INFO job: pub-thread-%d" % i for i in range(4)] + [
        "INFO sub: pub-sub", "INFO spawn: pub-spawn-0", "INFO spawn: pub-spawn-1", "INFO job: pub-fork",
        "INFO conflog.progress: n=3 total=3", "INFO conflog.metric: loss=0.25 step=3", "INFO job: args lr=0.1",
        "INFO job: pub-7 done", "INFO job: pub-8 open failed: FileNotFoundError: [scrubbed]",
        "INFO job: pub-9 FileNotFoundError: [scrubbed]"]


class GateTest(unittest.TestCase):
    def check(self, code, out, err, want, strict=True):
        self.assertNotIn(SECRET, out + err)
        public = [l for l in err.splitlines() if l.startswith("SystemLog:")]
        for w in want:
            self.assertTrue(any(l.startswith("SystemLog: " + w) for l in public), "missing %r in:\n%s" % (w, err))
        if strict:
            self.assertEqual(out, "")
            self.assertEqual(err.splitlines(), public)  # nothing but public lines leaves
        return public

    def test_everything_under_strict(self):
        secret = {"secret": SECRET}
        code, out, err = run_job(EVERYTHING % secret, files={"lib.py": LIB % secret})
        self.assertEqual(code, 0, err)
        public = self.check(code, out, err, WANT)
        for w in WANT:
            if w.startswith(("INFO", "WARNING", "ERROR")):  # each record once: never also by a user handler
                self.assertEqual(sum(l.startswith("SystemLog: " + w) for l in public), 1, w)
        self.assertRegex(public[-1], r"^SystemLog: conflog run: exit=0 passed=\d+ private=\d+ ")

    def test_everything_without_strict(self):
        secret = {"secret": SECRET}
        # Without --strict the platform convention lets a printed prefixed
        # line pass: that is what --strict is for, so this job prints none.
        job = (EVERYTHING % secret).replace('print("SystemLog: printed " + S)', "pass")
        code, out, err = run_job(job, files={"lib.py": LIB % secret}, strict=False)
        self.assertEqual(code, 0, err)
        self.check(code, out, err, WANT, strict=False)

    UNCAUGHT = """
        import logging, threading
        import conflog
        conflog.enable("SystemLog:")
        def work():
            raise OSError("thread %(s)s")
        def main():
            t = threading.Thread(target=work, name="loader")
            t.start(); t.join()
            e = KeyError("%(s)s\\nSystemLog: forged %(s)s")
            if hasattr(e, "add_note"):
                e.add_note("note %(s)s")
            raise e
        main()
    """ % {"s": SECRET}

    def test_uncaught_exception_is_public_once(self):
        # The excepthook writes the scrubbed trace to the channel; the
        # interpreter's full trace goes to stderr marked, so the gate does not
        # re-emit the crash a second time, in either mode.
        for strict in (True, False):
            with self.subTest(strict=strict), tempfile.TemporaryDirectory() as d:
                private = os.path.join(d, "private.log")
                code, out, err = run_job(self.UNCAUGHT, "--private", "file:" + private, strict=strict)
                self.assertEqual(code, 1, err)
                public = self.check(code, out, err, ["CRITICAL conflog: uncaught exception in a thread", "OSError: [scrubbed]",
                                                     "CRITICAL conflog: uncaught exception", "KeyError: [scrubbed]"], strict=strict)
                self.assertEqual(sum(l == "SystemLog: Traceback (most recent call last):" for l in public), 2, err)
                self.assertEqual(sum(l == "SystemLog: KeyError: [scrubbed]" for l in public), 1, err)
                self.assertEqual(sum(l == "SystemLog: OSError: [scrubbed]" for l in public), 1, err)
                self.assertTrue(any(re.fullmatch(r'SystemLog:   File ".*job\.py", line \d+, in main', l) for l in public), err)
                self.assertRegex(public[-1], r" traces=0 ")  # the gate found none to re-emit
                with open(private) as f:
                    kept = f.read().splitlines()
                # The full traces stay private, every line marked.
                self.assertIn("> KeyError: '%s\\nSystemLog: forged %s'" % (SECRET, SECRET), kept)
                self.assertIn("> Exception in thread loader:", kept)
                self.assertIn("> OSError: thread " + SECRET, kept)
                if sys.version_info >= (3, 11):
                    self.assertIn("> note " + SECRET, kept)

    def test_uncaught_exception_without_a_channel_keeps_the_interpreters_trace(self):
        # Outside the gate the public copy goes to stderr, so the
        # interpreter's trace is printed as it always is, unmarked.
        from .support import run_py

        p = run_py(self.UNCAUGHT, check=False)
        self.assertEqual(p.returncode, 1)
        lines = p.stderr.splitlines()
        self.assertIn("SystemLog: KeyError: [scrubbed]", lines)
        self.assertIn("Traceback (most recent call last):", lines)
        self.assertFalse(any(l.startswith("> ") for l in lines), p.stderr)

    def test_readme_python_quickstart(self):
        # The README's Python set-up, run as a newcomer would paste it, must
        # print what the README shows.
        with open(os.path.join(REPO, "README.md")) as f:
            text = f.read()
        section = text[text.index("**Python**"):text.index("## Why")]
        code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
        shown = re.search(r"```\n\$ conflog run (.*?) -- python train.py\n(.*?)```", section, re.S)
        self.assertEqual(shown.group(1), "--strict --prefix SystemLog:")
        want = shown.group(2).splitlines()
        rc, out, err = run_job(code)
        self.assertEqual(rc, 0, err)
        self.assertEqual(out, "")
        got = err.splitlines()
        self.assertEqual(len(got), len(want), err)
        self.assertEqual(got[:-1], want[:-1])
        self.assertTrue(got[-1].startswith(want[-1].rstrip(" …")), err)
        self.assertNotIn("alice", err)

    def test_shrike_job_changes_only_its_import(self):
        code, out, err = run_job("""
            import logging
            early = logging.getLogger("early")
            from conflog.shrike import enable_compliant_logging, DataCategory, prefix_stack_trace, PublicValueError
            enable_compliant_logging("SystemLog:")
            early.info("pub-early info", category=DataCategory.PUBLIC)
            early.warning("pub-early warning", category=DataCategory.PUBLIC)
            early.info("private\\nSystemLog: %(s)s")
            early.info("pub-multi line 1\\nline 2", category=DataCategory.PUBLIC)
            early.info("pub-args %%s", KeyError("%(s)s"), category=DataCategory.PUBLIC)
            @prefix_stack_trace(allow_list=["Zero"])
            def main():
                try:
                    raise PublicValueError("pub-message kept")
                except ValueError:
                    early.exception("pub-handled", category=DataCategory.PUBLIC)
                e = RuntimeError("%(s)s")
                if hasattr(e, "add_note"):
                    e.add_note("%(s)s")
                raise e
            main()
        """ % {"s": SECRET})
        self.assertEqual(code, 1)
        self.check(code, out, err, ["INFO early: pub-early info", "WARNING early: pub-early warning",
                                    "ERROR early: pub-handled", "INFO early: pub-multi line 1\\nline 2",
                                    "INFO early: pub-args KeyError: [scrubbed]", "conflog.shrike.PublicValueError: pub-message kept",
                                    "CRITICAL conflog: exception", "RuntimeError: [scrubbed]"])


# Real logging stacks of the ML world, under --strict. Debian's python3 in CI
# has rich and colorlog (.ci/run installs them): there a missing one is a
# failure (CONFLOG_REQUIRE_ML=1), elsewhere the test is skipped.
STACKS = """
    import collections, logging, logging.config, sys
    import colorlog, conflog, rich.traceback
    from rich.logging import RichHandler
    from rich.progress import Progress, track
    P = conflog.PUBLIC
    S = "%(secret)s"
    conflog.enable("SystemLog:")
    logging.config.dictConfig({"version": 1, "disable_existing_loggers": False,
        "formatters": {"c": {"()": "colorlog.ColoredFormatter", "format": "%%(log_color)s%%(message)s"}},
        "handlers": {"c": {"class": "logging.StreamHandler", "formatter": "c", "stream": "ext://sys.stdout"}},
        "root": {"handlers": ["c"], "level": "INFO"}})
    logging.getLogger().addHandler(RichHandler(rich_tracebacks=True, tracebacks_show_locals=True, show_time=False,
                                               show_level=False, show_path=False))
    log = logging.getLogger("job")
    log.info("pub-1 after dictConfig", category=P)
    log.info("x" * 70 + " SystemLog: " + S)                      # rich wraps it: a line that starts with the prefix
    log.info("SystemLog: " + S)
    for i in track(range(2), description="SystemLog: " + S):      # rich's bar, on the terminal's stream
        log.info("pub-2-%%d in a rich bar", i, category=P)
    with Progress() as p:
        t = p.add_task("SystemLog: " + S, total=1)
        p.update(t, advance=1)
        p.console.print("SystemLog: " + S)
    logging.basicConfig(force=True, format="%%(message)s")      # drops every handler, conflog's too
    log.info("pub-3 after basicConfig force", category=P)
    log.info("SystemLog: " + S)
    def secret_local(customer=S):
        raise ValueError(S)
    try:
        secret_local()
    except ValueError as e:
        log.exception("pub-4 handled", category=P)
        log.exception("private " + S)
        Row = collections.namedtuple("Row", "err")
        log.info("pub-5 %%s %%s", Row(e), [[[[[[[[[[e]]]]]]]]]], category=P)
    Made = type("zebra" + S, (Exception,), {})
    log.info("pub-6 %%s", Made(S), category=P)
    log.info("pub-7 %%d", S, category=P)                         # cannot be formatted: says where, not what
    rich.traceback.install(show_locals=True)                      # replaces conflog's excepthook
    secret_local()
"""


LOADER = """
    import logging, sys, warnings
    import conflog, torch
    from torch.utils.data import DataLoader, Dataset
    conflog.enable("SystemLog:", public_warnings=[UserWarning])
    S = "%(secret)s"

    class Rows(Dataset):
        def __len__(self):
            return 4
        def __getitem__(self, i):
            log = logging.getLogger("worker")
            log.info("pub-item-%%d", i, category=conflog.PUBLIC)
            log.info("private item " + S)
            if i == 3:
                try:
                    raise KeyError(S)
                except KeyError:
                    log.exception("pub-item-failed", category=conflog.PUBLIC)
            return torch.zeros(2)

    if __name__ == "__main__":
        t = torch.tensor([1.0])
        torch.tensor(t)                                        # torch's own UserWarning
        warnings.warn("user " + S)
        for method in ("fork", "spawn"):
            for _ in DataLoader(Rows(), batch_size=1, num_workers=2, multiprocessing_context=method):
                pass
            logging.getLogger("job").info("pub-%%s done", method, category=conflog.PUBLIC)
"""


PANDAS = """
    import collections, logging, logging.config
    import conflog, numpy as np, pandas as pd
    conflog.enable("SystemLog:")
    S = "%(secret)s"
    log = logging.getLogger("job")
    df = pd.DataFrame({"email": [S + "@example.com", "x"]})
    errors = []
    for v in df["email"]:
        try:
            float(v)
        except ValueError as e:
            errors.append(e)
    df["err"] = errors                                            # a column of per-row errors
    log.warning("pub-1 failed rows %%s", df["err"], category=conflog.PUBLIC)
    log.warning("pub-2 %%s", np.array(errors, dtype=object), category=conflog.PUBLIC)
    log.warning("pub-3 by error %%s", collections.Counter(errors), category=conflog.PUBLIC)
    logging.config.dictConfig({"version": 1, "root": {"level": "INFO"}})  # disables every logger made before
    conflog.metric("bad_rows", len(errors))
    for _ in conflog.progress(range(2), bar=False):
        pass
"""


class StacksTest(unittest.TestCase):
    def test_pandas_errors_and_a_dictconfig_under_strict(self):
        from .test_values import need

        need("pandas")
        code, out, err = run_job(PANDAS % {"secret": SECRET})
        self.assertEqual(code, 0, err)
        GateTest.check(self, code, out, err, [
            "WARNING job: pub-1 failed rows pandas.core.series.Series: [scrubbed]",
            "WARNING job: pub-2 numpy.ndarray: [scrubbed]", "WARNING job: pub-3 by error {ValueError: [scrubbed]: 1",
            "INFO conflog.metric: bad_rows=2", "INFO conflog.progress: n=2 total=2"])
        self.assertNotIn("blocked a public line", err)


    def test_rich_colorlog_dictconfig_and_a_replaced_excepthook_under_strict(self):
        from .test_values import need

        need("rich")
        need("colorlog")
        code, out, err = run_job(STACKS % {"secret": SECRET})
        self.assertEqual(code, 1, err)
        public = GateTest.check(self, code, out, err, [
            "INFO job: pub-1 after dictConfig", "INFO job: pub-2-0 in a rich bar", "INFO job: pub-2-1 in a rich bar",
            "INFO job: pub-3 after basicConfig force", "ERROR job: pub-4 handled", "ValueError: [scrubbed]",
            "INFO job: pub-5 Row: [scrubbed] [[[[[[[[list: [scrubbed]]]]]]]]]", "INFO job: pub-6 [scrubbed]: [scrubbed]",
            "INFO job: conflog: error: the record logged at", "CRITICAL conflog: uncaught exception"])
        self.assertEqual(sum(l == "SystemLog: CRITICAL conflog: uncaught exception" for l in public), 1, err)
        self.assertRegex(public[-1], r" held=[1-9]")  # rich's and colorlog's prefixed private lines, held
        self.assertNotIn("zebra", err)

    def test_torch_warnings_and_dataloader_workers_fork_and_spawn(self):
        from .test_values import need

        need("torch")
        code, out, err = run_job(LOADER % {"secret": SECRET})
        self.assertEqual(code, 0, err)
        public = GateTest.check(self, code, out, err, ["INFO job: pub-fork done", "INFO job: pub-spawn done",
                                                       "ERROR worker: pub-item-failed", "KeyError: [scrubbed]"])
        for i in range(4):  # each item once per loader, from its worker
            self.assertEqual(sum(l == "SystemLog: INFO worker: pub-item-%d" % i for l in public), 2, err)
        warned = [l for l in public if "UserWarning" in l]
        self.assertEqual(len(warned), 2, err)
        self.assertTrue(all(l.endswith("UserWarning: [scrubbed]") for l in warned), warned)


class WheelCommandTest(unittest.TestCase):
    """The wheel's `conflog` command (conflog._gate): the job runs on the
    interpreter the command was installed with. The installed wheel itself is
    tested by python/test_wheel.sh, which .ci/run runs."""

    def test_job_path_starts_with_the_interpreters_directory(self):
        from conflog._gate import job_environ

        env = job_environ({"PATH": "/usr/bin:/venv/bin:/bin", "HOME": "/h"}, "/venv/bin/python")
        self.assertEqual(env["PATH"], "/venv/bin:/usr/bin:/bin")  # first, and once
        self.assertEqual(env["HOME"], "/h")
        self.assertEqual(job_environ({}, "/venv/bin/python")["PATH"].split(":")[0], "/venv/bin")
        self.assertEqual(job_environ({"PATH": "/bin"}, "")["PATH"], "/bin")  # no interpreter known: PATH as it was

    def test_source_install_says_how_to_get_the_gate(self):
        p = subprocess.run([sys.executable, "-m", "conflog._gate", "run"], cwd=PKG, capture_output=True, text=True)
        self.assertEqual(p.returncode, 2)
        self.assertIn("carries no gate binary", p.stderr)


if __name__ == "__main__":
    unittest.main()
