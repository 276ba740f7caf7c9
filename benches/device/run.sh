#!/usr/bin/env bash
# The measurements taken on a lent NVIDIA machine (see ../../README.md, "Performance"), in one
# call: with the release binary, the Vulkan loader and its prelude packed into .devcarry/, run, from the project root,
#   bash .devcarry/on-device.sh bash benches/device/run.sh
# Results go to $OUT (or /tmp/datassay-device): the JSON of each run and summary.txt.
set -u
B=${DATASSAY:-.devcarry/bin/datassay}
O=${OUT:-/tmp/datassay-device}
T=$(mktemp -d)
mkdir -p "$O"
log() { echo "$*" | tee -a "$O/summary.txt"; }
log "cores: $(nproc)"
nvidia-smi --query-gpu=name,clocks.max.sm,clocks.sm,memory.total,power.limit --format=csv >> "$O/summary.txt" 2>&1
source "$(dirname "${BASH_SOURCE[0]}")/egl-icd.sh" >> "$O/summary.txt"
"$B" devices > "$O/devices.txt" 2>&1
cat "$O/devices.txt" >> "$O/summary.txt"
if grep -q "no GPU adapter" "$O/devices.txt"; then exit 3; fi

# Exact kNN: the GPU's neighbours equal the CPU twin's on real hardware (20,000 × 384).
"$B" generate "$T/e20k.npy" --dim 384 --rows 20000 --outliers 20 --duplicates 50 --seed 7 2>/dev/null
for m in l2 cosine; do
  "$B" outliers "$T/e20k.npy" --metric $m --device gpu --gpu-f16 -q --neighbors "$T/h_$m.csv" > /dev/null
  "$B" outliers "$T/e20k.npy" --metric $m --device gpu -q --neighbors "$T/g_$m.csv" --json "$O/check_gpu_$m.json" > /dev/null
  "$B" outliers "$T/e20k.npy" --metric $m --device cpu -q --neighbors "$T/c_$m.csv" --json "$O/check_cpu_$m.json" > /dev/null
  if cmp -s "$T/g_$m.csv" "$T/c_$m.csv"; then log "check $m 20000x384: GPU neighbours == CPU neighbours"
  else log "check $m 20000x384: DIFFER in $(diff "$T/g_$m.csv" "$T/c_$m.csv" | grep -c '^<') lines"; fi
  log "check $m 20000x384 f16 storage: $(diff "$T/h_$m.csv" "$T/c_$m.csv" | grep -c '^<') of 200000 neighbour lines differ from the CPU's"
done

# Throughput: 200,000 × 384 (the faiss comparison's shape), GPU resident and streamed, CPU on all cores.
"$B" generate "$T/e200k.npy" --dim 384 --rows 200000 --outliers 200 --duplicates 500 2>/dev/null
for m in l2 cosine; do for r in 1 2; do
  "$B" outliers "$T/e200k.npy" --metric $m --device gpu -q --json "$O/gpu_200k_${m}_$r.json" | tail -1 | sed "s/^/gpu 200k $m #$r:/" | tee -a "$O/summary.txt"
done; done
"$B" outliers "$T/e200k.npy" --metric l2 --device gpu --gpu-stream -q --json "$O/gpu_200k_l2_stream.json" | tail -1 | sed "s/^/gpu 200k l2 streamed:/" | tee -a "$O/summary.txt"
"$B" outliers "$T/e200k.npy" --metric l2 --device gpu --gpu-f16 -q --json "$O/gpu_200k_l2_f16.json" --neighbors "$T/g16.csv" | tail -1 | sed "s/^/gpu 200k l2 f16 storage:/" | tee -a "$O/summary.txt"
"$B" outliers "$T/e200k.npy" --metric l2 --device gpu -q --neighbors "$T/g32.csv" > /dev/null
log "f16 storage vs f32, 200000x384 l2: $(diff "$T/g16.csv" "$T/g32.csv" | grep -c '^<') of 2000000 neighbour lines differ"
"$B" outliers "$T/e200k.npy" --metric l2 --device cpu -q --json "$O/cpu_200k_l2.json" | tail -1 | sed "s/^/cpu 200k l2:/" | tee -a "$O/summary.txt"
"$B" generate "$T/e500k.npy" --dim 384 --rows 500000 2>/dev/null
"$B" outliers "$T/e500k.npy" --metric l2 --device gpu -q --json "$O/gpu_500k_l2.json" | tail -1 | sed "s/^/gpu 500k l2:/" | tee -a "$O/summary.txt"
rm -rf "$T"

# The tabular engine (moments kernel, upload, end to end).
timeout 240 "$B" bench --json "$O/bench.json" > "$O/bench.txt" 2>&1; cat "$O/bench.txt" >> "$O/summary.txt"
