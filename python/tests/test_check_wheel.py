"""check_wheel.py, which test_wheel.sh runs on both built wheels: a wheel
made here as bdist_wheel lays one out passes, and each defect planted in a
copy of it is reported (a checker that passes everything would pass here)."""

import base64
import hashlib
import importlib.util
import os
import struct
import tempfile
import unittest
import zipfile

from .support import PKG

spec = importlib.util.spec_from_file_location("check_wheel", os.path.join(PKG, "check_wheel.py"))
check_wheel = importlib.util.module_from_spec(spec)
spec.loader.exec_module(check_wheel)

PLAT = "manylinux2014_aarch64"
INFO = "conflog-0.1.0.dist-info/"


def elf(machine=183, interp=False, e_type=2):
    """A 64-bit little-endian ELF header with one program header (PT_LOAD,
    or PT_INTERP when interp)."""
    head = b"\x7fELF" + bytes([2, 1, 1]) + bytes(9)
    head += struct.pack("<HHIQQQIHHHHHH", e_type, machine, 1, 0x400000, 64, 0, 0, 64, 56, 1, 0, 0, 0)
    ph = struct.pack("<IIQQQQQQ", 3 if interp else 1, 5, 0, 0, 0, 0, 0, 0)
    return head + ph


def files(**change):
    out = {}
    for d, dirs, names in os.walk(os.path.join(PKG, "conflog")):
        dirs[:] = [x for x in dirs if x != "__pycache__"]
        for n in names:
            full = os.path.join(d, n)
            with open(full, "rb") as f:
                out["conflog/" + os.path.relpath(full, os.path.join(PKG, "conflog"))] = f.read()
    out["conflog/_bin/conflog"] = elf()
    out[INFO + "METADATA"] = b"Metadata-Version: 2.1\nName: conflog\nVersion: 0.1.0\nRequires-Python: >=3.9\n"
    out[INFO + "WHEEL"] = ("Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-%s\n" % PLAT).encode()
    out[INFO + "entry_points.txt"] = b"[console_scripts]\nconflog = conflog._gate:main\n"
    out.update(change)
    return {k: v for k, v in out.items() if v is not None}


def record(contents):
    rows = []
    for name, data in contents.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        rows.append("%s,sha256=%s,%d" % (name, digest, len(data)))
    return ("\n".join(rows + [INFO + "RECORD,,"]) + "\n").encode()


class CheckWheelTest(unittest.TestCase):
    def build(self, contents, rec=None, mode=0o755, name="conflog-0.1.0-py3-none-%s.whl" % PLAT):
        d = tempfile.mkdtemp()
        self.addCleanup(__import__("shutil").rmtree, d)
        path = os.path.join(d, name)
        with zipfile.ZipFile(path, "w") as z:
            for n, data in contents.items():
                zi = zipfile.ZipInfo(n)
                zi.external_attr = ((mode if n.endswith("_bin/conflog") else 0o644) | 0o100000) << 16
                z.writestr(zi, data)
            z.writestr(INFO + "RECORD", rec if rec is not None else record(contents))
        return path

    def problems(self, *args, **kwargs):
        return check_wheel.check(self.build(*args, **kwargs), os.path.join(PKG, "conflog"))[0]

    def test_good_wheel_passes(self):
        problems, desc, binary = check_wheel.check(self.build(files()), os.path.join(PKG, "conflog"))
        self.assertEqual(problems, [])
        self.assertIn("static AArch64 ELF", desc)
        self.assertEqual(binary, elf())

    def test_each_planted_defect_is_reported(self):
        good = files()
        tampered = dict(good)
        tampered["conflog/_line.py"] = good["conflog/_line.py"] + b"# changed after RECORD\n"
        cases = {
            "hash": ([], dict(contents=tampered, rec=record(good))),
            "not in RECORD": ([], dict(contents=dict(good, **{"conflog/extra.py": b""}), rec=record(good))),
            "which the archive lacks": ([], dict(contents={k: v for k, v in good.items() if k != "conflog/_line.py"}, rec=record(good))),
            "is in the wheel but not in": ([], dict(contents=files(**{"conflog/tests.py": b"x"}))),
            "missing from the wheel": ([], dict(contents=files(**{"conflog/_trace.py": None}))),
            "differs from": ([], dict(contents=files(**{"conflog/_trace.py": b"print('other')\n"}))),
            "mode 644": ([], dict(contents=good, mode=0o644)),
            "e_machine 62": ([], dict(contents=files(**{"conflog/_bin/conflog": elf(machine=62)}))),
            "dynamically linked": ([], dict(contents=files(**{"conflog/_bin/conflog": elf(interp=True)}))),
            "not an executable": ([], dict(contents=files(**{"conflog/_bin/conflog": elf(e_type=3)}))),
            "not an ELF": ([], dict(contents=files(**{"conflog/_bin/conflog": b"#!/bin/sh\n"}))),
            "tags": ([], dict(contents=files(**{INFO + "WHEEL": good[INFO + "WHEEL"] + b"Tag: py3-none-any\n"}))),
            "Requires-Python": ([], dict(contents=files(**{INFO + "METADATA": good[INFO + "METADATA"].replace(b">=3.9", b">=3.6")}))),
            "entry_points": ([], dict(contents=files(**{INFO + "entry_points.txt": b"[console_scripts]\nconflog = os:system\n"}))),
            "file name": ([], dict(contents=good, name="conflog-0.1.0-py3-none-any.whl")),
        }
        for want, (_, kw) in cases.items():
            with self.subTest(defect=want):
                got = self.problems(kw.pop("contents"), **kw)
                self.assertTrue(any(want in p for p in got), "%r not reported; got %r" % (want, got))


if __name__ == "__main__":
    unittest.main()
