#!/usr/bin/env bash
# The Python tests: make the virtual environment (.venv at the repository root) with the pinned
# packages, build the extension into it (dev profile, sharing target/ with cargo), run pytest.
# The tests compare against the command line, so `cargo build` (or `cargo test`) runs first.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
venv="${DATASSAY_VENV:-$root/.venv}"
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
fi
"$venv/bin/pip" install -q --disable-pip-version-check -r "$root/python/requirements-test.txt"
cargo build --manifest-path "$root/Cargo.toml" --bin datassay
(cd "$root/python" && VIRTUAL_ENV="$venv" PATH="$venv/bin:$PATH" maturin develop --quiet)
cd "$root/python"
PYSPARK_PYTHON="$venv/bin/python" PYSPARK_DRIVER_PYTHON="$venv/bin/python" \
  "$venv/bin/python" -m pytest -q tests "$@"
