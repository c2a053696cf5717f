#!/usr/bin/env bash
# Dialogue suite (seeded sample of 8 dialogues) in-process and through llama-cpp-python's
# server, at the same time on the same code and load: one side-by-side run.
set -u
cd /tmp/scale_eval/code
PY=/work/main/.venv/bin/python
export OMP_NUM_THREADS=1
OUT=/tmp/scale_eval
$PY tests/llama_server.py 18440 > $OUT/server.log 2>&1 &
SERVER=$!
for i in $(seq 120); do curl -s 127.0.0.1:18440/v1/models >/dev/null && break; sleep 1; done
date -u +"%T start both" >> $OUT/times.log
ARGS="--suite dialogues --limit 8 --data /work/wt/shared/data --timeout 900 --no-baselines --quiet"
$PY -m eval run $ARGS --out $OUT/dialogues-in-process > $OUT/in-process.log 2>&1 &
A=$!
$PY -m eval run $ARGS --backend openai --base-url http://127.0.0.1:18440/v1 --out $OUT/dialogues-llama-server > $OUT/llama-server.log 2>&1
echo "server rc=$?" >> $OUT/times.log
wait $A; echo "in-process rc=$?" >> $OUT/times.log
date -u +"%T end both" >> $OUT/times.log
kill $SERVER
