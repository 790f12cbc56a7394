#!/usr/bin/env python3
"""QuantScope beside llama.cpp on L1B, the realistic-size (1.1B parameter) model of ../shared.

L1B is not stored in ../shared (2.2 GB); shared/tools/make_l1b.py writes it from a seed (numpy,
Debian's python3-numpy). This script, in a work directory outside the repository (default
/tmp/quantscope-l1b):
  1. writes l1b-f16.gguf if it is missing and checks its sha256 against reference/l1b.json;
  2. quantizes it with `quantscope-cli quantize` to Q8_0, Q4_0 and Q4_K_M, and checks that every
     output is byte-identical to llama-quantize's (sha256 in l1b.json), timing each;
  3. runs `quantscope-cli bench -p 512 -n 64 -r 2 -t 2` (llama-bench's settings in l1b.json) and
     `quantscope-cli perplexity --ctx 512 --chunks 4` on every file, rounds interleaved;
  4. prints tables beside llama.cpp's figures (medians over rounds; min-max in brackets).

Usage: scripts/bench_l1b.py [--cli build/release/app/cli/quantscope-cli] [--shared ../shared]
                            [--work /tmp/quantscope-l1b] [--rounds 3]
Needs about 5 GB of disk and 15-30 minutes on a 2-core machine.
"""
import argparse
import hashlib
import json
import pathlib
import statistics
import subprocess
import sys
import time

TYPES = ["F16", "Q8_0", "Q4_0", "Q4_K_M"]


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 24), b""):
            h.update(block)
    return h.hexdigest()


def model_file(work, t):
    return work / ("l1b-f16.gguf" if t == "F16" else f"l1b-{t}.gguf")


def ensure_l1b_f16(shared, work, ref):
    """work/l1b-f16.gguf, written by make_l1b.py if missing and checked against reference/l1b.json."""
    f16 = model_file(work, "F16")
    if not f16.exists():
        print(f"writing {f16} (make_l1b.py, about a minute)", file=sys.stderr)
        subprocess.run(["/usr/bin/python3", str(shared / "tools/make_l1b.py"),
                        str(shared / "models/vocab/ggml-vocab-llama-spm.gguf"), str(f16)], check=True)
    if sha256(f16) != ref["model"]["sha256"]:
        sys.exit(f"{f16}: sha256 differs from reference/l1b.json; delete it and rerun")
    return f16


def run_json(cmd):
    return json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout)


def fmt(values, digits=1):
    med = statistics.median(values)
    return f"{med:.{digits}f} ({min(values):.{digits}f}-{max(values):.{digits}f})", med


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cli", default="build/release/app/cli/quantscope-cli")
    ap.add_argument("--shared", default="../shared")
    ap.add_argument("--work", default="/tmp/quantscope-l1b")
    ap.add_argument("--rounds", type=int, default=3)
    a = ap.parse_args()
    shared, work, cli = pathlib.Path(a.shared), pathlib.Path(a.work), str(pathlib.Path(a.cli).resolve())
    ref = json.loads((shared / "reference/l1b.json").read_text())
    work.mkdir(parents=True, exist_ok=True)

    f16 = ensure_l1b_f16(shared, work, ref)

    print("## Quantization (2 threads): output identical to llama-quantize's?\n")
    print("| type | identical | QuantScope wall s (load, quantize, write) | llama-quantize printed quantize time s |")
    print("|---|---|---|---|")
    for t in TYPES[1:]:
        out = model_file(work, t)
        start = time.monotonic()
        subprocess.run([cli, "quantize", "-q", "-m", str(f16), "--type", t, "-o", str(out), "-t", "2"], check=True)
        wall = time.monotonic() - start
        same = sha256(out) == ref["quantize"][t]["output_sha256"]
        print(f"| {t} | {'yes' if same else 'NO'} | {wall:.1f} | {ref['quantize'][t]['quantize_time_ms'] / 1e3:.1f} |")
        sys.stdout.flush()

    bench = {t: [] for t in TYPES}
    ppl = {t: [] for t in TYPES}
    for r in range(a.rounds):
        for t in TYPES:
            print(f"round {r + 1}/{a.rounds}: {t}", file=sys.stderr)
            m = str(model_file(work, t))
            b = run_json([cli, "bench", "-m", m, "-p", "512", "-n", "64", "-r", "2", "-t", "2", "--json"])
            bench[t].append(b["results"][0]["metrics"])
            ppl[t].append(run_json([cli, "perplexity", "-q", "--json", "-m", m, "--text",
                                    str(shared / "data/wikitext-2-raw/wiki.test.raw"), "--ctx", "512", "--chunks", "4",
                                    "--threads", "2"]))

    print(f"\n## Speed and memory ({a.rounds} interleaved rounds; llama-bench -p 512 -n 64 -r 2 -t 2)\n")
    print("| type | pp512 t/s | llama pp512 | ratio | tg64 t/s | decode p50 ms (= t/s) | llama tg64 | ratio (p50) | "
          "peak RSS MB | llama-perplexity RSS MB |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for t in TYPES:
        pp_s, pp = fmt([m["pp_tps"] for m in bench[t]])
        tg_s, _ = fmt([m["tg_tps"] for m in bench[t]])
        p50_s, p50 = fmt([m["decode_p50_ms"] for m in bench[t]], 2)
        rss = statistics.median(m["peak_rss_bytes"] for m in bench[t]) / 1e6
        lb = ref["bench"][t]
        lrss = ref["perplexity_c512_chunks4"][t]["max_rss_kib"] * 1024 / 1e6
        print(f"| {t} | {pp_s} | {lb['pp512_ts']:.1f} | {pp / lb['pp512_ts']:.2f} | {tg_s} | {p50_s} = {1e3 / p50:.1f} | "
              f"{lb['tg64_ts']:.1f} | {1e3 / p50 / lb['tg64_ts']:.2f} | {rss:.0f} | {lrss:.0f} |")

    print(f"\n## Perplexity, ctx 512, 4 chunks ({a.rounds} rounds)\n")
    print("| type | PPL | llama.cpp PPL | relative difference | eval tok/s | llama eval tok/s | ratio |")
    print("|---|---|---|---|---|---|---|")
    for t in TYPES:
        lp = ref["perplexity_c512_chunks4"][t]
        value = ppl[t][0]["ppl"]
        rate_s, rate = fmt([p["tokens_per_second"] for p in ppl[t]])
        print(f"| {t} | {value:.4f} | {lp['final_ppl']:.4f} | {abs(value / lp['final_ppl'] - 1) * 100:.4f} % | {rate_s} | "
              f"{lp['eval_tokens_per_s']:.1f} | {rate / lp['eval_tokens_per_s']:.2f} |")


if __name__ == "__main__":
    main()
