#!/usr/bin/env bash
# SIGKILL trial: kill a multi-job `quantscope-cli eval` at random moments, many times, and check
# that each database is sound and holds every job whose "done" line was printed before the kill.
#
#   scripts/kill_trial.sh [--trials N] [--cli PATH] [--model GGUF] [--seed S]
#
# Defaults: 50 trials, build/release/app/cli/quantscope-cli, the demo model (resources/demo),
# seed 1. Each trial runs F32, Q8_0, Q4_0 perplexity + KLD (5 jobs, two workers) on a generated
# text into a fresh database, and is killed at a uniformly random time within the length of an
# uninterrupted run (measured first). A job's "done" line is printed after its transaction has
# committed, so every printed "done" must be in the database. Prints one line per trial and a
# summary; exits 1 if any database is unsound or any printed job is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

trials=50
cli=build/release/app/cli/quantscope-cli
model=resources/demo/quantscope-demo-kjv-f32.gguf
seed=1
while [ $# -gt 0 ]; do
  case "$1" in
    --trials) trials="$2"; shift 2 ;;
    --cli) cli="$2"; shift 2 ;;
    --model) model="$2"; shift 2 ;;
    --seed) seed="$2"; shift 2 ;;
    *) echo "usage: $0 [--trials N] [--cli PATH] [--model GGUF] [--seed S]" >&2; exit 2 ;;
  esac
done
[ -x "$cli" ] || { echo "kill_trial: $cli not built (cmake --build --preset release --target quantscope-cli)" >&2; exit 2; }

work=$(mktemp -d "${TMPDIR:-/tmp}/qs-kill-trial.XXXXXX")
trap 'rm -rf "$work"' EXIT
python3 - "$work/text.txt" <<'PY'
import sys
words = "and the people of the land went up to the city and they spoke to the king of all that was done".split()
out, x = [], 12345
for i in range(6000):  # a deterministic pseudo-random text, plenty for 40 chunks of 64 tokens
    x = (x * 1103515245 + 12345) % (1 << 31)
    out.append(words[x % len(words)])
open(sys.argv[1], "w").write(" ".join(out) + "\n")
PY

run_eval() {  # db stderr-file (exec: the caller's $! is the CLI itself, which the kill must hit)
  exec "$cli" eval --model "$model" --precisions F32,Q8_0,Q4_0 --ppl "$work/text.txt" --kld --ctx 64 --chunks 40 \
    --workers 2 --threads 2 --db "$1" 2>"$2" >/dev/null
}

start=$(date +%s.%N)
(run_eval "$work/full.db" "$work/full.err")
full=$(python3 -c "print(round($(date +%s.%N) - $start, 2))")
echo "kill_trial: an uninterrupted run takes ${full} s (5 jobs); killing $trials runs at random times within it"

python3 - "$seed" "$trials" "$full" > "$work/delays" <<'PY'
import random, sys
r = random.Random(int(sys.argv[1]))
for _ in range(int(sys.argv[2])): print(round(r.uniform(0.0, float(sys.argv[3])), 3))
PY

sound=0; lost=0; printed_total=0; stored_total=0; with_done=0; i=0
while read -r delay; do
  i=$((i + 1))
  db="$work/t$i.db"; err="$work/t$i.err"
  (run_eval "$db" "$err") &
  pid=$!
  sleep "$delay"
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  result=$(python3 - "$db" "$err" <<'PY'
import re, sqlite3, sys, os
db, err = sys.argv[1], sys.argv[2]
printed = set()
for line in open(err, errors="replace"):
    m = re.match(r"\[(\d+)/\d+\] .*: done \(", line)
    if m: printed.add(int(m.group(1)) - 1)
if not os.path.exists(db):  # killed before the database was created: nothing was promised
    print(f"ok 0 0 {'no database yet' if not printed else 'MISSING DATABASE'}"); sys.exit()
con = sqlite3.connect(db)
ok = con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
done = {r[0] for r in con.execute("SELECT idx FROM jobs WHERE status='done'")} if "jobs" in tables else set()
missing = printed - done
print(f"{'ok' if ok else 'UNSOUND'} {len(printed)} {len(done)} {'lost ' + str(sorted(missing)) if missing else ''}")
PY
)
  read -r state printed stored rest <<<"$result"
  printed_total=$((printed_total + printed)); stored_total=$((stored_total + stored))
  [ "$printed" -gt 0 ] && with_done=$((with_done + 1))
  [ "$state" = ok ] && sound=$((sound + 1))
  [ -n "${rest:-}" ] && [[ "$rest" == lost* || "$rest" == MISSING* ]] && lost=$((lost + 1))
  printf "trial %2d: killed at %6.3f s: %s, %s done printed, %s done stored %s\n" "$i" "$delay" "$state" "$printed" "$stored" "${rest:-}"
done < "$work/delays"

echo "kill_trial: $sound/$trials databases sound; trials losing a printed job: $lost; done lines printed: $printed_total (in $with_done trials), done jobs stored: $stored_total"
[ "$sound" = "$trials" ] && [ "$lost" = 0 ]
