#!/usr/bin/env python3
"""Generation speed on L1B (../shared's 1.1B-parameter llama): one sequence, and N sequences decoded
together in one KV cache, beside llama-bench's tg64 figures in reference/l1b.json.

For each round, for F16 and Q4_K_M in turn (interleaved, so a slow phase of the machine hits both):
  quantscope-cli generate -m L1B --prompt P -n 64 --ignore-eos -t 2 --json                (single)
  quantscope-cli generate -m L1B --prompt P -n 64 --ignore-eos -t 2 --parallel N --json   (batched)
Single: timings.generate_tps (decode only, as llama-bench's tg64 is). Batched: generate_tps =
all sequences' generated tokens over the wall time of the batched run (its prompt included).
Medians over rounds, min-max in brackets. llama.cpp's tg64 was recorded on the machine that made
reference/l1b.json (two series ten minutes apart); with no llama.cpp binary here they cannot be
measured interleaved with ours, so the ratio is indicative.

Usage: scripts/bench_generate.py [--cli build/release/app/cli/quantscope-cli] [--shared ../shared]
                                 [--work /tmp/quantscope-l1b] [--rounds 3] [--parallel 4] [--n 64]
Writes L1B (make_l1b.py, numpy) and its Q4_K_M (quantscope-cli quantize) into --work when missing.
"""
import argparse
import json
import os
import pathlib
import statistics
import subprocess
import sys

PROMPT = "The history of the city begins in the early years of the"


def run_json(cmd):
    return json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout)


def fmt(values):
    return f"{statistics.median(values):.1f} ({min(values):.1f}-{max(values):.1f})"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cli", default="build/release/app/cli/quantscope-cli")
    ap.add_argument("--shared", default="../shared")
    ap.add_argument("--work", default="/tmp/quantscope-l1b")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--parallel", type=int, default=4)
    ap.add_argument("--n", type=int, default=64)
    a = ap.parse_args()
    shared, work, cli = pathlib.Path(a.shared), pathlib.Path(a.work), str(pathlib.Path(a.cli).resolve())
    ref = json.loads((shared / "reference/l1b.json").read_text())
    work.mkdir(parents=True, exist_ok=True)
    files = {"F16": work / "l1b-f16.gguf", "Q4_K_M": work / "l1b-Q4_K_M.gguf"}
    if not files["F16"].exists():
        print(f"writing {files['F16']} (make_l1b.py, about a minute)", file=sys.stderr)
        subprocess.run(["/usr/bin/python3", str(shared / "tools/make_l1b.py"),
                        str(shared / "models/vocab/ggml-vocab-llama-spm.gguf"), str(files["F16"])], check=True)
    if not files["Q4_K_M"].exists():
        subprocess.run([cli, "quantize", "-q", "-m", str(files["F16"]), "--type", "Q4_K_M", "-o", str(files["Q4_K_M"])],
                       check=True)

    single = {t: [] for t in files}
    batched = {t: [] for t in files}
    for r in range(a.rounds):
        for t, path in files.items():
            print(f"round {r + 1}/{a.rounds}: {t}", file=sys.stderr)
            base = [cli, "generate", "-m", str(path), "--prompt", PROMPT, "-n", str(a.n), "--ignore-eos", "-t", "2", "--json"]
            single[t].append(run_json(base)["timings"]["generate_tps"])
            batched[t].append(run_json(base + ["--parallel", str(a.parallel)])["generate_tps"])

    wait = os.environ.get("OMP_WAIT_POLICY", "unset")
    print(f"\n## Generation on L1B ({a.rounds} interleaved rounds, {a.n} tokens, 2 threads, OMP_WAIT_POLICY {wait})\n")
    print(f"| type | one sequence t/s | {a.parallel} sequences together, t/s in all | per sequence | "
          "llama-bench tg64 (first series / rerun) | one sequence / llama |")
    print("|---|---|---|---|---|---|")
    for t in files:
        lb, lr = ref["bench"][t]["tg64_ts"], ref["bench_rerun"][t]["tg64_ts"]
        s = statistics.median(single[t])
        b = statistics.median(batched[t])
        print(f"| {t} | {fmt(single[t])} | {fmt(batched[t])} | {b / a.parallel:.1f} | {lb:.1f} / {lr:.1f} | "
              f"{s / lb:.2f} / {s / lr:.2f} |")


if __name__ == "__main__":
    main()
