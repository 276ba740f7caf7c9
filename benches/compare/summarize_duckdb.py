#!/usr/bin/env python3
"""datassay profile against DuckDB on one file, side by side: the full profile against
SUMMARIZE, the moments-only profile against DuckDB's aggregates, and a CSV read from a file or
from standard input. Each tool runs as its own process, alternated, on the same threads; the
script reports every run's wall time and peak resident memory (from wait4) and the best of each.

    python3 benches/compare/summarize_duckdb.py FILE [--mode full|moments|stdin] [--reps 3]

FILE is a .parquet or .csv file (e.g. from gen_table.py; a CSV of it with
`COPY (SELECT * FROM 'table.parquet') TO 'table.csv' (HEADER)` in DuckDB). Modes:

- full: `datassay profile FILE` against `SUMMARIZE SELECT * FROM FILE`;
- moments: `datassay profile FILE --no-sketches --no-correlations` (counts, NaN/inf, moments up
  to kurtosis, histograms, lengths) against one query of count, min, max, avg and stddev_samp of
  every numeric column and count of every other (DuckDB's skewness stops with an out-of-range
  error on gen_table.py's f_spikes column);
- stdin: `datassay profile - < FILE` (a CSV stream) against SUMMARIZE of read_csv(FILE).
"""

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def measured(cmd, env, stdin=None):
    """Run cmd; return (wall seconds, peak RSS MB, exit code)."""
    t = time.perf_counter()
    with open(stdin, "rb") if stdin else open(os.devnull, "rb") as inp:
        p = subprocess.Popen(cmd, env=env, stdin=inp, stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE)
        _, status, usage = os.wait4(p.pid, 0)
    wall = time.perf_counter() - t
    err = p.stderr.read().decode(errors="replace")
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        sys.exit(f"{cmd[0]} failed ({code}): {err[-2000:]}")
    return wall, usage.ru_maxrss / 1024.0


def duckdb_query(file: Path, mode: str) -> str:
    src = f"read_csv('{file}')" if file.suffix == ".csv" else f"read_parquet('{file}')"
    if mode in ("full", "stdin"):
        return f"SUMMARIZE SELECT * FROM {src}"
    import duckdb
    cols = duckdb.sql(f"DESCRIBE SELECT * FROM {src}").fetchall()
    numeric = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT",
               "UINTEGER", "UBIGINT", "FLOAT", "DOUBLE")
    parts = []
    for name, typ, *_ in cols:
        q = '"' + name.replace('"', '""') + '"'
        if typ.upper() in numeric or typ.upper().startswith("DECIMAL"):
            # skewness and kurtosis are left out: DuckDB 2.0 stops with "SKEW is out of range"
            # on gen_table.py's f_spikes column (values near 1e6 beside subnormals).
            parts += [f"count({q})", f"min({q})", f"max({q})", f"avg({q})",
                      f"stddev_samp({q})"]
        else:
            parts.append(f"count({q})")
    return f"SELECT {', '.join(parts)} FROM {src}"


def duckdb_child(file: str, threads: int, query: str) -> None:
    import duckdb
    con = duckdb.connect()
    con.execute(f"SET threads={threads}")
    con.execute(query).fetchall()


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("file", type=Path)
    p.add_argument("--mode", choices=["full", "moments", "stdin"], default="full")
    p.add_argument("--reps", type=int, default=3)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--datassay", type=Path, default=REPO / "target" / "release" / "datassay")
    p.add_argument("--json", type=Path, help="write the runs here")
    p.add_argument("--child", help=argparse.SUPPRESS)
    a = p.parse_args()
    if a.child:
        duckdb_child(str(a.file), a.threads, a.child)
        return 0
    import duckdb
    env = dict(os.environ, RAYON_NUM_THREADS=str(a.threads), XDG_RUNTIME_DIR="/tmp")
    out = Path("/tmp") / f"datassay-bench-{os.getpid()}.json"
    ds = [str(a.datassay), "profile", "--device", "cpu", "-q", "--json", str(out)]
    if a.mode == "stdin":
        ds += ["-"]
    else:
        ds += [str(a.file)]
    if a.mode == "moments":
        ds += ["--no-sketches", "--no-correlations"]
    query = duckdb_query(a.file, a.mode)
    dk = [sys.executable, __file__, str(a.file), "--threads", str(a.threads), "--child", query]
    runs = {"datassay": [], "duckdb": []}
    for rep in range(a.reps):
        for tool, cmd in (("datassay", ds), ("duckdb", dk)):
            stdin = a.file if (tool == "datassay" and a.mode == "stdin") else None
            wall, rss = measured(cmd, env, stdin)
            runs[tool].append({"seconds": wall, "peak_mb": rss})
            print(f"rep {rep + 1}/{a.reps} {tool:9} {wall:7.3f} s  peak {rss:7.1f} MB", flush=True)
    out.unlink(missing_ok=True)
    best = {t: min(r["seconds"] for r in v) for t, v in runs.items()}
    peak = {t: max(r["peak_mb"] for r in v) for t, v in runs.items()}
    size = a.file.stat().st_size / 1e6
    print(f"\n{a.file.name} ({size:.0f} MB), mode {a.mode}, {a.threads} threads, best of {a.reps}; "
          f"duckdb {duckdb.__version__}")
    for t in runs:
        print(f"  {t:9} {best[t]:7.3f} s  peak {peak[t]:7.1f} MB  "
              f"({best[t] / best['duckdb']:.2f} of DuckDB's time)")
    print(f"  DuckDB's query: {query[:200]}{'…' if len(query) > 200 else ''}")
    if a.json:
        a.json.write_text(json.dumps({"file": str(a.file), "mode": a.mode, "threads": a.threads,
                                      "duckdb": duckdb.__version__, "runs": runs,
                                      "query": query}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
