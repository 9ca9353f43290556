"""Mask, Pseudonym (Go's tokens), Shape (real numpy, pandas, torch), log_args, metric, progress."""

import argparse
import importlib
import io
import json
import logging
import os
import re
import sys
import unittest

import conflog
from conflog import Mask, Pseudonym, Shape, _progress

from .inproc import Enabled
from .support import REPO, SECRET, run_py

# Debian's python3 in CI has the real libraries: there a missing one is a
# failure, not a skip (CONFLOG_REQUIRE_ML=1, set by .ci/run).
REQUIRE_ML = os.environ.get("CONFLOG_REQUIRE_ML") == "1"


def need(module):
    try:
        return importlib.import_module(module)
    except ImportError:
        if REQUIRE_ML:
            raise
        raise unittest.SkipTest("%s is not installed for %s (CI runs this with Debian's python3)" % (module, sys.executable))


class MaskTest(unittest.TestCase):
    def test_mask(self):
        self.assertEqual(Mask("4111111111111111", 4), "************1111")
        self.assertEqual(Mask("abc", 3), "***")  # never the whole value
        self.assertEqual(Mask("abc", 10), "***")
        self.assertEqual(Mask("Zoë東京", 2), "***東京")
        self.assertEqual(Mask("secret", -1), "******")
        self.assertEqual(Mask("", 4), "")
        self.assertEqual(Mask("ab\ncd", 2), "***cd")


class PseudonymTest(unittest.TestCase):
    def test_shared_vectors_match_go(self):
        with open(os.path.join(REPO, "testdata", "pseudonym_vectors.json")) as f:
            vectors = json.load(f)["vectors"]
        self.assertGreater(len(vectors), 10)
        for v in vectors:
            key, value = bytes.fromhex(v["key_hex"]), bytes.fromhex(v["value_hex"])
            self.assertEqual(Pseudonym(value, key=key), v["token"])
            # The same bytes as a str: decoded, or carried as surrogates.
            self.assertEqual(Pseudonym(value.decode("utf-8", "surrogateescape"), key=key), v["token"])

    def test_process_key_and_set_key(self):
        a = Pseudonym("alice@example.com")
        self.assertRegex(a, r"^pn:[0-9a-f]{16}$")
        self.assertEqual(a, Pseudonym("alice@example.com"))
        self.assertNotIn("alice", repr(a) + str(a) + "%s %r" % (a, a))
        with self.assertRaises(ValueError):
            conflog.set_key(b"short")
        with self.assertRaises(TypeError):
            conflog.set_key("0123456789abcdef")

    def test_key_file_as_redact_reads_it(self):
        p = run_py("""
            import conflog, sys
            with open("k", "wb") as f:
                f.write(bytes(range(32)))
            conflog.enable("SystemLog:", key=conflog.load_key("k"))
            print(conflog.Pseudonym("alice@example.com"))
        """)
        with open(os.path.join(REPO, "testdata", "pseudonym_vectors.json")) as f:
            want = [v["token"] for v in json.load(f)["vectors"]
                    if v["key_hex"] == bytes(range(32)).hex() and v["value_hex"] == b"alice@example.com".hex()]
        self.assertEqual(p.stdout.split(), want)


class ShapeTest(unittest.TestCase):
    def test_builtins(self):
        self.assertEqual(Shape("x" * 12), "str len=12")
        self.assertEqual(Shape([1, 2, 3]), "list len=3")
        self.assertEqual(Shape({"a": 1}), "dict len=1")
        self.assertEqual(Shape(b"ab"), "bytes len=2")
        self.assertEqual(Shape(None), "None")
        self.assertEqual(Shape(3.5), "float")
        self.assertEqual(Shape(iter([1])), "list_iterator")

    def test_duck_typed_without_importing(self):
        class Tensor:
            shape = (2, 3)
            dtype = "float16"

        class Hostile:
            shape = ("\nSystemLog: x",)
            dtype = SECRET + "\n"

        self.assertEqual(Shape(Tensor()), "tests.ShapeTest.test_duck_typed_without_importing.<locals>.Tensor shape=[2 3] dtype=float16")
        self.assertTrue(str(Shape(Hostile())).endswith("Hostile"))
        # A class named from data (type(name, ...)) prints no name.
        self.assertEqual(Shape(type("zebra" + SECRET, (), {"shape": (2,)})()), "[scrubbed] shape=[2]")
        p = run_py("""
            import sys, conflog
            conflog.Shape([1]); conflog.Shape(object())
            print(sorted(m for m in ("numpy", "pandas", "torch") if m in sys.modules))
        """)
        self.assertEqual(p.stdout.strip(), "[]")

    def test_numpy(self):
        np = need("numpy")
        self.assertEqual(Shape(np.zeros((32, 3, 224, 224), dtype=np.float32)), "numpy.ndarray shape=[32 3 224 224] dtype=float32")
        self.assertEqual(Shape(np.array([SECRET])), "numpy.ndarray shape=[1] dtype=<U6")
        rec = np.zeros(3, dtype=[(SECRET, "i4"), ("b", "f8")])
        self.assertEqual(Shape(rec), "numpy.ndarray shape=[3] dtype=structured")
        self.assertEqual(Shape(np.float64(1.5)), "numpy.float64 shape=[] dtype=float64")

    def test_pandas(self):
        pd = need("pandas")
        df = pd.DataFrame({SECRET: [1.0, 2.0], "b": [1, 2], "c": [0.5, 0.25]})
        self.assertEqual(Shape(df), "pandas.DataFrame shape=[2 3] dtypes=float64:2,int64:1")
        self.assertEqual(Shape(df[SECRET]), "pandas.Series shape=[2] dtype=float64")

    def test_torch(self):
        torch = need("torch")
        self.assertEqual(Shape(torch.zeros(8, 16)), "torch.Tensor shape=[8 16] dtype=torch.float32")
        self.assertEqual(Shape(torch.zeros(2, dtype=torch.int64)), "torch.Tensor shape=[2] dtype=torch.int64")


class LogArgsTest(Enabled):
    def test_named_public_rest_private(self):
        ns = argparse.Namespace(lr=0.1, epochs=3, data="/data/" + SECRET, user=SECRET)
        conflog.log_args(logging.getLogger("args"), ns, public=["lr", "epochs", "lrr"])
        pub, priv = self.out()
        self.assertEqual(pub, ["SystemLog: INFO args: args epochs=3 lr=0.1",
                               "SystemLog: WARNING args: log_args: no such argument: lrr"])
        self.assertEqual(priv, ["args data=/data/%s user=%s" % (SECRET, SECRET)])


    def test_one_name_as_a_string(self):
        # public="metadata_version" was searched with `in`, as a substring:
        # an argument named "data" (or "a", "meta") was made public, and the
        # string's characters were warned about as names.
        ns = {"metadata_version": 2, "data": "/data/" + SECRET, "a": SECRET}
        conflog.log_args(logging.getLogger("args"), ns, public="metadata_version")
        pub, priv = self.out()
        self.assertEqual(pub, ["SystemLog: INFO args: args metadata_version=2"])
        self.assertEqual(priv, ["args a=%s data=/data/%s" % (SECRET, SECRET)])


class MetricTest(Enabled):
    def test_metric_lines(self):
        conflog.metric("loss", 0.25, step=3)
        conflog.metric("acc", 1)
        conflog.metric("nan", float("nan"))
        self.assertEqual(self.out()[0], ["SystemLog: INFO conflog.metric: loss=0.25 step=3",
                                         "SystemLog: INFO conflog.metric: acc=1",
                                         "SystemLog: INFO conflog.metric: nan=nan"])

    def test_metric_refuses_what_could_carry_data(self):
        class Broken:
            def __float__(self):
                raise ArithmeticError(SECRET)

        for bad in [("loss", "0.25"), ("loss", SECRET), ("loss", b"1"), ("loss", None), ("loss", [1]), ("loss", Broken())]:
            with self.assertRaises(TypeError) as cm:
                conflog.metric(*bad)
            self.assertNotIn(SECRET, str(cm.exception))
        for bad in ["a b", "SystemLog:", "x\ny", "", SECRET + "@x"]:
            with self.assertRaises(ValueError):
                conflog.metric(bad, 1)
        with self.assertRaises(TypeError):
            conflog.metric("loss", 1, step="3")
        self.assertEqual(self.out(), ([], []))

    def test_metric_and_progress_lines_survive_dictconfig(self):
        # dictConfig and fileConfig disable every logger made before them
        # (disable_existing_loggers=True, their default): conflog's own
        # metric and progress loggers, made at import, went silent, and so
        # did every public metric and progress line after a job's config.
        import logging.config

        saved = logging.getLogger().handlers[:]
        loggers = [l for l in logging.Logger.manager.loggerDict.values() if isinstance(l, logging.Logger)]
        states = [l.disabled for l in loggers]
        try:
            logging.config.dictConfig({"version": 1, "root": {"level": "INFO"}})
        finally:
            logging.getLogger().handlers[:] = saved
        try:
            conflog.metric("loss", 0.5)
            for _ in conflog.progress(range(2), bar=False):
                pass
        finally:
            for l, disabled in zip(loggers, states):  # every other test's logger, disabled above
                l.disabled = disabled
        pub = self.out()[0]
        self.assertEqual(pub[0], "SystemLog: INFO conflog.metric: loss=0.5")
        self.assertRegex(pub[1], r"^SystemLog: INFO conflog\.progress: n=2 total=2 ")

    def test_metric_and_progress_lines_survive_a_quiet_root_logger(self):
        # Jobs quiet chatty libraries with the root logger's level
        # (logging.getLogger().setLevel(logging.WARNING)); conflog's own
        # loggers inherited it and every metric and progress line, logged
        # at INFO, was dropped. Their own level still silences them.
        root = logging.getLogger()
        level = root.level
        root.setLevel(logging.WARNING)
        try:
            conflog.metric("loss", 0.5)
            for _ in conflog.progress(range(2), bar=False):
                pass
            logging.getLogger("conflog.metric").setLevel(logging.WARNING)
            conflog.metric("silenced", 1)
        finally:
            root.setLevel(level)
            logging.getLogger("conflog.metric").setLevel(logging.INFO)
        pub = self.out()[0]
        self.assertEqual(len(pub), 2, pub)
        self.assertEqual(pub[0], "SystemLog: INFO conflog.metric: loss=0.5")
        self.assertRegex(pub[1], r"^SystemLog: INFO conflog\.progress: n=2 total=2 ")

    def test_metric_numpy_and_torch_scalars(self):
        np = need("numpy")
        torch = need("torch")
        conflog.metric("a", np.float32(0.5), step=np.int64(2))
        conflog.metric("b", torch.tensor(0.25))
        for bad in [torch.tensor([0.25, 0.5]), np.array([1.0, 2.0]), torch.tensor([])]:
            with self.assertRaises(TypeError):  # not torch's RuntimeError, nor numpy's own
                conflog.metric("c", bad)
        self.assertEqual(self.out()[0], ["SystemLog: INFO conflog.metric: a=0.5 step=2",
                                         "SystemLog: INFO conflog.metric: b=0.25"])


class ProgressTest(Enabled):
    def run_bar(self, use_tqdm):
        now = [0.0]
        saved = _progress.progress.clock, _progress._tqdm
        _progress.progress.clock = staticmethod(lambda: now[0])
        if not use_tqdm:
            _progress._tqdm = None
        bar_out = io.StringIO()
        try:
            kw = {"file": bar_out} if use_tqdm else {}
            items = []
            for i in conflog.progress(range(100), desc="rows of " + SECRET, interval=10, **kw):
                now[0] += 0.5  # 2 items a second
                items.append(i)
            with conflog.progress(total=4, desc="public desc", public_desc=True, interval=0.01, **kw) as p:
                for _ in range(4):
                    now[0] += 0.25
                    p.update()
        finally:
            _progress.progress.clock, _progress._tqdm = saved
        self.assertEqual(items, list(range(100)))
        return self.out(), bar_out.getvalue()

    def check_lines(self, pub):
        self.assertEqual(pub[:5], ["SystemLog: INFO conflog.progress: n=20 total=100 rate=2/s elapsed=10.0s",
                                   "SystemLog: INFO conflog.progress: n=40 total=100 rate=2/s elapsed=20.0s",
                                   "SystemLog: INFO conflog.progress: n=60 total=100 rate=2/s elapsed=30.0s",
                                   "SystemLog: INFO conflog.progress: n=80 total=100 rate=2/s elapsed=40.0s",
                                   "SystemLog: INFO conflog.progress: n=100 total=100 rate=2/s elapsed=50.0s"])
        # An interval below 1 s counts as 1 s: 4 updates in 1 s give one
        # line, which close() does not repeat.
        self.assertEqual(pub[5:], ["SystemLog: INFO conflog.progress: desc=public desc n=4 total=4 rate=4/s elapsed=1.0s"])
        self.assertFalse(any(SECRET in l for l in pub))

    def test_standalone(self):
        (pub, priv), bar = self.run_bar(False)
        self.check_lines(pub)
        self.assertEqual((priv, bar), ([], ""))

    def test_with_real_tqdm(self):
        need("tqdm")
        (pub, priv), bar = self.run_bar(True)
        self.check_lines(pub)
        self.assertIn(SECRET, bar)  # tqdm drew its bar, description included, on its own (private) stream
        self.assertIn("100/100", bar)

    def test_real_tqdm_bar_forges_no_public_line(self):
        # The private bar prints desc at the start of its line (after a \r,
        # which the gate splits at) and postfix at the end: neither may start
        # a line with the prefix, "SystemLog" included (tqdm adds ": ").
        need("tqdm")
        bar_out = io.StringIO()
        descs = ["SystemLog: " + SECRET, "SystemLog", "x\nSystemLog: " + SECRET, "y\rSystemLog: " + SECRET,
                 "z\u2028SystemLog: " + SECRET]
        for d in descs:
            for _ in conflog.progress(range(3), desc=d, file=bar_out, postfix="\nSystemLog: " + SECRET):
                pass
        for _ in conflog.progress(range(3), desc="d", file=bar_out, postfix={"k\rSystemLog: x": "\nSystemLog: " + SECRET, "n": 3}):
            pass
        text = bar_out.getvalue()
        self.assertIn(SECRET, text)  # still there, privately
        for piece in re.split("[\r\n\u2028\x85]", text):
            self.assertFalse(piece.startswith("SystemLog:"), piece)
        self.assertFalse(any(SECRET in l for l in self.out()[0]))


if __name__ == "__main__":
    unittest.main()
