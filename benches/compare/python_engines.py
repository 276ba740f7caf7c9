#!/usr/bin/env python3
"""datassay from Python, on Spark and on Ray, side by side with the command line and with the
tools a Spark user would pick instead.

    python benches/compare/python_engines.py --rows 10000000            # every part
    python benches/compare/python_engines.py --rows 200000 --parts python  # seconds

Parts (each run in turn; every figure is the best of --reps runs, the tools of a part
alternating run by run):

- python: `datassay.profile` of a pandas and of a polars DataFrame (in memory) against the
  command line (`datassay profile`, a process of its own) on the same rows as an uncompressed
  Arrow IPC file (the file format whose reading costs least) and as Parquet.
- spark: on a Spark `local[N]` session, `datassay.spark.profile(df)` against
  `df.summary().collect()` (Spark's own: count, mean, stddev, min, quartiles, max) and, when it
  is installed, whylogs' Spark profiler (`collect_dataset_profile_view`), on the same
  DataFrame read from the Parquet file.
- ray: `datassay.ray.profile(ray.data.read_parquet(file))` on a local Ray cluster against
  `datassay.profile(file)` in the same process (the overhead of the engine).

Every tool gets the same threads (--threads, default the machine's cores). Needs the
package built in release mode (`cd python && maturin develop --release`) and the binary
(`cargo build --release`). See benches/compare/README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]


def best(fn, reps: int) -> float:
    times = []
    for _ in range(reps):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def alternate(fns: dict, reps: int) -> dict:
    """Best time of each function, run in turn rep by rep."""
    times = {k: [] for k in fns}
    for _ in range(reps):
        for k, fn in fns.items():
            t = time.perf_counter()
            fn()
            times[k].append(time.perf_counter() - t)
    return {k: min(v) for k, v in times.items()}


def python_part(args, table, parquet: Path, work: Path) -> dict:
    import pyarrow.feather
    import polars as pl

    import datassay

    ipc = work / "table.arrow"
    pyarrow.feather.write_feather(table, ipc, compression="uncompressed")
    import pandas as pd

    pdf = table.to_pandas()
    pdf_arrow = table.to_pandas(types_mapper=pd.ArrowDtype)
    plf = pl.from_arrow(table)
    cli = str(args.datassay)
    env = {**os.environ, "RAYON_NUM_THREADS": str(args.threads)}

    def run_cli(path):
        subprocess.run([cli, "profile", str(path), "--device", "cpu", "--json", "-", "--quiet"],
                       check=True, env=env, stdout=subprocess.DEVNULL)

    datassay.set_threads(args.threads)
    fns = {
        "datassay.profile(pandas)": lambda: datassay.profile(pdf, device="cpu"),
        "datassay.profile(pandas, Arrow dtypes)": lambda: datassay.profile(pdf_arrow, device="cpu"),
        "datassay.profile(polars)": lambda: datassay.profile(plf, device="cpu"),
        "datassay.profile(pyarrow)": lambda: datassay.profile(table, device="cpu"),
        "CLI on Arrow IPC": lambda: run_cli(ipc),
        "CLI on Parquet": lambda: run_cli(parquet),
    }
    return alternate(fns, args.reps)


def spark_part(args, parquet: Path) -> dict:
    from pyspark.sql import SparkSession

    import datassay.spark

    spark = (
        SparkSession.builder.master(f"local[{args.threads}]")
        .config("spark.ui.enabled", "false")
        .config("spark.driver.memory", args.spark_memory)
        .config("spark.sql.shuffle.partitions", str(args.threads * 2))
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    df = spark.read.parquet(str(parquet))
    fns = {
        "datassay.spark.profile": lambda: datassay.spark.profile(df, device="cpu"),
        "datassay.spark.profile (no duplicate rows)": lambda: datassay.spark.profile(
            df, device="cpu", duplicate_rows=False
        ),
        "DataFrame.summary()": lambda: df.summary().collect(),
    }
    try:
        from whylogs.api.pyspark.experimental import collect_dataset_profile_view

        fns["whylogs collect_dataset_profile_view"] = lambda: collect_dataset_profile_view(df)
    except Exception as e:  # not installed, or not for this Spark
        print(f"whylogs' Spark profiler is not available: {e}", file=sys.stderr)
    out = alternate(fns, args.reps)
    spark.stop()
    return out


def ray_part(args, parquet: Path) -> dict:
    import ray

    import datassay
    import datassay.ray

    ray.init(num_cpus=args.threads, include_dashboard=False, log_to_driver=False)
    ray.data.DataContext.get_current().enable_progress_bars = False
    datassay.set_threads(args.threads)
    fns = {
        "datassay.ray.profile": lambda: datassay.ray.profile(
            ray.data.read_parquet(str(parquet)), device="cpu"
        ),
        "datassay.ray.profile (no duplicate rows)": lambda: datassay.ray.profile(
            ray.data.read_parquet(str(parquet)), device="cpu", duplicate_rows=False
        ),
        "datassay.profile(path), one process": lambda: datassay.profile(str(parquet), device="cpu"),
    }
    out = alternate(fns, args.reps)
    ray.shutdown()
    return out


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--rows", type=int, default=10_000_000)
    p.add_argument("--reps", type=int, default=3)
    p.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    p.add_argument("--parts", default="python,spark,ray", help="comma-separated: python, spark, ray")
    p.add_argument("--datassay", type=Path, default=ROOT / "target" / "release" / "datassay")
    p.add_argument("--spark-memory", default="4g", help="spark.driver.memory (default 4g)")
    p.add_argument("--workdir", type=Path, default=None)
    p.add_argument("--json", type=Path, default=None, help="also write the results here")
    args = p.parse_args()

    import pyarrow.parquet as pq

    work = args.workdir or Path(tempfile.mkdtemp(prefix="datassay-py-"))
    work.mkdir(parents=True, exist_ok=True)
    parquet = work / "table.parquet"
    if not parquet.exists():
        subprocess.run([sys.executable, str(HERE / "gen_table.py"), "--rows", str(args.rows), "--out", str(parquet)],
                       check=True)
    table = pq.read_table(parquet)
    print(f"{table.num_rows} rows × {table.num_columns} columns, {parquet.stat().st_size / 1e6:.0f} MB Parquet, "
          f"{table.nbytes / 1e6:.0f} MB in memory; {args.threads} threads, best of {args.reps}")
    results = {}
    parts = args.parts.split(",")
    if "python" in parts:
        results["python"] = python_part(args, table, parquet, work)
    del table
    if "spark" in parts:
        results["spark"] = spark_part(args, parquet)
    if "ray" in parts:
        results["ray"] = ray_part(args, parquet)
    for part, times in results.items():
        base = min(times.values())
        print(f"\n{part}")
        for k, v in times.items():
            print(f"  {k:45s} {v:8.2f} s  {v / base:5.2f}x")
    if args.json:
        import importlib.metadata as md

        versions = {}
        for pkg in ("pyarrow", "pandas", "polars", "pyspark", "ray", "whylogs"):
            try:
                versions[pkg] = md.version(pkg)
            except md.PackageNotFoundError:
                pass
        args.json.write_text(json.dumps({
            "rows": args.rows, "threads": args.threads, "reps": args.reps,
            "machine": platform.platform(), "cpus": os.cpu_count(), "versions": versions,
            "seconds": results,
        }, indent=2))


if __name__ == "__main__":
    main()
