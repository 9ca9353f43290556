"""A tiny "training job" for trying the gate: conflog run --prefix SystemLog: -- python3 examples/train.py

It logs public records through conflog_public.PublicHandler, prints private
data, draws a tqdm-style progress bar with \r and prints coloured lines, as
real jobs do. Only the public records and the correctly prefixed lines get out.
With --crash it dies of an exception whose message holds customer data.
"""

import logging
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import conflog_public  # noqa: E402

log = logging.getLogger("train")
log.setLevel(logging.INFO)
log.addHandler(conflog_public.PublicHandler())
private = logging.StreamHandler(sys.stderr)
private.addFilter(conflog_public.PrivateOnly())
log.addHandler(private)

rows = ["alice@example.com bought 3 items", "bob@example.org: card 4111 1111 1111 1111"]

log.info("job started, %d rows", len(rows), extra={"public": True})
for epoch in range(1, 3):
    for i, row in enumerate(rows):
        print("training on row:", row)                           # private data on stdout
        sys.stderr.write("\r%3d%%|%-10s| %s" % ((i + 1) * 50, "#" * (i + 1) * 5, row[:5]))
        sys.stderr.flush()
    sys.stderr.write("\n")
    log.info("epoch %d loss %.3f", epoch, 1.0 / epoch, extra={"public": True})
    log.info("hardest row: %s", rows[epoch % 2])                  # private: no marker
print("\x1b[32mSystemLog: eval accuracy 0.93\x1b[0m")             # a coloured public line (platform convention)
print("\x1b[31mfailed rows: %s\x1b[0m" % rows[1])                 # a coloured private line
if "--crash" in sys.argv:
    raise ValueError("bad row: %s\nSystemLog: %s" % (rows[1], rows[0]))  # the gate scrubs the trace
print("SystemLog: done", end="")                                   # a last line without a newline
