#!/usr/bin/python3
"""Exports the trained demo model to GGUF and checks it against QuantScope's engine.

    /usr/bin/python3 tools/demo/export.py --work build/demo-recipe \
        --out resources/demo/quantscope-demo-kjv-f32.gguf --check-tool build/demo/tests/demo/qs-demo-check

Writes, besides the GGUF, <work>/figures.json (training and held-out figures) and <work>/check.txt (the
engine-vs-PyTorch comparison: identical tokens on held-out text, max logit difference), which
resources/demo/README.md records.
"""
import argparse
import json
import math
import os
import subprocess

import numpy as np
import torch
import torch.nn.functional as F

import kjv_corpus
import spm_vocab
from demo_model import CONFIG, DemoLlama
from gguf_v3 import T_BOOL, T_FLOAT32, T_INT32, T_STRING, T_UINT32, GgufWriter

N_CTX_PPL = 512  # llama-perplexity's default, as `quantscope-cli perplexity` uses


def write_gguf(model, tok, path):
    c = model.c
    w = GgufWriter()
    w.add("general.architecture", T_STRING, "llama")
    w.add("general.name", T_STRING, "QuantScope demo (KJV)")
    w.add("general.file_type", T_UINT32, 0)  # all F32
    w.add("llama.vocab_size", T_UINT32, c["n_vocab"])
    w.add("llama.context_length", T_UINT32, c["n_ctx"])
    w.add("llama.embedding_length", T_UINT32, c["n_embd"])
    w.add("llama.block_count", T_UINT32, c["n_layer"])
    w.add("llama.feed_forward_length", T_UINT32, c["n_ff"])
    w.add("llama.attention.head_count", T_UINT32, c["n_head"])
    w.add("llama.attention.head_count_kv", T_UINT32, c["n_head"])
    w.add("llama.rope.dimension_count", T_UINT32, c["n_embd"] // c["n_head"])
    w.add("llama.attention.layer_norm_rms_epsilon", T_FLOAT32, c["eps"])
    w.add("llama.rope.freq_base", T_FLOAT32, c["rope_base"])
    w.add("tokenizer.ggml.model", T_STRING, "llama")
    w.add_array("tokenizer.ggml.tokens", T_STRING, tok.pieces)
    w.add_array("tokenizer.ggml.scores", T_FLOAT32, tok.scores)
    w.add_array("tokenizer.ggml.token_type", T_INT32, tok.types)
    w.add("tokenizer.ggml.bos_token_id", T_UINT32, tok.bos)
    w.add("tokenizer.ggml.eos_token_id", T_UINT32, tok.eos)
    w.add("tokenizer.ggml.unknown_token_id", T_UINT32, tok.unk)
    w.add("tokenizer.ggml.add_bos_token", T_BOOL, True)
    w.add("tokenizer.ggml.add_eos_token", T_BOOL, False)
    w.add("tokenizer.ggml.add_space_prefix", T_BOOL, True)

    sd = {k: v.detach().numpy() for k, v in model.state_dict().items()}
    w.add_tensor("token_embd.weight", sd["tok_emb.weight"])
    for i in range(c["n_layer"]):
        p = f"blocks.{i}."
        for src, dst in [("attn_norm.weight", "attn_norm"), ("wq.weight", "attn_q"), ("wk.weight", "attn_k"),
                         ("wv.weight", "attn_v"), ("wo.weight", "attn_output"), ("ffn_norm.weight", "ffn_norm"),
                         ("w_gate.weight", "ffn_gate"), ("w_up.weight", "ffn_up"), ("w_down.weight", "ffn_down")]:
            w.add_tensor(f"blk.{i}.{dst}.weight", sd[p + src])
    w.add_tensor("output_norm.weight", sd["norm.weight"])
    w.add_tensor("output.weight", sd["output.weight"])
    w.write(path)


@torch.no_grad()
def chunked_nll(model, ids, bos, unigram_logp):
    """llama-perplexity's scheme: chunks of N_CTX_PPL with BOS first, second half scored.
    Returns (model NLLs, unigram NLLs) over the same scored tokens."""
    n = N_CTX_PPL
    seq = np.concatenate(([bos], ids))  # the text tokenized with BOS, as the engine does
    nll, uni = [], []
    for c in range(len(seq) // n):
        chunk = torch.from_numpy(seq[c * n:(c + 1) * n].astype(np.int64)).clone()
        chunk[0] = bos
        logp = F.log_softmax(model(chunk[None])[0].double(), -1)
        first = n // 2
        targets = chunk[first + 1:]
        nll += (-logp[first:n - 1].gather(1, targets[:, None])[:, 0]).tolist()
        uni += (-unigram_logp[targets]).tolist()
    return np.array(nll), np.array(uni)


def ppl_and_err(nll):
    m = nll.mean()
    se = math.sqrt(max(0.0, (nll ** 2).mean() - m * m) / (len(nll) - 1))
    return math.exp(m), math.exp(m) * se


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--work", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--check-tool", required=True)
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)

    ck = torch.load(os.path.join(args.work, "final.pt"))
    model = DemoLlama(ck["config"])
    model.load_state_dict(ck["model"])
    model.eval()
    tok = spm_vocab.SpmTokenizer.load(os.path.join(args.work, "tokenizer.json"))
    train_ids = np.load(os.path.join(args.work, "train_ids.npy"))
    held_ids = np.load(os.path.join(args.work, "heldout_ids.npy"))

    write_gguf(model, tok, args.out)
    print(f"wrote {args.out} ({os.path.getsize(args.out)} bytes, {model.n_params()} parameters)")

    # 1. tokens: held-out text through the engine's tokenizer vs ours (the first 200 verses of each
    #    held-out book, so every book's style is covered)
    _, held_books = kjv_corpus.split_books(kjv_corpus.read_books())
    text = kjv_corpus.books_text([(name, verses[:200]) for name, verses in held_books])
    text_path = os.path.join(args.work, "check_text.txt")
    with open(text_path, "w", encoding="utf-8") as f:
        f.write(text)
    with open(os.path.join(args.work, "check_tokens.txt"), "w") as f:
        f.write(" ".join(map(str, tok.encode(text, add_bos=True))))
    # 2. logits of a held-out sequence
    seq = np.concatenate(([tok.bos], held_ids[1000:1000 + 127])).astype(np.int64)
    with torch.no_grad():
        logits = model(torch.from_numpy(seq)[None])[0].numpy().astype(np.float32)
    with open(os.path.join(args.work, "check_logit_tokens.txt"), "w") as f:
        f.write(" ".join(map(str, seq.tolist())))
    logits.tofile(os.path.join(args.work, "check_logits.f32"))
    check = subprocess.run([args.check_tool, args.out, text_path, os.path.join(args.work, "check_tokens.txt"),
                            os.path.join(args.work, "check_logit_tokens.txt"),
                            os.path.join(args.work, "check_logits.f32")], capture_output=True, text=True)
    with open(os.path.join(args.work, "check.txt"), "w") as f:
        f.write(check.stdout + check.stderr)
    print(check.stdout + check.stderr, end="")

    # 3. figures: held-out PPL (llama-perplexity chunking) vs a unigram fitted on the training tokens
    counts = np.bincount(train_ids, minlength=tok_size(tok)).astype(np.float64) + 1.0
    unigram_logp = torch.from_numpy(np.log(counts / counts.sum()))
    nll, uni = chunked_nll(model, held_ids, tok.bos, unigram_logp)
    ppl, ppl_err = ppl_and_err(nll)
    uppl, uppl_err = ppl_and_err(uni)
    hist = ck["history"]
    tr = hist["train"]
    figures = {
        "parameters": model.n_params(), "config": ck["config"], "seed": ck["seed"], "steps": ck["steps"],
        "batch_windows": ck["batch"], "tokens_seen": ck["steps"] * ck["batch"] * ck["config"]["n_ctx"],
        "train_tokens": int(len(train_ids)), "heldout_tokens": int(len(held_ids)),
        "train_loss_first10": float(np.mean([l for _, l in tr[:10]])),
        "train_loss_last20": float(np.mean([l for _, l in tr[-20:]])),
        "train_loss_every_50": [[s, round(l, 4)] for s, l in tr if s % 50 == 0 or s == tr[-1][0]],
        "heldout_loss_curve": [[s, round(l, 4)] for s, l in hist["heldout"]],
        "heldout_ppl_512": ppl, "heldout_ppl_512_err": ppl_err, "heldout_scored_tokens": int(len(nll)),
        "unigram_ppl_512": uppl, "unigram_ppl_512_err": uppl_err,
        "check_passed": check.returncode == 0,
    }
    with open(os.path.join(args.work, "figures.json"), "w") as f:
        json.dump(figures, f, indent=1)
    print(json.dumps(figures, indent=1))
    if check.returncode != 0:
        raise SystemExit("engine check FAILED: see check.txt")


def tok_size(tok):
    return len(tok.pieces)


if __name__ == "__main__":
    main()
