#!/usr/bin/env bash
# The third pass (after row groups fold in parallel on the GPU path): the tabular figures of
# `datassay bench` on a 512 MB column, then the whole profile at scale on both paths alone.
# Run as engine.sh.
set -u
B=${DATASSAY:-.devcarry/bin/datassay}
O=${OUT:-/tmp/datassay-device}
mkdir -p "$O"
export DATASSAY_CACHE_DIR=$(mktemp -d)
timeout 100 "$B" bench --rows 67108864 --reps 2 --images 0 --minhash-docs 0 --json "$O/bench.json" > "$O/bench.txt" 2> "$O/bench.err"
echo "bench exit: $?" >> "$O/bench.err"
timeout 110 "$B" bench --scale "${SCALE:-2G}" --scale-only --json "$O/scale.json" > "$O/scale.txt" 2> "$O/scale.err"
echo "scale exit: $?" >> "$O/scale.err"
