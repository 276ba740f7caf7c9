#!/usr/bin/env python3
"""Profiling a Parquet table: datassay against DuckDB's SUMMARIZE and Polars' describe.

All tools read the same Parquet file (by default the 12-column table of
gen_table.py) and summarise every column. Each run is a separate process, so
that its peak memory is its own; the tools take turns rep by rep and the best
time of each is kept. After the timing, the script computes exact references
in Python (quantiles, distinct counts, top values, duplicate rows) and scores
what each tool reports against them.

    python3 benches/compare/profile_duckdb_polars.py --generate               # 10,000,000 rows
    python3 benches/compare/profile_duckdb_polars.py --generate --rows 200000 # seconds

See benches/compare/README.md for what the figures mean.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import resource
import signal
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO_ROOT = HERE.parents[1]
QUANTILES = (0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99)
TOP_K = 10
TOOLS = ("datassay", "duckdb", "polars-read", "polars-scan")
LABEL = {
    "datassay": "datassay",
    "duckdb": "duckdb SUMMARIZE",
    "polars-read": "polars read.describe",
    "polars-scan": "polars scan.describe",
}
# DuckDB's SUMMARIZE columns other than the column's name and type.
DUCKDB_FIGURES = ("min", "max", "approx_unique", "avg", "std", "q25", "q50", "q75", "count",
                  "null_percentage")
DUCKDB_Q = {"q25": 0.25, "q50": 0.5, "q75": 0.75}
POLARS_Q = {"25%": 0.25, "50%": 0.5, "75%": 0.75}
# Fields of a datassay column that describe the column rather than its values, or that
# only support other figures (merge state, the bounds and error of the quantiles).
DATASSAY_NOT_FIGURES = {"name", "data_type", "kind", "rows", "moments", "quantile_bounds",
                        "quantile_relative_error"}


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(
        description="Time datassay profile, DuckDB SUMMARIZE and Polars describe on one Parquet "
                    "file, then score their figures against exact values.")
    p.add_argument("--file", type=Path, default=None,
                   help="Parquet file to profile (default: gen_table.py's default path for "
                        "--rows and --seed, /tmp/datassay-table-<rows>-seed<seed>.parquet)")
    p.add_argument("--generate", action="store_true",
                   help="write the file with gen_table.py first if it does not exist")
    p.add_argument("--rows", type=int, default=10_000_000,
                   help="rows of the generated table (default 10000000)")
    p.add_argument("--seed", type=int, default=7, help="seed of the generated table (default 7)")
    p.add_argument("--row-group-size", type=int, default=1_048_576,
                   help="row group size of the generated table (default 1048576)")
    p.add_argument("--threads", type=int, default=2,
                   help="threads for every tool: RAYON_NUM_THREADS (datassay), SET threads "
                        "(DuckDB), POLARS_MAX_THREADS (Polars) (default 2)")
    p.add_argument("--reps", type=int, default=3,
                   help="runs per tool, alternated; the best time is kept (default 3)")
    p.add_argument("--datassay", type=Path, default=REPO_ROOT / "target" / "release" / "datassay",
                   help="datassay binary (default target/release/datassay)")
    p.add_argument("--skip-duckdb", action="store_true", help="leave DuckDB out")
    p.add_argument("--skip-polars", action="store_true", help="leave Polars out")
    p.add_argument("--skip-accuracy", action="store_true", help="time only, no exact references")
    p.add_argument("--timeout", type=float, default=3600.0,
                   help="seconds after which one run is killed (default 3600)")
    p.add_argument("--workdir", type=Path, default=None,
                   help="where datassay's JSON and the runs' outputs go (default: a temporary "
                        "directory, removed)")
    p.add_argument("--json", type=Path, default=None, help="write the results here as JSON")
    # One timed run of one Python tool, in its own process (used by the script itself).
    p.add_argument("--child", choices=["duckdb", "polars-read", "polars-scan"],
                   help=argparse.SUPPRESS)
    p.add_argument("--child-out", type=Path, help=argparse.SUPPRESS)
    a = p.parse_args()
    if a.rows < 1 or a.threads < 1 or a.reps < 1 or a.row_group_size < 1:
        p.error("--rows, --threads, --reps and --row-group-size must be >= 1")
    return a


# --------------------------------------------------------------------------- child processes

def max_rss_mb_self() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0   # Linux: KiB


def plain(v):
    """A JSON-friendly copy of one figure (Decimal to float; NaN and infinities as strings)."""
    if isinstance(v, Decimal):
        v = float(v)
    if isinstance(v, float) and not math.isfinite(v):
        return str(v)
    return v


def child_main(a: argparse.Namespace) -> int:
    """Runs in the child process: import the tool, then time its summary of the file."""
    t_start = time.perf_counter()
    out: dict = {"tool": a.child, "threads": a.threads}
    if a.child == "duckdb":
        import duckdb
        out["version"] = duckdb.__version__
        con = duckdb.connect()
        con.execute(f"SET threads TO {int(a.threads)}")
        out["threads_setting"] = con.execute("SELECT current_setting('threads')").fetchone()[0]
        out["import_seconds"] = time.perf_counter() - t_start
        out["rss_after_import_mb"] = max_rss_mb_self()
        path = str(a.file).replace("'", "''")
        t0 = time.perf_counter()
        cur = con.execute(f"SUMMARIZE SELECT * FROM read_parquet('{path}')")
        rows = cur.fetchall()
        t1 = time.perf_counter()
        names = [d[0] for d in cur.description]
        res = {}
        for r in rows:
            d = dict(zip(names, r))
            res[d["column_name"]] = {"type": d["column_type"],
                                     **{k: plain(d.get(k)) for k in DUCKDB_FIGURES}}
        out["result"] = res
    else:
        import polars as pl
        out["version"] = pl.__version__
        out["threads_setting"] = pl.thread_pool_size()
        out["import_seconds"] = time.perf_counter() - t_start
        out["rss_after_import_mb"] = max_rss_mb_self()
        t0 = time.perf_counter()
        if a.child == "polars-read":
            d = pl.read_parquet(a.file).describe()
        else:
            d = pl.scan_parquet(a.file).describe()
            if isinstance(d, pl.LazyFrame):       # describe of a LazyFrame returns a DataFrame
                d = d.collect()                   # today; collect if a version ever defers it
        t1 = time.perf_counter()
        stats = d.get_column("statistic").to_list()
        res = {}
        for name in d.columns:
            if name == "statistic":
                continue
            vals = d.get_column(name).to_list()
            res[name] = {"type": str(d.schema[name]), **{s: plain(v) for s, v in zip(stats, vals)}}
        out["result"] = res
    out["seconds"] = t1 - t0
    out["rss_peak_self_mb"] = max_rss_mb_self()
    a.child_out.write_text(json.dumps(out))
    return 0


# --------------------------------------------------------------------------- running one rep

# The measured process is started by this small launcher (a bare `python3 -S`), not by this
# script: on Linux a process's peak RSS (ru_maxrss) starts from that of the process it was
# forked from, and this script holds pyarrow (and, with --generate, a whole row group), while
# the launcher holds about 9 MB. The launcher forks, execs the command, and writes its exit
# status, peak RSS (KiB) and wall seconds.
LAUNCHER = (
    "import os,sys,time\n"
    "t=time.perf_counter()\n"
    "pid=os.fork()\n"
    "if pid==0:\n"
    "    try:\n"
    "        os.execvp(sys.argv[2],sys.argv[2:])\n"
    "    finally:\n"
    "        os._exit(127)\n"
    "_,s,r=os.wait4(pid,0)\n"
    "w=time.perf_counter()-t\n"
    "open(sys.argv[1],'w').write('%d %d %.6f'%(os.waitstatus_to_exitcode(s),r.ru_maxrss,w))\n"
)


def run_measured(cmd: list[str], env: dict, log_path: Path, timeout: float) -> dict:
    """Run cmd as one process; its wall time and its own peak RSS (wait4 in the launcher)."""
    meas = log_path.with_suffix(".rusage")
    meas.unlink(missing_ok=True)
    with open(log_path, "wb") as log:
        proc = subprocess.Popen([sys.executable, "-S", "-c", LAUNCHER, str(meas), *cmd], env=env,
                                stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)     # the launcher and the tool under it
            proc.wait()
            return {"rc": -9, "error": f"killed after --timeout {timeout:g} s"}
    try:
        rc, rss_kib, wall = meas.read_text().split()
    except (OSError, ValueError):
        return {"rc": proc.returncode or -1, "error": f"launcher failed:\n{tail(log_path)}"}
    return {"rc": int(rc), "wall_seconds": float(wall), "peak_rss_mb": int(rss_kib) / 1024.0}


def tool_env(threads: int) -> dict:
    env = dict(os.environ)
    for var in ("RAYON_NUM_THREADS", "POLARS_MAX_THREADS", "OMP_NUM_THREADS"):
        env[var] = str(threads)
    return env


def tail(path: Path, n: int = 1500) -> str:
    try:
        return path.read_text(errors="replace")[-n:]
    except OSError:
        return ""


def run_one(tool: str, a: argparse.Namespace, file: Path, workdir: Path, rep: int) -> dict:
    log = workdir / f"{tool}-rep{rep}.log"
    if tool == "datassay":
        out_json = workdir / f"datassay-rep{rep}.json"
        cmd = [str(a.datassay), "profile", str(file), "--device", "cpu", "--json", str(out_json),
               "-q"]
        m = run_measured(cmd, tool_env(a.threads), log, a.timeout)
        m["seconds"] = m["wall_seconds"]
        if m["rc"] == 0:
            try:
                m["profile"] = json.loads(out_json.read_text())
            except (OSError, ValueError) as e:
                m["rc"], m["error"] = -1, f"unreadable JSON {out_json}: {e}"
    else:
        out_json = workdir / f"{tool}-rep{rep}.json"
        cmd = [sys.executable, str(Path(__file__).resolve()), "--child", tool, "--file", str(file),
               "--threads", str(a.threads), "--child-out", str(out_json)]
        m = run_measured(cmd, tool_env(a.threads), log, a.timeout)
        if m["rc"] == 0:
            try:
                c = json.loads(out_json.read_text())
                m.update({k: c[k] for k in ("seconds", "import_seconds", "rss_after_import_mb",
                                            "rss_peak_self_mb", "version", "threads_setting",
                                            "result")})
            except (OSError, ValueError, KeyError) as e:
                m["rc"], m["error"] = -1, f"unreadable child output {out_json}: {e}"
    if m["rc"] != 0:
        m.setdefault("error", f"exit status {m['rc']}:\n{tail(log)}")
    return m


# --------------------------------------------------------------------------- what each reports

def figure_names(tool: str, run: dict) -> dict[str, list[str]]:
    """Per column: the names of the figures the tool gave it (null figures left out)."""
    out: dict[str, list[str]] = {}
    if tool == "datassay":
        for c in run["profile"].get("columns", []):
            names = []
            for k, v in c.items():
                if k in DATASSAY_NOT_FIGURES or v is None:
                    continue
                if k == "quantiles" and isinstance(v, dict):
                    names += [f"q{q}" for q in v]
                else:
                    names.append(k)
            out[c["name"]] = names
    else:
        for col, figs in run["result"].items():
            out[col] = [k for k, v in figs.items() if k != "type" and v is not None]
    return out


def figures_summary(names: dict[str, list[str]]) -> list[str]:
    """Columns grouped by the set of figures they got: one line per group."""
    groups: dict[tuple, list[str]] = {}
    for col, n in names.items():
        groups.setdefault(tuple(n), []).append(col)
    return [f"{len(k)} figures ({', '.join(k)}): {', '.join(v)}" for k, v in groups.items()]


# --------------------------------------------------------------------------- exact references

def to_float(v) -> float | None:
    if v is None or isinstance(v, bool):
        return None if v is None else float(v)
    try:
        return float(v)
    except (TypeError, ValueError):
        return None


def rel_err(est: float | None, exact: float) -> float | None:
    if est is None or math.isnan(est):
        return None
    if est == exact:
        return 0.0
    if exact == 0:
        return math.inf
    return abs(est - exact) / abs(exact)


def rank_err(sorted_vals, est: float | None, p: float) -> float | None:
    """How far p lies outside the estimate's interval of ranks [F(est-), F(est)]: 0 when the
    estimate is an exact p-quantile of the values."""
    import numpy as np
    if est is None or math.isnan(est):
        return None
    n = len(sorted_vals)
    lo = int(np.searchsorted(sorted_vals, est, side="left")) / n
    hi = int(np.searchsorted(sorted_vals, est, side="right")) / n
    return max(0.0, lo - p, p - hi)


def exact_quantiles(sorted_vals, ps: list[float]) -> list[float]:
    import numpy as np
    return [float(x) for x in np.quantile(sorted_vals, ps, method="inverted_cdf")]


def q_key(k) -> float | None:
    try:
        return float(k)
    except (TypeError, ValueError):
        return None


class Violations:
    def __init__(self):
        self.items: list[str] = []

    def add(self, msg: str) -> None:
        self.items.append(msg)


def canon_values(vals: list, typ):
    """Reported top values as an Arrow array of the column's type (None where they don't parse)."""
    import pyarrow as pa
    out = []
    for v in vals:
        try:
            if pa.types.is_boolean(typ):
                out.append(v if isinstance(v, bool) else str(v).strip().lower() in ("true", "1"))
            elif pa.types.is_integer(typ):
                out.append(int(v))
            elif pa.types.is_floating(typ):
                out.append(float(v))
            else:
                out.append(str(v))
        except (TypeError, ValueError):
            out.append(None)
    return pa.array(out, type=typ if not pa.types.is_floating(typ) else pa.float64())


def accuracy(a: argparse.Namespace, file: Path, last: dict, truth: dict | None) -> dict:
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    pf = pq.ParquetFile(file)
    schema = pf.schema_arrow
    viol = Violations()
    prof = last.get("datassay", {}).get("profile") if last.get("datassay") else None
    dy_cols = {c["name"]: c for c in prof.get("columns", [])} if prof else {}
    duck = last.get("duckdb", {}).get("result") if last.get("duckdb") else None
    pol = {t: last[t].get("result") for t in ("polars-read", "polars-scan") if last.get(t)}
    report: dict = {"columns": {}}

    print()
    print("accuracy (not timed): exact references computed here with numpy/pyarrow. Quantiles: "
          "numpy method=\"inverted_cdf\" over the finite non-null values; distinct: "
          "pc.count_distinct over the non-null values (float columns: over the finite non-null "
          "values; the count with NaN/±inf as values is shown too)")
    t0 = time.perf_counter()
    for field in schema:
        name, typ = field.name, field.type
        try:
            col = pf.read([name]).column(0).combine_chunks()
            if pa.types.is_dictionary(typ):      # judged by its values
                col, typ = col.dictionary_decode(), typ.value_type
            nonnull = col.drop_null()
            is_float = pa.types.is_floating(typ)
            is_int = pa.types.is_integer(typ)
            is_bool = pa.types.is_boolean(typ)
            ref: dict = {"type": str(typ), "rows": len(col), "nulls": col.null_count}
            fin = nonnull.filter(pc.is_finite(nonnull)) if is_float else nonnull
            ref["distinct_non_null"] = pc.count_distinct(nonnull, mode="only_valid").as_py()
            if is_float:
                ref["distinct_finite"] = pc.count_distinct(fin, mode="only_valid").as_py()
                ref["non_finite"] = len(nonnull) - len(fin)
            distinct = ref.get("distinct_finite", ref["distinct_non_null"])
            ref["distinct"] = distinct
            ref["distinct_of"] = "finite non-null" if is_float else "non-null"

            dy = dy_cols.get(name, {})
            sorted_vals = None
            if is_float or is_int or is_bool:
                arr = fin.cast(pa.int8()) if is_bool else fin
                sorted_vals = np.sort(arr.to_numpy(zero_copy_only=False))
                ps = set(QUANTILES)
                for k in (dy.get("quantiles") or {}):
                    if q_key(k) is not None:
                        ps.add(q_key(k))
                if len(sorted_vals):
                    ps = sorted(ps)
                    ref["quantiles"] = dict(zip(map(repr, ps), exact_quantiles(sorted_vals, ps)))
                else:
                    ref["quantiles"] = {}
                ref["quantile_values"] = len(sorted_vals)
            cmp: dict = {}

            # ---- DuckDB and Polars quantiles
            if sorted_vals is not None and len(sorted_vals):
                for tool, res, qmap in [("duckdb", duck, DUCKDB_Q)] + \
                                       [(t, r, POLARS_Q) for t, r in pol.items()]:
                    if not res or name not in res:
                        continue
                    rows = {}
                    for key, p in qmap.items():
                        est = to_float(res[name].get(key))
                        if est is None:
                            continue
                        ex = ref["quantiles"][repr(p)]
                        rows[key] = {"p": p, "estimate": est, "exact": ex, "rel_err": rel_err(est, ex),
                                     "rank_err": rank_err(sorted_vals, est, p)}
                    if rows:
                        cmp[f"{tool}_quantiles"] = rows

            # ---- DuckDB approx_unique
            if duck and name in duck and duck[name].get("approx_unique") is not None:
                est = float(duck[name]["approx_unique"])
                cmp["duckdb_distinct"] = {"estimate": est, "exact": distinct,
                                          "rel_err": rel_err(est, distinct)}

            # ---- datassay, where it reports these figures
            dq = dy.get("quantiles")
            if dq and sorted_vals is not None and len(sorted_vals):
                bounds = dy.get("quantile_bounds") or {}
                eps = to_float(dy.get("quantile_relative_error"))
                rows = {}
                for k, est in dq.items():
                    p = q_key(k)
                    est = to_float(est)
                    if p is None or est is None:
                        continue
                    ex = ref["quantiles"][repr(p)]
                    r = {"p": p, "estimate": est, "exact": ex, "rel_err": rel_err(est, ex),
                         "rank_err": rank_err(sorted_vals, est, p)}
                    b = bounds.get(k)
                    if isinstance(b, (list, tuple)) and len(b) == 2:
                        lo, hi = to_float(b[0]), to_float(b[1])
                        r["bounds"] = [lo, hi]
                        r["in_bounds"] = lo is not None and hi is not None and lo <= ex <= hi
                        if not r["in_bounds"]:
                            viol.add(f"{name} q{k}: exact {ex!r} outside datassay's bounds [{lo!r}, {hi!r}]")
                    if eps is not None:
                        # Either convention of "relative error": to the exact value or to the estimate.
                        d = abs(est - ex)
                        tol = eps * max(abs(ex), abs(est)) * (1 + 1e-9)
                        r["within_relative_error"] = d <= tol
                        if not r["within_relative_error"]:
                            viol.add(f"{name} q{k}: estimate {est!r} vs exact {ex!r}: relative error "
                                     f"{fmt(rel_err(est, ex), '.3g')} > quantile_relative_error {eps:g}")
                    rows[k] = r
                cmp["datassay_quantiles"] = rows
                cmp["datassay_quantile_relative_error"] = eps

            dd = dy.get("distinct")
            if isinstance(dd, dict):
                est, lo, hi = (to_float(dd.get(k)) for k in ("estimate", "lower", "upper"))
                r = {"estimate": est, "lower": lo, "upper": hi, "exact_flag": dd.get("exact"),
                     "exact": distinct, "rel_err": rel_err(est, distinct) if est is not None else None}
                inside = lambda x: lo is not None and hi is not None and lo <= x <= hi  # noqa: E731
                r["in_bounds"] = inside(distinct)
                if not r["in_bounds"] and is_float and inside(ref["distinct_non_null"]):
                    r["in_bounds"] = True
                    r["note"] = "inside only when NaN/±inf count as values"
                if not r["in_bounds"]:
                    viol.add(f"{name} distinct: exact {distinct} outside datassay's [{lo}, {hi}]")
                if dd.get("exact") is True and est not in (distinct, ref["distinct_non_null"]):
                    viol.add(f"{name} distinct: datassay says exact, {est} != {distinct}")
                cmp["datassay_distinct"] = r

            # ---- top values: exact for string/int/bool columns, and any datassay reports
            dtop = dy.get("top_values")
            if is_int or is_bool or pa.types.is_string(typ) or pa.types.is_large_string(typ) or dtop:
                vc = pc.value_counts(nonnull)
                vals, cnts = vc.field("values"), vc.field("counts")
                k = min(TOP_K, len(vc))
                top = []
                if k:
                    # Only the values as frequent as the k-th: a full sort of millions is slow.
                    kth_count = pc.min(cnts.take(pc.select_k_unstable(
                        cnts, k, sort_keys=[("counts", "descending")]))).as_py()
                    heavy = pa.table({"c": cnts, "v": vals}).filter(pc.greater_equal(cnts, kth_count))
                    heavy = heavy.sort_by([("c", "descending"), ("v", "ascending")]).slice(0, k)
                    top = list(zip(heavy["v"].to_pylist(), heavy["c"].to_pylist()))
                ref["top_values"] = [{"value": plain(v), "count": c} for v, c in top]
                kth = top[-1][1] if top else 0
                if isinstance(dtop, list) and dtop:
                    rep_vals = [e.get("value") if isinstance(e, dict) else None for e in dtop]
                    arr = canon_values(rep_vals, typ)
                    lookup_vals = vals.cast(arr.type) if vals.type != arr.type else vals
                    mask = pc.is_in(lookup_vals, value_set=arr.drop_null())
                    exact_of = dict(zip(lookup_vals.filter(mask).to_pylist(),
                                        cnts.filter(mask).to_pylist()))
                    rows = []
                    for e, v in zip(dtop, arr.to_pylist()):
                        e = e if isinstance(e, dict) else {}
                        got = to_float(e.get("count"))
                        ex = exact_of.get(v, 0) if v is not None else None
                        r = {"value": plain(e.get("value")), "count": got, "exact": ex}
                        lo, hi = to_float(e.get("lower")), to_float(e.get("upper"))
                        if e.get("count_upper") is not None:   # datassay: [count, count_upper]
                            lo, hi = got, to_float(e.get("count_upper"))
                        err = to_float(e.get("error"))
                        if ex is None or got is None:
                            r["ok"] = False
                        elif lo is not None and hi is not None:
                            r["ok"] = lo <= ex <= hi
                        elif err is not None:
                            r["ok"] = abs(got - ex) <= err
                        else:
                            r["ok"] = got == ex
                        if not r["ok"]:
                            viol.add(f"{name} top value {e.get('value')!r}: datassay count {got}, "
                                     f"exact {ex}" + (f" (bounds [{lo}, {hi}])" if lo is not None else "")
                                     + (f" (error {err})" if err is not None else ""))
                        slack_ = to_float(dy.get("top_values_error")) or 0
                        if ex is not None and ex + slack_ < kth and len(dtop) <= TOP_K:
                            r["in_exact_top"] = False
                            viol.add(f"{name} top value {e.get('value')!r} (exact count {ex}) is not "
                                     f"in the exact top {k} (k-th count {kth})")
                        rows.append(r)
                    # A value left out may be heavier than a listed one only by the stated error
                    # (Misra-Gries: not listed means at most the k-th listed count + error).
                    slack = to_float(dy.get("top_values_error")) or 0
                    floor_ = min((r["count"] if r["count"] is not None else 0) for r in rows)
                    heavier = [v for v, c in top if c > floor_ + slack
                               and c > min((r["exact"] or 0) for r in rows)]
                    missing = [v for v in heavier if v not in
                               set(x for x in arr.to_pylist() if x is not None)]
                    if missing and len(dtop) < k:
                        pass  # datassay reports fewer than k values: not a miss
                    elif missing:
                        viol.add(f"{name} top values: datassay leaves out {missing[:5]} whose exact "
                                 f"counts exceed those of values it lists")
                    cmp["datassay_top_values"] = rows
            report["columns"][name] = {"reference": ref, "comparisons": cmp,
                                       "datassay_reports": [k for k in ("quantiles", "quantile_bounds",
                                                                        "quantile_relative_error",
                                                                        "distinct", "top_values")
                                                            if dy.get(k) is not None]}
        except (pa.ArrowException, TypeError, ValueError) as e:   # a type these references
            report["columns"][name] = {                           # do not cover: say so
                "reference": {"type": str(typ), "skipped": f"{type(e).__name__}: {e}"},
                "comparisons": {}, "datassay_reports": []}

    # ---- duplicate rows
    dup = prof.get("duplicate_rows") if prof else None
    drow = {"truth": truth.get("duplicate_rows") if truth else None,
            "datassay": dup if isinstance(dup, dict) else None}
    if isinstance(dup, dict) and truth:
        got = dup.get("count")
        lo, hi = dup.get("lower"), dup.get("upper")
        if lo is not None and hi is not None:
            ok = lo <= truth["duplicate_rows"] <= hi
        else:
            ok = got == truth["duplicate_rows"]
        drow["ok"] = ok
        if not ok:
            viol.add(f"duplicate rows: datassay {got} (bounds [{lo}, {hi}]), truth "
                     f"{truth['duplicate_rows']}")
    report["duplicate_rows"] = drow
    report["seconds"] = time.perf_counter() - t0
    report["violations"] = viol.items
    report["violation_count"] = len(viol.items)
    print_accuracy(report, duck is not None, list(pol), prof is not None, truth)
    return report


# --------------------------------------------------------------------------- printing

def fmt(v, spec: str, missing: str = "-") -> str:
    if v is None:
        return missing
    if isinstance(v, float) and math.isinf(v):
        return "inf"
    return format(v, spec)


def g(v) -> str:
    return fmt(v, ".6g")


def err_pair(rows: dict | None) -> str:
    """Largest relative and rank error over a tool's quantiles of one column."""
    if not rows:
        return "-"
    rel = [r["rel_err"] for r in rows.values() if r["rel_err"] is not None]
    rk = [r["rank_err"] for r in rows.values() if r["rank_err"] is not None]
    return f"{fmt(max(rel, default=None), '.2e')} / {fmt(max(rk, default=None), '.1e')}"


def print_accuracy(rep: dict, have_duck: bool, pol_tools: list[str], have_dy: bool,
                   truth: dict | None) -> None:
    cols = rep["columns"]
    qcols = {n: c for n, c in cols.items() if "quantiles" in c["reference"]}
    print()
    print("exact quantiles (inverted_cdf, finite non-null values; Boolean as 0/1)")
    head = f"{'column':<12} {'values':>9} " + " ".join(f"{'p' + format(p * 100, 'g'):>12}"
                                                       for p in QUANTILES)
    print(head)
    print("-" * len(head))
    for n, c in qcols.items():
        q = c["reference"]["quantiles"]
        print(f"{n:<12} {c['reference']['quantile_values']:>9} " +
              " ".join(f"{g(q.get(repr(p))):>12}" for p in QUANTILES))

    print()
    print("quantile errors: largest relative error |est - exact| / |exact| / largest rank error "
          "(how far p lies outside the estimate's rank interval, as a fraction of the values), "
          "over the quantiles each tool gives (DuckDB q25/q50/q75, Polars 25%/50%/75%, "
          "datassay all of its `quantiles`)")
    tools = (["duckdb"] if have_duck else []) + pol_tools + ["datassay"]
    head = f"{'column':<12} " + " ".join(f"{LABEL[t]:>22}" for t in tools)
    print(head)
    print("-" * len(head))
    for n, c in qcols.items():
        cells = []
        for t in tools:
            rows = c["comparisons"].get(f"{t}_quantiles")
            if t == "datassay" and not rows:
                cells.append("not reported")
            else:
                cells.append(err_pair(rows))
        print(f"{n:<12} " + " ".join(f"{x:>22}" for x in cells))
    for n, c in qcols.items():
        rows = c["comparisons"].get("datassay_quantiles")
        if rows:
            nb = sum(1 for r in rows.values() if r.get("in_bounds") is False)
            ne = sum(1 for r in rows.values() if r.get("within_relative_error") is False)
            print(f"datassay {n}: {len(rows)} quantiles, relative error "
                  f"{fmt(c['comparisons'].get('datassay_quantile_relative_error'), 'g')}; "
                  f"{nb} exact values outside the bounds, {ne} estimates beyond the relative error")

    print()
    print("distinct counts: exact (float columns: finite non-null values | with NaN/±inf), "
          "DuckDB approx_unique, datassay `distinct`")
    head = (f"{'column':<12} {'exact':>10} {'with NaN/inf':>12} {'duckdb':>10} {'rel err':>8}  "
            f"{'datassay':<40}")
    print(head)
    print("-" * len(head))
    for n, c in cols.items():
        r = c["reference"]
        if "skipped" in r:
            print(f"{n:<12} skipped ({r['type']}: {short(r['skipped'], 60)})")
            continue
        dd = c["comparisons"].get("duckdb_distinct")
        dy = c["comparisons"].get("datassay_distinct")
        if dy:
            dys = (f"{g(dy['estimate'])} [{g(dy['lower'])}, {g(dy['upper'])}]"
                   f"{' exact' if dy['exact_flag'] else ''} "
                   f"{'ok' if dy['in_bounds'] else 'VIOLATION'}")
        else:
            dys = "not reported" if have_dy else "-"
        print(f"{n:<12} {r['distinct']:>10} {r['distinct_non_null'] if 'distinct_finite' in r else '':>12} "
              f"{fmt(dd and dd['estimate'], '.0f'):>10} {fmt(dd and dd['rel_err'], '.2%'):>8}  {dys:<40}")

    print()
    print(f"top {TOP_K} values (exact, non-null; count descending) and datassay's `top_values`")
    for n, c in cols.items():
        tv = c["reference"].get("top_values")
        if tv is None:
            continue
        s = ", ".join(f"{short(e['value'])}:{e['count']}" for e in tv)
        print(f"{n:<12} {s}")
        rows = c["comparisons"].get("datassay_top_values")
        if rows:
            bad = sum(1 for r in rows if not r["ok"] or r.get("in_exact_top") is False)
            listed = ", ".join(f"{short(r['value'])}:{g(r['count'])}" for r in rows[:TOP_K])
            print(f"{'':<12} datassay: {len(rows)} values, {bad} wrong ({listed})")
        elif have_dy:
            print(f"{'':<12} datassay: not reported")

    print()
    d = rep["duplicate_rows"]
    tr = "no truth sidecar" if not truth else f"{truth['duplicate_rows']} (planted, from the sidecar)"
    if d.get("datassay") is not None:
        dys = f"{d['datassay'].get('count')} ({'ok' if d.get('ok', True) else 'VIOLATION'})"
    else:
        dys = "not reported" if have_dy else "-"
    print(f"duplicate rows (rows - distinct rows): truth {tr}; datassay {dys}")
    print(f"violations (datassay figures the exact values contradict): {rep['violation_count']}"
          + "".join(f"\n  VIOLATION: {v}" for v in rep["violations"]))
    print(f"(exact references and scoring took {rep['seconds']:.1f} s, not timed)")


def short(v, n: int = 16) -> str:
    s = str(v)
    return s if len(s) <= n else s[:n - 1] + "…"


# --------------------------------------------------------------------------- main

def version_of(dist: str) -> str | None:
    try:
        from importlib.metadata import version
        return version(dist)
    except Exception:                          # noqa: BLE001 (not installed: reported as None)
        return None


def machine_info(a: argparse.Namespace) -> dict:
    try:
        ver = subprocess.run([str(a.datassay), "--version"], capture_output=True, text=True,
                             timeout=30).stdout.strip().splitlines()[0]
    except (OSError, IndexError, subprocess.TimeoutExpired):
        ver = None
    affinity = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None
    mem = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem = round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    return {
        "os": platform.platform(),
        "cpu_count": os.cpu_count(),
        "cpus_usable": affinity,
        "processor": platform.processor() or platform.machine(),
        "memory_gib": mem,
        "python": platform.python_version(),
        "numpy": version_of("numpy"),
        "pyarrow": version_of("pyarrow"),
        "duckdb": version_of("duckdb"),
        "polars": version_of("polars"),
        "datassay": ver,
        "loadavg_start": list(os.getloadavg()) if hasattr(os, "getloadavg") else None,
    }


def warm_cache(path: Path) -> float:
    """Read the file once so that every tool, first rep included, finds it in the page cache."""
    t0 = time.perf_counter()
    with open(path, "rb") as f:
        while f.read(1 << 24):
            pass
    return time.perf_counter() - t0


def json_safe(o):
    if isinstance(o, dict):
        return {str(k): json_safe(v) for k, v in o.items()}
    if isinstance(o, (list, tuple)):
        return [json_safe(v) for v in o]
    return plain(o)


def main(a: argparse.Namespace) -> int:
    if a.child:
        return child_main(a)

    tools = [t for t in TOOLS
             if not (a.skip_duckdb and t == "duckdb")
             and not (a.skip_polars and t.startswith("polars"))]
    binary = a.datassay
    if not (binary.is_file() and os.access(binary, os.X_OK)):
        sys.exit(f"datassay binary not found at {binary}: build it with `cargo build --release` "
                 f"(or pass --datassay)")
    missing = [m for m, t in (("duckdb", "duckdb"), ("polars", "polars-read")) if t in tools
               and version_of(m) is None]
    if missing:
        sys.exit(f"{', '.join(missing)} not installed: pip install {' '.join(missing)} "
                 f"(or --skip-duckdb / --skip-polars)")
    try:
        import numpy  # noqa: F401
        import pyarrow  # noqa: F401
    except ImportError as e:
        sys.exit(f"{e.name} is not installed: pip install numpy pyarrow")

    sys.path.insert(0, str(HERE))
    sys.dont_write_bytecode = True            # no __pycache__ left in benches/compare
    import gen_table

    file = a.file or gen_table.default_path(a.rows, a.seed)
    if not file.exists():
        if not a.generate:
            sys.exit(f"{file} does not exist: pass --generate to write it with gen_table.py "
                     f"(--rows {a.rows} --seed {a.seed}), or --file PATH")
        print(f"generating {file} ({a.rows} rows, seed {a.seed}) with gen_table.py ...", flush=True)
        tr = gen_table.generate(a.rows, a.seed, file, a.row_group_size)
        print(f"  done in {tr['generate_seconds']:.1f} s, {tr['file_bytes'] / 1e6:.1f} MB, "
              f"{tr['duplicate_rows']} duplicate rows")
    truth_path = Path(str(file) + ".truth.json")
    truth = json.loads(truth_path.read_text()) if truth_path.exists() else None

    import pyarrow.parquet as pq
    try:
        md = pq.ParquetFile(file).metadata
    except Exception as e:                    # noqa: BLE001 (any unreadable file: one clear line)
        sys.exit(f"{file} is not a readable Parquet file: {e}")
    nrows, ncols = md.num_rows, md.num_columns
    file_mb = file.stat().st_size / 1e6
    t_warm = warm_cache(file)
    info = machine_info(a)
    print(f"file: {file}: {nrows} rows x {ncols} columns, {md.num_row_groups} row group(s), "
          f"{file_mb:.1f} MB (read once into the page cache in {t_warm:.2f} s)")
    print(f"threads {a.threads} per tool; {a.reps} rep(s), alternated "
          f"{', '.join(LABEL[t] for t in tools)}; datassay {info['datassay']}, duckdb "
          f"{info['duckdb']}, polars {info['polars']}; load average {info['loadavg_start']}")

    tmp = None
    if a.workdir is None:
        tmp = tempfile.TemporaryDirectory(prefix="profile_compare_")
        workdir = Path(tmp.name)
    else:
        workdir = a.workdir
        workdir.mkdir(parents=True, exist_ok=True)
    try:
        runs: dict[str, list[dict]] = {t: [] for t in tools}
        last: dict[str, dict] = {}
        failed: dict[str, str] = {}
        for rep in range(a.reps):
            for t in tools:
                if t in failed:
                    continue
                m = run_one(t, a, file, workdir, rep)
                if m["rc"] != 0:
                    failed[t] = m["error"]
                    print(f"rep {rep + 1}/{a.reps} {LABEL[t]:<21} FAILED: {m['error']}")
                    continue
                last[t] = m
                runs[t].append({k: m.get(k) for k in ("seconds", "wall_seconds", "peak_rss_mb",
                                                      "import_seconds", "rss_after_import_mb")})
                extra = "" if t == "datassay" else (f" (process {m['wall_seconds']:.2f} s, import "
                                                    f"{m['import_seconds']:.2f} s)")
                print(f"rep {rep + 1}/{a.reps} {LABEL[t]:<21} {m['seconds']:8.3f} s{extra}, "
                      f"peak RSS {m['peak_rss_mb']:.0f} MB")
        if "datassay" in failed:
            print("datassay failed; its figures are missing below")

        # ---- the table
        summary: dict[str, dict] = {}
        for t in tools:
            if not runs[t]:
                continue
            best = min(runs[t], key=lambda r: r["seconds"])
            names = figure_names(t, last[t])
            counts = [len(v) for v in names.values()]
            summary[t] = {
                "best_seconds": best["seconds"],
                "best_wall_seconds": min(r["wall_seconds"] for r in runs[t]),
                "peak_rss_mb": max(r["peak_rss_mb"] for r in runs[t]),
                "rss_after_import_mb": best.get("rss_after_import_mb"),
                "figures_per_column": names,
                "figures_min": min(counts, default=0), "figures_max": max(counts, default=0),
                "figures_total": sum(counts),
                "reps": runs[t],
                "version": last[t].get("version") if t != "datassay" else info["datassay"],
                "threads_setting": last[t].get("threads_setting") if t != "datassay" else a.threads,
            }
        base = summary.get("datassay", {}).get("best_seconds")
        print()
        print(f"profile of {nrows} rows x {ncols} columns ({file_mb:.0f} MB Parquet), {a.threads} "
              f"threads, best of {a.reps}")
        head = (f"{'tool':<21} {'seconds':>8} {'x datassay':>10} {'rows/s':>11} {'process s':>9} "
                f"{'peak RSS MB':>11} {'after import':>12} {'figures/col':>11} {'figures':>7}")
        print(head)
        print("-" * len(head))
        for t, s in summary.items():
            ratio = s["best_seconds"] / base if base else None
            s["ratio_to_datassay"] = ratio
            fig = (f"{s['figures_min']}" if s["figures_min"] == s["figures_max"]
                   else f"{s['figures_min']}-{s['figures_max']}")
            rs = fmt(ratio, ".2f") + ("x" if ratio else "")
            print(f"{LABEL[t]:<21} {s['best_seconds']:>8.3f} {rs:>10} "
                  f"{nrows / s['best_seconds']:>11.3g} {s['best_wall_seconds']:>9.3f} "
                  f"{s['peak_rss_mb']:>11.0f} {fmt(s['rss_after_import_mb'], '.0f'):>12} "
                  f"{fig:>11} {s['figures_total']:>7}")
        print("(seconds: datassay's process wall time; the Python tools' time of the query alone, "
              "file read included, in a process that has already imported the tool; process s: "
              "the whole process, interpreter and import included. x datassay: the tool's "
              "seconds / datassay's. peak RSS: the process's maximum resident set, as wait4 "
              "reports it; after import: the Python process's before the query starts)")
        print()
        print("what each reports, per column (null figures left out):")
        for t, s in summary.items():
            print(f"  {LABEL[t]}:")
            for line in figures_summary(s["figures_per_column"]):
                print(f"    {line}")

        acc = None
        if not a.skip_accuracy:
            acc = accuracy(a, file, last, truth)

        if a.json:
            out = {
                "machine": {**info, "loadavg_end": list(os.getloadavg())
                            if hasattr(os, "getloadavg") else None},
                "params": {"file": str(file), "rows": nrows, "columns": ncols,
                           "row_groups": md.num_row_groups, "file_mb": file_mb,
                           "threads": a.threads, "reps": a.reps, "tools": tools,
                           "datassay_command": f"{binary} profile FILE --device cpu --json OUT -q",
                           "duckdb_query": "SUMMARIZE SELECT * FROM read_parquet('FILE')",
                           "polars_calls": ["pl.read_parquet(FILE).describe()",
                                            "pl.scan_parquet(FILE).describe()"]},
                "truth": truth,
                "failed": failed,
                "results": summary,
                "outputs": {t: (last[t].get("result") if t != "datassay" else None)
                            for t in last},
                "accuracy": acc,
                "violation_count": acc["violation_count"] if acc else None,
            }
            a.json.parent.mkdir(parents=True, exist_ok=True)
            a.json.write_text(json.dumps(json_safe(out), indent=2) + "\n")
            print(f"wrote {a.json}")
    finally:
        if tmp is not None:
            tmp.cleanup()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(parse_args()))
