#!/usr/bin/env bash
# Image sets on a lent NVIDIA machine: with the release binary, the Vulkan loader and its prelude packed into .devcarry/, run, from
# the project root, `bash .devcarry/on-device.sh bash benches/device/images.sh`. Results in $OUT:
# images/s end to end on all cores (hashes on the CPU, then on the GPU), and pHash + dHash alone
# on the CPU and the GPU, with the GPU's bits checked against the CPU's.
set -u
B=${DATASSAY:-.devcarry/bin/datassay}
O=${OUT:-/tmp/datassay-device}
mkdir -p "$O"
source "$(dirname "${BASH_SOURCE[0]}")/egl-icd.sh" >> "$O/images.txt"
echo "cores: $(nproc)" >> "$O/images.txt"
timeout 400 "$B" bench --images-only --images 5000 --reps 2 --device gpu \
  --json "$O/images_bench.json" >> "$O/images.txt" 2>&1
cat "$O/images.txt"
