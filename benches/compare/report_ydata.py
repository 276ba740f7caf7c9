#!/usr/bin/env python3
"""datassay report against ydata-profiling's minimal mode: one HTML report of one Parquet file.

    python3 benches/compare/report_ydata.py FILE [--reps 2] [--threads 2] [--json OUT]

Each tool runs in a process of its own, alternated ydata, datassay, ydata, datassay…, on the same
threads, after the file has been read once into the page cache:

- datassay: `datassay report FILE -o WORKDIR/datassay.html` with RAYON_NUM_THREADS=--threads;
- ydata-profiling: a child Python (--python, the interpreter that has ydata-profiling) that runs
  this script in its helper mode: `pandas.read_parquet(FILE, engine="pyarrow")`, then
  `ProfileReport(df, minimal=True, progress_bar=False, pool_size=THREADS)` and
  `.to_file(WORKDIR/ydata.html)`, with OMP/OPENBLAS/MKL/NUMEXPR/NUMBA_NUM_THREADS and
  pyarrow's CPU and I/O pools at --threads. It times the import, the read, the statistics (`get_description()`) and the rendering and
  writing of the HTML (`to_file`) apart; its time is read + statistics + HTML (import excluded).

Every run's wall time and peak resident memory come from `/usr/bin/time -v` (GNU time), or where
that is missing from a bare `python -S` launcher that forks, execs and reads `wait4`'s ru_maxrss;
either way a small process of its own, so this script's memory never counts. The best time of
each tool over --reps is kept; the peak memory is the largest over the reps. The script prints
both side by side with the sizes of the HTML files and the ratios ydata / datassay. Without the
datassay binary, or with one that lacks `report`, it says so and reports ydata alone.

The script itself needs only the standard library; the --python interpreter needs
ydata-profiling, pandas and pyarrow (see benches/compare/README.md).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
               "NUMEXPR_NUM_THREADS", "NUMEXPR_MAX_THREADS", "NUMBA_NUM_THREADS")

# A bare launcher, for when GNU time is missing: fork, exec the command, wait4, write
# "maxrss_kb exit_code cpu_seconds" to argv[1]. Run with `python -S`, so it holds about 10 MB:
# its child's peak starts from there, not from this script's.
LAUNCHER = r"""
import os, sys
out, cmd = sys.argv[1], sys.argv[2:]
pid = os.fork()
if pid == 0:
    try:
        os.execvp(cmd[0], cmd)
    finally:
        os._exit(127)
_, status, usage = os.wait4(pid, 0)
code = os.waitstatus_to_exitcode(status)
with open(out, "w") as f:
    f.write(f"{usage.ru_maxrss} {code} {usage.ru_utime + usage.ru_stime}\n")
sys.exit(code if code >= 0 else 128 - code)
"""

# Run by the --python interpreter: versions, and the file's shape from its footer.
PROBE = r"""
import json, sys, platform
from importlib import metadata
out = {"python": platform.python_version()}
for dist in ("ydata-profiling", "pandas", "numpy", "pyarrow", "scipy", "matplotlib", "visions"):
    try:
        out[dist] = metadata.version(dist)
    except metadata.PackageNotFoundError:
        out[dist] = None
try:
    import pyarrow.parquet as pq
    m = pq.ParquetFile(sys.argv[1]).metadata
    out["rows"], out["columns"], out["row_groups"] = m.num_rows, m.num_columns, m.num_row_groups
except Exception as e:
    out["file_error"] = f"{type(e).__name__}: {e}"
print(json.dumps(out))
"""


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(
        description="HTML report of one Parquet file: datassay report against ydata-profiling "
                    "(minimal mode), each in its own process, alternated; best time of each.")
    p.add_argument("file", type=Path, help="the Parquet file (e.g. from gen_mixed.py)")
    p.add_argument("--reps", type=int, default=2, help="runs per tool, alternated (default 2)")
    p.add_argument("--threads", type=int, default=2,
                   help="threads for both tools (default 2): RAYON_NUM_THREADS for datassay; "
                        "pool_size, OMP/OPENBLAS/MKL/NUMEXPR/NUMBA_NUM_THREADS and pyarrow's "
                        "pools for ydata")
    p.add_argument("--tools", choices=("both", "ydata", "datassay"), default="both",
                   help="which tools to run (default both)")
    p.add_argument("--datassay", type=Path, default=REPO / "target" / "release" / "datassay",
                   help="the datassay binary (default target/release/datassay)")
    p.add_argument("--datassay-arg", action="append", default=[], metavar="ARG",
                   help="an extra argument for `datassay report` (repeatable)")
    p.add_argument("--python", default="/tmp/venv-ydata/bin/python",
                   help="the interpreter with ydata-profiling (default /tmp/venv-ydata/bin/python)")
    p.add_argument("--workdir", type=Path, default=None,
                   help="where the reports, logs and the runs' timings go (default a temporary "
                        "directory, removed afterwards; kept if given)")
    p.add_argument("--timeout", type=float, default=3600.0,
                   help="seconds after which one run is killed (default 3600)")
    p.add_argument("--json", type=Path, default=None,
                   help="also write the versions, every run and the best of each here")
    a = p.parse_args()
    if a.reps < 1 or a.threads < 1:
        p.error("--reps and --threads must be >= 1")
    if not a.file.is_file():
        p.error(f"{a.file}: no such file")
    a.file = a.file.resolve()
    return a


# --------------------------------------------------------------------------- ydata helper mode

def child_ydata(argv: list[str]) -> int:
    """In the --python interpreter: read FILE, write the minimal report to HTML, and the
    phases' times, peaks and versions to RESULT (JSON)."""
    import resource
    import warnings

    file, html, threads, result = argv[0], argv[1], int(argv[2]), argv[3]

    def peak_mb() -> float:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0

    out: dict = {"phases_s": {}, "peak_mb": {}}
    t = time.perf_counter()
    warnings.filterwarnings("ignore")  # the deprecation notice of `import ydata_profiling`
    import pandas as pd
    import pyarrow as pa
    pa.set_cpu_count(threads)
    pa.set_io_thread_count(threads)
    import ydata_profiling
    from ydata_profiling import ProfileReport
    out["phases_s"]["import"] = time.perf_counter() - t
    out["peak_mb"]["after_import"] = peak_mb()

    t = time.perf_counter()
    df = pd.read_parquet(file, engine="pyarrow")
    out["phases_s"]["read"] = time.perf_counter() - t
    out["peak_mb"]["after_read"] = peak_mb()
    out["shape"] = list(df.shape)
    out["pandas_dtypes"] = {str(k): int(v) for k, v in df.dtypes.astype(str).value_counts().items()}
    out["dataframe_mb"] = float(df.memory_usage(deep=True).sum()) / 1e6

    t = time.perf_counter()
    profile = ProfileReport(df, minimal=True, progress_bar=False, pool_size=threads,
                            title=f"Profile of {Path(file).name}")
    description = profile.get_description()
    out["phases_s"]["describe"] = time.perf_counter() - t
    out["peak_mb"]["after_describe"] = peak_mb()
    try:
        out["ydata_types"] = {str(k): int(v) for k, v in description.table["types"].items()}
    except Exception:  # the description's layout is not an API; the types are only shown
        pass

    t = time.perf_counter()
    profile.to_file(html)
    out["phases_s"]["html"] = time.perf_counter() - t
    out["peak_mb"]["after_html"] = peak_mb()
    out["timed_s"] = sum(out["phases_s"][k] for k in ("read", "describe", "html"))
    out["versions"] = {"ydata-profiling": ydata_profiling.__version__, "pandas": pd.__version__,
                       "pyarrow": pa.__version__, "python": platform.python_version()}
    import numpy as np
    out["versions"]["numpy"] = np.__version__
    Path(result).write_text(json.dumps(out, indent=2) + "\n")
    return 0


# --------------------------------------------------------------------------- measuring a run

def gnu_time() -> str | None:
    """/usr/bin/time if it is GNU time (which has -v and -o)."""
    path = "/usr/bin/time"
    if not os.access(path, os.X_OK):
        return None
    try:
        r = subprocess.run([path, "--version"], capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return None
    return path if "GNU" in (r.stdout + r.stderr) else None


def measured(cmd: list[str], env: dict, log: Path, timeout: float, timer: str | None) -> dict:
    """Run cmd in a process group of its own, stdout and stderr to log; return its wall
    seconds, peak RSS (MB), CPU seconds (user + system; both from GNU time or the launcher),
    exit code and the log's tail."""
    rss_file = log.with_suffix(".rss")
    rss_file.unlink(missing_ok=True)
    if timer:
        full = [timer, "-v", "-o", str(rss_file)] + cmd
    else:
        full = [sys.executable, "-S", "-c", LAUNCHER, str(rss_file)] + cmd
    with open(log, "wb") as lf, open(os.devnull, "rb") as nul:
        t = time.perf_counter()
        p = subprocess.Popen(full, env=env, stdin=nul, stdout=lf, stderr=subprocess.STDOUT,
                             start_new_session=True)
        timed_out = False
        try:
            code = p.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            timed_out = True
            os.killpg(p.pid, signal.SIGKILL)
            code = p.wait()
        wall = time.perf_counter() - t
    peak_kb = cpu = None
    if rss_file.exists():
        text = rss_file.read_text()
        if timer:
            for line in text.splitlines():
                line = line.strip()
                if line.startswith("Maximum resident set size (kbytes):"):
                    peak_kb = int(line.rsplit(":", 1)[1])
                elif line.startswith(("User time (seconds):", "System time (seconds):")):
                    cpu = (cpu or 0.0) + float(line.rsplit(":", 1)[1])
                elif line.startswith("Exit status:"):
                    code = int(line.rsplit(":", 1)[1])
                elif line.startswith("Command terminated by signal"):
                    code = -int(line.rsplit(" ", 1)[1])
        elif text.strip():
            kb, c, u = text.split()
            peak_kb, code, cpu = int(kb), int(c), float(u)
    tail = log.read_bytes()[-4000:].decode(errors="replace") if log.exists() else ""
    return {"wall_s": wall, "peak_mb": None if peak_kb is None else peak_kb / 1024.0,
            "cpu_s": cpu, "exit_code": code, "timed_out": timed_out, "log_tail": tail}


# --------------------------------------------------------------------------- the tools

def probe_python(python: str, file: Path) -> dict:
    try:
        r = subprocess.run([python, "-c", PROBE, str(file)], capture_output=True, text=True,
                           timeout=120)
    except (OSError, subprocess.SubprocessError) as e:
        return {"error": f"{python}: {e}"}
    if r.returncode != 0:
        return {"error": f"{python} failed: {r.stderr.strip()[-500:]}"}
    info = json.loads(r.stdout)
    if not info.get("ydata-profiling"):
        info["error"] = (f"ydata-profiling is not installed for {python} "
                         "(see benches/compare/README.md)")
    return info


def probe_datassay(binary: Path) -> dict:
    """Whether the binary exists and has `report`; its version."""
    if not (binary.is_file() and os.access(binary, os.X_OK)):
        return {"error": f"{binary} not found (cargo build --release)"}
    info = {}
    try:
        v = subprocess.run([str(binary), "--version"], capture_output=True, text=True, timeout=30)
        info["version"] = v.stdout.strip()
        r = subprocess.run([str(binary), "report", "--help"], capture_output=True, text=True,
                           timeout=30)
    except (OSError, subprocess.SubprocessError) as e:
        return {"error": f"{binary}: {e}"}
    if lacks_report(r.returncode, r.stdout + r.stderr):
        info["error"] = f"{binary} has no `report` subcommand (a build from before it)"
    return info


def lacks_report(code: int, text: str) -> bool:
    return code == 2 and "unrecognized subcommand" in text


def run_ydata(a, rep: int, env: dict, timer) -> dict:
    html = a.workdir / "ydata.html"
    result = a.workdir / f"ydata-{rep}.json"
    html.unlink(missing_ok=True)
    result.unlink(missing_ok=True)
    cmd = [a.python, str(Path(__file__).resolve()), "--child-ydata", str(a.file), str(html),
           str(a.threads), str(result)]
    r = measured(cmd, env, a.workdir / f"ydata-{rep}.log", a.timeout, timer)
    r["html_bytes"] = html.stat().st_size if html.exists() else None
    if r["exit_code"] == 0 and result.exists():
        r["child"] = json.loads(result.read_text())
        r["time_s"] = r["child"]["timed_s"]
    else:
        r["time_s"] = None
    return r


def run_datassay(a, rep: int, env: dict, timer) -> dict:
    html = a.workdir / "datassay.html"
    html.unlink(missing_ok=True)
    cmd = [str(a.datassay), "report", str(a.file), "-o", str(html)] + a.datassay_arg
    r = measured(cmd, env, a.workdir / f"datassay-{rep}.log", a.timeout, timer)
    r["html_bytes"] = html.stat().st_size if html.exists() else None
    r["time_s"] = r["wall_s"] if r["exit_code"] == 0 else None
    return r


# --------------------------------------------------------------------------- reporting

def machine_info(threads: int) -> dict:
    info = {"platform": platform.platform(), "cpus": os.cpu_count(), "threads": threads}
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                info["cpu"] = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                info["mem_gb"] = round(int(line.split()[1]) / 1024 ** 2, 1)
                break
    except OSError:
        pass
    return info


def best(runs: list[dict]) -> dict | None:
    ok = [r for r in runs if r["time_s"] is not None]
    if not ok:
        return None
    b = min(ok, key=lambda r: r["time_s"])
    peaks = [r["peak_mb"] for r in ok if r["peak_mb"] is not None]
    return {"time_s": b["time_s"], "process_s": min(r["wall_s"] for r in ok),
            "peak_mb": max(peaks) if peaks else None,
            "html_bytes": b["html_bytes"], "best_run": b, "runs_ok": len(ok)}


def fmt(x, spec: str) -> str:
    return "-" if x is None else format(x, spec)


def ratio(y, d) -> str:
    return "-" if y is None or d is None or d == 0 else f"{y / d:.2f}x"


def print_table(a, info: dict, yb: dict | None, db: dict | None, notes: list[str]) -> None:
    shape = (f"{info['rows']:,} rows x {info['columns']} columns"
             if "rows" in info else "shape unknown")
    print(f"\n{a.file}: {shape}, {a.file.stat().st_size / 1e6:.1f} MB; "
          f"{a.threads} threads, best of {a.reps}")
    ylabel = f"ydata-profiling {info.get('ydata-profiling') or '?'} minimal"
    dlabel = info.get("datassay_version") or "datassay"
    w = max(len(ylabel), len(dlabel), len("ydata / datassay"))
    print(f"{'':<{w}}  {'time s':>9}  {'process s':>9}  {'peak MB':>9}  {'file MB':>9}")
    for label, b in ((ylabel, yb), (dlabel, db)):
        if b is None:
            continue
        print(f"{label:<{w}}  {fmt(b['time_s'], '9.2f')}  {fmt(b['process_s'], '9.2f')}  "
              f"{fmt(b['peak_mb'], '9.0f')}  "
              f"{fmt(None if b['html_bytes'] is None else b['html_bytes'] / 1e6, '9.2f')}")
    if yb and db:
        print(f"{'ydata / datassay':<{w}}  {ratio(yb['time_s'], db['time_s']):>9}  "
              f"{ratio(yb['process_s'], db['process_s']):>9}  "
              f"{ratio(yb['peak_mb'], db['peak_mb']):>9}  "
              f"{ratio(yb['html_bytes'], db['html_bytes']):>9}")
    if yb:
        c = yb["best_run"]["child"]
        ph, pk = c["phases_s"], c["peak_mb"]
        print(f"ydata phases (best run): import {ph['import']:.2f} s (not in its time), "
              f"read {ph['read']:.2f} s, statistics {ph['describe']:.2f} s, "
              f"HTML {ph['html']:.2f} s; peak after import {pk['after_import']:.0f} MB, "
              f"after read {pk['after_read']:.0f} MB; DataFrame {c['dataframe_mb']:.0f} MB")
        if c.get("ydata_types"):
            print("ydata types: " + ", ".join(f"{k} {v}" for k, v in c["ydata_types"].items()))
    print("time s: datassay's whole process; ydata's read + statistics + HTML, in a process that "
          "has already imported it (process s: the whole process, for both). peak MB: the largest "
          "resident set over the reps.")
    v = [f"{k} {info[k]}" for k in ("pandas", "numpy", "pyarrow", "scipy", "matplotlib")
         if info.get(k)]
    print(f"versions: {dlabel}; ydata-profiling {info.get('ydata-profiling')}; "
          f"{', '.join(v)}; Python {info.get('python')} (ydata)")
    for n in notes:
        print(n)


def main() -> int:
    if len(sys.argv) > 1 and sys.argv[1] == "--child-ydata":
        return child_ydata(sys.argv[2:])
    a = parse_args()
    keep = a.workdir is not None
    a.workdir = Path(a.workdir or tempfile.mkdtemp(prefix="report-ydata-")).resolve()
    a.workdir.mkdir(parents=True, exist_ok=True)
    notes: list[str] = []

    want_ydata = a.tools in ("both", "ydata")
    want_datassay = a.tools in ("both", "datassay")
    info = probe_python(a.python, a.file)
    if "file_error" in info:
        notes.append(f"could not read the file's footer: {info['file_error']}")
    if want_ydata and info.get("error"):
        sys.exit(info["error"])
    dinfo = probe_datassay(a.datassay) if want_datassay else {}
    info["datassay_version"] = dinfo.get("version")
    if want_datassay and dinfo.get("error"):
        notes.append(f"datassay not run: {dinfo['error']}.")
        print(notes[-1], flush=True)
        want_datassay = False
    if not (want_ydata or want_datassay):
        sys.exit("nothing to run")

    timer = gnu_time()
    env = dict(os.environ)
    for k in THREAD_VARS:
        env[k] = str(a.threads)
    env["RAYON_NUM_THREADS"] = str(a.threads)
    env["MPLBACKEND"] = "Agg"

    with open(a.file, "rb") as f:  # into the page cache, for every run alike
        while f.read(1 << 24):
            pass

    runs: dict[str, list[dict]] = {"ydata": [], "datassay": []}
    for rep in range(1, a.reps + 1):
        for tool in ("ydata", "datassay"):
            if (tool == "ydata" and not want_ydata) or (tool == "datassay" and not want_datassay):
                continue
            r = (run_ydata if tool == "ydata" else run_datassay)(a, rep, env, timer)
            r["rep"] = rep
            if tool == "datassay" and lacks_report(r["exit_code"], r["log_tail"]):
                notes.append(f"datassay not run: {a.datassay} has no `report` subcommand.")
                want_datassay = False
                continue
            runs[tool].append(r)
            status = ("timed out" if r["timed_out"] else
                      f"failed ({r['exit_code']})" if r["time_s"] is None else "ok")
            extra = ""
            if tool == "ydata" and r.get("child"):
                ph = r["child"]["phases_s"]
                extra = (f" (import {ph['import']:.2f}, read {ph['read']:.2f}, "
                         f"statistics {ph['describe']:.2f}, HTML {ph['html']:.2f})")
            print(f"rep {rep} {tool:>8}: {status}, {fmt(r['time_s'], '.2f')} s{extra}, "
                  f"process {r['wall_s']:.2f} s (cpu {fmt(r['cpu_s'], '.2f')} s), "
                  f"peak {fmt(r['peak_mb'], '.0f')} MB, "
                  f"html {fmt(r['html_bytes'], ',')} bytes", flush=True)
            if r["time_s"] is None:
                print(r["log_tail"][-2000:], file=sys.stderr)

    yb, db = best(runs["ydata"]), best(runs["datassay"])
    if want_ydata and yb is None:
        notes.append("ydata-profiling failed on every run; see the logs above.")
    print_table(a, info, yb, db, notes)

    if a.json:
        out = {
            "file": str(a.file), "file_bytes": a.file.stat().st_size,
            "rows": info.get("rows"), "columns": info.get("columns"),
            "threads": a.threads, "reps": a.reps,
            "memory_measured_with": "GNU time -v" if timer else "python -S launcher, wait4",
            "machine": machine_info(a.threads),
            "versions": {k: info.get(k) for k in ("datassay_version", "ydata-profiling", "pandas",
                                                  "numpy", "pyarrow", "scipy", "matplotlib",
                                                  "visions", "python")},
            "commands": {
                "datassay": f"{a.datassay} report FILE -o datassay.html "
                            + " ".join(a.datassay_arg),
                "ydata": "pandas.read_parquet(FILE, engine='pyarrow'); ProfileReport(df, "
                         f"minimal=True, progress_bar=False, pool_size={a.threads})"
                         ".to_file('ydata.html')",
            },
            "best": {k: (None if b is None else {x: y for x, y in b.items() if x != "best_run"})
                     for k, b in (("ydata", yb), ("datassay", db))},
            "ratios_ydata_over_datassay": None if not (yb and db) else {
                "time": yb["time_s"] / db["time_s"], "process": yb["process_s"] / db["process_s"],
                "peak": (yb["peak_mb"] / db["peak_mb"])
                if yb["peak_mb"] and db["peak_mb"] else None,
                "html_bytes": (yb["html_bytes"] / db["html_bytes"])
                if yb["html_bytes"] and db["html_bytes"] else None},
            "runs": runs,
            "notes": notes,
        }
        a.json.parent.mkdir(parents=True, exist_ok=True)
        a.json.write_text(json.dumps(out, indent=2) + "\n")
        print(f"results -> {a.json}")
    if keep:
        print(f"reports and logs in {a.workdir}")
    else:
        shutil.rmtree(a.workdir, ignore_errors=True)
    return 0 if (yb or not want_ydata) else 1


if __name__ == "__main__":
    sys.exit(main())
