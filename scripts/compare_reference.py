#!/usr/bin/env python3
"""Perplexity of quantscope-cli beside llama.cpp's own figures (../shared/reference).

For every model and setting llama.cpp's reference records (the float models at c512 x 10 chunks
and c128 x 40 chunks, every quantized M1 file at c128 x 40 chunks), runs
`quantscope-cli perplexity --json` on the same file and text and prints a markdown table of
both final estimates and their relative difference.

Usage: scripts/compare_reference.py [--cli build/release/app/cli/quantscope-cli] [--shared ../shared]
"""
import argparse
import json
import pathlib
import subprocess

FLOAT_MODELS = [("stories260K", "stories260K.gguf"), ("m1", "synthetic/llama-d256-spm512.gguf"),
                ("m2", "synthetic/qwen2-d256-gpt2bpe.gguf")]
SETTINGS = [("c512_b512_chunks10", 512), ("c128_b128_chunks40", 128)]


def ours(cli, model, text, ctx, chunks):
    out = subprocess.run([cli, "perplexity", "-q", "--json", "--model", str(model), "--text", str(text),
                          "--ctx", str(ctx), "--chunks", str(chunks), "--threads", "2"],
                         check=True, capture_output=True, text=True).stdout
    return json.loads(out)


def row(label, ctx, chunks, r, ref_ppl, ref_pm):
    diff = 100.0 * (r["ppl"] / ref_ppl - 1.0)
    return (f"| {label} | {ctx} | {chunks} | {r['ppl']:.4f} ± {r['ppl_stderr']:.4f} | "
            f"{ref_ppl:.4f} ± {ref_pm:.4f} | {diff:+.4f} % |")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cli", default="build/release/app/cli/quantscope-cli")
    ap.add_argument("--shared", default="../shared")
    a = ap.parse_args()
    shared = pathlib.Path(a.shared)
    text = shared / "data/wikitext-2-raw/wiki.test.raw"

    print("| model | ctx | chunks | QuantScope PPL | llama.cpp PPL | difference |")
    print("|---|---|---|---|---|---|")
    for key, rel in FLOAT_MODELS:
        ref = json.loads((shared / "reference" / f"{key}.json").read_text())["perplexity"]
        for setting, ctx in SETTINGS:
            p = ref[setting]
            r = ours(a.cli, shared / "models" / rel, text, ctx, p["n_chunks"])
            print(row(f"{key} ({rel.split('/')[-1]})", ctx, p["n_chunks"], r, p["final_ppl"], p["final_ppl_pm"]), flush=True)
    m1 = json.loads((shared / "reference/m1.json").read_text())["quant_eval_vs_f32"]
    for label, entry in m1.items():
        kind, t = label.split("_", 1)
        stats = entry["statistics"]["Perplexity statistics"]["Mean PPL(Q)"]
        chunks = len(entry["per_chunk_running"])
        r = ours(a.cli, shared / f"models/synthetic/m1-quantized/m1-{kind}-{t}.gguf", text, 128, chunks)
        print(row(f"m1 {kind} {t}", 128, chunks, r, stats["value"], stats["pm"]), flush=True)


if __name__ == "__main__":
    main()
