#!/usr/bin/env python3
"""How the OpenMP wait policy decides speed on a busy machine (issue 17, item 5).

Two small workloads, each under four settings, idle and with one core kept busy by another process
(a python3 loop, as a browser or a build would), rounds interleaved:
  arc: quantscope-cli eval on stories260K, 200 ARC-Easy items (log-likelihood scoring)
  ppl: quantscope-cli perplexity on M1, ctx 128, 40 chunks
Settings: libgomp's default wait (QS_OPENMP_DEFAULTS=0: spin 300,000 rounds before sleeping),
QuantScope's default (whatever core/openmp_env.h sets), OMP_WAIT_POLICY=passive, and --threads 1.
Prints median wall seconds (min-max) per workload, setting and condition.

Usage: scripts/bench_busy.py [--cli build/release/app/cli/quantscope-cli] [--shared ../shared] [--rounds 3]
"""
import argparse
import os
import pathlib
import statistics
import subprocess
import sys
import time

SETTINGS = [
    ("libgomp default (spin)", {"QS_OPENMP_DEFAULTS": "0"}, []),
    ("QuantScope default", {}, []),
    ("OMP_WAIT_POLICY=passive", {"OMP_WAIT_POLICY": "passive"}, []),
    ("--threads 1", {"QS_OPENMP_DEFAULTS": "0"}, ["--threads", "1"]),
]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cli", default="build/release/app/cli/quantscope-cli")
    ap.add_argument("--shared", default="../shared")
    ap.add_argument("--rounds", type=int, default=3)
    a = ap.parse_args()
    shared, cli = pathlib.Path(a.shared), str(pathlib.Path(a.cli).resolve())
    workloads = {
        "arc (stories260K, 200 items)": [cli, "-q", "eval", "--model", str(shared / "models/stories260K.gguf"), "--precisions", "F32",
                                         "--task", "arc=" + str(shared / "data/arc/ARC-Easy-Dev.jsonl"), "--limit", "200"],
        "ppl (M1, c128 x 40)": [cli, "-q", "perplexity", "-m", str(shared / "models/synthetic/llama-d256-spm512.gguf"), "-f",
                                str(shared / "data/wikitext-2-raw/wiki.test.raw"), "--ctx", "128", "--chunks", "40"],
    }
    clean = {k: v for k, v in os.environ.items() if k not in ("OMP_WAIT_POLICY", "GOMP_SPINCOUNT", "QS_OPENMP_DEFAULTS")}
    times = {}
    for condition in ("idle", "one core busy"):
        busy = None
        if condition != "idle":
            busy = subprocess.Popen([sys.executable, "-c", "while True: pass"])
        try:
            for r in range(a.rounds):
                for w, cmd in workloads.items():
                    for name, env, extra in SETTINGS:
                        print(f"{condition}, round {r + 1}: {w}, {name}", file=sys.stderr)
                        start = time.monotonic()
                        subprocess.run(cmd + extra, check=True, env={**clean, **env}, stdout=subprocess.DEVNULL)
                        times.setdefault((condition, w, name), []).append(time.monotonic() - start)
        finally:
            if busy:
                busy.kill()
    load = os.getloadavg()[0]
    print(f"\n## Wall seconds, median (min-max) of {a.rounds} interleaved rounds, 2 cores (load average at the end {load:.1f})\n")
    print("| workload | condition | " + " | ".join(n for n, _, _ in SETTINGS) + " |")
    print("|---|---|" + "---|" * len(SETTINGS))
    for w in workloads:
        for condition in ("idle", "one core busy"):
            cells = []
            for n, _, _ in SETTINGS:
                v = times[(condition, w, n)]
                cells.append(f"{statistics.median(v):.2f} ({min(v):.2f}-{max(v):.2f})")
            print(f"| {w} | {condition} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
