#!/usr/bin/env python3
"""Data drift from raw data: Evidently's DataDriftPreset against `datassay drift`, side by side.

The script writes two seeded Parquet files, `ref.parquet` and `cur.parquet`, of 12 columns with
drifts planted in some and none in others (each column drawn afresh in both files: the current
file is a new sample, not a copy), then runs each tool on them, as a process of its own, and
prints what each flags next to the planted truth, with time and peak memory.

Run (from the repository root; Evidently 0.7 needs pandas < 3, see below):

    python3.11 -m venv /tmp/venv-evidently
    /tmp/venv-evidently/bin/pip install "evidently==0.7.23" "pandas<3" pyarrow numpy
    cargo build --release                               # -> target/release/datassay
    /tmp/venv-evidently/bin/python benches/compare/drift_evidently.py            # 1,000,000 rows
    /tmp/venv-evidently/bin/python benches/compare/drift_evidently.py --rows 20000 --repeat 1  # quick

The script itself needs numpy and pyarrow; the Evidently runs use `--evidently-python` (default:
the interpreter running the script), which needs evidently, pandas and pyarrow. Without the
datassay binary, or with one that has no `drift` subcommand, datassay is skipped with a message;
`--tools evidently` runs Evidently alone.

What is measured, per run (`--repeat` runs per tool, alternated Evidently, datassay, ...):

- Evidently: a fresh Python process that imports evidently, then (timed) reads both files with
  `pandas.read_parquet` (pyarrow), declares the numeric columns numerical and the string columns
  categorical in a `DataDefinition`, runs `Report([DataDriftPreset()], include_tests=True)` with
  the preset's defaults (`report.run(current_data=..., reference_data=...)`), and extracts the
  per-column drift verdicts and the dataset verdict from `snapshot.dict()`. `include_tests=True`
  adds no metric: it makes the report carry Evidently's own pass/fail per column ("Value Drift for
  column X") and for the dataset ("Share of Drifted Columns: Less 0.5"), so no verdict is
  recomputed here. The preset picks the test per column (at more than 1,000 reference rows:
  normed Wasserstein distance >= 0.1 for numerical columns with more than 5 distinct values,
  Jensen-Shannon distance >= 0.1 for categorical ones).
- datassay: the whole process `datassay drift ref.parquet cur.parquet --json OUT` (plus
  `--threads T` and `--device cpu` where `datassay drift --help` lists those options), reading
  the files included; its verdicts are read from OUT (`verdict`, and `columns[].name/status`).

Both get the same thread count (`--threads`, default 2): datassay through `RAYON_NUM_THREADS` (and
`--threads`), Evidently through `pyarrow.set_cpu_count`/`set_io_thread_count` and
`OMP_/OPENBLAS_/MKL_NUM_THREADS` (its tests run in single-threaded numpy/scipy/pandas code).
Time: the median and minimum over the runs of the timed part above (for datassay the process);
the whole process (interpreter start and `import evidently` included) is shown too. Peak memory:
the process's maximum resident set from `wait4`, taken in a small launcher process so that the
script's own memory does not count; the largest over the runs.

Versions used when this was written: Python 3.11.7, evidently 0.7.23 (pandas 2.3.3, numpy
2.4.6, pyarrow 26.0.1, scipy 1.17.1). evidently 0.7.23 does not import with pandas 3
(`infer_dtype_from_object` is gone from `pandas.core.dtypes.common`), hence `pandas<3`. Seen
then at the default 1,000,000 rows on a 2-core machine: Evidently 36.7 s timed (40.5 s for the
process), peak RSS 1.7 GB; it flagged num_shift, heavy_scale, mixture, cat_shift and cat_new,
missed nulls_rise (it drops nulls before testing), and gave the dataset verdict "no drift" (5 of
12 columns, below its default share of 0.5). See benches/compare/README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
GEN_VERSION = 1  # bump when the generator changes, so that old files are not reused

# name, planted drift?, what was planted
COLUMNS = [
    ("num_same", False, "N(0,1) both"),
    ("num_shift", True, "N(0,1) -> N(0.3,1): mean +0.3 sd"),
    ("num_small_shift", False, "N(0,1) -> N(0.05,1): +0.05 sd, too small to matter"),
    ("heavy_same", False, "Student t(df=2) both"),
    ("heavy_scale", True, "t(2) -> 1.5 * t(2): scale +50%, heavy tails"),
    ("lognormal_same", False, "lognormal(0,1) both"),
    ("mixture", True, "N(-2,1)/N(2,1) 50/50 -> 35/65"),
    ("int_same", False, "integers uniform 0..99 both"),
    ("cat_same", False, "20 categories, Zipf-like shares, both"),
    ("cat_shift", True, "5 categories (.40,.30,.15,.10,.05) -> (.25,.30,.20,.15,.10)"),
    ("cat_new", True, "5 categories -> same + new 'zeta' on 5% of rows"),
    ("nulls_rise", True, "N(0,1), 1% null -> 10% null"),
]
PLANTED = {name for name, drift, _ in COLUMNS if drift}

# --------------------------------------------------------------------------- the data


def generate(path_ref: Path, path_cur: Path, rows: int, seed: int) -> None:
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    cat20 = [f"c{i:02d}" for i in range(20)]
    zipf20 = np.array([1.0 / (k + 1) for k in range(20)])
    zipf20 /= zipf20.sum()
    cat5 = ["alpha", "beta", "gamma", "delta", "epsilon"]

    def categorical(rng, cats, p):
        idx = rng.choice(len(cats), size=rows, p=np.asarray(p) / np.sum(p)).astype(np.int32)
        return pa.DictionaryArray.from_arrays(pa.array(idx), pa.array(cats)).dictionary_decode()

    def with_nulls(rng, values, share):
        return pa.array(values, mask=rng.random(rows) < share)

    def table(which: int):
        rng = np.random.default_rng([seed, which])  # ref: which = 0, cur: which = 1
        cur = which == 1
        comp = rng.random(rows) < (0.35 if cur else 0.5)  # True: the N(-2,1) component
        cols = {
            "num_same": rng.normal(0.0, 1.0, rows),
            "num_shift": rng.normal(0.3 if cur else 0.0, 1.0, rows),
            "num_small_shift": rng.normal(0.05 if cur else 0.0, 1.0, rows),
            "heavy_same": rng.standard_t(2, rows),
            "heavy_scale": (1.5 if cur else 1.0) * rng.standard_t(2, rows),
            "lognormal_same": rng.lognormal(0.0, 1.0, rows),
            "mixture": np.where(comp, -2.0, 2.0) + rng.normal(0.0, 1.0, rows),
            "int_same": rng.integers(0, 100, rows, dtype=np.int64),
            "cat_same": categorical(rng, cat20, zipf20),
            "cat_shift": categorical(rng, cat5, (0.25, 0.30, 0.20, 0.15, 0.10) if cur
                                     else (0.40, 0.30, 0.15, 0.10, 0.05)),
            "cat_new": (categorical(rng, cat5 + ["zeta"], [0.19] * 5 + [0.05]) if cur
                        else categorical(rng, cat5, [0.2] * 5)),
            "nulls_rise": with_nulls(rng, rng.normal(0.0, 1.0, rows), 0.10 if cur else 0.01),
        }
        t = pa.table({k: (v if isinstance(v, pa.Array) else pa.array(v)) for k, v in cols.items()})
        meta = {"drift_evidently": json.dumps({"rows": rows, "seed": seed, "which": which,
                                               "version": GEN_VERSION})}
        return t.replace_schema_metadata(meta)

    for which, path in ((0, path_ref), (1, path_cur)):
        tmp = path.with_suffix(".parquet.tmp")
        pq.write_table(table(which), tmp, compression="snappy")
        tmp.replace(path)


def files_match(path: Path, rows: int, seed: int, which: int) -> bool:
    try:
        import pyarrow.parquet as pq
        meta = pq.read_schema(path).metadata or {}
        got = json.loads(meta.get(b"drift_evidently", b"{}"))
    except Exception:
        return False
    return got == {"rows": rows, "seed": seed, "which": which, "version": GEN_VERSION}


# --------------------------------------------------------------------------- Evidently (child)


def evidently_child(ref: str, cur: str, out: str, threads: int) -> None:
    """Runs in its own process: import, then time read + report + extraction."""
    import resource
    t_start = time.perf_counter()
    import pandas as pd
    import pyarrow as pa
    import evidently
    from evidently import DataDefinition, Dataset, Report
    from evidently.presets import DataDriftPreset
    t_imported = time.perf_counter()
    rss_import = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    pa.set_cpu_count(threads)
    pa.set_io_thread_count(threads)

    t0 = time.perf_counter()
    ref_df = pd.read_parquet(ref)
    cur_df = pd.read_parquet(cur)
    t_read = time.perf_counter()
    numerical = [c for c in ref_df.columns if pd.api.types.is_numeric_dtype(ref_df[c])
                 and not pd.api.types.is_bool_dtype(ref_df[c])]
    categorical = [c for c in ref_df.columns if c not in numerical]
    definition = DataDefinition(numerical_columns=numerical, categorical_columns=categorical)
    ref_ds = Dataset.from_pandas(ref_df, data_definition=definition)
    cur_ds = Dataset.from_pandas(cur_df, data_definition=definition)
    report = Report([DataDriftPreset()], include_tests=True)
    snapshot = report.run(current_data=cur_ds, reference_data=ref_ds)
    t_run = time.perf_counter()
    d = snapshot.dict()
    columns = {}
    dataset = {}
    for m in d["metrics"]:
        cfg = m.get("config", {})
        if cfg.get("type", "").endswith(":ValueDrift"):
            columns[cfg["column"]] = {"method": cfg.get("method"), "threshold": cfg.get("threshold"),
                                      "score": m.get("value")}
        elif cfg.get("type", "").endswith(":DriftedColumnsCount"):
            dataset = {"drifted_count": m["value"]["count"], "drifted_share": m["value"]["share"],
                       "drift_share": cfg.get("drift_share")}
    for t in d.get("tests", []):
        params = (t.get("metric_config") or {}).get("params") or {}
        if params.get("type", "").endswith(":ValueDrift"):
            columns[params["column"]]["drift"] = t["status"] == "FAIL"
            columns[params["column"]]["test_status"] = t["status"]
        elif params.get("type", "").endswith(":DriftedColumnsCount"):
            dataset["drift"] = t["status"] == "FAIL"
            dataset["test"] = t.get("description")
    t_end = time.perf_counter()
    Path(out).write_text(json.dumps({
        "seconds": {"import": t_imported - t_start, "read": t_read - t0,
                    "report": t_run - t_read, "extract": t_end - t_run, "timed": t_end - t0},
        "rss_after_import_mb": rss_import,
        "numerical": numerical, "categorical": categorical,
        "columns": columns, "dataset": dataset,
        "versions": {"evidently": evidently.__version__, "pandas": pd.__version__,
                     "pyarrow": pa.__version__, "numpy": __import__("numpy").__version__,
                     "scipy": __import__("scipy").__version__,
                     "python": platform.python_version()},
    }, indent=1))


# --------------------------------------------------------------------------- running one rep

# The measured process is started by this small launcher (a bare `python3 -S`), not by this
# script: on Linux a process's peak RSS (ru_maxrss) starts from that of the process it was
# forked from. The launcher forks, execs the command and writes its exit status, peak RSS
# (KiB), wall seconds and CPU seconds (user + system).
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
    "open(sys.argv[1],'w').write('%d %d %.6f %.6f'%(os.waitstatus_to_exitcode(s),r.ru_maxrss,w,"
    "r.ru_utime+r.ru_stime))\n"
)


def run_measured(cmd: list[str], env: dict, log: Path, timeout: float) -> dict:
    meas = log.with_suffix(".rusage")
    meas.unlink(missing_ok=True)
    with open(log, "wb") as f:
        proc = subprocess.Popen([sys.executable, "-S", "-c", LAUNCHER, str(meas), *cmd], env=env,
                                stdout=f, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)  # the launcher and the tool under it
            proc.wait()
            return {"rc": -9, "error": f"killed after --timeout {timeout:g} s"}
    try:
        rc, rss, wall, cpu = meas.read_text().split()
    except (OSError, ValueError):
        return {"rc": proc.returncode or -1, "error": f"launcher failed:\n{tail(log)}"}
    res = {"rc": int(rc), "process_seconds": float(wall), "cpu_seconds": float(cpu),
           "peak_rss_mb": int(rss) / 1024.0}
    if res["rc"] != 0:
        res["error"] = f"exit code {rc}:\n{tail(log)}"
    return res


def tail(path: Path, n: int = 2000) -> str:
    try:
        return path.read_text(errors="replace")[-n:]
    except OSError:
        return ""


def tool_env(threads: int) -> dict:
    env = dict(os.environ, DO_NOT_TRACK="1")
    for var in ("RAYON_NUM_THREADS", "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
                "POLARS_MAX_THREADS"):
        env[var] = str(threads)
    return env


def datassay_command(a, ref: Path, cur: Path, out: Path):
    """The drift command, or (None, reason) when the binary cannot run it."""
    if not a.datassay.exists():
        return None, f"{a.datassay} not found (build it with `cargo build --release`)"
    try:
        h = subprocess.run([str(a.datassay), "drift", "--help"], capture_output=True, text=True,
                           timeout=60)
    except OSError as e:
        return None, f"{a.datassay} does not run: {e}"
    if h.returncode != 0:
        first = (h.stderr or h.stdout).strip().splitlines()[:1]
        return None, f"{a.datassay} has no `drift` subcommand ({first[0] if first else h.returncode})"
    cmd = [str(a.datassay), "drift", str(ref), str(cur), "--json", str(out)]
    if "--threads" in h.stdout:
        cmd += ["--threads", str(a.threads)]
    if "--device" in h.stdout and a.device:
        cmd += ["--device", a.device]
    cmd += a.datassay_arg
    return cmd, None


def read_datassay(out: Path) -> dict:
    d = json.loads(out.read_text())
    cols = {}
    for c in d.get("columns") or []:
        extra = {k: v for k, v in c.items() if k not in ("name", "status")
                 and isinstance(v, (int, float, str, bool)) and v is not None}
        cols[c.get("name")] = {"status": c.get("status"), "extra": extra}
    return {"verdict": d.get("verdict"), "columns": cols, "keys": sorted(d.keys())}


# --------------------------------------------------------------------------- report


def fmt_list(names) -> str:
    order = [n for n, _, _ in COLUMNS]
    names = sorted(names, key=lambda n: order.index(n) if n in order else len(order))
    return ", ".join(names) if names else "none"


def score(flagged: set, inconclusive: set = frozenset()) -> str:
    hits = flagged & PLANTED
    missed = PLANTED - flagged - inconclusive
    false = flagged - PLANTED
    return (f"{len(hits)}/{len(PLANTED)} planted found; missed: {fmt_list(missed)}; "
            f"false alarms: {fmt_list(false)}"
            + (f"; inconclusive: {fmt_list(inconclusive)}" if inconclusive else ""))


def summarize(runs: list[dict], key: str) -> dict:
    xs = [r[key] for r in runs]
    return {"min": min(xs), "median": statistics.median(xs)}


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--rows", type=int, default=1_000_000, help="rows per file (default 1000000)")
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--dir", type=Path, default=Path("/tmp/drift"),
                   help="where ref.parquet, cur.parquet and the runs' outputs go (default /tmp/drift)")
    p.add_argument("--repeat", type=int, default=3, help="runs per tool, alternated (default 3)")
    p.add_argument("--threads", type=int, default=2, help="threads for both tools (default 2)")
    p.add_argument("--tools", choices=["both", "evidently", "datassay"], default="both")
    p.add_argument("--datassay", type=Path, default=REPO / "target" / "release" / "datassay")
    p.add_argument("--device", default="cpu",
                   help="passed as --device to datassay drift if it has that option ('' for none)")
    p.add_argument("--datassay-arg", action="append", default=[],
                   help="an extra argument for datassay drift (repeatable)")
    p.add_argument("--evidently-python", default=sys.executable,
                   help="the Python that has evidently (default: this one)")
    p.add_argument("--regenerate", action="store_true", help="write the files even if they match")
    p.add_argument("--timeout", type=float, default=3600, help="seconds before a run is killed")
    p.add_argument("--json", type=Path, help="also write every run and verdict here")
    p.add_argument("--child", help=argparse.SUPPRESS)
    p.add_argument("--child-args", nargs="*", help=argparse.SUPPRESS)
    a = p.parse_args()
    if a.child == "evidently":
        ref, cur, out = a.child_args
        evidently_child(ref, cur, out, a.threads)
        return 0
    if a.rows < 10 or a.repeat < 1 or a.threads < 1:
        p.error("--rows must be >= 10, --repeat and --threads >= 1")

    a.dir.mkdir(parents=True, exist_ok=True)
    ref, cur = a.dir / "ref.parquet", a.dir / "cur.parquet"
    if a.regenerate or not (files_match(ref, a.rows, a.seed, 0) and files_match(cur, a.rows, a.seed, 1)):
        print(f"writing {ref} and {cur}: {a.rows:,} rows each, seed {a.seed} ...", flush=True)
        t = time.perf_counter()
        generate(ref, cur, a.rows, a.seed)
        print(f"  done in {time.perf_counter() - t:.1f} s", flush=True)
    else:
        print(f"reusing {ref} and {cur} ({a.rows:,} rows each, seed {a.seed})")
    sizes = {f.name: f.stat().st_size / 1e6 for f in (ref, cur)}
    for f in (ref, cur):  # into the page cache before the first run
        f.read_bytes()

    print("\nplanted truth (the reference answer):")
    for name, drift, what in COLUMNS:
        print(f"  {name:16} {'DRIFT' if drift else 'same ':6} {what}")
    print(f"  -> drifted: {fmt_list(PLANTED)}")

    env = tool_env(a.threads)
    tools = {}
    notes = []
    if a.tools in ("both", "evidently"):
        chk = subprocess.run([a.evidently_python, "-c", "import evidently, pandas; "
                              "print(evidently.__version__, pandas.__version__)"],
                             capture_output=True, text=True, env=env)
        if chk.returncode != 0:
            hint = ("\n(evidently 0.7 does not import with pandas 3: install it with "
                    "\"pandas<3\" in a venv of its own and pass that venv's python as "
                    "--evidently-python)") if "infer_dtype_from_object" in chk.stderr else ""
            notes.append(f"Evidently skipped: `{a.evidently_python}` cannot import it:\n"
                         + chk.stderr.strip()[-800:] + hint)
        else:
            tools["evidently"] = lambda out: [
                a.evidently_python, str(Path(__file__).resolve()), "--threads", str(a.threads),
                "--child", "evidently", "--child-args", str(ref), str(cur), str(out)]
    ds_cmd = None
    if a.tools in ("both", "datassay"):
        ds_cmd, why = datassay_command(a, ref, cur, a.dir / "datassay_out.json")
        if ds_cmd is None:
            notes.append(f"datassay skipped: {why}")
        else:
            tools["datassay"] = lambda out: [*ds_cmd[:5], str(out), *ds_cmd[6:]]
    for n in notes:
        print(f"\n{n}")
    if not tools:
        return 1
    if ds_cmd:
        print(f"\ndatassay command: {' '.join(ds_cmd)}")

    load_start = os.getloadavg()
    runs = {t: [] for t in tools}
    results = {}
    for rep in range(a.repeat):
        for tool, make in tools.items():
            out = a.dir / f"{tool}_out.json"
            out.unlink(missing_ok=True)
            r = run_measured(make(out), env, a.dir / f"{tool}_run.log", a.timeout)
            if r["rc"] != 0:
                print(f"\n{tool} failed: {r.get('error')}")
                return 1
            if tool == "evidently":
                res = json.loads(out.read_text())
                r["timed_seconds"] = res["seconds"]["timed"]
                r["phases"] = res["seconds"]
                r["rss_after_import_mb"] = res["rss_after_import_mb"]
            else:
                res = read_datassay(out)
                r["timed_seconds"] = r["process_seconds"]
            results[tool] = res
            runs[tool].append(r)
            extra = ""
            if tool == "evidently":
                ph = r["phases"]
                extra = (f" (read {ph['read']:.2f}, report {ph['report']:.2f}, extract "
                         f"{ph['extract']:.3f}; import {ph['import']:.2f} s, RSS after import "
                         f"{r['rss_after_import_mb']:.0f} MB)")
            print(f"rep {rep + 1}/{a.repeat} {tool:9} {r['timed_seconds']:8.2f} s  process "
                  f"{r['process_seconds']:8.2f} s  CPU {r['cpu_seconds']:8.2f} s  peak "
                  f"{r['peak_rss_mb']:7.0f} MB{extra}", flush=True)
    load_end = os.getloadavg()

    # ----- verdicts
    flagged, inconclusive, verdict = {}, {}, {}
    if "evidently" in results:
        ev = results["evidently"]
        flagged["evidently"] = {c for c, v in ev["columns"].items() if v.get("drift")}
        inconclusive["evidently"] = set()
        ds = ev["dataset"]
        verdict["evidently"] = (f"{'drift' if ds.get('drift') else 'no drift'} "
                                f"({ds.get('drifted_count'):.0f} of {len(ev['columns'])} columns "
                                f"drifted, share {ds.get('drifted_share'):.2f}; dataset drift "
                                f"needs >= {ds.get('drift_share')})")
    if "datassay" in results:
        dr = results["datassay"]
        flagged["datassay"] = {c for c, v in dr["columns"].items() if v["status"] == "drift"}
        inconclusive["datassay"] = {c for c, v in dr["columns"].items()
                                    if v["status"] == "inconclusive"}
        verdict["datassay"] = str(dr["verdict"])

    stats = {t: {"timed": summarize(rs, "timed_seconds"), "process": summarize(rs, "process_seconds"),
                 "cpu": summarize(rs, "cpu_seconds"),
                 "peak_rss_mb": max(r["peak_rss_mb"] for r in rs)} for t, rs in runs.items()}

    print(f"\n## Drift: Evidently DataDriftPreset vs datassay drift\n")
    vers = results.get("evidently", {}).get("versions", {})
    print(f"{a.rows:,} rows per file x {len(COLUMNS)} columns ({sizes['ref.parquet']:.1f} + "
          f"{sizes['cur.parquet']:.1f} MB Parquet), {a.threads} threads, {a.repeat} runs per tool; "
          + (f"evidently {vers.get('evidently')}, pandas {vers.get('pandas')}, "
             f"pyarrow {vers.get('pyarrow')}, scipy {vers.get('scipy')}, "
             f"Python {vers.get('python')}" if vers else "") + "\n")
    print("| tool | median s | min s | process s (median) | CPU s (median) | peak RSS MB | "
          "dataset verdict |")
    print("|---|---|---|---|---|---|---|")
    for t, s in stats.items():
        print(f"| {t} | {s['timed']['median']:.2f} | {s['timed']['min']:.2f} | "
              f"{s['process']['median']:.2f} | {s['cpu']['median']:.2f} | "
              f"{s['peak_rss_mb']:.0f} | {verdict[t]} |")
    if len(stats) == 2:
        e, d = stats["evidently"], stats["datassay"]
        print(f"| Evidently / datassay | {e['timed']['median'] / d['timed']['median']:.1f}x | "
              f"{e['timed']['min'] / d['timed']['min']:.1f}x | "
              f"{e['process']['median'] / d['process']['median']:.1f}x | "
              f"{e['cpu']['median'] / d['cpu']['median']:.1f}x | "
              f"{e['peak_rss_mb'] / d['peak_rss_mb']:.1f}x | |")
    print("\nmedian s, min s: Evidently from reading the files to the verdicts, import excluded; "
          "datassay the whole process. process s: the whole process for both (interpreter start "
          "and `import evidently` included). peak RSS: the process's maximum resident set "
          "(wait4), the largest over the runs.")
    if "evidently" in runs:
        print(f"Evidently's RSS after the import alone: "
              f"{max(r['rss_after_import_mb'] for r in runs['evidently']):.0f} MB.")

    print("\n| column | planted | Evidently test | score | Evidently | datassay |")
    print("|---|---|---|---|---|---|")
    for name, drift, what in COLUMNS:
        ev = results.get("evidently", {}).get("columns", {}).get(name)
        dcol = results.get("datassay", {}).get("columns", {}).get(name)
        rule = "p <" if ev and "p_value" in str(ev["method"]) else ">="  # p-value tests: p < t
        ev_cells = (f"{ev['method']} (drift if {rule} {ev['threshold']:g}) | {ev['score']:.4g} | "
                    f"{'**drift**' if ev.get('drift') else 'ok'}") if ev else "- | - | -"
        ds_cell = (f"**{dcol['status']}**" if dcol and dcol["status"] != "ok"
                   else (dcol["status"] if dcol else "-"))
        print(f"| {name} | {'**drift**' if drift else 'same'}: {what} | {ev_cells} | {ds_cell} |")

    print(f"\nplanted: {fmt_list(PLANTED)}")
    for t in flagged:
        print(f"{t} flags drift in: {fmt_list(flagged[t])}"
              + (f"; inconclusive: {fmt_list(inconclusive[t])}" if t == "datassay" else ""))
        print(f"  {score(flagged[t], inconclusive[t])}")
    if "datassay" in results:
        dr = results["datassay"]
        unknown = set(dr["columns"]) - {n for n, _, _ in COLUMNS}
        missing = {n for n, _, _ in COLUMNS} - set(dr["columns"])
        if unknown or missing:
            print(f"datassay JSON: columns not in the data: {fmt_list(unknown)}; "
                  f"columns it did not report: {fmt_list(missing)}")
        print("datassay per column (other fields of its JSON):")
        for n, v in dr["columns"].items():
            extra = ", ".join(f"{k}={v2}" for k, v2 in v["extra"].items())
            print(f"  {n:16} {v['status']:13} {extra[:160]}")
    print(f"\nload average (1 min): {load_start[0]:.2f} at the start, {load_end[0]:.2f} at the end "
          f"(other work on the machine stretches the wall times; compare CPU s then)")

    if a.json:
        a.json.write_text(json.dumps({
            "rows": a.rows, "seed": a.seed, "threads": a.threads, "repeat": a.repeat,
            "files_mb": sizes, "planted": sorted(PLANTED), "runs": runs, "stats": stats,
            "results": results, "datassay_command": ds_cmd, "notes": notes,
            "machine": {"os": platform.platform(), "cpus": os.cpu_count(),
                        "python": platform.python_version(),
                        "loadavg_start": load_start, "loadavg_end": load_end},
        }, indent=1, default=sorted))
        print(f"wrote {a.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
