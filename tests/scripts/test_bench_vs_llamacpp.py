#!/usr/bin/env python3
"""scripts/bench_vs_llamacpp.py: its parsing of llama-bench's output against the outputs llama.cpp
b9928 recorded in ../shared/reference (checked against the figures reference/l1b.json and m1.json
took from them), its parsing of `quantscope-cli bench --json` (the real CLI, when QS_CLI names it),
and its interleaving, medians and spread with a fake LLAMA_BIN whose llama-bench prints the
recorded outputs (first run, then rerun).

Usage: QS_SHARED_DIR=../shared [QS_CLI=build/release/app/cli/quantscope-cli] python3 tests/scripts/test_bench_vs_llamacpp.py
Exits 77 (CTest's SKIP) when ../shared is absent.
"""
import json
import os
import pathlib
import statistics
import subprocess
import sys
import tempfile
import textwrap
import unittest

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))
import bench_vs_llamacpp as bvl  # noqa: E402

SHARED = pathlib.Path(os.environ.get("QS_SHARED_DIR", ROOT.parent / "shared"))
REF = SHARED / "reference"
L1B_TYPES = {"F16": "f16", "Q8_0": "Q8_0", "Q4_0": "Q4_0", "Q4_K_M": "Q4_K_M"}  # type -> log name


def recorded_stdout(log):
    """llama-bench's stdout inside a recorded log ("+ command", the JSON array, "rc=N")."""
    lines = log.read_text().splitlines()
    start = next(i for i, l in enumerate(lines) if l.startswith("["))
    end = max(i for i, l in enumerate(lines) if l.startswith("]"))
    return "\n".join(lines[start:end + 1]) + "\n"


class LlamaBenchParsing(unittest.TestCase):
    def test_l1b_logs_give_the_figures_l1b_json_recorded(self):
        ref = json.loads((REF / "l1b.json").read_text())
        for t, name in L1B_TYPES.items():
            for key, suffix in (("bench", ""), ("bench_rerun", ".rerun")):
                rows = bvl.parse_llama_bench(recorded_stdout(REF / f"logs/bench_l1b_{name}{suffix}.log"))
                pp, tg = bvl.llama_bench_rates(rows, 512, 64)
                self.assertEqual(pp, ref[key][t]["pp512_ts"], f"{t} {key}")
                self.assertEqual(tg, ref[key][t]["tg64_ts"], f"{t} {key}")

    def test_m1_logs_give_the_figures_m1_json_recorded(self):
        ref = json.loads((REF / "m1.json").read_text())
        for label, entry in ref["bench"].items():
            rows = bvl.parse_llama_bench(recorded_stdout(REF / entry["log"]))
            pp, tg = bvl.llama_bench_rates(rows, 128, 32)
            want = {(r["n_prompt"], r["n_gen"]): r["avg_ts"] for r in entry["results"]}
            self.assertEqual((pp, tg), (want[(128, 0)], want[(0, 32)]), label)

    def test_jsonl_output_reads_as_json_output(self):
        text = (REF / "llama-bench-m1.json").read_text()
        rows = bvl.parse_llama_bench(text)
        jsonl = "".join(json.dumps(r) + "\n" for r in rows)
        self.assertEqual(bvl.parse_llama_bench(jsonl), rows)
        pp = next(r["avg_ts"] for r in json.loads(text) if r["n_gen"] == 0)
        self.assertEqual(bvl.llama_bench_rates(bvl.parse_llama_bench(jsonl), rows[0]["n_prompt"], rows[1]["n_gen"])[0], pp)

    def test_depth_picks_the_rows_of_that_depth(self):
        rows = [{"n_prompt": 512, "n_gen": 0, "n_depth": 0, "avg_ts": 100.0},
                {"n_prompt": 0, "n_gen": 64, "n_depth": 0, "avg_ts": 20.0},
                {"n_prompt": 512, "n_gen": 0, "n_depth": 512, "avg_ts": 80.0},
                {"n_prompt": 0, "n_gen": 64, "n_depth": 512, "avg_ts": 12.0}]
        self.assertEqual(bvl.llama_bench_rates(rows, 512, 64), (100.0, 20.0))
        self.assertEqual(bvl.llama_bench_rates(rows, 512, 64, depth=512), (80.0, 12.0))
        with self.assertRaisesRegex(bvl.ParseError, "n_depth=4096"):
            bvl.llama_bench_rates(rows, 512, 64, depth=4096)

    def test_missing_rows_and_garbage_are_refused(self):
        rows = bvl.parse_llama_bench(recorded_stdout(REF / "logs/bench_l1b_Q4_0.log"))
        with self.assertRaisesRegex(bvl.ParseError, "n_prompt=128"):
            bvl.llama_bench_rates(rows, 128, 64)
        with self.assertRaises(bvl.ParseError):
            bvl.parse_llama_bench("error: failed to load model\n")
        with self.assertRaises(bvl.ParseError):
            bvl.qs_bench_rates({"results": []})


@unittest.skipUnless(os.access(os.environ.get("QS_CLI", ""), os.X_OK), "QS_CLI does not name a built quantscope-cli")
class QuantScopeBenchParsing(unittest.TestCase):
    def test_reads_the_rates_the_cli_prints(self):
        out = subprocess.run([os.environ["QS_CLI"], "bench", "-q", "-m", str(SHARED / bvl.M1_BASE), "-p", "16", "-n", "4",
                              "-r", "1", "-t", "1", "--json"], check=True, capture_output=True, text=True).stdout
        report = json.loads(out)
        pp, tg = bvl.qs_bench_rates(report)
        # The same figures as the result's llama-bench-style blocks.
        self.assertEqual(pp, report["results"][0]["pp"]["avg_ts"])
        self.assertEqual(tg, report["results"][0]["tg"]["avg_ts"])
        self.assertGreater(pp, 0)


FAKE_LLAMA_BENCH = """\
#!/usr/bin/env python3
# llama-bench stand-in: prints the recorded output of the file's type, the first run on the first
# call and the rerun on the second, and logs the call.
import os, pathlib, sys
model = sys.argv[sys.argv.index("-m") + 1]
t = pathlib.Path(model).stem.split("-", 1)[1]
calls = pathlib.Path(os.environ["FAKE_CALLS"])
n = sum(1 for l in calls.read_text().splitlines() if l == "llama.cpp bench " + t) if calls.exists() else 0
with calls.open("a") as f: f.write("llama.cpp bench " + t + "\\n")
sys.stdout.write(pathlib.Path(os.environ["FAKE_OUTPUTS"], t + (".rerun" if n % 2 else "") + ".json").read_text())
"""

FAKE_LLAMA_PERPLEXITY = """\
#!/usr/bin/env python3
import os, pathlib, sys, time
t = pathlib.Path(sys.argv[sys.argv.index("-m") + 1]).stem.split("-", 1)[1]
with open(os.environ["FAKE_CALLS"], "a") as f: f.write("llama.cpp ppl " + t + "\\n")
print("perplexity: calculating perplexity over 4 chunks, n_ctx=512, batch_size=512, n_seq=1", flush=True)
time.sleep(0.05)
print("[1]5.0,[2]5.1,[3]5.2,[4]5.3,", flush=True)
print("Final estimate: PPL = 5.3000 +/- 0.1", flush=True)
"""

# quantscope-cli stand-in: bench rates that differ per call (pp = 1000 + 10 x call, tg = 100 + call).
FAKE_CLI = """\
#!/usr/bin/env python3
import json, os, pathlib, sys
t = pathlib.Path(sys.argv[sys.argv.index("-m") + 1]).stem.split("-", 1)[1]
calls = pathlib.Path(os.environ["FAKE_CALLS"])
n = len(calls.read_text().splitlines()) if calls.exists() else 0
with calls.open("a") as f: f.write("quantscope " + sys.argv[1] + " " + t + "\\n")
if sys.argv[1] == "bench":
    print(json.dumps({"results": [{"metrics": {"pp_tps": 1000 + 10 * n, "tg_tps": 100 + n}}]}))
else:
    print(json.dumps({"ppl": 5.3, "tokens_per_second": 4000 + n}))
"""


class Interleaving(unittest.TestCase):
    def test_rounds_alternate_and_ratios_are_medians_with_their_spread(self):
        with tempfile.TemporaryDirectory() as tmp:
            tmp = pathlib.Path(tmp)
            lbin, outputs, l1b = tmp / "bin", tmp / "outputs", tmp / "l1b"
            for d in (lbin, outputs, l1b):
                d.mkdir()
            for name, body in (("llama-bench", FAKE_LLAMA_BENCH), ("llama-perplexity", FAKE_LLAMA_PERPLEXITY),
                               ("llama-quantize", "#!/bin/sh\nexit 1\n"), ("quantscope-cli", FAKE_CLI)):
                (lbin / name).write_text(body)
                (lbin / name).chmod(0o755)
            types = ["Q4_0", "Q4_K_M"]
            for t in types:
                (l1b / f"l1b-{t}.gguf").write_bytes(b"")
                for suffix in ("", ".rerun"):
                    (outputs / f"{t}{suffix}.json").write_text(
                        recorded_stdout(REF / f"logs/bench_l1b_{L1B_TYPES[t]}{suffix}.log"))
            env = dict(os.environ, LLAMA_BIN=str(lbin), FAKE_CALLS=str(tmp / "calls"), FAKE_OUTPUTS=str(outputs))
            r = subprocess.run([sys.executable, str(ROOT / "scripts/bench_vs_llamacpp.py"), "--models", "L1B", "--types",
                                ",".join(types), "--rounds", "2", "--l1b", str(l1b), "--shared", str(SHARED),
                                "--cli", str(lbin / "quantscope-cli"), "--json", str(tmp / "report.json")],
                               env=env, capture_output=True, text=True)
            self.assertEqual(r.returncode, 0, r.stderr)
            calls = (tmp / "calls").read_text().splitlines()
            report = json.loads((tmp / "report.json").read_text())

        # Round 1: QuantScope first for each file; round 2: llama.cpp first; bench before perplexity.
        want = []
        for rnd in range(2):
            order = ["quantscope", "llama.cpp"] if rnd == 0 else ["llama.cpp", "quantscope"]
            for t in types:
                want += [f"{p} bench {t}" for p in order] + [f"{p} {'perplexity' if p == 'quantscope' else 'ppl'} {t}" for p in order]
        self.assertEqual(calls, want)

        ref = json.loads((REF / "l1b.json").read_text())
        figures = {(f["type"], f["figure"]): f for f in report["figures"]}
        self.assertEqual(len(figures), 2 * 3)
        for t in types:
            llama = {"pp": [ref["bench"][t]["pp512_ts"], ref["bench_rerun"][t]["pp512_ts"]],
                     "tg": [ref["bench"][t]["tg64_ts"], ref["bench_rerun"][t]["tg64_ts"]]}
            # The fake CLI's rates come from its call number: line index in the call log.
            bench_calls = [i for i, c in enumerate(want) if c == f"quantscope bench {t}"]
            ppl_calls = [i for i, c in enumerate(want) if c == f"quantscope perplexity {t}"]
            ours = {"pp": [1000 + 10 * i for i in bench_calls], "tg": [100 + i for i in bench_calls],
                    "ppl": [4000 + i for i in ppl_calls]}
            for fig in ("pp", "tg", "ppl"):
                f = figures[(t, fig)]
                self.assertEqual(f["quantscope_per_round"], ours[fig], f"{t} {fig}")
                if fig in llama:
                    self.assertEqual(f["llama_cpp_per_round"], llama[fig], f"{t} {fig}")
                theirs = f["llama_cpp_per_round"]
                rounds = [q / l for q, l in zip(ours[fig], theirs)]
                self.assertAlmostEqual(f["ratio"], statistics.median(ours[fig]) / statistics.median(theirs), places=12)
                self.assertEqual((f["ratio_min"], f["ratio_max"]), (min(rounds), max(rounds)))
        # The printed row of one figure, as a reader sees it.
        f = figures[("Q4_0", "pp")]
        self.assertIn(f"{f['ratio']:.2f} ({f['ratio_min']:.2f}-{f['ratio_max']:.2f})", r.stdout)

    def test_quantize_times_both_tools_from_the_base_and_compares_their_bytes(self):
        # Stand-ins that write their output file: the same bytes for Q4_0, different ones for Q4_K_M.
        fake_qs = ("#!/usr/bin/env python3\nimport sys\nout = sys.argv[sys.argv.index('-o') + 1]\n"
                   "t = sys.argv[sys.argv.index('--type') + 1]\nopen(out, 'w').write('bytes ' + t)\n")
        fake_llama = ("#!/usr/bin/env python3\nimport sys\nbase, out, t, threads = sys.argv[1:5]\n"
                      "assert base.endswith('l1b-f16.gguf') and threads == '2'\n"
                      "open(out, 'w').write('bytes ' + t + ('' if t == 'Q4_0' else ' other'))\n")
        with tempfile.TemporaryDirectory() as tmp:
            tmp = pathlib.Path(tmp)
            lbin, l1b = tmp / "bin", tmp / "l1b"
            lbin.mkdir()
            l1b.mkdir()
            for name, body in (("llama-bench", "#!/bin/sh\nexit 1\n"), ("llama-perplexity", "#!/bin/sh\nexit 1\n"),
                               ("llama-quantize", fake_llama), ("quantscope-cli", fake_qs)):
                (lbin / name).write_text(body)
                (lbin / name).chmod(0o755)
            for t in ("f16", "Q4_0", "Q4_K_M"):
                (l1b / f"l1b-{t}.gguf").write_bytes(b"")
            env = dict(os.environ, LLAMA_BIN=str(lbin))
            r = subprocess.run([sys.executable, str(ROOT / "scripts/bench_vs_llamacpp.py"), "--models", "L1B", "--types",
                                "F16,Q4_0,Q4_K_M", "--figures", "quantize", "--rounds", "2", "--l1b", str(l1b),
                                "--shared", str(SHARED), "--work", str(tmp / "work"), "--cli", str(lbin / "quantscope-cli"),
                                "--json", str(tmp / "report.json")], env=env, capture_output=True, text=True)
            self.assertEqual(r.returncode, 0, r.stderr)
            report = json.loads((tmp / "report.json").read_text())
        figures = {(f["type"], f["figure"]): f for f in report["figures"]}
        # F16 is the base: nothing to quantize; each other type has a time and a peak RSS per round.
        self.assertEqual(sorted(figures), [(t, f) for t in ("Q4_0", "Q4_K_M") for f in ("quantize_rss", "quantize_s")])
        for f in figures.values():
            self.assertEqual(len(f["quantscope_per_round"]), 2)
            self.assertTrue(all(v > 0 for v in f["quantscope_per_round"] + f["llama_cpp_per_round"]))
        self.assertIn("L1B Q4_0: QuantScope's and llama-quantize's outputs are the same bytes in every round", r.stdout)
        self.assertIn("L1B Q4_K_M: QuantScope's and llama-quantize's outputs are DIFFERENT in 2 of 2 rounds", r.stdout)

    def test_without_llama_cpp_it_says_so_and_measures_nothing(self):
        for llama_bin in ("", "/nonexistent/llama.cpp/build/bin"):
            env = dict(os.environ, LLAMA_BIN=llama_bin)
            r = subprocess.run([sys.executable, str(ROOT / "scripts/bench_vs_llamacpp.py"), "--cli", "/nonexistent"],
                               env=env, capture_output=True, text=True)
            self.assertEqual(r.returncode, bvl.EXIT_NO_LLAMA)
            self.assertIn("llama.cpp was not found", r.stdout)
            self.assertIn("Nothing was measured", r.stdout)
            self.assertNotIn("|", r.stdout)  # no table


if __name__ == "__main__":
    if not (REF / "l1b.json").is_file():
        print(f"SKIP: {REF} has no l1b.json (set QS_SHARED_DIR to ../shared)")
        sys.exit(77)
    unittest.main()
