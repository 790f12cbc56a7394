#!/usr/bin/env python3
"""Perplexity throughput of quantscope-cli beside llama.cpp's figures for the same files.

For each model file: runs `quantscope-cli perplexity --json` N times (default 5) at the given
context and threads, and reports the median tokens/s (tokens evaluated / evaluation seconds,
excluding load and tokenization, as llama-perplexity's timing does), with min and max.
llama.cpp's figures come from ../shared/reference: llama-bench pp<ctx> (same batch size, from an
empty cache, also excluding tokenization) for the same file at 2 threads.

Usage: scripts/bench_perplexity.py [--cli build/release/app/cli/quantscope-cli] [--shared ../shared]
                                   [--runs 5] [--ctx 128] [--threads 2]
"""
import argparse
import json
import pathlib
import statistics
import subprocess
import sys

MODELS = [  # (label, file under shared/models, key in reference/m1.json "bench")
    ("M1 F32", "synthetic/llama-d256-spm512.gguf", "f32"),
    ("M1 Q8_0", "synthetic/m1-quantized/m1-pure-Q8_0.gguf", "pure_Q8_0"),
    ("M1 Q4_0", "synthetic/m1-quantized/m1-pure-Q4_0.gguf", "pure_Q4_0"),
    ("M1 Q4_K", "synthetic/m1-quantized/m1-pure-Q4_K.gguf", "pure_Q4_K"),
]


def llama_cpp_pp(reference, key, n_prompt):
    entry = reference.get("bench", {}).get(key)
    if not entry:
        return None
    for r in entry["results"]:
        if r["n_prompt"] == n_prompt and r["n_gen"] == 0:
            return r["avg_ts"], r["stddev_ts"]
    return None


def log_seconds(stamp):
    """llama.cpp log time stamps are minutes.seconds.milliseconds.microseconds."""
    m, sec, ms, us = (int(v) for v in stamp.split("."))
    return 60 * m + sec + ms / 1e3 + us / 1e6


def llama_perplexity_rate(shared, reference, key, ctx, chunks):
    """tokens/s of the llama-perplexity run recorded for this file at this context, if any: the
    evaluated tokens over the time from 'calculating perplexity' to 'Final estimate' (excludes
    load and tokenization, as our `seconds` does)."""
    if key != "f32":
        return None
    run = reference.get("perplexity", {}).get(f"c{ctx}_b{ctx}_chunks{chunks}")
    if not run:
        return None
    start = end = None
    for line in (shared / "reference" / run["log"]).read_text().splitlines():
        if "calculating perplexity" in line:
            start = log_seconds(line.split()[0])
        elif "Final estimate" in line:
            end = log_seconds(line.split()[0])
    if start is None or end is None:
        return None
    return ctx * chunks / (end - start)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cli", default="build/release/app/cli/quantscope-cli")
    ap.add_argument("--shared", default="../shared")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--ctx", type=int, default=128)
    ap.add_argument("--chunks", type=int, default=40)
    ap.add_argument("--threads", type=int, default=2)
    a = ap.parse_args()

    shared = pathlib.Path(a.shared)
    text = shared / "data/wikitext-2-raw/wiki.test.raw"
    reference = json.loads((shared / "reference/m1.json").read_text())
    print(f"perplexity throughput, ctx {a.ctx}, {a.chunks} chunks, {a.threads} threads, median of {a.runs} interleaved rounds")
    print()
    print(f"| model | QuantScope tok/s (median) | min-max | llama-bench pp{a.ctx} tok/s | ratio | llama-perplexity tok/s | ratio |")
    print("|---|---|---|---|---|---|---|")
    # Rounds are interleaved (every model once per round) so that a slow phase of a shared VM
    # lands on every model alike instead of on whichever model happened to run then.
    rates = {label: [] for label, _, _ in MODELS}
    for _ in range(a.runs):
        for label, rel, _ in MODELS:
            out = subprocess.run([a.cli, "perplexity", "-q", "--json", "--model", str(shared / "models" / rel),
                                  "--text", str(text), "--ctx", str(a.ctx), "--chunks", str(a.chunks),
                                  "--threads", str(a.threads)], check=True, capture_output=True, text=True).stdout
            rates[label].append(json.loads(out)["tokens_per_second"])
    for label, _, key in MODELS:
        r = rates[label]
        med = statistics.median(r)
        ref = llama_cpp_pp(reference, key, a.ctx)
        ref_s = f"{ref[0]:.0f} ± {ref[1]:.0f}" if ref else "n/a"
        ratio = f"{med / ref[0]:.2f}" if ref else "n/a"
        ppl_rate = llama_perplexity_rate(shared, reference, key, a.ctx, a.chunks)
        ppl_s = f"{ppl_rate:.0f} | {med / ppl_rate:.2f}" if ppl_rate else "n/a | n/a"
        print(f"| {label} | {med:.0f} | {min(r):.0f}-{max(r):.0f} | {ref_s} | {ratio} | {ppl_s} |")

if __name__ == "__main__":
    main()
