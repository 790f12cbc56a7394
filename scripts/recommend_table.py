#!/usr/bin/env python3
"""The recommender against llama.cpp's presets at equal size, measured (issue 15's table).

For each model: the tensor bytes of the presets (Q4_K_M and Q3_K_M by default, as `quantize`
reports them), `recommend --max-bytes <those sizes>` from one sensitivity scan, then every preset
and every recommended recipe measured again by one `eval --kld` against the base. Prints a Markdown
table (bytes, mean KLD ± its standard error, ln PPL ratio, same top token) per model.

  python3 scripts/recommend_table.py MODEL.gguf [MODEL.gguf ...] [--text FILE] [--ctx 128]
          [--chunks 40] [--scan-chunks K] [--presets Q4_K_M,Q3_K_M] [--types q2_K,q3_K,q4_K,q5_K,q6_K] [--base F32]

--scan-chunks runs the sensitivity scan on fewer chunks than the measurements (a large model's scan
is one KLD pass per group and type); every row of the table is still measured at --chunks.

Timings are not the point; the machine may be busy. Nothing here is a test: the suite checks the
recommender's contracts (tests/mixplan), this script reports its figures on real files.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
CLI = os.environ.get("QS_CLI", os.path.join(HERE, "..", "build", "release", "app", "cli", "quantscope-cli"))
SHARED = os.environ.get("QS_SHARED_DIR", os.path.join(HERE, "..", "..", "shared"))


def cli_json(*args):
    out = subprocess.run([CLI, "--quiet", *args, "--json"], check=True, capture_output=True, text=True).stdout
    return json.loads(out)


def preset_bytes(model, preset, tmp):
    q = cli_json("quantize", "-m", model, "--type", preset, "-o", os.path.join(tmp, "preset.gguf"))
    os.remove(os.path.join(tmp, "preset.gguf"))
    return int(q["output_bytes"])


def metric(job, key):
    return job["metrics"].get(key)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("models", nargs="+")
    ap.add_argument("--text", default=os.path.join(SHARED, "data", "wikitext-2-raw", "wiki.test.raw"))
    ap.add_argument("--ctx", type=int, default=128)
    ap.add_argument("--chunks", type=int, default=40)
    ap.add_argument("--scan-chunks", type=int, default=None, help="chunks of the scan (default: --chunks)")
    ap.add_argument("--presets", default="Q4_K_M,Q3_K_M")
    ap.add_argument("--types", default="q2_K,q3_K,q4_K,q5_K,q6_K")
    ap.add_argument("--base", default="F32")
    a = ap.parse_args()
    if not os.path.exists(CLI):
        sys.exit(f"{CLI}: not built (cmake --build --preset release --target quantscope-cli), or set QS_CLI")
    presets = a.presets.split(",")
    chunking = ["--ctx", str(a.ctx), "--chunks", str(a.chunks)]
    scan_chunking = ["--ctx", str(a.ctx), "--chunks", str(a.scan_chunks or a.chunks)]
    with tempfile.TemporaryDirectory() as tmp:
        for model in a.models:
            sizes = [preset_bytes(model, p, tmp) for p in presets]
            rec = cli_json("recommend", "--model", model, "--text", a.text, "--base", a.base, "--types", a.types,
                           "--max-bytes", ",".join(map(str, sizes)), *scan_chunking)
            recs = rec.get("recommendations", [rec])
            recipes = [r["recipe"] for r in recs]
            ev = cli_json("eval", "--model", model, "--precisions", ",".join([a.base, *presets, *recipes]),
                          "--baseline", a.base, "--kld", "--ppl", a.text, *chunking)
            kld = {j["precision"]: j for j in ev["jobs"] if j["evaluator"] == "kld"}
            scan = f", scan c{a.ctx} x {a.scan_chunks}" if a.scan_chunks else ""
            print(f"\n{os.path.basename(model)} (c{a.ctx} x {a.chunks}{scan}, KLD against {a.base}, types {a.types})\n")
            print("| | tensor bytes | mean KLD | ln PPL ratio | same top token |")
            print("|---|---|---|---|---|")
            for p, size, r in zip(presets, sizes, recs):
                for label, precision, nbytes in ((p, p, size), (f"recommended, ≤ {p}", r["recipe"], r["tensor_bytes"])):
                    j = kld[precision]
                    k, l, s = metric(j, "kld_mean"), metric(j, "ln_ppl_ratio"), metric(j, "same_top_p")
                    print(f"| {label} | {nbytes:,} | {k['value']:.6f} ± {k['stderr']:.6f} | {l['value']:+.4f} | {s['value']:.1f} % |")
            print("\nrecipes:")
            for p, r in zip(presets, recs):
                print(f"- ≤ {p}: `{r['recipe']}`")
            sys.stdout.flush()


if __name__ == "__main__":
    main()
