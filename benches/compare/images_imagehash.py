#!/usr/bin/env python3
"""Image folders: datassay against imagehash (with Pillow), side by side.

Both tools get the same folder of images, written by `datassay generate --images`
with planted exact copies, near copies and broken files, and hash every image
with pHash and dHash; near duplicates are the images whose pHashes are within
--radius bits, clustered by union-find. The two take turns rep by rep and the
best time of each is kept. Then both are scored against the same ground truth
(truth.csv), and their hashes are compared bit by bit.

    python3 benches/compare/images_imagehash.py                        # 5000 images
    python3 benches/compare/images_imagehash.py --images 300 --reps 1  # seconds

imagehash does less work per image than datassay (no metrics, flags or exact
pixel hash); the Python side runs single-threaded. See benches/compare/README.md
for what the figures mean.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import re
import resource
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

# The Python baseline is single-threaded: keep numpy/scipy from starting thread pools.
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

REPO_ROOT = Path(__file__).resolve().parents[2]
# The extensions `datassay images` walks a folder for (any case); hidden entries are skipped.
IMAGE_EXTS = {".jpg", ".jpeg", ".jfif", ".png", ".webp", ".gif", ".bmp", ".tif", ".tiff"}
COPY_KINDS = ("exact_copy", "near_copy")
FINDINGS_COLUMNS = ("path", "readable", "error", "flags", "phash", "dhash", "cluster")


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(
        description="Compare image hashing and near-duplicate detection of datassay and "
                    "imagehash on the same folder of images.")
    p.add_argument("--images", type=int, default=5000,
                   help="images to generate with `datassay generate --images` (default 5000)")
    p.add_argument("--seed", type=int, default=42, help="seed of `datassay generate` (default 42)")
    p.add_argument("--dir", type=Path, default=None,
                   help="folder of images: reused if it holds image files (--images and --seed "
                        "then ignored), generated into otherwise and kept "
                        "(default: generated into a temporary directory, removed)")
    p.add_argument("--radius", type=int, default=8,
                   help="near duplicates: pHashes within this many differing bits, both tools "
                        "(0-15, default 8)")
    p.add_argument("--threads", type=int, default=2,
                   help="RAYON_NUM_THREADS for datassay (default 2); imagehash is single-threaded")
    p.add_argument("--phash-only", action="store_true",
                   help="imagehash computes pHash alone in the timed runs (dHash afterwards, "
                        "untimed, for the agreement); datassay still computes everything")
    p.add_argument("--reps", type=int, default=2,
                   help="runs per tool, alternated imagehash, datassay, ...; the best time is kept "
                        "(default 2)")
    p.add_argument("--datassay", type=Path, default=REPO_ROOT / "target" / "release" / "datassay",
                   help="datassay binary (default target/release/datassay)")
    p.add_argument("--timeout", type=float, default=1800.0,
                   help="seconds after which one datassay run is killed (default 1800)")
    p.add_argument("--workdir", type=Path, default=None,
                   help="where datassay's findings and summary go (default: a temporary "
                        "directory, removed)")
    p.add_argument("--json", type=Path, default=None, help="write the results here as JSON")
    a = p.parse_args()
    if a.images < 1 or a.threads < 1 or a.reps < 1:
        p.error("--images, --threads and --reps must be >= 1")
    if not 0 <= a.radius <= 15:
        p.error("--radius must be in 0..15 (datassay's range)")
    return a


# Parsed before the imports below, so that --help works without them; None when imported
# (images_cleanvision.py reuses the helpers).
ARGS = parse_args() if __name__ == "__main__" else None

try:
    import numpy as np
except ImportError:
    sys.exit("numpy is not installed: pip install imagehash pillow")
try:
    import PIL
    from PIL import Image
except ImportError:
    sys.exit("Pillow is not installed: pip install imagehash pillow")
try:
    import imagehash
except ImportError:
    sys.exit("imagehash is not installed: pip install imagehash pillow")


# --------------------------------------------------------------------------- shared helpers

def list_images(root: Path) -> list[str]:
    """Image files under root (recursive, hidden entries skipped, sorted), relative paths."""
    out = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for f in filenames:
            if not f.startswith(".") and os.path.splitext(f)[1].lower() in IMAGE_EXTS:
                out.append(os.path.relpath(os.path.join(dirpath, f), root))
    out.sort()
    return out


if hasattr(np, "bitwise_count"):                      # numpy >= 2.0
    def popcount64(x: "np.ndarray") -> "np.ndarray":
        return np.bitwise_count(x)
else:
    _POP8 = np.array([bin(i).count("1") for i in range(256)], dtype=np.uint8)

    def popcount64(x: "np.ndarray") -> "np.ndarray":
        b = np.ascontiguousarray(x).view(np.uint8).reshape(x.shape + (8,))
        return _POP8[b].sum(axis=-1, dtype=np.uint8)


def hamming(a: str, b: str) -> int:
    return (int(a, 16) ^ int(b, 16)).bit_count()


class UnionFind:
    def __init__(self, n: int):
        self.parent = list(range(n))

    def find(self, i: int) -> int:
        p = self.parent
        while p[i] != i:
            p[i] = p[p[i]]
            i = p[i]
        return i

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            if ra < rb:
                self.parent[rb] = ra
            else:
                self.parent[ra] = rb


def fmt(v, spec: str, missing: str = "-") -> str:
    return missing if v is None else format(v, spec)


# --------------------------------------------------------------------------- imagehash

def near_pairs(hashes: "np.ndarray", radius: int) -> "np.ndarray":
    """All pairs (i < j) with popcount(h[i] ^ h[j]) <= radius: an all-pairs loop in numpy
    blocks of rows (each block against every later row), about 32 MB of XORs at a time."""
    n = len(hashes)
    if n < 2:
        return np.empty((0, 2), dtype=np.int64)
    block = max(1, (1 << 22) // n)
    found = []
    for i0 in range(0, n - 1, block):
        i1 = min(n - 1, i0 + block)
        rows = hashes[i0:i1, None]
        cols = hashes[None, i0 + 1:]                  # every row after the block's first
        d = popcount64(rows ^ cols)
        ii, jj = np.nonzero(d <= radius)
        jj = jj + i0 + 1
        ii = ii + i0
        keep = jj > ii                                # upper triangle
        found.append(np.stack([ii[keep], jj[keep]], axis=1))
    return np.concatenate(found) if found else np.empty((0, 2), dtype=np.int64)


def run_imagehash(root: Path, radius: int, with_dhash: bool = True) -> dict:
    """The Python baseline, single-threaded: list the folder, open each file with Pillow,
    imagehash.phash and imagehash.dhash; then near-duplicate pairs and clusters. Without
    with_dhash the timed run computes pHash alone, and dHash is computed afterwards, untimed,
    for the agreement figures."""
    c0 = time.process_time()
    t0 = time.perf_counter()
    files = list_images(root)
    phash: dict[str, str] = {}
    dhash: dict[str, str] = {}
    errors: dict[str, str] = {}
    for rel in files:
        try:
            with Image.open(root / rel) as img:
                ph = imagehash.phash(img)
                dh = imagehash.dhash(img) if with_dhash else None
        except Exception as e:                        # noqa: BLE001 (any decoder error: unreadable)
            errors[rel] = f"{type(e).__name__}: {e}"
            continue
        phash[rel] = str(ph)
        if dh is not None:
            dhash[rel] = str(dh)
    t1 = time.perf_counter()

    names = list(phash)                               # readable files, in listing order
    h = np.array([int(phash[r], 16) for r in names], dtype=np.uint64)
    pairs = near_pairs(h, radius)
    t2 = time.perf_counter()

    uf = UnionFind(len(names))
    for i, j in pairs.tolist():
        uf.union(i, j)
    roots = [uf.find(i) for i in range(len(names))]
    size = Counter(roots)
    cluster = {names[i]: r for i, r in enumerate(roots) if size[r] > 1}
    t3 = time.perf_counter()
    cpu = time.process_time() - c0
    if not with_dhash:
        for rel in phash:
            with Image.open(root / rel) as img:
                dhash[rel] = str(imagehash.dhash(img))
    return {
        "seconds": {"hash": t1 - t0, "pairs": t2 - t1, "clusters": t3 - t2, "total": t3 - t0,
                    "cpu": cpu},
        "files": files, "phash": phash, "dhash": dhash, "errors": errors,
        "near_pairs": int(len(pairs)), "cluster": cluster,
    }


# --------------------------------------------------------------------------- datassay

def run_datassay(binary: Path, root: Path, out_dir: Path, radius: int, threads: int,
                 timeout: float) -> dict:
    findings = out_dir / "datassay-findings.csv"
    summary = out_dir / "datassay-summary.json"
    for f in (findings, summary):
        f.unlink(missing_ok=True)
    cmd = [str(binary), "images", str(root), "--findings", str(findings), "--json", str(summary),
           "--radius", str(radius), "-q"]
    env = dict(os.environ, RAYON_NUM_THREADS=str(threads))
    ru0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    try:
        proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise RuntimeError(f"datassay ran past --timeout {timeout:.0f} s: {' '.join(cmd)}")
    wall = time.perf_counter() - t0
    ru1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (ru1.ru_utime - ru0.ru_utime) + (ru1.ru_stime - ru0.ru_stime)
    if proc.returncode != 0:
        raise RuntimeError(f"datassay exited with {proc.returncode}\ncommand: {' '.join(cmd)}\n"
                           + proc.stderr[-2000:])
    if not findings.is_file() or not summary.is_file():
        raise RuntimeError(f"datassay wrote no findings or summary\ncommand: {' '.join(cmd)}\n"
                           + proc.stderr[-2000:])
    info = json.loads(summary.read_text())
    secs = info.get("seconds")
    return {"wall": wall, "cpu": cpu, "seconds": secs if isinstance(secs, (int, float)) else None,
            "summary": info, "findings_path": findings}


def run_decode_floor(binary: Path, root: Path, threads: int, reps: int,
                     timeout: float) -> dict | None:
    """datassay's read + decode alone over the same folder (`datassay bench --images-from`):
    the floor under its end-to-end time, and so the most any pipeline that decodes every image
    with the same decoders could reach. None (with the reason printed) when the binary cannot."""
    with tempfile.TemporaryDirectory(prefix="images_floor_") as tmp:
        out = Path(tmp) / "bench.json"
        cmd = [str(binary), "bench", "--images-only", "--images-from", str(root), "--reps",
               str(reps), "--device", "cpu", "--json", str(out)]
        env = dict(os.environ, RAYON_NUM_THREADS=str(threads))
        try:
            proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            print(f"decode floor: skipped, ran past --timeout {timeout:.0f} s")
            return None
        if proc.returncode != 0 or not out.is_file():
            print(f"decode floor: skipped ({' '.join(cmd)} failed: "
                  f"{proc.stderr.strip().splitlines()[-1:] or proc.returncode})")
            return None
        for m in json.loads(out.read_text())["images"]["measures"]:
            if m["name"].startswith("read + decode only"):
                return {"seconds": m["seconds"], "note": m["note"]}
    print("decode floor: skipped (this datassay's bench has no read + decode figure)")
    return None


def read_findings(path: Path, root: Path) -> dict[str, dict]:
    """datassay's findings CSV, keyed by the path relative to root."""
    with path.open(newline="") as fh:
        reader = csv.DictReader(fh)
        missing = [c for c in FINDINGS_COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise RuntimeError(f"{path}: columns {missing} missing (has {reader.fieldnames})")
        rows = {}
        for r in reader:
            rel = os.path.relpath(os.path.abspath(r["path"]), root)
            rows[rel] = {"readable": r["readable"].strip().lower() == "true",
                         "error": r["error"],
                         "flags": [f.strip() for f in r["flags"].split(",") if f.strip()],
                         "phash": r["phash"].strip().lower(),
                         "dhash": r["dhash"].strip().lower(),
                         "cluster": r["cluster"].strip() or None}
    return rows


# --------------------------------------------------------------------------- quality

def read_truth(root: Path) -> dict[str, tuple[str, str | None]] | None:
    path = root / "truth.csv"
    if not path.is_file():
        return None
    with path.open(newline="") as fh:
        reader = csv.DictReader(fh)
        if not {"file", "kind", "source"} <= set(reader.fieldnames or []):
            print(f"warning: {path} lacks the columns file,kind,source; no quality scores",
                  file=sys.stderr)
            return None
        return {r["file"]: (r["kind"], r["source"] or None) for r in reader}


def transform_of(rel: str) -> str:
    """The copy's transform, from its file name (`small00009.png` -> `small`)."""
    m = re.match(r"[A-Za-z_]+", os.path.basename(rel))
    return m.group(0) if m else "?"


def score(cluster: dict[str, object], truth: dict) -> dict:
    """Recall of the planted (copy, source) pairs; precision of all pairs within clusters."""
    kinds = {f: k for f, (k, _) in truth.items()}

    def family(f: str):
        k, src = truth.get(f, ("unknown", None))
        if k in COPY_KINDS and src:
            return src
        if k == "original":
            return f
        return ("alone", f)                            # no pair with it is planted

    # recall, overall and by kind / transform
    pos = [(f, src) for f, (k, src) in truth.items() if k in COPY_KINDS and src]
    found = 0
    by_group: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    missed = []
    for f, src in pos:
        hit = cluster.get(f) is not None and cluster.get(f) == cluster.get(src)
        found += hit
        g = kinds[f] if kinds[f] == "exact_copy" else f"near_copy:{transform_of(f)}"
        by_group[g][0] += 1
        by_group[g][1] += hit
        if not hit:
            missed.append(f)

    # precision: every pair within a cluster; correct when both files are of one family
    # (an original and its copies)
    members: dict[object, list[str]] = defaultdict(list)
    for f, c in cluster.items():
        members[c].append(f)
    total = correct = total_nb = 0
    wrong_by_kinds: Counter = Counter()
    sizes = []
    for fs in members.values():
        k = len(fs)
        sizes.append(k)
        total += k * (k - 1) // 2
        nb = sum(kinds.get(f) != "blank" for f in fs)
        total_nb += nb * (nb - 1) // 2                 # pairs with no blank image in them
        fam = Counter(family(f) for f in fs)
        correct += sum(c * (c - 1) // 2 for c in fam.values())
        # wrong pairs by the kinds of their two files: all pairs by kind, less the correct ones
        kc = Counter(kinds.get(f, "unknown") for f in fs)
        ks = sorted(kc)
        all_pairs = Counter()
        for x in range(len(ks)):
            all_pairs[(ks[x], ks[x])] += kc[ks[x]] * (kc[ks[x]] - 1) // 2
            for y in range(x + 1, len(ks)):
                all_pairs[(ks[x], ks[y])] += kc[ks[x]] * kc[ks[y]]
        for fm in fam:
            if fam[fm] < 2:
                continue
            fk = sorted(kinds.get(f, "unknown") for f in fs if family(f) == fm)
            for x in range(len(fk)):
                for y in range(x + 1, len(fk)):
                    all_pairs[(fk[x], fk[y])] -= 1
        for key, v in all_pairs.items():
            if v:
                wrong_by_kinds["+".join(key)] += v
    return {
        "positives": len(pos), "positives_found": found,
        "recall": found / len(pos) if pos else None,
        "recall_by_kind": {g: {"positives": v[0], "found": v[1]} for g, v in sorted(by_group.items())},
        "missed": sorted(missed)[:20],
        "cluster_pairs": total, "cluster_pairs_correct": correct,
        "precision": correct / total if total else None,
        # a blank image is in no family, so every correct pair is free of blanks
        "cluster_pairs_without_blank": total_nb,
        "precision_without_blank": correct / total_nb if total_nb else None,
        "wrong_pairs_by_kinds": dict(wrong_by_kinds.most_common()),
        "clusters": len(sizes), "clustered_images": sum(sizes), "largest_cluster": max(sizes, default=0),
    }


def agreement(dy: dict[str, dict], ih: dict, truth: dict | None) -> dict:
    """Hash agreement on the images both tools read, and where they differ on readability."""
    both = [f for f in ih["phash"] if f in dy and dy[f]["readable"]]
    kinds = {f: k for f, (k, _) in truth.items()} if truth else {}
    out = {"compared": len(both)}
    for name in ("phash", "dhash"):
        dist = [hamming(dy[f][name], ih[name][f]) for f in both]
        hist = Counter(dist)
        by_kind: dict[str, list[int]] = defaultdict(list)
        for f, d in zip(both, dist):
            by_kind[kinds.get(f, "unknown")].append(d)
        out[name] = {
            "equal": sum(d == 0 for d in dist) / len(dist) if dist else None,
            "within_2_bits": sum(d <= 2 for d in dist) / len(dist) if dist else None,
            "mean_bits": sum(dist) / len(dist) if dist else None,
            "max_bits": max(dist, default=None),
            "histogram": {str(k): hist[k] for k in sorted(hist)},
            "by_kind": {k: {"images": len(v), "equal": sum(d == 0 for d in v) / len(v),
                            "mean_bits": sum(v) / len(v), "max_bits": max(v)}
                        for k, v in sorted(by_kind.items())},
            "examples": [{"file": f, "datassay": dy[f][name], "imagehash": ih[name][f], "bits": d}
                         for f, d in sorted(zip(both, dist), key=lambda t: -t[1])[:10] if d],
        }
    out["readable_only_datassay"] = sorted(f for f, r in dy.items()
                                           if r["readable"] and f not in ih["phash"])
    out["readable_only_imagehash"] = sorted(f for f in ih["phash"]
                                            if f not in dy or not dy[f]["readable"])
    out["listed_only_datassay"] = sorted(set(dy) - set(ih["files"]))
    out["listed_only_imagehash"] = sorted(set(ih["files"]) - set(dy))
    return out


# --------------------------------------------------------------------------- report

def machine_info(a: argparse.Namespace) -> dict:
    try:
        ver = subprocess.run([str(a.datassay), "--version"], capture_output=True, text=True,
                             timeout=30).stdout.strip().splitlines()[0]
    except (OSError, IndexError, subprocess.TimeoutExpired):
        ver = None
    cpu = None
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        import scipy
        scipy_ver = scipy.__version__
    except ImportError:
        scipy_ver = None
    try:
        from importlib.metadata import version
        ih_ver = version("imagehash")
    except Exception:                                  # noqa: BLE001 (metadata missing: not fatal)
        ih_ver = getattr(imagehash, "__version__", None)
    return {
        "os": platform.platform(),
        "cpu": cpu or platform.processor() or platform.machine(),
        "cpu_count": os.cpu_count(),
        "cpus_usable": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "python": platform.python_version(),
        "numpy": np.__version__, "scipy": scipy_ver, "pillow": PIL.__version__,
        "imagehash": ih_ver, "datassay": ver, "datassay_binary": str(a.datassay),
        "datassay_binary_mtime": (time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime(
            a.datassay.stat().st_mtime)) if a.datassay.is_file() else None),
        "datassay_threads": a.threads, "imagehash_threads": 1,
        "loadavg_start": list(os.getloadavg()) if hasattr(os, "getloadavg") else None,
    }


def warm_cache(root: Path, files: list[str]) -> tuple[int, float]:
    """Read every file once, so that every rep, the first included, finds it in the page cache."""
    t0 = time.perf_counter()
    total = 0
    for rel in files:
        with open(root / rel, "rb") as fh:
            while chunk := fh.read(1 << 20):
                total += len(chunk)
    return total, time.perf_counter() - t0


def main(a: argparse.Namespace) -> int:
    binary = a.datassay
    if not (binary.is_file() and os.access(binary, os.X_OK)):
        sys.exit(f"datassay binary not found at {binary}: build it with `cargo build --release` "
                 f"(or pass --datassay); it also generates the images")
    machine = machine_info(a)

    tmp_imgs = tmp_work = None
    try:
        # ---- the folder
        t_gen = None
        if a.dir is not None and a.dir.is_dir() and list_images(a.dir):
            root = a.dir.resolve()
            print(f"reusing {root} (--images and --seed ignored)")
        else:
            if a.dir is None:
                tmp_imgs = tempfile.TemporaryDirectory(prefix="images_imagehash_")
                root = Path(tmp_imgs.name).resolve()
            else:
                if a.dir.exists() and not a.dir.is_dir():
                    sys.exit(f"--dir {a.dir} exists and is not a folder")
                root = a.dir.resolve()
            t0 = time.perf_counter()
            try:
                gen = subprocess.run([str(binary), "generate", str(root), "--images", str(a.images),
                                      "--seed", str(a.seed)], capture_output=True, text=True,
                                     timeout=a.timeout)
            except subprocess.TimeoutExpired:
                sys.exit(f"datassay generate ran past --timeout {a.timeout:.0f} s")
            if gen.returncode != 0:
                sys.exit(f"datassay generate failed ({gen.returncode}):\n{gen.stderr[-2000:]}")
            t_gen = time.perf_counter() - t0
        files = list_images(root)
        if not files:
            sys.exit(f"no image files in {root}")
        truth = read_truth(root)
        nbytes, t_warm = warm_cache(root, files)
        kinds = Counter(k for k, _ in truth.values()) if truth else Counter()
        exts = Counter(os.path.splitext(f)[1].lower() for f in files)
        print(f"images: {len(files)} files, {nbytes / 1e6:.0f} MB ("
              + ", ".join(f"{e} {c}" for e, c in sorted(exts.items())) + ")"
              + (f"; generated in {t_gen:.1f} s" if t_gen is not None else "")
              + f"; read once into the page cache in {t_warm:.2f} s -> {root}")
        if truth:
            print("planted: " + ", ".join(f"{k} {c}" for k, c in kinds.most_common()))
        else:
            print(f"no truth.csv in {root}: no precision or recall")

        if a.workdir is None:
            tmp_work = tempfile.TemporaryDirectory(prefix="images_imagehash_out_")
            workdir = Path(tmp_work.name)
        else:
            workdir = a.workdir
            workdir.mkdir(parents=True, exist_ok=True)

        print(f"imagehash {machine['imagehash']} (Pillow {PIL.__version__}, numpy {np.__version__}): "
              f"single-threaded Python, open + phash{'' if a.phash_only else ' + dhash'} per "
              f"file, then all-pairs pHash "
              f"distances in numpy; datassay: RAYON_NUM_THREADS={a.threads}, `datassay images` "
              f"(decode, metrics, flags, pixel hash, pHash, dHash, near duplicates)")

        # imagehash imports scipy.fftpack at its first phash: do that here, not in the first rep
        imagehash.phash(Image.new("RGB", (64, 64)))
        imagehash.dhash(Image.new("RGB", (64, 64)))

        ih_reps, dy_reps = [], []
        ih_last = dy_last = None
        for rep in range(a.reps):
            ih_last = run_imagehash(root, a.radius, not a.phash_only)
            s = ih_last["seconds"]
            ih_reps.append(s)
            print(f"rep {rep + 1}/{a.reps} imagehash {s['total']:.2f} s (open+hash {s['hash']:.2f}, "
                  f"pairs {s['pairs']:.3f}, clusters {s['clusters']:.3f}; CPU {s['cpu']:.2f} s)")
            try:
                dy_last = run_datassay(binary, root, workdir, a.radius, a.threads, a.timeout)
            except RuntimeError as e:
                sys.exit(str(e))
            dy_reps.append({"wall": dy_last["wall"], "cpu": dy_last["cpu"],
                            "summary_seconds": dy_last["seconds"]})
            print(f"rep {rep + 1}/{a.reps} datassay  {dy_last['wall']:.2f} s process wall "
                  f"(its summary: {fmt(dy_last['seconds'], '.2f')} s; CPU {dy_last['cpu']:.2f} s)")
        ih_best = min(ih_reps, key=lambda s: s["total"])
        dy_best = min(dy_reps, key=lambda s: s["wall"])
        print(f"decode floor: datassay reading and decoding alone, best of {a.reps} "
              f"(`datassay bench --images-from`)")
        floor = run_decode_floor(binary, root, a.threads, a.reps, a.timeout)
        loadavg_end = list(os.getloadavg()) if hasattr(os, "getloadavg") else None

        # ---- quality and agreement (not timed)
        try:
            dy = read_findings(dy_last["findings_path"], root)
        except (RuntimeError, csv.Error, KeyError) as e:
            sys.exit(f"cannot read datassay's findings: {e}")
        dy_cluster = {f: r["cluster"] for f, r in dy.items() if r["cluster"] is not None}
        q_ih = score(ih_last["cluster"], truth) if truth else None
        q_dy = score(dy_cluster, truth) if truth else None
        agr = agreement(dy, ih_last, truth)
        dy_readable = sum(r["readable"] for r in dy.values())
        ih_readable = len(ih_last["phash"])

        # ---- table
        n = len(files)
        ih_t, dy_t = ih_best["total"], dy_best["wall"]
        ratio = ih_t / dy_t if dy_t else None
        per_core = ratio / a.threads if ratio else None
        print()
        print(f"images, {n} files, near duplicates at pHash radius {a.radius}; best of {a.reps} rep(s)")
        head = (f"{'tool':<10} {'threads':>7} {'seconds':>8} {'CPU s':>7} {'images/s':>9} "
                f"{'img/s/core':>10} {'ih/this':>8} {'readable':>8} {'clusters':>8} "
                f"{'precision':>9} {'-blank':>7} {'recall':>7}")
        print(head)
        print("-" * len(head))
        for name, th, secs, cpu, q, rd, rat in (
                ("imagehash", 1, ih_t, ih_best["cpu"], q_ih, ih_readable, "1.00x"),
                ("datassay", a.threads, dy_t, dy_best["cpu"], q_dy, dy_readable,
                 fmt(ratio, ".2f") + "x")):
            print(f"{name:<10} {th:>7} {secs:>8.2f} {cpu:>7.2f} {n / secs:>9.0f} {n / secs / th:>10.0f} "
                  f"{rat:>8} {rd:>8} {fmt(q and q['clusters'], 'd'):>8} "
                  f"{fmt(q and q['precision'], '.4f'):>9} "
                  f"{fmt(q and q['precision_without_blank'], '.4f'):>7} "
                  f"{fmt(q and q['recall'], '.4f'):>7}")
        print(f"(ih/this: imagehash seconds / this tool's; per core, datassay is "
              f"{fmt(per_core, '.2f')}x imagehash, which runs on 1 core and datassay on {a.threads}. "
              f"imagehash does less per image: {'pHash' if a.phash_only else 'pHash and dHash'} only, no metrics, flags or pixel "
              f"hash)")
        cpu_ratio = ih_best["cpu"] / dy_best["cpu"] if dy_best["cpu"] else None
        print(f"CPU time (user + system, the best rep's): imagehash {ih_best['cpu']:.2f} s, datassay "
              f"{dy_best['cpu']:.2f} s, {fmt(cpu_ratio, '.2f')}x; load average at the start "
              f"{fmt(machine['loadavg_start'] and machine['loadavg_start'][0], '.2f')}, at the end "
              f"{fmt(loadavg_end and loadavg_end[0], '.2f')} (other work on the machine stretches "
              f"the wall times far more than the CPU times)")
        print(f"imagehash best: open+hash {ih_best['hash']:.2f} s ({n / ih_best['hash']:.0f} "
              f"images/s), pairs {ih_best['pairs']:.3f} s ({ih_last['near_pairs']} pairs within "
              f"{a.radius} bits, all {ih_readable * (ih_readable - 1) // 2} pairs compared), "
              f"clusters {ih_best['clusters']:.3f} s")
        floor_ceiling = None
        if floor:
            fs = floor["seconds"]
            floor_ceiling = ih_t / (fs * a.threads)
            print(f"decode floor: datassay's read + decode alone takes {fs:.2f} s on {a.threads} "
                  f"threads ({n / fs:.0f} images/s, {n / fs / a.threads:.0f} per core; "
                  f"{floor['note']}), {fs / dy_t:.0%} of its end-to-end time; per core that is "
                  f"{floor_ceiling:.2f}x imagehash, the most any pipeline decoding every image "
                  f"with the same decoders could reach")
        print(f"datassay best: process wall {dy_t:.2f} s (its summary's seconds "
              f"{fmt(dy_best['summary_seconds'], '.2f')}); {dy_last['summary'].get('exact_duplicates')} "
              f"exact and {dy_last['summary'].get('near_duplicates')} near duplicates")

        if truth:
            print()
            print(f"ground truth: {q_dy['positives']} planted (copy, source) pairs; precision counts "
                  f"every pair within a cluster, correct when both are of one original's family")
            for name, q in (("imagehash", q_ih), ("datassay", q_dy)):
                groups = ", ".join(f"{g} {v['found']}/{v['positives']}"
                                   for g, v in q["recall_by_kind"].items())
                wrong = ", ".join(f"{k} {v}" for k, v in list(q["wrong_pairs_by_kinds"].items())[:6])
                print(f"{name:<10} found {q['positives_found']}/{q['positives']} ({groups}); "
                      f"{q['cluster_pairs_correct']}/{q['cluster_pairs']} cluster pairs correct "
                      f"({q['cluster_pairs_without_blank']} without a blank image), "
                      f"{q['clustered_images']} images in {q['clusters']} clusters, largest "
                      f"{q['largest_cluster']}" + (f"; wrong pairs by kinds: {wrong}" if wrong else ""))

        print()
        print(f"hash agreement on the {agr['compared']} images both read "
              f"(datassay's hex against imagehash's str(hash))")
        head2 = f"{'hash':<6} {'equal':>7} {'<=2 bits':>8} {'mean bits':>9} {'max bits':>8}  histogram (bits: images)"
        print(head2)
        print("-" * len(head2))
        for name in ("phash", "dhash"):
            g = agr[name]
            hist = ", ".join(f"{k}: {v}" for k, v in g["histogram"].items())
            print(f"{name:<6} {fmt(g['equal'], '.4f'):>7} {fmt(g['within_2_bits'], '.4f'):>8} "
                  f"{fmt(g['mean_bits'], '.3f'):>9} {fmt(g['max_bits'], 'd'):>8}  {hist}")
            off = [f"{k} {v['equal']:.3f} (mean {v['mean_bits']:.2f}, max {v['max_bits']})"
                   for k, v in g["by_kind"].items() if v["equal"] < 1]
            if off:
                print(f"{'':<6} equal by kind, where not all: " + "; ".join(off))
        for key, what in (("readable_only_datassay", "readable by datassay only"),
                          ("readable_only_imagehash", "readable by imagehash only"),
                          ("listed_only_datassay", "listed by datassay only"),
                          ("listed_only_imagehash", "listed by imagehash only")):
            if agr[key]:
                print(f"{what}: {len(agr[key])} ({', '.join(agr[key][:5])}"
                      f"{', ...' if len(agr[key]) > 5 else ''})")
        unread = Counter(e.split(":", 1)[0] for e in ih_last["errors"].values())
        print(f"unreadable: datassay {n - dy_readable}, imagehash {n - ih_readable} "
              f"(Pillow's errors: {', '.join(f'{k} {v}' for k, v in unread.most_common()) or '-'})")

        if a.json:
            out = {
                "machine": {**machine, "loadavg_end": loadavg_end},
                "params": {"images_requested": a.images, "seed": a.seed, "radius": a.radius,
                           "threads": a.threads, "reps": a.reps, "phash_only": a.phash_only,
                           "dir": str(a.dir) if a.dir else None},
                "set": {"files": n, "bytes": nbytes, "extensions": dict(exts),
                        "planted": dict(kinds), "generate_s": t_gen, "warm_cache_s": t_warm,
                        "truth": truth is not None},
                "imagehash": {"reps": ih_reps, "best_seconds": ih_best,
                              "images_per_s": n / ih_t, "images_per_s_per_core": n / ih_t,
                              "hash_images_per_s": n / ih_best["hash"], "threads": 1,
                              "readable": ih_readable, "near_pairs": ih_last["near_pairs"],
                              "errors": ih_last["errors"], "quality": q_ih,
                              "work": "open with Pillow, imagehash.phash"
                                      + ("" if a.phash_only else ", imagehash.dhash") + "; "
                                      "all-pairs pHash Hamming distances (numpy); union-find"},
                "datassay": {"reps": dy_reps, "best_seconds": dy_best,
                             "images_per_s": n / dy_t, "images_per_s_per_core": n / dy_t / a.threads,
                             "threads": a.threads, "readable": dy_readable,
                             "summary": {k: v for k, v in dy_last["summary"].items()
                                         if k != "metrics"}, "quality": q_dy,
                             "work": "datassay images: decode, metrics, flags, pixel hash, "
                                     "pHash, dHash, near duplicates by multi-index hashing, "
                                     "union-find; findings CSV and summary JSON written"},
                "decode_floor": floor and {**floor, "images_per_s": n / floor["seconds"],
                                           "images_per_s_per_core":
                                               n / floor["seconds"] / a.threads,
                                           "per_core_ratio_ceiling": floor_ceiling},
                "speed_ratio_imagehash_over_datassay": ratio,
                "speed_ratio_per_core": per_core,
                "cpu_ratio_imagehash_over_datassay": cpu_ratio,
                "agreement": agr,
            }
            a.json.parent.mkdir(parents=True, exist_ok=True)
            a.json.write_text(json.dumps(out, indent=2) + "\n")
            print(f"wrote {a.json}")
    finally:
        for t in (tmp_imgs, tmp_work):
            if t is not None:
                t.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main(ARGS))
