#!/usr/bin/env bash
# The dialogue suite in-process and through llama-cpp-python's OpenAI-compatible server
# (the same F16 weights, tests/llama_server.py), both at once on the same code and load.
# Usage, from the repository root: eval/results/2026-12-01-server-vs-in-process/run.sh OUT [LIMIT]
set -u
OUT=${1:?output folder}; LIMIT=${2:-24}; PORT=${PORT:-18440}
PY=${PY:-.venv/bin/python}
export OMP_NUM_THREADS=1 PYTHONPATH=.
mkdir -p "$OUT"
$PY tests/llama_server.py $PORT > "$OUT/server.log" 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null' EXIT
for _ in $(seq 240); do curl -s 127.0.0.1:$PORT/v1/models >/dev/null && break; sleep 1; done
ARGS="--suite dialogues --limit $LIMIT --data ../shared/data --timeout 900 --no-baselines --quiet"
date -u +"%T start" >> "$OUT/times.log"
$PY -m eval run $ARGS --out "$OUT/in-process" > "$OUT/in-process.log" 2>&1 &
A=$!
$PY -m eval run $ARGS --base-url http://127.0.0.1:$PORT/v1 --out "$OUT/llama-server" \
    > "$OUT/llama-server.log" 2>&1
echo "server rc=$?" >> "$OUT/times.log"
wait $A; echo "in-process rc=$?" >> "$OUT/times.log"
date -u +"%T end" >> "$OUT/times.log"
