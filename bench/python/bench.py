"""Benchmarks of the conflog Python package against the standard library.

    python3 bench/python/bench.py [-n RECORDS] [-b BLOCKS] [-r ROUNDS]
    python3 bench/python/bench.py --instructions RECORDS   (needs valgrind)

Four cases, each a logging.info call with two arguments written to
/dev/null:

- stdlib_public: stdlib logging with a plain StreamHandler whose format
  gives the line conflog writes ("SystemLog: LEVEL NAME: MESSAGE");
- conflog_public: the same record with category=ONLY_PUBLIC_DATA after
  conflog.enable() (routed to conflog's handler, escaped, prefixed, one
  write and flush); goal: at most 1.3x stdlib_public;
- stdlib_private: a record through a StreamHandler on the root logger,
  without conflog;
- conflog_private: the same record with conflog enabled (its hooks in the
  way: category routing, the one-line escape and prefix guard of every
  Formatter); goal: within 10 % of stdlib_private.

The machine this runs on is shared, so the cases are measured paired and
interleaved: each round is a fresh interpreter that imports conflog once and
switches between plain logging (logging's own methods and the root's plain
handler) and conflog (its methods and handlers, as enable() leaves them)
block by block, in a shuffled order. Each block of RECORDS records gives one
ratio against the stdlib block next to it; the report gives each ratio's
median and quartiles over all blocks of all rounds. A goal is "met" when the
upper quartile is within it, "not met" when the lower quartile is beyond it,
and "at the line" otherwise. Blocks are timed in CPU time of the process
(time.process_time: user and system, so the write to /dev/null counts), which
other processes on the machine do not inflate as they do wall-clock time.

--instructions counts instead, with valgrind's callgrind, the instructions
each case executes per record (a run of RECORDS records less a run of none,
hash seed fixed): a figure the machine's load does not move at all.
"""

import argparse
import json
import os
import re
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
PKG = os.path.join(HERE, "..", "..", "python")

CHILD = r"""
import json, logging, os, random, sys, time, timeit
sys.path.insert(0, %(pkg)r)
n, blocks = int(sys.argv[1]), int(sys.argv[2])
out = open(os.devnull, "w")
root = logging.getLogger()
root.setLevel(logging.INFO)

PATCHED = ("_log", "callHandlers", "debug", "info", "warning", "error", "critical")
def methods():
    m = {k: getattr(logging.Logger, k) for k in PATCHED}
    m["formatMessage"] = logging.Formatter.formatMessage
    return m
plain = methods()
root.addHandler(logging.StreamHandler(out))
plain_handlers = root.handlers[:]
import conflog  # patches Logger's methods in PATCHED
conflog.enable("SystemLog:", stream=out, excepthook=False)  # and Formatter.formatMessage
ours = methods()
ours_handlers = root.handlers[:]

def use(m, handlers):
    for k in PATCHED:
        setattr(logging.Logger, k, m[k])
    logging.Formatter.formatMessage = m["formatMessage"]
    root.handlers[:] = handlers

std_pub = logging.getLogger("bench.public")
std_pub.propagate = False
h = logging.StreamHandler(out)
h.setFormatter(logging.Formatter("SystemLog: %%(levelname)s %%(name)s: %%(message)s"))
std_pub.addHandler(h)
log = logging.getLogger("bench")
P = conflog.PUBLIC

cases = {
    "stdlib_public": (plain, plain_handlers, lambda: std_pub.info("epoch %%d loss %%.3f", 3, 0.251)),
    "conflog_public": (ours, ours_handlers, lambda: log.info("epoch %%d loss %%.3f", 3, 0.251, category=P)),
    "stdlib_private": (plain, plain_handlers, lambda: log.info("epoch %%d loss %%.3f", 3, 0.251)),
    "conflog_private": (ours, ours_handlers, lambda: log.info("epoch %%d loss %%.3f", 3, 0.251)),
}
if len(sys.argv) > 3:  # --instructions: one case, n records, untimed (valgrind counts)
    m, hs, f = cases[sys.argv[3]]
    use(m, hs)
    for _ in range(n):
        f()
    sys.exit(0)
times = {c: [] for c in cases}
for c, (m, hs, f) in cases.items():  # warm-up
    use(m, hs)
    timeit.Timer(f, timer=time.process_time).timeit(number=n // 10 or 1)
r = random.Random()
for _ in range(blocks):
    order = list(cases)
    r.shuffle(order)
    for c in order:
        m, hs, f = cases[c]
        use(m, hs)
        times[c].append(timeit.Timer(f, timer=time.process_time).timeit(number=n) / n)
use(ours, ours_handlers)
print(json.dumps(times))
"""


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("-n", type=int, default=2000, help="records per block")
    ap.add_argument("-b", type=int, default=20, help="blocks of each case per round")
    ap.add_argument("-r", type=int, default=5, help="rounds (fresh interpreters)")
    ap.add_argument("--instructions", type=int, metavar="RECORDS",
                    help="count instructions per record with valgrind's callgrind instead of timing")
    a = ap.parse_args()
    cases = ["stdlib_public", "conflog_public", "stdlib_private", "conflog_private"]
    if a.instructions:
        return instructions(cases, a.instructions)
    times = {c: [] for c in cases}
    ratios = {"public": [], "private": []}
    code = CHILD % {"pkg": os.path.abspath(PKG)}
    env = {k: v for k, v in os.environ.items() if not k.startswith("CONFLOG_")}
    for _ in range(a.r):
        out = subprocess.run([sys.executable, "-c", code, str(a.n), str(a.b)], env=env, check=True,
                             capture_output=True, text=True).stdout
        t = json.loads(out)
        for c in cases:
            times[c] += t[c]
        for what in ratios:
            ratios[what] += [x / y for x, y in zip(t["conflog_" + what], t["stdlib_" + what])]
    print("%s (%s), %d rounds of %d blocks of %d records" % (sys.version.split()[0], sys.executable, a.r, a.b, a.n))
    for c in cases:
        q = statistics.quantiles(times[c], n=4)
        print("%-16s %6.3f us/record  (quartiles %.3f-%.3f)" % (c, statistics.median(times[c]) * 1e6, q[0] * 1e6, q[2] * 1e6))
    for what, goal in (("public", 1.3), ("private", 1.10)):
        r = ratios[what]
        q = statistics.quantiles(r, n=4)
        verdict = "met" if q[2] <= goal else "not met" if q[0] > goal else "at the line"
        print("%-8s conflog / stdlib = %.3fx (quartiles %.3f-%.3f), goal <= %.2fx: %s" % (
            what + ":", statistics.median(r), q[0], q[2], goal, verdict))


def instructions(cases, n):
    """Instructions per record of each case: a run of n records less a run
    of none, both under callgrind with a fixed hash seed, so that neither
    the interpreter's start-up nor the machine's load counts."""
    code = CHILD % {"pkg": os.path.abspath(PKG)}
    env = {k: v for k, v in os.environ.items() if not k.startswith("CONFLOG_")}
    env["PYTHONHASHSEED"] = "0"

    def count(case, records):
        p = subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", sys.executable, "-c", code,
                            str(records), "0", case], env=env, capture_output=True, text=True, check=True)
        return int(re.search(r"Collected : (\d+)", p.stderr).group(1))

    per = {c: (count(c, n) - count(c, 0)) / n for c in cases}
    print("%s (%s), instructions per record (callgrind, %d records less none)" % (sys.version.split()[0], sys.executable, n))
    for c in cases:
        print("%-16s %8.0f" % (c, per[c]))
    for what, goal in (("public", 1.3), ("private", 1.10)):
        r = per["conflog_" + what] / per["stdlib_" + what]
        print("%-8s conflog / stdlib = %.3fx, goal <= %.2fx: %s" % (what + ":", r, goal, "met" if r <= goal else "not met"))


if __name__ == "__main__":
    main()
