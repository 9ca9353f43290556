# A training job as the end-to-end test runs it (e2e_test.go): its stdout
# and stderr, written to one file, are what the Collector's filelog receiver
# reads and what `conflog scrub` is given. Everything here is real library
# output: tqdm's progress bars (\r), faker's customers, Python's traceback.
#
#   python3 job.py SEED > job.log 2>&1     (Debian: python3-tqdm, python3-fake-factory)
import random
import sys
import zlib

from faker import Faker
from tqdm import tqdm

P = "SystemLog:"
seed = int(sys.argv[1])
fake = Faker()
fake.seed(seed)
rng = random.Random(seed)


def out(line):
    print(line, flush=True)


out(f"{P} job {seed} starting on 2 GPUs")
out(f"\x1b[1;32m{P} coloured public line {seed}\x1b[0m")
out(f"\x1b[1;31mERROR\x1b[0m a coloured private line: {fake.name()}")
out(f"{P} loading customers")
rows = []
for _ in range(5):
    row = f"{fake.name()},{fake.email()},{fake.credit_card_number()},{fake.address()}"
    rows.append(row)
    out(row)  # private: the prefix is not there, the address spans lines
for epoch in range(2):
    for _ in tqdm(range(5), file=sys.stderr, mininterval=0, ascii=False, desc=f"{P} epoch {epoch}"):
        pass
    for _ in tqdm(range(3), file=sys.stderr, mininterval=0, desc="eval (private)"):
        pass
    out(f"{P} epoch {epoch} loss={rng.random():.4f}")
# A secret leaked on a public line: the tripwire, not the prefix, stops it.
# A GitHub token as GitHub makes them: 30 random base62 characters, then the
# CRC32 of those in 6 base62 digits.
B62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
body = "".join(rng.choice(B62) for _ in range(30))
crc = zlib.crc32(body.encode())
check = ""
for _ in range(6):
    check = B62[crc % 62] + check
    crc //= 62
token = "ghp_" + body + check
out(f"{P} pushing with token {token}")
out(f"{P} quota owner {fake.email()}")
out(f"{P} checkpoint saved\rcustomer {fake.email()} overwrote the line")
# Values a highlighter coloured on public lines: the tripwire judges a line as
# a terminal shows it, with keep_ansi too (the escapes then stay in the line).
user, domain = fake.email().split("@")
out(f"{P} mail to \x1b[4m{user}\x1b[24m@{domain}")
card = fake.credit_card_number(card_type="visa16")
out(f"{P} card on file " + " ".join(f"\x1b[36m{card[i:i + 4]}\x1b[0m" for i in range(0, 16, 4)))
out(f"\x1b]0;{P}\x07 forged: the prefix inside a window title")


def load(row):
    raise ValueError(f"bad customer row: {row}\n{P} the message goes on: {fake.credit_card_number()}")


load(rows[0])
