#!/usr/bin/env bash
# MinHash on a lent NVIDIA machine: with the release binary, the Vulkan loader and its prelude packed into .devcarry/, run, from the
# project root, `bash .devcarry/on-device.sh bash benches/device/dedup.sh`. Results in $OUT.
set -u
B=${DATASSAY:-.devcarry/bin/datassay}
O=${OUT:-/tmp/datassay-device}
T=$(mktemp -d)
mkdir -p "$O"
log() { echo "$*" | tee -a "$O/dedup.txt"; }
source "$(dirname "${BASH_SOURCE[0]}")/egl-icd.sh" >> "$O/dedup.txt"
"$B" generate "$T/c.parquet" --docs --rows 200000 2>/dev/null
i=0
for d in gpu gpu cpu; do
  i=$((i + 1))
  log "200000 docs, $d: $("$B" dedup "$T/c.parquet" --column text --device $d --json "$O/dedup_$i.json" --pairs "$T/p_$d.csv" | grep -E 'near duplicates|MinHash' | tr -s ' ' | tr '\n' ';')"
done
if cmp -s "$T/p_gpu.csv" "$T/p_cpu.csv"; then log "GPU and CPU pairs identical"; else log "GPU and CPU pairs DIFFER"; fi
rm -rf "$T"
