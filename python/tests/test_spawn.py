"""enable() carried to the workers multiprocessing spawns (conflog._spawn).

A job enables conflog under ``if __name__ == "__main__":``; its spawn and
forkserver workers run the main module again as __mp_main__, where that
block does not run. Their public records must still come out public, with
the parent's settings, from the first record of an initializer on."""

import os
import re
import subprocess
import sys
import tempfile
import textwrap
import unittest

from .support import PKG, SECRET, run_py
from .test_gate import GateTest, gate, run_job

# Every way a job starts workers with the start method given as argv[1]:
# each public record carries "pub-", each private one SECRET. The target,
# the initializers and the nested child are module-level functions of the
# main module, as multiprocessing needs them.
WORKERS = """
    import concurrent.futures, logging, multiprocessing, sys
    import conflog
    S = "%(secret)s"

    def work(tag):
        log = logging.getLogger("worker")
        log.info("pub-%%s", tag, category=conflog.PUBLIC)
        log.info("private %%s " + S, tag)
        return tag

    def init(tag):
        logging.getLogger("init").info("pub-%%s", tag, category=conflog.PUBLIC)

    def nested(method):
        ctx = multiprocessing.get_context(method)
        p = ctx.Process(target=work, args=(method + "-grandchild",))
        p.start(); p.join()

    if __name__ == "__main__":
        conflog.enable("SystemLog:")
        method = sys.argv[1]
        ctx = multiprocessing.get_context(method)
        if sys.argv[2:]:  # modules the fork server imports before it forks children
            ctx.set_forkserver_preload(sys.argv[2].split(","))
        p = ctx.Process(target=work, args=(method + "-process",))
        p.start(); p.join()
        with ctx.Pool(1, initializer=init, initargs=(method + "-pool-init",)) as pool:
            pool.map(work, [method + "-pool"])
        with concurrent.futures.ProcessPoolExecutor(1, mp_context=ctx, initializer=init,
                                                    initargs=(method + "-executor-init",)) as ex:
            list(ex.map(work, [method + "-executor"]))
        p = ctx.Process(target=nested, args=(method,))
        p.start(); p.join()
        logging.getLogger("job").info("pub-done", category=conflog.PUBLIC)
"""


def run_gate(argv, cwd, env, private):
    """Runs argv under conflog run --strict with the private lines in the
    file private; returns (exit, stdout, stderr, private lines)."""
    p = subprocess.run([gate(), "run", "--strict", "--prefix", "SystemLog:", "--private", "file:" + private, "--", *argv],
                       cwd=cwd, env=env, capture_output=True, text=True, errors="backslashreplace", timeout=300)
    with open(private) as f:
        return p.returncode, p.stdout, p.stderr, f.read().splitlines()


def clean_env(**extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith("CONFLOG_") and k != "PYTHONPATH"}
    env.update(extra)
    return env


class SpawnedWorkersUnderTheGate(unittest.TestCase):
    def check_workers(self, code, err, private, method):
        self.assertEqual(code, 0, err)
        tags = ["process", "pool", "executor", "grandchild"]
        want = ["INFO worker: pub-%s-%s" % (method, t) for t in tags] + [
            "INFO init: pub-%s-pool-init" % method, "INFO init: pub-%s-executor-init" % method, "INFO job: pub-done"]
        public = GateTest.check(self, code, "", err, want)
        for w in want:  # once each: never also by a user's handler, nor in the private file
            self.assertEqual(public.count("SystemLog: " + w), 1, err)
        for t in tags:
            self.assertIn("private %s-%s %s" % (method, t, SECRET), private)
        self.assertFalse(any(l.startswith("SystemLog:") for l in private), private)

    def test_spawn_and_forkserver_workers_are_enabled_as_their_parent(self):
        # Before conflog._spawn, each worker's public records were dropped
        # (INFO, below the root logger's WARNING) or, at WARNING, private.
        # With "conflog" preloaded, the fork server imports conflog (not
        # enabled) and its children are forked with it.
        for method, preload in (("spawn", []), ("forkserver", []), ("forkserver", ["__main__,conflog"])):
            with self.subTest(method=method, preload=preload), tempfile.TemporaryDirectory() as d:
                with open(os.path.join(d, "job.py"), "w") as f:
                    f.write(textwrap.dedent(WORKERS % {"secret": SECRET}))
                code, out, err, private = run_gate([sys.executable, "job.py", method, *preload], d,
                                                   clean_env(PYTHONPATH=PKG), os.path.join(d, "private.log"))
                self.assertEqual(out, "")
                self.check_workers(code, err, private, method)

    def test_conflog_found_in_the_scripts_directory_only(self):
        # The job finds conflog beside its script (sys.path[0]), runs from
        # another directory and has no PYTHONPATH. A spawned child unpickles
        # its preparation data with its own sys.path (the -c command's: the
        # working directory), where conflog is not: it is imported only once
        # prepare() has set the parent's.
        for method in ("spawn", "forkserver"):
            with self.subTest(method=method), tempfile.TemporaryDirectory() as d:
                app = os.path.join(d, "app")
                os.mkdir(app)
                os.symlink(os.path.join(PKG, "conflog"), os.path.join(app, "conflog"))
                with open(os.path.join(app, "job.py"), "w") as f:
                    f.write(textwrap.dedent(WORKERS % {"secret": SECRET}))
                code, out, err, private = run_gate([sys.executable, os.path.join("app", "job.py"), method], d,
                                                   clean_env(), os.path.join(d, "private.log"))
                self.assertEqual(out, "")
                self.check_workers(code, err, private, method)

    def test_torch_dataloader_with_spawned_workers(self):
        from .test_values import need

        need("torch")
        code, out, err = run_job("""
            import logging
            import conflog, torch
            from torch.utils.data import DataLoader, Dataset
            S = "%(secret)s"

            class Rows(Dataset):
                def __len__(self):
                    return 4
                def __getitem__(self, i):
                    log = logging.getLogger("worker")
                    log.info("pub-item-%%d", i, category=conflog.PUBLIC)
                    log.info("private item " + S)
                    return torch.zeros(2)

            def init(worker_id):
                logging.getLogger("init").info("pub-init-%%d", worker_id, category=conflog.PUBLIC)

            if __name__ == "__main__":
                conflog.enable("SystemLog:")
                for _ in DataLoader(Rows(), batch_size=1, num_workers=2, multiprocessing_context="spawn",
                                    worker_init_fn=init):
                    pass
                logging.getLogger("job").info("pub-done", category=conflog.PUBLIC)
        """ % {"secret": SECRET})
        self.assertEqual(code, 0, err)
        want = ["INFO worker: pub-item-%d" % i for i in range(4)] + ["INFO init: pub-init-0", "INFO init: pub-init-1",
                                                                      "INFO job: pub-done"]
        public = GateTest.check(self, code, out, err, want)
        for w in want:
            self.assertEqual(public.count("SystemLog: " + w), 1, err)


# The parent and a spawned child run emit() with every setting enable()
# takes; the child's public lines must be the parent's. Kept is allow-listed
# by class (found in the child's __mp_main__), Local too, but it exists only
# in the parent (defined under the main guard): the child matches it by name
# and keeps the rest.
SETTINGS = """
    import logging, multiprocessing, subprocess, sys, warnings
    import conflog

    class Kept(Exception):
        pass

    class Noted(UserWarning):
        pass

    def emit(tag):
        log = logging.getLogger("job")
        log.debug("debug %%s", tag, category=conflog.PUBLIC)                 # level=DEBUG
        log.info("token %%s", conflog.Pseudonym("alice"), category=conflog.PUBLIC)  # key=
        for e in (Kept("kept message"), KeyError("key message"), ValueError("%(secret)s")):
            try:
                raise e
            except Exception:
                log.exception("failed", category=conflog.PUBLIC)           # allow=
        warnings.warn("noted", Noted)                                      # public_warnings=
        log.info("private %(secret)s")

    if __name__ == "__main__":
        class Local(Exception):
            pass
        conflog.enable("Job:", level=logging.DEBUG, stream=sys.stdout, format="%%(levelname)s|%%(name)s|%%(message)s",
                       allow=[Kept, "KeyError", Local], public_warnings=[Noted], key=b"k" * 16, excepthook=False)
        emit("parent")
        print("--- child", flush=True)
        ctx = multiprocessing.get_context(sys.argv[1])
        p = ctx.Process(target=emit, args=("child",))
        p.start(); p.join()
        assert p.exitcode == 0
        # A fresh interpreter started otherwise gets nothing: it needs enable().
        subprocess.run([sys.executable, "-c", "import logging, conflog; "
                        "logging.getLogger('sub').warning('sub', category=conflog.PUBLIC)"], check=True)
"""


class ParentSettings(unittest.TestCase):
    def test_child_gets_every_setting_of_the_parents_enable(self):
        for method in ("spawn", "forkserver"):
            with self.subTest(method=method):
                p = run_py(SETTINGS % {"secret": SECRET}, args=[method])
                self.assertNotIn(SECRET, p.stdout)
                parent, child = p.stdout.split("--- child\n")
                parent = parent.splitlines()
                self.assertIn("Job: DEBUG|job|debug parent", parent)
                self.assertIn("Job: ERROR|job|failed", parent)
                self.assertIn("Job: Kept: kept message", parent)
                self.assertIn("Job: KeyError: 'key message'", parent)
                self.assertIn("Job: ValueError: [scrubbed]", parent)
                self.assertTrue(any(re.fullmatch(r"Job: INFO\|job\|token pn:[0-9a-f]{16}", l) for l in parent), parent)
                self.assertTrue(any(re.fullmatch(r"Job: WARNING py.warnings: .*job.py:\d+: Noted: \[scrubbed\]", l)
                                    for l in parent), parent)
                # The child's lines are the parent's, but for its tag and its
                # main module's name (an exception of a class defined there
                # prints as CPython prints it: __mp_main__.Kept).
                self.assertEqual([l.replace("child", "parent").replace("__mp_main__.", "") for l in child.splitlines()],
                                 parent)
                self.assertNotIn("sub", p.stdout)  # the subprocess: not public, on stderr unprefixed
                self.assertIn("\nsub\n", "\n" + p.stderr)

    def test_a_child_that_cannot_import_conflog_still_runs(self):
        # The parent found conflog by a path it took off sys.path again:
        # the child cannot import it; it says so, privately, and runs its
        # target.
        p = run_py("""
            import multiprocessing, sys
            def work():
                print("worker ran", flush=True)
            if __name__ == "__main__":
                sys.path.insert(0, %r)
                import conflog
                conflog.enable("SystemLog:")
                del sys.path[0]
                p = multiprocessing.get_context("spawn").Process(target=work)
                p.start(); p.join()
                sys.exit(p.exitcode)
        """ % PKG, env={"PYTHONPATH": ""})
        self.assertEqual(p.stdout, "worker ran\n")
        self.assertIn("conflog: warning: this process could not enable conflog as its parent did "
                      "(import conflog: ModuleNotFoundError); its public records are private", p.stderr)
        self.assertFalse(any(l.startswith("SystemLog:") for l in p.stderr.splitlines()), p.stderr)


class Carrier(unittest.TestCase):
    def test_preparation_data_carries_the_last_enable_only(self):
        p = run_py("""
            import logging, pickle
            from multiprocessing import spawn
            import conflog
            from conflog import _spawn
            assert _spawn.KEY not in spawn.get_preparation_data("w")   # not enabled: nothing
            conflog.enable("First:")
            conflog.enable("Second:", level=logging.WARNING)
            args = pickle.loads(spawn.get_preparation_data("w")[_spawn.KEY].args)
            print(args["prefix"], args["level"], args["key"], args["stream"])
            before = spawn.prepare
            pickle.loads(pickle.dumps(spawn.get_preparation_data("w")[_spawn.KEY]))  # outside a child's start
            print(spawn.prepare is before)
        """)
        self.assertEqual(p.stdout.splitlines(), ["Second: 30 None None", "True"])


if __name__ == "__main__":
    unittest.main()
