"""Benchmarks of the conflog Python package against the standard library.

    python3 bench/python/bench.py [-n RECORDS] [-r ROUNDS]

Each case runs in a fresh interpreter (conflog changes process-wide state),
the cases alternate round after round in one run, and the report gives each
case's median cost per record and the ratios the issue sets goals for:

- public: a public record through conflog (escaped, prefixed, one write and
  flush to a file) against the same record through stdlib logging with a
  plain StreamHandler on the same kind of file; goal at most 1.3x;
- private: a private record through a StreamHandler when conflog is enabled
  (its hooks in the way: category routing, the one-line escape) against the
  same without conflog; goal within 10 %.
"""

import argparse
import os
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
PKG = os.path.join(HERE, "..", "..", "python")

CHILD = r"""
import logging, os, sys, timeit
sys.path.insert(0, %(pkg)r)
case, n = sys.argv[1], int(sys.argv[2])
out = open(os.devnull, "w")
root = logging.getLogger()
root.setLevel(logging.INFO)
log = logging.getLogger("bench")
if case.startswith("conflog"):
    import conflog
    root.addHandler(logging.StreamHandler(out))
    conflog.enable("SystemLog:", stream=out, excepthook=False)
    kw = {"category": conflog.PUBLIC} if case == "conflog_public" else {}
else:
    h = logging.StreamHandler(out)
    if case == "stdlib_public":
        # The same line conflog writes: prefix, level, name, message.
        h.setFormatter(logging.Formatter("SystemLog: %%(levelname)s %%(name)s: %%(message)s"))
    root.addHandler(h)
    kw = {}
def one():
    log.info("epoch %%d loss %%.3f", 3, 0.251, **kw)
print(min(timeit.repeat(one, number=n, repeat=3)) / n)
"""


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("-n", type=int, default=20000, help="records per timing")
    ap.add_argument("-r", type=int, default=6, help="rounds of all cases")
    a = ap.parse_args()
    cases = ["stdlib_public", "conflog_public", "stdlib_private", "conflog_private"]
    times = {c: [] for c in cases}
    code = CHILD % {"pkg": os.path.abspath(PKG)}
    env = {k: v for k, v in os.environ.items() if not k.startswith("CONFLOG_")}
    for _ in range(a.r):
        for c in cases:
            out = subprocess.run([sys.executable, "-c", code, c, str(a.n)], env=env, check=True,
                                 capture_output=True, text=True).stdout
            times[c].append(float(out))
    med = {c: statistics.median(t) for c, t in times.items()}
    spread = {c: (max(t) - min(t)) / statistics.median(t) for c, t in times.items()}
    print("%s, %d rounds of %d records" % (sys.version.split()[0], a.r, a.n))
    for c in cases:
        print("%-16s %7.2f us/record  (spread %4.1f %%)" % (c, med[c] * 1e6, spread[c] * 100))
    print("public:  conflog / stdlib = %.2fx (goal <= 1.3x)" % (med["conflog_public"] / med["stdlib_public"]))
    print("private: conflog / stdlib = %.2fx (goal <= 1.10x)" % (med["conflog_private"] / med["stdlib_private"]))


if __name__ == "__main__":
    main()
