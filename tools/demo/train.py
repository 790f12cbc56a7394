#!/usr/bin/python3
"""Trains QuantScope's demo model (see resources/demo/README.md for the figures of the committed run).

    sudo apt-get install python3-torch python3-numpy libopenblas0-pthread bible-kjv
    /usr/bin/python3 tools/demo/train.py --work build/demo-recipe          # ~40 min, 1 CPU thread
    /usr/bin/python3 tools/demo/export.py --work build/demo-recipe ...     # GGUF + checks

Resumable: rerunning with the same --work continues from the last checkpoint. Everything is derived from
SEED; the data windows come from a generator seeded separately so that a resumed run sees the same batches.
"""
import argparse
import json
import math
import os
import time

import numpy as np
import torch
import torch.nn.functional as F

import kjv_corpus
import spm_vocab
from demo_model import CONFIG, DemoLlama

SEED = 20261123
STEPS = 360
BATCH = 4            # windows of CONFIG["n_ctx"] tokens per step
LR_PEAK, LR_MIN, WARMUP = 2e-3, 2e-4, 20
WEIGHT_DECAY = 0.1
EVAL_EVERY, CKPT_EVERY = 50, 25


def lr_at(step):
    if step < WARMUP:
        return LR_PEAK * (step + 1) / WARMUP
    t = (step - WARMUP) / max(1, STEPS - WARMUP)
    return LR_MIN + 0.5 * (LR_PEAK - LR_MIN) * (1 + math.cos(math.pi * t))


def prepare(work):
    """Tokenizer and token streams, cached in work/ (never committed)."""
    tok_path = os.path.join(work, "tokenizer.json")
    if os.path.exists(tok_path):
        tok = spm_vocab.SpmTokenizer.load(tok_path)
        return tok, np.load(os.path.join(work, "train_ids.npy")), np.load(os.path.join(work, "heldout_ids.npy"))
    train_books, held_books = kjv_corpus.split_books(kjv_corpus.read_books())
    train_text, held_text = kjv_corpus.books_text(train_books), kjv_corpus.books_text(held_books)
    tok = spm_vocab.SpmTokenizer(*spm_vocab.learn(train_text, CONFIG["n_vocab"]))
    train_ids = np.array(tok.encode(train_text, add_bos=False), dtype=np.int32)
    held_ids = np.array(tok.encode(held_text, add_bos=False), dtype=np.int32)
    np.save(os.path.join(work, "train_ids.npy"), train_ids)
    np.save(os.path.join(work, "heldout_ids.npy"), held_ids)
    tok.save(tok_path)
    return tok, train_ids, held_ids


def windows(ids, starts, n_ctx, bos):
    """Input [BOS, t_s .. t_{s+n_ctx-2}], target [t_s .. t_{s+n_ctx-1}] for each start s."""
    x = np.stack([np.concatenate(([bos], ids[s:s + n_ctx - 1])) for s in starts])
    y = np.stack([ids[s:s + n_ctx] for s in starts])
    return torch.from_numpy(x.astype(np.int64)), torch.from_numpy(y.astype(np.int64))


@torch.no_grad()
def heldout_loss(model, held_ids, bos):
    n = CONFIG["n_ctx"]
    starts = [i * n for i in range(min(4, len(held_ids) // n - 1))]
    x, y = windows(held_ids, starts, n, bos)
    model.eval()
    loss = F.cross_entropy(model(x).reshape(-1, CONFIG["n_vocab"]), y.reshape(-1)).item()
    model.train()
    return loss


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--work", required=True)
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args()
    os.makedirs(args.work, exist_ok=True)
    torch.set_num_threads(args.threads)
    torch.manual_seed(SEED)

    tok, train_ids, held_ids = prepare(args.work)
    print(f"tokens: train {len(train_ids)}, held-out {len(held_ids)}", flush=True)
    model = DemoLlama()
    decay = [p for p in model.parameters() if p.dim() == 2]
    no_decay = [p for p in model.parameters() if p.dim() < 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": WEIGHT_DECAY},
                             {"params": no_decay, "weight_decay": 0.0}], lr=LR_PEAK, betas=(0.9, 0.95))
    ckpt_path = os.path.join(args.work, "checkpoint.pt")
    history = {"train": [], "heldout": []}
    step = 0
    if os.path.exists(ckpt_path):
        ck = torch.load(ckpt_path)
        model.load_state_dict(ck["model"])
        opt.load_state_dict(ck["opt"])
        step, history = ck["step"], ck["history"]
        print(f"resumed at step {step}", flush=True)

    n = CONFIG["n_ctx"]
    t0 = time.time()
    while step < STEPS:
        rng = np.random.default_rng([SEED, step])  # batch depends only on (seed, step): resumable
        starts = rng.integers(0, len(train_ids) - n, size=BATCH)
        x, y = windows(train_ids, starts, n, tok.bos)
        for g in opt.param_groups:
            g["lr"] = lr_at(step)
        loss = F.cross_entropy(model(x).reshape(-1, CONFIG["n_vocab"]), y.reshape(-1))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        step += 1
        history["train"].append([step, loss.item()])
        if step % 10 == 0:
            print(f"step {step} loss {loss.item():.4f} lr {lr_at(step - 1):.2e} {time.time() - t0:.0f}s", flush=True)
        if step % EVAL_EVERY == 0 or step == STEPS:
            hl = heldout_loss(model, held_ids, tok.bos)
            history["heldout"].append([step, hl])
            print(f"step {step} heldout loss {hl:.4f}", flush=True)
        if step % CKPT_EVERY == 0 or step == STEPS:
            torch.save({"model": model.state_dict(), "opt": opt.state_dict(), "step": step, "history": history},
                       ckpt_path + ".tmp")
            os.replace(ckpt_path + ".tmp", ckpt_path)
    torch.save({"model": model.state_dict(), "config": CONFIG, "history": history, "seed": SEED, "steps": STEPS,
                "batch": BATCH}, os.path.join(args.work, "final.pt"))
    with open(os.path.join(args.work, "history.json"), "w") as f:
        json.dump(history, f)
    print("done", flush=True)


if __name__ == "__main__":
    main()
