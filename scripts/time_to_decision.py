#!/usr/bin/env python3
"""Time to decision: `eval --until-decided` against the same matrix run in full (issue 17, item 4).

Runs one model's precisions twice per round, interleaved (full, then until-decided, round after
round): `eval --precisions P1,...,Pk --baseline P1 --ppl TEXT --ctx C --chunks K [--task NAME=FILE
--limit N]`, then the same with `--until-decided --margin M`. Prints, per precision and dataset,
what the full run measured (Δ against the baseline and its 95 % interval), what the stopped run
decided (verdict, chunks or items, Δ and its time-uniform interval), and whether the verdict holds
for the full run's figures; then the wall and CPU time of both runs (median over rounds, min-max).

  python3 scripts/time_to_decision.py MODEL.gguf --precisions F16,Q8_0,Q6_K,Q5_K_M,Q4_K_M,Q3_K_M
          [--text FILE] [--ctx 512] [--chunks 40] [--task arc=FILE --limit 400] [--margin 1]
          [--rounds 1] [--threads 0]

Timings depend on the machine's load: say what else ran. Nothing here is a test (the suite checks
the stopping rule and the runner, tests/eval/test_sequential_decision.cpp, tests/jobs).
"""
import argparse
import json
import math
import os
import resource
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
CLI = os.environ.get("QS_CLI", os.path.join(HERE, "..", "build", "release", "app", "cli", "quantscope-cli"))
SHARED = os.environ.get("QS_SHARED_DIR", os.path.join(HERE, "..", "..", "shared"))
VERDICTS = {0: "not decided", 1: "non-inferior", 2: "inferior", 3: "within margin"}


def run_eval(args, extra):
    cmd = [CLI, "--quiet", "eval", "--model", args.model, "--precisions", args.precisions,
           "--baseline", args.precisions.split(",")[0], "--ppl", args.text, "--ctx", str(args.ctx),
           "--chunks", str(args.chunks), "--threads", str(args.threads), "--json"]
    for t in args.task:
        cmd += ["--task", t]
    if args.task:
        cmd += ["--limit", str(args.limit)]
    t0, c0 = time.monotonic(), cpu_of_children()
    out = subprocess.run(cmd + extra, check=True, capture_output=True, text=True).stdout
    return json.loads(out), time.monotonic() - t0, cpu_of_children() - c0


def cpu_of_children():
    """User + system seconds of the children waited for so far: the work done, which another
    program's load changes far less than the wall time."""
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def value(job, key):
    m = job["metrics"].get(key)
    return None if m is None else m


def full_delta(job, base):
    """Δ of the full run: % of perplexity, or accuracy points (paired interval when stored)."""
    if job["evaluator"] == "perplexity":
        p, b = job["metrics"]["ppl"]["value"], base["metrics"]["ppl"]["value"]
        return 100.0 * (p / b - 1.0), None
    d = job["metrics"].get("acc_delta")
    if d is None:
        return None, None
    return d["value"], (d.get("ci_low"), d.get("ci_high"))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("model")
    ap.add_argument("--precisions", required=True)
    ap.add_argument("--text", default=os.path.join(SHARED, "data", "wikitext-2-raw", "wiki.test.raw"))
    ap.add_argument("--ctx", type=int, default=512)
    ap.add_argument("--chunks", type=int, default=40)
    ap.add_argument("--task", action="append", default=[])
    ap.add_argument("--limit", type=int, default=400)
    ap.add_argument("--margin", type=float, default=1.0)
    ap.add_argument("--rounds", type=int, default=1)
    ap.add_argument("--threads", type=int, default=0)
    a = ap.parse_args()
    if not os.path.exists(CLI):
        sys.exit(f"{CLI}: not built (cmake --build --preset release --target quantscope-cli), or set QS_CLI")
    walls = {"full": [], "decided": []}
    cpus = {"full": [], "decided": []}
    full = decided = None
    for r in range(a.rounds):
        full, w, c = run_eval(a, [])
        walls["full"].append(w)
        cpus["full"].append(c)
        decided, w, c = run_eval(a, ["--until-decided", "--margin", str(a.margin)])
        walls["decided"].append(w)
        cpus["decided"].append(c)
        print(f"round {r + 1}: full {walls['full'][-1]:.1f} s ({cpus['full'][-1]:.1f} CPU s), until decided "
              f"{walls['decided'][-1]:.1f} s ({cpus['decided'][-1]:.1f} CPU s)", file=sys.stderr)

    base_precision = a.precisions.split(",")[0]
    def jobs_by_key(run):
        return {(j["precision"], j["evaluator"], j["dataset"]): j for j in run["jobs"] if j["evaluator"] in ("perplexity", "task")}
    fj, dj = jobs_by_key(full), jobs_by_key(decided)
    print(f"\n{os.path.basename(a.model)}: baseline {base_precision}, c{a.ctx} x {a.chunks} chunks"
          + (f", {', '.join(t.split('=')[0] for t in a.task)} {a.limit} items" if a.task else "")
          + f", margin {a.margin:g} (% PPL / accuracy points)\n")
    print("| precision | dataset | full run: Δ | until decided: verdict | after | Δ (time-uniform 95 %) | full run agrees |")
    print("|---|---|---|---|---|---|---|")
    for key, job in fj.items():
        precision, evaluator, dataset = key
        if precision == base_precision:
            continue
        base = fj[(base_precision, evaluator, dataset)]
        fd, fci = full_delta(job, base)
        d = dj.get(key)
        if d is None or "decision" not in d["metrics"]:
            continue
        verdict = int(d["metrics"]["decision"]["value"])
        n = int(d["metrics"]["decided_after"]["value"])
        dd = d["metrics"]["decision_delta"]
        unit = "chunks" if evaluator == "perplexity" else "items"
        if evaluator == "perplexity":
            # decision_delta: -100 x mean NLL change (lower PPL positive) -> % of PPL, higher worse
            pct = lambda x: 100.0 * math.expm1(-x / 100.0)
            shown = f"{pct(dd['value']):+.2f} % [{pct(dd['ci_high']):+.2f}, {pct(dd['ci_low']):+.2f}]"
            loss = fd  # % PPL, positive = worse
            full_text = f"{fd:+.2f} % PPL"
            inside = pct(dd["ci_high"]) <= fd <= pct(dd["ci_low"])
            agrees = {1: loss < a.margin, 2: loss > a.margin, 3: inside, 0: None}[verdict]
        else:
            shown = f"{dd['value']:+.1f} [{dd['ci_low']:+.1f}, {dd['ci_high']:+.1f}] points"
            full_text = f"{fd:+.1f} points" + (f" [{fci[0]:+.1f}, {fci[1]:+.1f}]" if fci and fci[0] is not None else "")
            inside = dd["ci_low"] <= fd <= dd["ci_high"]
            agrees = {1: fd > -a.margin, 2: fd < -a.margin, 3: inside, 0: None}[verdict]
        total = int(job["metrics"]["items"]["value"]) if evaluator == "task" else a.chunks
        print(f"| {precision} | {dataset} | {full_text} | {VERDICTS[verdict]} | {n} of {total} {unit} | {shown} | "
              f"{'—' if agrees is None else 'yes' if agrees else 'NO'} |")
    def med(xs):
        return f"{statistics.median(xs):.1f} s" + (f" ({min(xs):.1f}-{max(xs):.1f})" if len(xs) > 1 else "")
    print(f"\nwall time: full {med(walls['full'])}, until decided {med(walls['decided'])} "
          f"({statistics.median(walls['decided']) / statistics.median(walls['full']):.2f} of the full run's), "
          f"{a.rounds} round(s), interleaved")
    print(f"CPU time (user + system): full {med(cpus['full'])}, until decided {med(cpus['decided'])} "
          f"({statistics.median(cpus['decided']) / statistics.median(cpus['full']):.2f} of the full run's)")


if __name__ == "__main__":
    main()
