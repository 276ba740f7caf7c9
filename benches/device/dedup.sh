#!/usr/bin/env bash
# MinHash on a lent NVIDIA machine: pack with `../shared/gpu/pack.sh datassay`, then run, from the
# project root, `bash .devcarry/on-device.sh bash benches/device/dedup.sh`. Results in $OUT.
set -u
B=${DATASSAY:-.devcarry/bin/datassay}
O=${OUT:-/tmp/datassay-device}
T=$(mktemp -d)
mkdir -p "$O"
log() { echo "$*" | tee -a "$O/dedup.txt"; }
# The EGL flavour of the NVIDIA Vulkan driver (see run.sh).
if "$B" devices 2>&1 | grep -q "no GPU adapter"; then
  lib=$(ldconfig -p | grep -o '/[^ ]*libEGL_nvidia.so.0' | head -1)
  printf '{"file_format_version":"1.0.0","ICD":{"library_path":"%s","api_version":"1.3.0"}}\n' "$lib" > /tmp/nvidia_egl_icd.json
  export VK_DRIVER_FILES=/tmp/nvidia_egl_icd.json
fi
"$B" generate "$T/c.parquet" --docs --rows 200000 2>/dev/null
i=0
for d in gpu gpu cpu; do
  i=$((i + 1))
  log "200000 docs, $d: $("$B" dedup "$T/c.parquet" --column text --device $d --json "$O/dedup_$i.json" --pairs "$T/p_$d.csv" | grep -E 'near duplicates|MinHash' | tr -s ' ' | tr '\n' ';')"
done
if cmp -s "$T/p_gpu.csv" "$T/p_cpu.csv"; then log "GPU and CPU pairs identical"; else log "GPU and CPU pairs DIFFER"; fi
rm -rf "$T"
