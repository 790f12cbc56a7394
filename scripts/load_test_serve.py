#!/usr/bin/env python3
"""Load test of `quantscope-cli serve` on loopback: C concurrent clients x R requests each.

Starts serve (a free port, an API key in the environment), computes every distinct request's
answer once alone, then fires the load: every response must equal the lone answer (text and
log-probs), nothing may fail, and the server must still answer /health afterwards. Also checks
that malformed JSON, an oversized body and a missing or wrong API key each get a clear 4xx.
Prints latency p50/p99 and the throughput: requests/s, and generated tokens/s in all (the
usage's completion_tokens over the wall time), with the batching serve reported at start (timings
on a shared machine: never a gate).

  python3 scripts/load_test_serve.py [--cli build/release/app/cli/quantscope-cli]
      [--model ../shared/models/stories260K.gguf] [--clients 8] [--requests 50] [--max-tokens 16] [--threads 0]
"""
import argparse, json, os, re, secrets, statistics, subprocess, sys, threading, time, urllib.error, urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def request(url, body, key, timeout=120):
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method="POST", headers={"Content-Type": "application/json"})
    if key:
        req.add_header("Authorization", "Bearer " + key)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"{}")


def percentile(sorted_values, q):
    if not sorted_values:
        return float("nan")
    k = (len(sorted_values) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(sorted_values) - 1)
    return sorted_values[lo] + (sorted_values[hi] - sorted_values[lo]) * (k - lo)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cli", default=os.path.join(ROOT, "build/release/app/cli/quantscope-cli"))
    ap.add_argument("--model", default=os.path.join(ROOT, "../shared/models/stories260K.gguf"))
    ap.add_argument("--precision", default="file")
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--requests", type=int, default=50)
    ap.add_argument("--max-tokens", type=int, default=16, help="tokens each request generates at most")
    ap.add_argument("--threads", type=int, default=0, help="serve's --threads (0: every core)")
    args = ap.parse_args()

    key = "sk-load-" + secrets.token_hex(8)
    env = dict(os.environ, QS_LOAD_KEY=key)
    log_path = "/tmp/qs_load_serve_%d.log" % os.getpid()
    log = open(log_path, "w")
    serve = subprocess.Popen([args.cli, "serve", "--model", args.model, "--precision", args.precision, "--port", "0",
                              "--api-key-env", "QS_LOAD_KEY", "--max-body", "65536", "--max-pending", "256",
                              "--threads", str(args.threads)],
                             stderr=log, stdout=log, env=env)
    try:
        port = None
        for _ in range(600):
            m = re.search(r"http://127\.0\.0\.1:(\d+)/v1", open(log_path).read())
            if m:
                port = int(m.group(1))
                break
            if serve.poll() is not None:
                sys.exit("serve exited: " + open(log_path).read())
            time.sleep(0.1)
        base = "http://127.0.0.1:%d" % port
        url = base + "/v1/completions"

        # Clear 4xx for what a client gets wrong.
        checks = {
            "malformed JSON": (request(url, b'{"prompt": "a",', key), 400),
            "oversized body": (request(url, {"prompt": "a" * 70000}, key), 413),
            "missing API key": (request(url, {"prompt": "a"}, None), 401),
            "wrong API key": (request(url, {"prompt": "a"}, key + "x"), 401),
        }
        for name, ((status, body), want) in checks.items():
            ok = status == want and "message" in body.get("error", {})
            print("%-16s -> %d %s%s" % (name, status, body.get("error", {}).get("message", ""), "" if ok else "   <-- WRONG"))
            if not ok:
                sys.exit(1)

        prompts = ["Once upon a time", "The little dog", "Tom and Sue went to", "One day a bird", "Lily wanted to",
                   "The sun was", "Max had a big", "In the park there"]
        # Greedy and seeded sampling (a seed per prompt), lengths from max_tokens / 2 to max_tokens:
        # batched requests must each keep their own sampler and length.
        bodies = [{"prompt": p, "max_tokens": args.max_tokens - (i % 2) * (args.max_tokens // 2), "logprobs": 2,
                   "temperature": 0 if i % 2 == 0 else 0.8, "seed": 100 + i} for i, p in enumerate(prompts)]
        expected = []
        for b in bodies:
            status, out = request(url, b, key)
            assert status == 200, out
            expected.append(out["choices"])

        batching = re.search(r"serve: (decoding up to .*)", open(log_path).read())
        print(batching.group(1) if batching else "serve did not say how it batches")
        latencies, failures, lock = [], [], threading.Lock()
        generated = [0]

        def client(c):
            for r in range(args.requests):
                i = (c * 7 + r) % len(bodies)
                t0 = time.perf_counter()
                try:
                    status, out = request(url, bodies[i], key)
                    ok = status == 200 and out["choices"] == expected[i]
                except Exception as e:  # a dropped connection counts as a failure
                    status, ok = str(e), False
                dt = time.perf_counter() - t0
                with lock:
                    latencies.append(dt)
                    if ok:
                        generated[0] += out["usage"]["completion_tokens"]
                    if not ok:
                        failures.append((c, r, status))

        t0 = time.perf_counter()
        threads = [threading.Thread(target=client, args=(c,)) for c in range(args.clients)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        wall = time.perf_counter() - t0
        alive = urllib.request.urlopen(base + "/health", timeout=10).status == 200
        lat = sorted(latencies)
        print("%d clients x %d requests: %d responses, %d wrong or failed, server alive: %s" %
              (args.clients, args.requests, len(lat), len(failures), alive))
        print("latency p50 %.1f ms, p99 %.1f ms, max %.1f ms; %.1f requests/s, %.0f generated tokens/s in all "
              "(%d tokens in %.2f s; loopback, shared machine)" %
              (1000 * percentile(lat, 0.5), 1000 * percentile(lat, 0.99), 1000 * lat[-1], len(lat) / wall,
               generated[0] / wall, generated[0], wall))
        if failures or not alive or serve.poll() is not None:
            print("failures:", failures[:10])
            sys.exit(1)
        if key in open(log_path).read():
            sys.exit("the API key appears in serve's log")
    finally:
        serve.terminate()
        serve.wait(timeout=30)
        log.close()


if __name__ == "__main__":
    main()
