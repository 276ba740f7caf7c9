#!/usr/bin/env bash
# The second, shorter pass of engine.sh (kept within a device budget): `datassay bench` on a
# 512 MB column with kernel time from timestamp queries, then the whole profile at scale on both
# paths alone (`--scale-only`) for the break-even. Figures are printed as they are measured, so
# a cut-short run keeps them. Run as engine.sh; SCALE (default 2G) sets the dataset size.
set -u
B=${DATASSAY:-.devcarry/bin/datassay}
O=${OUT:-/tmp/datassay-device}
mkdir -p "$O"
export DATASSAY_CACHE_DIR=$(mktemp -d)
"$B" devices > "$O/devices.txt" 2>&1
timeout 170 "$B" bench --rows 67108864 --reps 2 --images 300 --minhash-docs 20000 --json "$O/bench.json" > "$O/bench.txt" 2> "$O/bench.err"
echo "bench exit: $?" >> "$O/bench.err"
timeout 150 "$B" bench --scale "${SCALE:-2G}" --scale-only --json "$O/scale.json" > "$O/scale.txt" 2> "$O/scale.err"
echo "scale exit: $?" >> "$O/scale.err"
"$B" devices | tail -2 >> "$O/scale.txt"
