#!/usr/bin/env python3
"""A golden probe file for `quantscope-cli monitor` from a plain text: N probes, each a prompt of
the first words of a line and its next words as the fixed continuation.

  python3 scripts/make_golden.py TEXT [--probes 24] [--prompt-words 12] [--continuation-words 6] > golden.jsonl
"""
import argparse, json

ap = argparse.ArgumentParser()
ap.add_argument("text")
ap.add_argument("--probes", type=int, default=24)
ap.add_argument("--prompt-words", type=int, default=12)
ap.add_argument("--continuation-words", type=int, default=6)
ap.add_argument("--max-tokens", type=int, default=16)
a = ap.parse_args()
need = a.prompt_words + a.continuation_words
n = 0
for line in open(a.text, encoding="utf-8"):
    words = line.split()
    if len(words) < need or line.lstrip().startswith("="):  # skip headings and short lines
        continue
    print(json.dumps({"id": "probe %d" % (n + 1), "prompt": " ".join(words[:a.prompt_words]),
                      "continuation": " " + " ".join(words[a.prompt_words:need]), "max_tokens": a.max_tokens}))
    n += 1
    if n == a.probes:
        break
