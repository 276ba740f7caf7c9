"""Shared fixtures: the command line to compare against, and a comparison of profiles."""

from __future__ import annotations

import json
import math
import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def cli() -> Path:
    """The `datassay` binary of this checkout (test.sh builds it)."""
    for profile in ("debug", "release"):
        p = ROOT / "target" / profile / "datassay"
        if p.exists():
            return p
    subprocess.run(["cargo", "build", "--bin", "datassay"], cwd=ROOT, check=True)
    return ROOT / "target" / "debug" / "datassay"


def run_cli(cli: Path, *args: str) -> dict:
    """Run the command line with `--json -` and return its JSON."""
    out = subprocess.run(
        [str(cli), *args, "--json", "-", "--quiet"],
        check=True,
        capture_output=True,
        text=True,
        env={**os.environ, "DATASSAY_CACHE_DIR": ""},
    )
    return json.loads(out.stdout)


# Floating-point moments (and the states they finish from) may differ in their last bits
# between a merge of parts and one pass; every other figure must be equal.
MOMENT_TOLERANCE = 1e-12


# The keys of floating-point moments, in figures and in states.
MOMENT_KEYS = {
    "mean", "sum", "variance", "std", "skewness", "kurtosis",
    "mean_hi", "mean_lo", "m2", "m3", "m4",
    "mean_x", "mean_y", "lo_x", "lo_y", "m2x", "m2y", "cxy", "pearson",
}


def _is_moment(path: str) -> bool:
    key = path.rsplit(".", 1)[-1].split("[", 1)[0]
    return key in MOMENT_KEYS


def differences(a, b, path: str = "", skip=("parts",)) -> list[str]:
    """Where two profile documents differ beyond the moments' tolerance."""
    out: list[str] = []
    if isinstance(a, dict) and isinstance(b, dict):
        for k in sorted(set(a) | set(b)):
            if path == "" and k in skip:
                continue
            out += differences(a.get(k), b.get(k), f"{path}.{k}", skip)
    elif isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return [f"{path}: {len(a)} items against {len(b)}"]
        for i, (x, y) in enumerate(zip(a, b)):
            out += differences(x, y, f"{path}[{i}]", skip)
    elif isinstance(a, float) and isinstance(b, float) and _is_moment(path):
        if a != b and not math.isclose(
            a, b, rel_tol=MOMENT_TOLERANCE, abs_tol=MOMENT_TOLERANCE
        ):
            out.append(f"{path}: {a!r} against {b!r}")
    elif a != b:
        out.append(f"{path}: {a!r} against {b!r}")
    return out


def same_profile(a: dict, b: dict, skip=("parts",)) -> None:
    d = differences(a, b, skip=skip)
    assert not d, "profiles differ:\n" + "\n".join(d[:20])
