#!/usr/bin/env python3
"""What a sensitivity scan costs, against one KLD pass per group, measured interleaved.

The issue's bar: the scan of M1 (Q2_K low, F32 base) takes less than 3x (number of groups x the
time of one KLD pass). One KLD pass is timed as `eval --kld` times it (the KLD job's seconds: the
group's weights quantized and one pass over the chunks), on one group's recipe; the scan as
`sensitivity --json` reports its total (base pass, preparation, every cell). Both run in turns,
so a machine shared with other programs slows both alike; the ratio of medians is printed.

Usage: scripts/bench_sensitivity.py [--cli build/release/app/cli/quantscope-cli] [--shared ../shared]
                                    [--rounds 3] [--ctx 128] [--chunks 40] [--threads 2] [--spearman]
"""
import argparse
import json
import pathlib
import statistics
import subprocess


def run_json(cmd):
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return json.loads(out)


def main():
    here = pathlib.Path(__file__).resolve().parent.parent
    ap = argparse.ArgumentParser()
    ap.add_argument("--cli", default=str(here / "build/release/app/cli/quantscope-cli"))
    ap.add_argument("--shared", default=str(here.parent / "shared"))
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--ctx", type=int, default=128)
    ap.add_argument("--chunks", type=int, default=40)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--spearman", action="store_true",
                    help="also measure every group's recipe with eval --kld and print the rank correlation with the scan")
    a = ap.parse_args()
    model = f"{a.shared}/models/synthetic/llama-d256-spm512.gguf"
    text = f"{a.shared}/data/wikitext-2-raw/wiki.test.raw"
    common = ["--ctx", str(a.ctx), "--chunks", str(a.chunks), "--threads", str(a.threads)]
    scans, passes, groups = [], [], 0
    recipe, last_scan = None, None
    for r in range(a.rounds):
        scan = run_json([a.cli, "-q", "sensitivity", "--model", model, "--text", text, "--low", "q2_K", "--base", "F32",
                         "--json"] + common)
        scans.append(scan["seconds"]["total"])
        last_scan = scan
        groups = len(scan["groups"])
        recipe = recipe or scan["cells"][len(scan["cells"]) // 2]["recipe"]
        ev = run_json([a.cli, "-q", "eval", "--model", model, "--ppl", text, "--precisions", "F32," + recipe,
                       "--baseline", "F32", "--kld", "--json"] + common)
        kld_job = [j for j in ev["jobs"] if j["evaluator"] == "kld"][0]
        passes.append(kld_job["seconds"])
        print(f"round {r + 1}: scan {scans[-1]:.1f} s, one KLD pass {passes[-1]:.2f} s "
              f"-> ratio {scans[-1] / (groups * passes[-1]):.2f}", flush=True)
    ratio = statistics.median(scans) / (groups * statistics.median(passes))
    print(f"\n{groups} groups; scan median {statistics.median(scans):.1f} s, KLD pass median "
          f"{statistics.median(passes):.2f} s: scan / (groups x pass) = {ratio:.2f} (bar: < 3)")
    if a.spearman:
        # The slow, independent way: every cell's recipe quantized from the file by eval, one KLD job each.
        recipes = [c["recipe"] for c in last_scan["cells"]]
        ev = run_json([a.cli, "-q", "eval", "--model", model, "--ppl", text, "--precisions", ",".join(["F32"] + recipes),
                       "--baseline", "F32", "--kld", "--json"] + common)
        measured = {j["precision"]: j["metrics"]["kld_mean"]["value"] for j in ev["jobs"] if j["evaluator"] == "kld"}
        scan_kld = [c["kld_mean"] for c in last_scan["cells"]]
        eval_kld = [measured[r] for r in recipes]
        worst = max(abs(x - y) / y for x, y in zip(scan_kld, eval_kld))
        print(f"Spearman(scan, eval --kld per group) = {spearman(scan_kld, eval_kld):.4f} over {len(recipes)} groups "
              f"(bar: >= 0.9); largest relative difference {worst:.2e}")


def ranks(xs):
    order = sorted(range(len(xs)), key=lambda i: xs[i])
    r = [0.0] * len(xs)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and xs[order[j + 1]] == xs[order[i]]:
            j += 1
        for k in range(i, j + 1):
            r[order[k]] = (i + j) / 2 + 1  # ties share their mean rank
        i = j + 1
    return r


def spearman(a, b):
    ra, rb = ranks(a), ranks(b)
    ma, mb = statistics.mean(ra), statistics.mean(rb)
    cov = sum((x - ma) * (y - mb) for x, y in zip(ra, rb))
    return cov / (sum((x - ma) ** 2 for x in ra) * sum((y - mb) ** 2 for y in rb)) ** 0.5


if __name__ == "__main__":
    main()
