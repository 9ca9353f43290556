"""A tiny "training job" for trying the gate: conflog run --prefix SystemLog: -- python3 examples/train.py

It logs public records through the conflog package (python/, imported from
the checkout when it is not installed), prints private data, draws a
tqdm-style progress bar with \r and prints coloured lines, as real jobs do.
Only the public records and the correctly prefixed lines get out. With
--crash it dies of an exception whose message holds customer data.
"""

import logging
import os
import sys

try:
    import conflog
except ImportError:
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python"))
    import conflog

conflog.enable(prefix="SystemLog:")
log = logging.getLogger("train")
PUBLIC = conflog.DataCategory.ONLY_PUBLIC_DATA

rows = ["alice@example.com bought 3 items", "bob@example.org: card 4111 1111 1111 1111"]

log.info("job started, %d rows", len(rows), category=PUBLIC)
for epoch in range(1, 3):
    for i, row in enumerate(rows):
        print("training on row:", row)                           # private data on stdout
        sys.stderr.write("\r%3d%%|%-10s| %s" % ((i + 1) * 50, "#" * (i + 1) * 5, row[:5]))
        sys.stderr.flush()
    sys.stderr.write("\n")
    log.info("epoch %d loss %.3f", epoch, 1.0 / epoch, category=PUBLIC)
    log.info("hardest row: %s", rows[epoch % 2])                  # private: no category
print("\x1b[32mSystemLog: eval accuracy 0.93\x1b[0m")             # a coloured public line (platform convention)
print("\x1b[31mfailed rows: %s\x1b[0m" % rows[1])                 # a coloured private line
sys.stdout.flush()
if "--crash" in sys.argv:
    raise ValueError("bad row: %s\nSystemLog: %s" % (rows[1], rows[0]))  # scrubbed by conflog's hook and by the gate
print("SystemLog: done", end="")                                   # a last line without a newline
