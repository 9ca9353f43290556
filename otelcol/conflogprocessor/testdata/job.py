# A training job's output as the Collector's filelog receiver reads it: the
# test corpus of processor_test.go. Regenerate job.log with
#   python3 job.py 2>&1 | sed "s,$PWD/,/opt/job/," > job.log
# (needs tqdm; the committed job.log came from tqdm 4.64.1 on CPython 3.11).
import sys

from tqdm import tqdm

P = "SystemLog:"
print(f"{P} starting run 7 on 2 GPUs", flush=True)
print(f"\x1b[32m{P} coloured public line\x1b[0m", flush=True)
print("\x1b[1;31mERROR\x1b[0m a coloured private line", flush=True)
for name, email, card in [
    ("Alice Martin", "alice.martin@example.com", "4111 1111 1111 1111"),
    ("Bob Stone", "bob.stone@example.org", "5500 0000 0000 0004"),
]:
    print(f"{name},{email},{card}", flush=True)
for _ in tqdm(range(4), file=sys.stdout, mininterval=0, bar_format="{l_bar}{bar:10}| {n_fmt}/{total_fmt}"):
    pass
for _ in tqdm(range(3), file=sys.stdout, mininterval=0, desc=f"{P} epoch", bar_format="{l_bar}{bar:10}| {n_fmt}/{total_fmt}"):
    pass
print(f"{P} using token 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 for the hub", flush=True)
print(f"{P} contact alice.martin@example.com about the quota", flush=True)
print(f"\x1b]0;{P}\x07 forged: the prefix was inside a window title", flush=True)
print(f"\x1b\x01{P} forged: a malformed escape before the prefix", flush=True)
print(f"{P} loss=0.31\rcustomer bob.stone@example.org", flush=True)
print("x" * 300 + f" {P} not at the start", flush=True)
print(f"{P} " + "y" * 300, flush=True)


def load(row):
    raise ValueError(f"bad customer row: {row}\n{P} the message goes on with 4111 1111 1111 1111")


load("carol@example.net,Carol King")
