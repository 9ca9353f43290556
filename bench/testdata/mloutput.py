"""Print real ML output, for the detector evaluation's clean lines.

Run by bench/detect_eval_test.go with Debian's python3 (python3-tqdm,
python3-numpy, python3-fake-factory). Every line is produced by the real
library that prints it in ML jobs, or by Python printing the real objects
those jobs print (dict reprs, json.dumps): tqdm's own bars, numpy's own
array reprs, json's own escaping. Words for tokens come from the standard
library's own documentation, so logprob lines hold real natural language.

Usage: mloutput.py SEED LINES          clean lines on stdout
       mloutput.py --pii SEED N        locale PII from faker, TSV kind/locale/value
"""

import io
import json
import pydoc
import random
import re
import sys


def words():
    text = []
    for mod in ("json", "argparse", "collections", "functools", "itertools", "logging", "random", "re", "string", "typing"):
        m = __import__(mod)
        text.append(pydoc.plain(pydoc.render_doc(m)))
    ws = re.findall(r"[A-Za-z][a-z]{2,}", " ".join(text))
    return sorted(set(ws))


def tqdm_lines(rng, n):
    from tqdm import tqdm

    out = []
    while len(out) < n:
        buf = io.StringIO()
        total = rng.choice([100, 1000, 3125, 50000])
        bar = tqdm(total=total, file=buf, mininterval=0, miniters=1, desc=rng.choice(["Epoch 1", "Training", "Evaluating", "Map", "Tokenizing", "Downloading shards"]),
                   unit=rng.choice(["it", "ex", "B", "tok"]), unit_scale=rng.random() < 0.3, ascii=rng.random() < 0.3)
        for _ in range(rng.randint(3, 12)):
            bar.update(rng.randint(1, max(1, total // 8)))
            if rng.random() < 0.5:
                bar.set_postfix(loss=rng.random() * 3, lr=rng.random() * 1e-4, refresh=False)
        bar.close()
        out.extend(l for l in re.split(r"[\r\n]+", buf.getvalue()) if l.strip())
    return out[:n]


def numpy_lines(rng, n):
    import numpy as np

    g = np.random.default_rng(rng.randrange(1 << 30))
    out = []
    while len(out) < n:
        k = rng.randrange(6)
        if k == 0:
            out.extend(repr(g.standard_normal((2, 4))).splitlines())
        elif k == 1:
            out.append("input_ids: " + repr(g.integers(0, 128256, size=12)).replace("\n", " "))
        elif k == 2:
            out.append("seeds=" + str(g.integers(0, 2**63 - 1, size=3, dtype=np.int64).tolist()))
        elif k == 3:
            out.append(f"hash={int(g.integers(0, 2**62)):d} sample_idx={int(g.integers(10**15, 10**16))} checksum={int(g.integers(10**15, 10**16))}")
        elif k == 4:
            out.append(f"num_tokens={int(g.integers(10**15, 10**16))} rng={int(g.integers(10**15, 10**16))} tokens_seen={int(g.integers(10**13, 10**14))}")
        else:
            out.append(f"Δtokens=+{int(g.integers(1, 2**31))} step={int(g.integers(0, 10**6))}")
    return out[:n]


def logprob_lines(rng, n, vocab):
    out = []
    styles = [lambda w: " " + w, lambda w: w, lambda w: "Ġ" + w, lambda w: "▁" + w, lambda w: "##" + w[2:], lambda w: w.capitalize()]
    for _ in range(n):
        k = rng.randrange(4)
        tok = lambda: rng.choice(styles)(rng.choice(vocab))
        if k == 0:
            out.append(json.dumps({"token": tok(), "logprob": round(-rng.random() * 5, 4), "bytes": list(tok().encode())[:8]}, ensure_ascii=rng.random() < 0.5))
        elif k == 1:
            out.append(json.dumps({"token": tok(), "logprob": -rng.random() * 3, "top_logprobs": [{"token": tok(), "logprob": -rng.random() * 6} for _ in range(3)]}))
        elif k == 2:
            out.append(repr({"token": tok(), "token_id": rng.randrange(128256), "logprob": -rng.random() * 4, "rank": rng.randrange(1, 20)}))
        else:
            out.append(json.dumps({"id": rng.randrange(128256), "text": tok(), "logprob": -rng.random(), "special": False}))
    return out


def trainer_lines(rng, n):
    out = []
    for i in range(n):
        k = rng.randrange(5)
        if k == 0:
            out.append(str({"loss": round(rng.random() * 3, 4), "grad_norm": rng.random() * 10, "learning_rate": rng.random() * 5e-5, "epoch": round(rng.random() * 3, 2)}))
        elif k == 1:
            out.append(str({"eval_loss": rng.random() * 2, "eval_runtime": rng.random() * 100, "eval_samples_per_second": rng.random() * 500,
                            "eval_steps_per_second": rng.random() * 50, "epoch": rng.random() * 3}))
        elif k == 2:
            out.append(str({"train_runtime": rng.random() * 1e4, "train_samples_per_second": rng.random() * 100, "train_steps_per_second": rng.random(),
                            "total_flos": rng.random() * 1e18, "train_loss": rng.random() * 2, "epoch": 3.0}))
        elif k == 3:
            out.append(json.dumps({"global_step": rng.randrange(10**6), "best_metric": rng.random(), "best_model_checkpoint": f"output/checkpoint-{rng.randrange(10**5)}",
                                   "log_history": [{"loss": rng.random(), "step": rng.randrange(10**5)}], "num_input_tokens_seen": rng.randrange(10**13)}))
        else:
            out.append(str({"input_ids": [rng.randrange(128256) for _ in range(8)], "attention_mask": [1] * 8, "pad_token": "<pad>", "eos_token": "</s>"}))
    return out


def serving_lines(rng, n, vocab):
    from faker import Faker

    f = Faker()
    f.seed_instance(rng.randrange(1 << 30))
    out = []
    for _ in range(n):
        k = rng.randrange(8)
        if k == 0:
            out.append(f'INFO:     {f.ipv4_private()}:{rng.randrange(1024, 65535)} - "POST /v1/completions HTTP/1.1" 200 OK')
        elif k == 1:
            out.append(f"INFO {rng.randrange(1, 12):02d}-{rng.randrange(1, 28):02d} {f.time()} metrics.py:351] Avg prompt throughput: {rng.random()*1e4:.1f} tokens/s, "
                       f"Avg generation throughput: {rng.random()*1e3:.1f} tokens/s, Running: {rng.randrange(64)} reqs, GPU KV cache usage: {rng.random()*100:.1f}%")
        elif k == 2:
            out.append(f"{f.hostname()}:{rng.randrange(1000, 99999)}:{rng.randrange(1000, 99999)} [{rng.randrange(8)}] NCCL INFO Channel {rng.randrange(32):02d}/{rng.randrange(32):02d} :    0   1   2   3   4   5   6   7")
        elif k == 3:
            out.append(f"next_page_token={f.sha256()[:rng.randrange(20, 60)]} page_size={rng.choice([50, 100, 1000])}")
        elif k == 4:
            out.append(f"git clone git@github.com:{f.user_name()}/{rng.choice(vocab).lower()}.git && git checkout {f.sha1()}")
        elif k == 5:
            out.append(f"wandb: 🚀 View run {rng.choice(vocab).lower()}-{rng.randrange(100)} at: https://wandb.ai/{f.user_name()}/{rng.choice(vocab).lower()}/runs/{f.sha1()[:8]}")
        elif k == 6:
            out.append(f"Downloading https://huggingface.co/{f.user_name()}/{rng.choice(vocab)}-{rng.randrange(1, 70)}B/resolve/main/model-0000{rng.randrange(1, 9)}-of-00009.safetensors")
        else:
            out.append(json.dumps({"request_id": f.uuid4(), "prompt_tokens": rng.randrange(4096), "completion_tokens": rng.randrange(4096),
                                   "model": rng.choice(["llama-3-8b", "mistral-7b-instruct-v0.3", "qwen2-72b"]), "created": 1700000000 + rng.randrange(10**8)}))
    return out


def keyed_lines(rng, n, vocab):
    """Lines whose keys name a name or an address but hold none: what
    torch.distributed, Ray, uvicorn, Python, pip, HF and W&B print."""
    from faker import Faker

    f = Faker()
    f.seed_instance(rng.randrange(1 << 30))
    out = []
    for _ in range(n):
        k = rng.randrange(10)
        w = rng.choice(vocab)
        if k == 0:
            out.append(f"MASTER_ADDR={f.ipv4_private()} MASTER_PORT={rng.randrange(20000, 30000)} WORLD_SIZE={rng.choice([8, 16, 64])}")
        elif k == 1:
            out.append(json.dumps({"node_ip_address": f.ipv4_private(), "raylet_socket_name": f"/tmp/ray/session_{f.date()}/sockets/raylet",
                                   "address": f"{f.ipv4_private()}:6379", "node_name": f.hostname()}))
        elif k == 2:
            out.append(f"OSError: [Errno 98] error while attempting to bind on address ('0.0.0.0', {rng.randrange(1024, 65535)}): address already in use")
        elif k == 3:
            out.append(str({"model_name": f"{w.title()} {rng.randrange(1, 70)}B Instruct", "run_name": f"{w.title()} Finetune {rng.randrange(10)}",
                            "dataset_name": w.title()}))
        elif k == 4:
            out.append(json.dumps({"name": rng.choice(["Accuracy", "F1", "Exact Match", "Rouge L"]), "value": rng.random(), "display_name": w.title()}))
        elif k == 5:
            out.append(f"Name: {w.lower()}  Version: {rng.randrange(10)}.{rng.randrange(30)}.{rng.randrange(10)}  Author: {w.title()} Team")
        elif k == 6:
            out.append(f"Uvicorn running on address http://0.0.0.0:{rng.randrange(1024, 65535)} (Press CTRL+C to quit)")
        elif k == 7:
            out.append(f"mac_address={f.mac_address()} ip_address={f.ipv4_private()} hostname={f.hostname()}")
        elif k == 8:
            out.append(f"memory address: {hex(rng.randrange(1 << 47))} tensor_name={w.lower()}.weight file_name={w.title()} Final.pt")
        else:
            out.append(f"bind address: 0.0.0.0:{rng.randrange(1024, 65535)} listen_address=[::]:{rng.randrange(1024, 65535)}")
    return out


def pip_lines(rng, n):
    import importlib.metadata as md

    real = sorted(f"{d.metadata['Name']}=={d.version}" for d in md.distributions())
    cuda = ["nvidia-cudnn-cu12==9.1.0.70", "nvidia-cublas-cu12==12.4.5.8", "nvidia-cuda-runtime-cu12==12.4.127", "nvidia-nccl-cu12==2.21.5",
            "nvidia-cusparse-cu12==12.3.1.170", "nvidia-cufft-cu12==11.2.1.3", "torch==2.5.1+cu124", "triton==3.1.0"]
    return [rng.choice(real + cuda) for _ in range(n)]


def pii(seed, n):
    from faker import Faker

    rng = random.Random(seed)
    for loc in ["en_US", "en_GB", "de_DE", "fr_FR", "it_IT", "es_ES", "nl_NL", "ja_JP"]:
        f = Faker(loc)
        f.seed_instance(rng.randrange(1 << 30))
        for _ in range(n):
            print(f"phone\t{loc}\t{f.phone_number()}")
            print(f"email\t{loc}\t{f.email()}")
            print(f"name\t{loc}\t{f.name()}")
            print(f"first\t{loc}\t{f.first_name()}")
            print(f"last\t{loc}\t{f.last_name()}")
            print("address\t%s\t%s" % (loc, f.address().replace("\n", "\\n")))


def main():
    if sys.argv[1] == "--pii":
        pii(int(sys.argv[2]), int(sys.argv[3]))
        return
    seed, n = int(sys.argv[1]), int(sys.argv[2])
    rng = random.Random(seed)
    vocab = words()
    per = n // 8 + 1
    lines = tqdm_lines(rng, per) + numpy_lines(rng, per) + logprob_lines(rng, 2 * per, vocab) + trainer_lines(rng, per) + serving_lines(rng, per, vocab) + pip_lines(rng, per) + keyed_lines(rng, per, vocab)
    rng.shuffle(lines)
    for l in lines[:n]:
        print(l)


main()
