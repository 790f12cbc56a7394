#!/usr/bin/env python3
"""QuantScope and llama.cpp side by side on the same files, interleaved round by round.

For every model (M1 = ../shared's synthetic llama-d256-spm512, L1B = the 1.1B speed model written
by shared/tools/make_l1b.py) and type (F16, Q8_0, Q4_0, Q4_K_M, IQ4_XS) both programs read the very
same file: M1's standard mixes from shared/models/synthetic/m1-quantized where they exist, L1B's
from the L1B work directory (scripts/bench_l1b.py writes l1b-f16.gguf there), anything missing made
once with llama-quantize. Then every round runs, file after file, both programs right after each
other (QuantScope first in odd rounds, llama.cpp first in even rounds, so neither always gets the
warmer machine):
  - pp and tg: `quantscope-cli bench -p P -n N -r R -t T --json` (results[0].metrics pp_tps,
    tg_tps) and `llama-bench -p P -n N -r R -t T -o json` (avg_ts of its pp and tg rows): the mean
    tokens/s over R repetitions, as llama-bench reports it; --depth D passes -d D to both, so
    each test runs with D positions already in the cache ("tg64 @ d512");
  - ppl (unless --figures leaves it out): tokens/s over the EVALUATION PHASE of perplexity at
    ctx C over K chunks, measured the same way for both: QuantScope's `tokens_per_second`, and for
    llama-perplexity K x C tokens over the time from its "calculating perplexity" line to its
    "Final estimate" line as they arrive (its own printed prompt-eval rate leaves the first
    chunk's time out while counting its tokens, which overstates it);
  - quantize (with --figures quantize): the model's base file (L1B F16, M1 F32) quantized to the
    type by `quantscope-cli quantize -t T` and by `llama-quantize BASE OUT TYPE T`: wall seconds
    and peak RSS of each process (wait4's ru_maxrss), and whether the two outputs are the same
    bytes. Their ratios are QuantScope / llama.cpp too, so there below 1 is better.
It prints, per model x type x figure, each program's median (min-max) over the rounds and the
ratio QuantScope / llama.cpp of the medians with the min-max of the per-round ratios (the spread).
--json FILE also writes every per-round figure and the summary.

llama.cpp is found through LLAMA_BIN, the directory holding llama-bench, llama-perplexity and
llama-quantize (e.g. llama.cpp/build/bin of b9928). When it is unset or lacks a tool the script
says so and exits 0 (EXIT_NO_LLAMA) having measured nothing. To compare the AVX2 kernels: build
llama.cpp with -DGGML_NATIVE=OFF -DGGML_AVX2=ON -DGGML_AVX512=OFF and run this script with
QS_FORCE_ISA=avx2. --dry-run prints the interleaved schedule without running anything.

Usage: LLAMA_BIN=~/llama.cpp/build/bin scripts/bench_vs_llamacpp.py [--models M1,L1B]
           [--types F16,Q8_0,Q4_0,Q4_K_M,IQ4_XS] [--figures pp,tg,ppl,quantize] [--rounds 3] [--threads 2] [--depth 0]
           [--cli PATH] [--shared ../shared] [--l1b /tmp/quantscope-l1b] [--work DIR] [--json FILE]
           [--dry-run]
Run it on an idle machine: every figure is wall-clock.
"""
import argparse
import filecmp
import json
import os
import pathlib
import statistics
import subprocess
import sys
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import bench_l1b  # noqa: E402  (ensure_l1b_f16, run_json)

EXIT_NO_LLAMA = 0  # llama.cpp absent is not an error: nothing to compare with
LLAMA_TOOLS = ("llama-bench", "llama-perplexity", "llama-quantize")
M1_BASE = "models/synthetic/llama-d256-spm512.gguf"  # all F32
FIGURES = ("pp", "tg", "ppl", "quantize")
# What each figure group measures ("quantize" gives two values per run).
VALUES = {"pp": ("pp",), "tg": ("tg",), "ppl": ("ppl",), "quantize": ("quantize_s", "quantize_rss")}


class ParseError(Exception):
    pass


# ---- what the programs print ------------------------------------------------------------------

def parse_llama_bench(text):
    """Rows of llama-bench's -o json (one array) or -o jsonl (one object per line) output."""
    text = text.strip()
    if text.startswith("["):
        rows = json.loads(text)
    else:
        rows = [json.loads(line) for line in text.splitlines() if line.strip().startswith("{")]
    if not rows or not all(isinstance(r, dict) for r in rows):
        raise ParseError("llama-bench printed no result rows (expected -o json or -o jsonl output)")
    return rows


def llama_bench_rates(rows, pp, tg, depth=0):
    """(pp tokens/s, tg tokens/s): avg_ts of the row with n_prompt == pp, n_gen == 0 and of the row
    with n_prompt == 0, n_gen == tg, both at n_depth == depth."""
    def rate(n_prompt, n_gen):
        for r in rows:
            if r.get("n_prompt") == n_prompt and r.get("n_gen") == n_gen and r.get("n_depth", 0) == depth:
                return float(r["avg_ts"])
        raise ParseError(f"llama-bench printed no row with n_prompt={n_prompt}, n_gen={n_gen}, n_depth={depth}")
    return rate(pp, 0), rate(0, tg)


def qs_bench_rates(report):
    """(pp tokens/s, tg tokens/s) from `quantscope-cli bench --json`'s parsed output."""
    try:
        m = report["results"][0]["metrics"]
        return float(m["pp_tps"]), float(m["tg_tps"])
    except (KeyError, IndexError, TypeError) as e:
        raise ParseError(f"quantscope-cli bench --json: no results[0].metrics pp_tps/tg_tps ({e!r})") from None


def spread(values):
    """(median, min, max)."""
    return statistics.median(values), min(values), max(values)


def summarize(ours, theirs):
    """Per-figure summary of paired per-round figures: each side's median (min-max) and the ratio of
    the medians with the min-max of the per-round ratios."""
    if len(ours) != len(theirs) or not ours:
        raise ValueError("need the same, non-zero number of rounds on both sides")
    rounds = [q / l for q, l in zip(ours, theirs)]
    return {"quantscope": spread(ours), "llama_cpp": spread(theirs),
            "ratio": statistics.median(ours) / statistics.median(theirs),
            "ratio_min": min(rounds), "ratio_max": max(rounds)}


# ---- the files -----------------------------------------------------------------------------------

def llama_bin():
    """LLAMA_BIN as a path, or None after saying why llama.cpp cannot be used."""
    d = os.environ.get("LLAMA_BIN", "")
    if not d:
        print("bench_vs_llamacpp: LLAMA_BIN is not set, so llama.cpp was not found. Point it at the directory "
              "holding llama-bench, llama-perplexity and llama-quantize (llama.cpp b9928's build/bin). "
              "Nothing was measured.")
        return None
    missing = [t for t in LLAMA_TOOLS if not os.access(pathlib.Path(d) / t, os.X_OK)]
    if missing:
        print(f"bench_vs_llamacpp: LLAMA_BIN={d} has no executable {', '.join(missing)}, so llama.cpp was not "
              "found. Nothing was measured.")
        return None
    return pathlib.Path(d)


def planned_files(models, types, shared, l1b, work):
    """{(model, type): (path, how to make it or None)}: how = (base, type) for llama-quantize; and
    {path: the base file it is quantized from}."""
    plan, bases = {}, {}
    for m in models:
        for t in types:
            if m == "M1":
                base = shared / M1_BASE
                mix = shared / "models/synthetic/m1-quantized" / f"m1-mix-{t}.gguf"
                path = mix if mix.exists() else work / f"m1-{t}.gguf"
            elif m == "L1B":
                base = bench_l1b.model_file(l1b, "F16")
                path = bench_l1b.model_file(l1b, t)
            else:
                raise SystemExit(f"bench_vs_llamacpp: unknown model {m} (expected M1 or L1B)")
            if t == "F16" and m == "L1B":
                base = path
            plan[(m, t)] = (path, None if path == base or path.exists() else (base, t))
            bases[path] = base
    return plan, bases


def make_files(plan, shared, l1b, lbin):
    """Writes what the plan says is missing; returns {(model, type): path} of the files that exist."""
    files = {}
    for (m, t), (path, how) in plan.items():
        if how is not None:
            base, qtype = how
            if m == "L1B":
                bench_l1b.ensure_l1b_f16(shared, l1b, json.loads((shared / "reference/l1b.json").read_text()))
            path.parent.mkdir(parents=True, exist_ok=True)
            print(f"llama-quantize {m} -> {qtype}", file=sys.stderr)
            r = subprocess.run([str(lbin / "llama-quantize"), str(base), str(path), qtype, "2"], capture_output=True, text=True)
            if r.returncode != 0:
                print(f"  {m} {t}: llama-quantize failed; left out\n{r.stderr[-500:]}", file=sys.stderr)
                continue
        files[(m, t)] = path
    return files


# ---- one measurement -----------------------------------------------------------------------------

def commands(a, cli, lbin, path, text):
    """{(program, figure group): argv}; "bench" gives pp and tg, "ppl" the perplexity rate."""
    depth = ["-d", str(a.depth)] if a.depth > 0 else []
    cmds = {
        ("quantscope", "bench"): [cli, "bench", "-q", "-m", str(path), "-p", str(a.pp), "-n", str(a.tg), "-r", str(a.reps),
                                  "-t", str(a.threads), *depth, "--json"],
        ("llama.cpp", "bench"): [str(lbin / "llama-bench"), "-m", str(path), "-p", str(a.pp), "-n", str(a.tg), "-r",
                                 str(a.reps), "-t", str(a.threads), *depth, "-o", "json"],
        ("quantscope", "ppl"): [cli, "perplexity", "-q", "--json", "-m", str(path), "--text", str(text), "--ctx", str(a.ctx),
                                "--chunks", str(a.chunks), "--threads", str(a.threads)],
        ("llama.cpp", "ppl"): [str(lbin / "llama-perplexity"), "-m", str(path), "-f", str(text), "-c", str(a.ctx), "-b",
                               str(a.ctx), "--chunks", str(a.chunks), "-t", str(a.threads)],
    }
    base = quantize_base(a, path)
    if "quantize" in a.figures and base is not None:
        work = pathlib.Path(a.work)
        cmds[("quantscope", "quantize")] = [cli, "quantize", "-q", "-m", str(base), "-o", str(work / f"qs-{path.name}"),
                                            "--type", type_of(path), "-t", str(a.threads)]
        cmds[("llama.cpp", "quantize")] = [str(lbin / "llama-quantize"), str(base), str(work / f"llama-{path.name}"),
                                           type_of(path), str(a.threads)]
    groups = [g for g in ("bench", "ppl", "quantize")
              if (g == "bench" and {"pp", "tg"} & set(a.figures)) or g in a.figures]
    return {k: v for k, v in cmds.items() if k[1] in groups}


def type_of(path):
    """The type a planned file holds (its name ends in -<TYPE>.gguf)."""
    return path.stem.rsplit("-", 1)[-1]


def quantize_base(a, path):
    """The file a type is quantized from, or None for the base itself."""
    base = a.bases.get(path)
    return None if base is None or base == path else base


def timed_run(cmd):
    """(wall seconds, peak RSS MiB) of a command that must succeed."""
    t0 = time.monotonic()
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(p.pid, 0)
    wall = time.monotonic() - t0
    err = p.stderr.read().decode(errors="replace")
    p.stderr.close()
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        raise subprocess.CalledProcessError(code, cmd, stderr=err)
    return wall, usage.ru_maxrss / 1024.0


def llama_perplexity_rate(cmd, tokens):
    """Tokens/s of llama-perplexity's evaluation phase, timed on its output lines as they arrive."""
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    start = end = None
    for line in p.stdout:
        if start is None and "calculating perplexity" in line:
            start = time.monotonic()
        if "Final estimate" in line:
            end = time.monotonic()
    p.wait()
    if p.returncode != 0 or start is None or end is None or end <= start:
        raise ParseError(f"{cmd[0]} exited {p.returncode} without its 'calculating perplexity' and 'Final estimate' lines")
    return tokens / (end - start)


def measure(program, group, cmd, a):
    """{figure: tokens/s} of one program's run."""
    if group == "ppl" and program == "llama.cpp":
        return {"ppl": llama_perplexity_rate(cmd, a.chunks * a.ctx)}
    if group == "quantize":
        wall, rss = timed_run(cmd)
        return {"quantize_s": wall, "quantize_rss": rss}
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    if group == "ppl":
        return {"ppl": float(json.loads(out)["tokens_per_second"])}
    pp, tg = qs_bench_rates(json.loads(out)) if program == "quantscope" else llama_bench_rates(parse_llama_bench(out), a.pp, a.tg, a.depth)
    return {"pp": pp, "tg": tg}


def schedule(rounds, keys):
    """(round, model, type, program order) in the order they run: every file in every round, the two
    programs back to back, the one going first alternating by round."""
    for r in range(rounds):
        order = ("quantscope", "llama.cpp") if r % 2 == 0 else ("llama.cpp", "quantscope")
        for m, t in keys:
            yield r, m, t, order


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cli", default="build/release/app/cli/quantscope-cli")
    ap.add_argument("--shared", default="../shared")
    ap.add_argument("--l1b", default="/tmp/quantscope-l1b", help="L1B work directory (l1b-f16.gguf, l1b-<TYPE>.gguf)")
    ap.add_argument("--work", default="/tmp/quantscope-vs-llamacpp", help="where M1 files llama-quantize makes go")
    ap.add_argument("--models", default="M1,L1B")
    ap.add_argument("--types", default="F16,Q8_0,Q4_0,Q4_K_M,IQ4_XS")
    ap.add_argument("--figures", default="pp,tg,ppl")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--pp", type=int, default=512)
    ap.add_argument("--tg", type=int, default=64)
    ap.add_argument("--reps", type=int, default=2)
    ap.add_argument("--depth", type=int, default=0, help="tokens in the cache before each pp/tg test (llama-bench -d)")
    ap.add_argument("--ctx", type=int, default=512)
    ap.add_argument("--chunks", type=int, default=4)
    ap.add_argument("--json", help="also write every per-round figure and the summary here")
    ap.add_argument("--dry-run", action="store_true", help="print the interleaved schedule and exit")
    a = ap.parse_args(argv)
    a.figures = [f for f in a.figures.split(",") if f]
    if not a.figures or set(a.figures) - set(FIGURES):
        ap.error(f"--figures: a comma-separated subset of {','.join(FIGURES)}")
    shared, l1b = pathlib.Path(a.shared), pathlib.Path(a.l1b)
    cli = str(pathlib.Path(a.cli).resolve())
    text = shared / "data/wikitext-2-raw/wiki.test.raw"
    plan, a.bases = planned_files(a.models.split(","), a.types.split(","), shared, l1b, pathlib.Path(a.work))
    pathlib.Path(a.work).mkdir(parents=True, exist_ok=True)

    lbin = llama_bin()
    if a.dry_run:
        shown = lbin or pathlib.Path("$LLAMA_BIN")
        for (m, t), (path, how) in plan.items():
            if how:
                print(f"make: {shown / 'llama-quantize'} {how[0]} {path} {how[1]} 2")
        for r, m, t, order in schedule(a.rounds, plan):
            for program in order:
                for (prog, _), cmd in commands(a, cli, shown, plan[(m, t)][0], text).items():
                    if prog == program:
                        print(f"round {r + 1}: {m} {t} {program}: {' '.join(cmd)}")
        return 0
    if lbin is None:
        return EXIT_NO_LLAMA
    if not os.access(cli, os.X_OK):
        sys.exit(f"bench_vs_llamacpp: {cli} is not an executable quantscope-cli (build it, or pass --cli)")

    files = make_files(plan, shared, l1b, lbin)
    print(f"QS_FORCE_ISA={os.environ.get('QS_FORCE_ISA', '(unset)')}, {a.threads} threads, {a.rounds} rounds",
          file=sys.stderr)
    figures = [v for f in FIGURES if f in a.figures for v in VALUES[f]]
    per_round = {(m, t, f): {"quantscope": [], "llama.cpp": []} for (m, t) in files for f in figures
                 if not f.startswith("quantize") or quantize_base(a, files[(m, t)]) is not None}
    failed, identical = {}, {}
    for r, m, t, order in schedule(a.rounds, files):
        if (m, t) in failed:
            continue
        print(f"round {r + 1}/{a.rounds}: {m} {t}", file=sys.stderr)
        cmds = commands(a, cli, lbin, files[(m, t)], text)
        got = {p: {} for p in order}
        try:
            for group in ("bench", "ppl", "quantize"):
                for program in order:
                    if (program, group) in cmds:
                        got[program].update(measure(program, group, cmds[(program, group)], a))
        except (subprocess.CalledProcessError, ParseError, ValueError, KeyError) as e:
            failed[(m, t)] = str(e)
            print(f"  {m} {t}: {e}; left out", file=sys.stderr)
            continue
        for f in figures:
            if (m, t, f) not in per_round:
                continue
            for program in order:
                per_round[(m, t, f)][program].append(got[program][f])
        if ("quantscope", "quantize") in cmds:
            same = filecmp.cmp(cmds[("quantscope", "quantize")][6], cmds[("llama.cpp", "quantize")][2], shallow=False)
            identical.setdefault((m, t), []).append(same)

    at = f" @ d{a.depth}" if a.depth > 0 else ""
    names = {"pp": f"pp{a.pp}{at} t/s", "tg": f"tg{a.tg}{at} t/s", "ppl": f"perplexity c{a.ctx} eval t/s",
             "quantize_s": "quantize wall s (lower is better)", "quantize_rss": "quantize peak RSS MiB (lower is better)"}
    print("| model | type | figure | QuantScope median (min-max) | llama.cpp median (min-max) | ratio (per-round min-max) |")
    print("|---|---|---|---|---|---|")
    report = {"rounds": a.rounds, "threads": a.threads, "depth": a.depth, "qs_force_isa": os.environ.get("QS_FORCE_ISA"), "figures": []}
    for (m, t, f), v in per_round.items():
        if (m, t) in failed:
            print(f"| {m} | {t} | {names[f]} | failed: {failed[(m, t)][:80]} | | |")
            continue
        s = summarize(v["quantscope"], v["llama.cpp"])
        q, l = s["quantscope"], s["llama_cpp"]
        print(f"| {m} | {t} | {names[f]} | {q[0]:.1f} ({q[1]:.1f}-{q[2]:.1f}) | {l[0]:.1f} ({l[1]:.1f}-{l[2]:.1f}) | "
              f"{s['ratio']:.2f} ({s['ratio_min']:.2f}-{s['ratio_max']:.2f}) |")
        report["figures"].append({"model": m, "type": t, "figure": f, "file": str(files[(m, t)]),
                                  "quantscope_per_round": v["quantscope"], "llama_cpp_per_round": v["llama.cpp"],
                                  "ratio": s["ratio"], "ratio_min": s["ratio_min"], "ratio_max": s["ratio_max"]})
    for (m, t), same in identical.items():
        print(f"{m} {t}: QuantScope's and llama-quantize's outputs are "
              + ("the same bytes in every round" if all(same) else f"DIFFERENT in {same.count(False)} of {len(same)} rounds"))
    report["identical_quantize_output"] = {f"{m} {t}": same for (m, t), same in identical.items()}
    if a.json:
        pathlib.Path(a.json).write_text(json.dumps(report, indent=2) + "\n")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
