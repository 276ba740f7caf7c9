#!/usr/bin/env python3
"""Image folders: datassay against cleanvision (cleanlab), side by side.

cleanvision is the Python tool that checks what `datassay images` checks: dark, bright, blurry,
low-information, odd-aspect and odd-size images, exact duplicates (MD5 of the pixels) and near
duplicates (equal imagehash pHashes). Both tools get the same folder, written by
`datassay generate --images` with planted defects and copies (truth.csv), and both are scored
against it: each planted defect's recall and precision, and the duplicate pairs'.

    python3 benches/compare/images_cleanvision.py --dir /tmp/imgs              # 5000 images
    python3 benches/compare/images_cleanvision.py --dir /tmp/imgs --images 300 --reps 1

cleanvision stops a run at the first file Pillow cannot load (truncated files, decompression
bombs: its loader has no per-file error handling), so it is given only the files Pillow loads;
datassay gets the whole folder and reports the others as findings. cleanvision runs with
n_jobs=1 (one process, one core), datassay with --threads. See benches/compare/README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
import warnings
from collections import defaultdict
from pathlib import Path

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")
os.environ.setdefault("TQDM_DISABLE", "1")             # cleanvision's progress bars

import images_imagehash as common  # noqa: E402 (the shared folder, findings and scoring code)

REPO_ROOT = Path(__file__).resolve().parents[2]
# truth.csv kind -> (datassay flag, cleanvision issue column)
DEFECTS = {
    "dark": ("dark", "is_dark_issue"),
    "blurred": ("blurry", "is_blurry_issue"),
    "blank": ("low_information", "is_low_information_issue"),
    "odd_aspect": ("odd_aspect", "is_odd_aspect_ratio_issue"),
    "odd_size": ("odd_size", "is_odd_size_issue"),
}


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(
        description="Compare image quality checks and duplicate detection of datassay and "
                    "cleanvision on the same folder of images.")
    p.add_argument("--dir", type=Path, required=True,
                   help="folder of images: reused if it holds image files, else "
                        "`datassay generate --images N` writes one there (kept)")
    p.add_argument("--images", type=int, default=5000, help="images to generate (default 5000)")
    p.add_argument("--seed", type=int, default=42, help="seed of `datassay generate` (default 42)")
    p.add_argument("--threads", type=int, default=2,
                   help="RAYON_NUM_THREADS for datassay (default 2); cleanvision runs n_jobs=1")
    p.add_argument("--reps", type=int, default=2,
                   help="runs per tool, alternated; the best time is kept (default 2)")
    p.add_argument("--datassay", type=Path, default=REPO_ROOT / "target" / "release" / "datassay",
                   help="datassay binary (default target/release/datassay)")
    p.add_argument("--timeout", type=float, default=3600.0,
                   help="seconds after which one datassay run is killed (default 3600)")
    p.add_argument("--json", type=Path, default=None, help="write the results here as JSON")
    a = p.parse_args()
    if a.images < 1 or a.threads < 1 or a.reps < 1:
        p.error("--images, --threads and --reps must be >= 1")
    return a


def loads_in_pillow(path: Path) -> str | None:
    """None when cleanvision's loader (`Image.open(f).copy()`) gets through the file, else why
    not."""
    try:
        with open(path, "rb") as fh:
            common.Image.open(fh).copy()
        return None
    except Exception as e:                             # noqa: BLE001 (any failure stops cleanvision)
        return type(e).__name__


def run_cleanvision(paths: list[str]) -> dict:
    from cleanvision import Imagelab
    t0 = time.perf_counter()
    c0 = time.process_time()
    lab = Imagelab(filepaths=paths, verbose=False)
    lab.find_issues(n_jobs=1, verbose=False)
    return {"seconds": time.perf_counter() - t0, "cpu": time.process_time() - c0, "lab": lab}


def cleanvision_results(lab, root: Path) -> tuple[dict[str, set[str]], dict[str, object]]:
    """Flagged files per DEFECTS kind, and a cluster id per file in a duplicate set (exact and
    near sets merged, as datassay merges them)."""
    issues = lab.issues
    rel = {p: os.path.relpath(p, root) for p in issues.index}
    flagged = {kind: {rel[p] for p in issues.index[issues[col]]} if col in issues else set()
               for kind, (_, col) in DEFECTS.items()}
    sets = [[os.path.relpath(p, root) for p in s]
            for key in ("exact_duplicates", "near_duplicates")
            for s in lab.info.get(key, {}).get("sets", [])]
    names = sorted({m for s in sets for m in s})
    index = {m: i for i, m in enumerate(names)}
    uf = common.UnionFind(len(names))
    for s in sets:
        for m in s[1:]:
            uf.union(index[s[0]], index[m])
    return flagged, {m: uf.find(index[m]) for m in names}


def datassay_results(findings: Path, root: Path) -> tuple[dict[str, set[str]], dict[str, object]]:
    """Flagged files per DEFECTS kind, and the cluster id of each file in a cluster."""
    rows = common.read_findings(findings, root)
    flagged = {kind: {f for f, r in rows.items() if flag in r["flags"]}
               for kind, (flag, _) in DEFECTS.items()}
    return flagged, {f: r["cluster"] for f, r in rows.items() if r["cluster"]}


def defect_scores(flagged: dict[str, set[str]], truth: dict, considered: set[str]) -> dict:
    """Per planted defect: recall (planted files flagged) and precision (flagged files that are
    planted), over the files both tools were given."""
    out = {}
    for kind in DEFECTS:
        planted = {f for f, (k, _) in truth.items() if k == kind and f in considered}
        got = flagged[kind] & considered
        hit = len(planted & got)
        out[kind] = {"planted": len(planted), "flagged": len(got), "found": hit,
                     "recall": hit / len(planted) if planted else None,
                     "precision": hit / len(got) if got else None}
    return out


def main(a: argparse.Namespace) -> int:
    try:
        import cleanvision
    except ImportError:
        sys.exit("cleanvision is not installed: pip install cleanvision")
    warnings.filterwarnings("ignore")
    binary = a.datassay
    if not (binary.is_file() and os.access(binary, os.X_OK)):
        sys.exit(f"datassay binary not found at {binary}: build it with `cargo build --release`")
    root = a.dir.resolve()
    t_gen = None
    if not (root.is_dir() and common.list_images(root)):
        t0 = time.perf_counter()
        gen = subprocess.run([str(binary), "generate", str(root), "--images", str(a.images),
                              "--seed", str(a.seed)], capture_output=True, text=True)
        if gen.returncode != 0:
            sys.exit(f"datassay generate failed ({gen.returncode}):\n{gen.stderr[-2000:]}")
        t_gen = time.perf_counter() - t0
    files = common.list_images(root)
    truth = common.read_truth(root)
    if truth is None:
        sys.exit(f"no truth.csv in {root}: this comparison scores against a generated folder")
    nbytes, _ = common.warm_cache(root, files)
    why = {f: loads_in_pillow(root / f) for f in files}
    loadable = [f for f in files if why[f] is None]
    stops = defaultdict(int)
    for f, w in why.items():
        if w:
            stops[w] += 1
    print(f"images: {len(files)} files, {nbytes / 1e6:.0f} MB in {root}"
          + (f" (generated in {t_gen:.1f} s)" if t_gen else ""))
    print(f"cleanvision {cleanvision.__version__}: {len(files) - len(loadable)} files would stop "
          f"its run ({', '.join(f'{k} {v}' for k, v in sorted(stops.items()))}); it gets the "
          f"other {len(loadable)}. datassay gets all {len(files)}.")

    workdir = root.parent / (root.name + "_cleanvision_out")
    workdir.mkdir(exist_ok=True)
    cv_reps, dy_reps = [], []
    cv_last = dy_last = None
    for rep in range(a.reps):
        cv_last = run_cleanvision([str(root / f) for f in loadable])
        cv_reps.append({"seconds": cv_last["seconds"], "cpu": cv_last["cpu"]})
        print(f"rep {rep + 1}/{a.reps} cleanvision {cv_last['seconds']:.2f} s "
              f"(CPU {cv_last['cpu']:.2f} s)")
        dy_last = common.run_datassay(binary, root, workdir, 8, a.threads, a.timeout)
        dy_reps.append({"wall": dy_last["wall"], "cpu": dy_last["cpu"]})
        print(f"rep {rep + 1}/{a.reps} datassay    {dy_last['wall']:.2f} s (CPU "
              f"{dy_last['cpu']:.2f} s)")
    cv_t = min(r["seconds"] for r in cv_reps)
    dy_t = min(r["wall"] for r in dy_reps)

    cv_flags, cv_cluster = cleanvision_results(cv_last["lab"], root)
    dy_flags, dy_cluster = datassay_results(dy_last["findings_path"], root)
    considered = set(loadable)
    q = {"cleanvision": defect_scores(cv_flags, truth, considered),
         "datassay": defect_scores(dy_flags, truth, considered)}
    sub_truth = {f: t for f, t in truth.items() if f in considered}
    dup = {"cleanvision": common.score(cv_cluster, sub_truth),
           "datassay": common.score({f: c for f, c in dy_cluster.items() if f in considered},
                                    sub_truth)}

    per_core_cv = len(loadable) / cv_t
    per_core_dy = len(files) / dy_t / a.threads
    print()
    print(f"{'tool':<12} {'threads':>7} {'files':>6} {'seconds':>8} {'images/s':>9} "
          f"{'img/s/core':>10}")
    print(f"{'cleanvision':<12} {1:>7} {len(loadable):>6} {cv_t:>8.2f} {len(loadable) / cv_t:>9.0f} "
          f"{per_core_cv:>10.0f}")
    print(f"{'datassay':<12} {a.threads:>7} {len(files):>6} {dy_t:>8.2f} {len(files) / dy_t:>9.0f} "
          f"{per_core_dy:>10.0f}")
    print(f"per core, datassay processes {per_core_dy / per_core_cv:.2f}x the images per second "
          f"of cleanvision (best of {a.reps})")
    print()
    print(f"planted defects over the {len(loadable)} files both read: found/planted (recall), "
          f"planted/flagged (precision)")
    print(f"{'defect':<11} {'cleanvision':>24} {'datassay':>24}")
    for kind in DEFECTS:
        cells = []
        for tool in ("cleanvision", "datassay"):
            s = q[tool][kind]
            cells.append(f"{s['found']}/{s['planted']} ({common.fmt(s['recall'], '.3f')}), "
                         f"{common.fmt(s['precision'], '.3f')}")
        print(f"{kind:<11} {cells[0]:>24} {cells[1]:>24}")
    for tool in ("cleanvision", "datassay"):
        d = dup[tool]
        groups = ", ".join(f"{g} {v['found']}/{v['positives']}"
                           for g, v in d["recall_by_kind"].items())
        print(f"duplicates, {tool}: found {d['positives_found']}/{d['positives']} planted copies "
              f"({groups}); precision {common.fmt(d['precision'], '.4f')} "
              f"({d['cluster_pairs_correct']}/{d['cluster_pairs']} pairs in clusters)")

    if a.json:
        out = {"set": {"dir": str(root), "files": len(files), "bytes": nbytes,
                       "cleanvision_input": len(loadable), "stops_cleanvision": dict(stops)},
               "params": {"threads": a.threads, "reps": a.reps},
               "cleanvision": {"version": cleanvision.__version__, "reps": cv_reps,
                               "images_per_s_per_core": per_core_cv, "defects": q["cleanvision"],
                               "duplicates": dup["cleanvision"]},
               "datassay": {"reps": dy_reps, "images_per_s_per_core": per_core_dy,
                            "defects": q["datassay"], "duplicates": dup["datassay"]},
               "per_core_ratio": per_core_dy / per_core_cv}
        a.json.parent.mkdir(parents=True, exist_ok=True)
        a.json.write_text(json.dumps(out, indent=2) + "\n")
        print(f"wrote {a.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main(parse_args()))
