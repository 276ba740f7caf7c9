"""What executors and actors rely on: nothing made at import, forked workers that make their
own threads, and a pool sized to the cores a task is granted."""

from __future__ import annotations

import multiprocessing
import os
import subprocess
import sys

import pyarrow as pa

import datassay
from datassay import _native


def threads_of_this_process() -> int:
    return len(os.listdir("/proc/self/task"))


def test_import_creates_no_threads():
    code = (
        # pyarrow starts threads of its own at import: they are counted before.
        "import os, pyarrow, numpy; before = len(os.listdir('/proc/self/task')); "
        "import datassay, datassay.spark, "
        "datassay.ray; print(before, len(os.listdir('/proc/self/task')))"
    )
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    before, after = map(int, out.stdout.split())
    assert after == before, out.stdout


def rows_and_mean(_):
    t = pa.table({"x": pa.array([float(i) for i in range(100_000)])})
    p = datassay.profile(t, device="cpu")
    return p.rows, p.columns["x"].mean, _native.threads()


def test_a_forked_worker_makes_its_own_threads():
    # The parent's pool exists (and is busy-able) before the fork: a child that sent work to
    # it would wait forever.
    assert rows_and_mean(None)[:2] == (100_000, 49_999.5)
    ctx = multiprocessing.get_context("fork")
    with ctx.Pool(2) as pool:
        got = pool.map_async(rows_and_mean, range(4)).get(timeout=120)
    assert [g[:2] for g in got] == [(100_000, 49_999.5)] * 4


def test_threads_follow_the_cores_granted():
    t = pa.table({"x": pa.array([1.0, 2.0])})
    try:
        datassay.profile(t, device="cpu", threads=1)
        assert _native.threads() == 1
        datassay.set_threads(3)
        assert _native.threads() == 3
    finally:
        datassay.set_threads(0)
    assert _native.threads() == (os.cpu_count() or 1) or "RAYON_NUM_THREADS" in os.environ
