#!/usr/bin/env bash
# The GPU engine's measurements on a lent NVIDIA machine, in one call: with the release binary,
# the Vulkan loader and its prelude packed into .devcarry/, run, from the project root,
#   bash .devcarry/on-device.sh bash benches/device/engine.sh
# Measures: adapters and the manifest diagnosis; `datassay bench` with kernel time from
# timestamp queries (moments on a 1 GB resident column, sketches, MinHash, image hashes, kNN),
# the engine's fixed cost, upload, end to end, and a whole profile of a 10 GB Parquet dataset
# on both paths with the break-even it gives; a new process's setup with a cold and a warm
# pipeline cache; GPU results against the CPU's. Results go to $OUT (or /tmp/datassay-device).
set -u
B=${DATASSAY:-.devcarry/bin/datassay}
O=${OUT:-/tmp/datassay-device}
SCALE=${SCALE:-10G}
ROWS=${ROWS:-134217728}
mkdir -p "$O"
T=$(mktemp -d)
export DATASSAY_CACHE_DIR="$T/cache"
log() { echo "$*" | tee -a "$O/summary.txt"; }
log "cores: $(nproc); memory: $(free -g | awk '/Mem:/{print $2}') GB"
nvidia-smi --query-gpu=name,clocks.max.sm,memory.total,power.limit --format=csv >> "$O/summary.txt" 2>&1
( unset VK_DRIVER_FILES; "$B" devices > "$O/devices-default-manifest.txt" 2>&1 )
"$B" devices > "$O/devices.txt" 2>&1
cat "$O/devices.txt" >> "$O/summary.txt"

# A new process's setup: cold pipeline cache, then warm.
"$B" generate "$T/small.parquet" --rows 100000 > /dev/null 2>&1
for k in cold warm; do
  s=$(date +%s%N)
  "$B" profile "$T/small.parquet" --device gpu -q --json "$T/small_$k.json"
  e=$(date +%s%N)
  log "profile of a 100k-row file, new process, pipeline cache $k: $(( (e - s) / 1000000 )) ms"
done
"$B" profile "$T/small.parquet" --device cpu -q --json "$T/small_cpu.json"
log "pipeline cache: $(du -sh "$DATASSAY_CACHE_DIR/pipelines" 2>/dev/null)"

# kNN neighbours: GPU equal to CPU (20,000 x 384).
"$B" generate "$T/e20k.npy" --dim 384 --rows 20000 --outliers 20 --duplicates 50 --seed 7 > /dev/null 2>&1
"$B" outliers "$T/e20k.npy" --device gpu -q --neighbors "$T/g.csv" > /dev/null
"$B" outliers "$T/e20k.npy" --device cpu -q --neighbors "$T/c.csv" > /dev/null
if cmp -s "$T/g.csv" "$T/c.csv"; then log "check knn l2 20000x384: GPU neighbours == CPU neighbours"
else log "check knn l2 20000x384: DIFFER"; fi

# Everything else, and the break-even.
timeout 420 "$B" bench --rows "$ROWS" --reps 3 --scale "$SCALE" --json "$O/bench.json" > "$O/bench.txt" 2> "$O/bench.err"
log "bench exit: $?"
cat "$O/bench.txt" >> "$O/summary.txt"
tail -5 "$O/bench.err" >> "$O/summary.txt"
"$B" devices | tail -2 >> "$O/summary.txt"
cp "$T"/small_*.json "$O/" 2>/dev/null
rm -rf "$T"
