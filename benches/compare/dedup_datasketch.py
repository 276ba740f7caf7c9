#!/usr/bin/env python3
"""Near-duplicate documents: datassay against datasketch, side by side.

Both tools get the same Parquet corpus, written by `datassay generate --docs`
with planted exact copies and edited copies, and do the same job: normalise
(lowercase, whitespace runs collapsed), find exact copies by hashing the
normalised text, MinHash the first document of each exact group over 5-word
shingles, find candidate pairs with LSH, keep those whose estimated Jaccard is
at least the threshold, and cluster with union-find. We time each tool,
alternating them rep by rep and keeping each one's best time, and score both
against the same ground truth (the planted pairs, judged by their exact
Jaccard computed here).

    python3 benches/compare/dedup_datasketch.py --rows 200000

datasketch is pure single-threaded Python (with numpy); datassay runs on
--threads cores. See benches/compare/README.md for what the figures mean.
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

REPO_ROOT = Path(__file__).resolve().parents[2]
SHINGLE_WORDS = 5


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(
        description="Compare near-duplicate detection of datassay and datasketch on the same corpus.")
    p.add_argument("--rows", type=int, default=200_000, help="documents in the corpus (default 200000)")
    p.add_argument("--seed", type=int, default=42, help="seed of `datassay generate` (default 42)")
    p.add_argument("--threshold", type=float, default=0.8,
                   help="Jaccard threshold of near-duplicates (default 0.8)")
    p.add_argument("--perms", type=int, default=128, help="MinHash permutations (default 128)")
    p.add_argument("--threads", type=int, default=2,
                   help="RAYON_NUM_THREADS for datassay (default 2); datasketch is single-threaded")
    p.add_argument("--reps", type=int, default=1,
                   help="runs per tool, alternated datasketch, datassay, ...; the best time is kept")
    p.add_argument("--datassay", type=Path, default=REPO_ROOT / "target" / "release" / "datassay",
                   help="datassay binary (default target/release/datassay)")
    p.add_argument("--ds-hashfunc", choices=["auto", "sha1", "mmh3"], default="auto",
                   help="hash of shingles for datasketch's MinHash: its default sha1_hash32, or "
                        "mmh3 (faster; the docs suggest a faster hash via `hashfunc`). "
                        "auto: mmh3 if installed, else sha1")
    p.add_argument("--datassay-verify", choices=["signature", "exact"], default="signature",
                   help="datassay's --verify: signature estimates, as datasketch verifies (default), "
                        "or exact Jaccard of the shingle sets (datasketch has no such mode)")
    p.add_argument("--workdir", type=Path, default=None,
                   help="where the corpus and datassay outputs go (default: a temporary directory, removed)")
    p.add_argument("--json", type=Path, default=None, help="write the results here as JSON")
    a = p.parse_args()
    if a.rows < 2 or a.threads < 1 or a.reps < 1 or a.perms < 1:
        p.error("--rows must be >= 2; --threads, --reps and --perms >= 1")
    if not 0.0 < a.threshold <= 1.0:
        p.error("--threshold must be in (0, 1]")
    return a


ARGS = parse_args()

try:
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq
except ImportError as e:
    sys.exit(f"{e.name} is not installed: pip install pyarrow numpy")
try:
    import datasketch
    from datasketch import MinHash, MinHashLSH
except ImportError:
    sys.exit("datasketch is not installed: pip install datasketch")


# --------------------------------------------------------------------------- shared helpers

def normalise(text: str) -> str:
    """datassay's default normalisation: lowercase, whitespace runs -> one space, trimmed."""
    return " ".join(text.lower().split())


def shingles(norm: str) -> list[bytes]:
    """5-word shingles of a normalised text as UTF-8 bytes; a text of <= 5 words is one shingle.

    Encoding once and splitting the bytes is the same as encoding each shingle
    (the separator is one ASCII space) and cheaper.
    """
    if not norm:
        return []
    w = norm.encode("utf-8").split(b" ")
    if len(w) <= SHINGLE_WORDS:
        return [b" ".join(w)]
    return [b" ".join(w[i:i + SHINGLE_WORDS]) for i in range(len(w) - SHINGLE_WORDS + 1)]


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
            # The smaller index is the root, as in datassay: a cluster is named by its first doc.
            if ra < rb:
                self.parent[rb] = ra
            else:
                self.parent[ra] = rb

    def roots(self) -> list[int]:
        return [self.find(i) for i in range(len(self.parent))]


def cluster_stats(roots: list[int]) -> dict:
    """Clusters of two or more documents, as datassay counts them."""
    size: dict[int, int] = {}
    for r in roots:
        size[r] = size.get(r, 0) + 1
    multi = [s for s in size.values() if s > 1]
    return {"clusters": len(multi), "largest_cluster": max(multi, default=0),
            "removable": sum(s - 1 for s in multi)}


# --------------------------------------------------------------------------- datasketch

def make_hashfunc(choice: str):
    if choice in ("auto", "mmh3"):
        try:
            import mmh3
        except ImportError:
            if choice == "mmh3":
                sys.exit("mmh3 is not installed: pip install mmh3 (or --ds-hashfunc sha1)")
        else:
            def mmh3_32(b: bytes, _h=mmh3.hash) -> int:
                return _h(b, 0, False)       # unsigned 32-bit, what the affine32 scheme wants
            try:
                from importlib.metadata import version
                ver = version("mmh3")
            except Exception:                  # noqa: BLE001 (metadata missing: not fatal)
                ver = getattr(mmh3, "__version__", "unknown")
            return "mmh3", mmh3_32, ver
    return "sha1", None, None                 # None: datasketch's default sha1_hash32


def run_datasketch(texts: list, threshold: float, perms: int, hashfunc) -> dict:
    """The whole pipeline in datasketch, from the list of texts to pairs and clusters.

    The fastest documented paths of the installed datasketch: `MinHash.bulk`
    (one MinHash's permutations reused, `update_batch` per document: one numpy
    pass over the shingle hashes), `MinHashLSH.insertion_session` for the index,
    then `query` per document and `MinHash.jaccard` to verify.
    """
    n = len(texts)
    t0 = time.perf_counter()

    # 1. Normalise; exact copies by the normalised text (a dict: Python's string hash and
    #    equality, so no collisions). Empty and null documents take no part, as in datassay.
    norms: list[str] = [normalise(t) if t is not None else "" for t in texts]
    first_of: dict[str, int] = {}
    reps: list[int] = []
    exact_pairs: list[tuple[int, int]] = []
    for i, s in enumerate(norms):
        if not s:
            continue
        j = first_of.setdefault(s, i)
        if j == i:
            reps.append(i)
        else:
            exact_pairs.append((j, i))
    t1 = time.perf_counter()

    # 2. MinHash of one document per exact group.
    kw = {"num_perm": perms}
    if hashfunc is not None:
        kw["hashfunc"] = hashfunc
    sigs = MinHash.bulk((shingles(norms[i]) for i in reps), **kw)
    t2 = time.perf_counter()

    # 3. LSH: bulk insert, then query every document; a candidate pair is verified once
    #    (from its smaller key) by the MinHash estimate.
    lsh = MinHashLSH(threshold=threshold, num_perm=perms)
    with lsh.insertion_session(buffer_size=max(50_000, len(reps))) as session:
        for k, m in enumerate(sigs):
            session.insert(k, m, check_duplication=False)
    t3 = time.perf_counter()
    near_pairs: list[tuple[int, int, float]] = []
    candidates = 0
    for k, m in enumerate(sigs):
        for c in lsh.query(m):
            if c > k:
                candidates += 1
                est = m.jaccard(sigs[c])
                if est >= threshold:
                    near_pairs.append((reps[k], reps[c], est))
    t4 = time.perf_counter()

    # 4. Clusters.
    uf = UnionFind(n)
    for a, b in exact_pairs:
        uf.union(a, b)
    for a, b, _ in near_pairs:
        uf.union(a, b)
    roots = uf.roots()
    t5 = time.perf_counter()

    cs = cluster_stats(roots)
    return {
        "seconds": {"normalise_exact": t1 - t0, "minhash": t2 - t1, "lsh_insert": t3 - t2,
                    "lsh_query_verify": t4 - t3, "lsh": t4 - t2, "clusters": t5 - t4,
                    "total": t5 - t0},
        "bands": lsh.b, "rows_per_band": lsh.r,
        "candidates": candidates,
        "exact_duplicates": len(exact_pairs),
        "near_pairs": len(near_pairs),
        "near_duplicates": cs["removable"] - len(exact_pairs),
        "clusters": cs["clusters"], "largest_cluster": cs["largest_cluster"],
        "pairs_exact": exact_pairs,
        "pairs_near": [(a, b) for a, b, _ in near_pairs],
        "roots": roots,
        "norms": norms,
    }


# --------------------------------------------------------------------------- datassay

def run_datassay(binary: Path, corpus: Path, out_dir: Path, threshold: float, perms: int,
                 threads: int, verify: str = "signature") -> dict:
    summary = out_dir / "datassay-dedup.json"
    pairs = out_dir / "datassay-pairs.parquet"
    cmd = [str(binary), "dedup", str(corpus), "--column", "text", "--threshold", str(threshold),
           "--perms", str(perms), "--json", str(summary), "--pairs", str(pairs),
           "--verify", verify]
    env = dict(os.environ, RAYON_NUM_THREADS=str(threads))
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        raise RuntimeError(f"datassay exited with {proc.returncode}\ncommand: {' '.join(cmd)}\n"
                           + proc.stderr[-2000:])
    info = json.loads(summary.read_text())
    return {"wall": wall, "seconds": info.get("seconds", {}), "summary": info, "pairs_path": pairs}


def read_datassay_pairs(path: Path, n: int) -> tuple[list, list]:
    t = pq.read_table(path, columns=["row_a", "row_b", "kind"])
    ra = t.column("row_a").to_pylist()
    rb = t.column("row_b").to_pylist()
    kind = t.column("kind").to_pylist()
    exact, near = [], []
    for a, b, k in zip(ra, rb, kind):
        if not (0 <= a < n and 0 <= b < n):
            raise ValueError(f"{path}: row {max(a, b)} out of range for {n} documents")
        (exact if k == "exact" else near).append((a, b))
    return exact, near


# --------------------------------------------------------------------------- quality

class Truth:
    """Exact Jaccard of 5-word shingle sets, with the sets cached per document."""

    def __init__(self, norms: list[str]):
        self.norms = norms
        self.sets: dict[int, frozenset] = {}

    def shingle_set(self, i: int) -> frozenset:
        s = self.sets.get(i)
        if s is None:
            s = self.sets[i] = frozenset(shingles(self.norms[i]))
        return s

    def jaccard(self, a: int, b: int) -> float:
        if self.norms[a] == self.norms[b]:
            return 1.0
        x, y = self.shingle_set(a), self.shingle_set(b)
        if not x or not y:
            return 0.0
        inter = len(x & y)
        return inter / (len(x) + len(y) - inter)


def positives(truth: Truth, planted: list, source: list, row_of_id: dict, threshold: float):
    """Planted (copy or edit, source) pairs, split by whether their exact Jaccard reaches T."""
    pos, below = [], 0
    for i, (kind, src) in enumerate(zip(planted, source)):
        if kind == "original" or src is None:
            continue
        j = row_of_id.get(src)
        if j is None:
            continue
        if truth.jaccard(i, j) >= threshold:
            pos.append((j, i))
        else:
            below += 1
    return pos, below


def score(truth: Truth, roots: list[int], exact: list, near: list, pos: list,
          threshold: float) -> dict:
    found = sum(1 for a, b in pos if roots[a] == roots[b])
    # Recall of the near positives (not exact copies) by exact Jaccard: misses concentrate just
    # above the threshold, where LSH's S-curve (probability 1 - (1 - J^r)^b that some band
    # collides) and the estimate's noise (standard error ~ sqrt(J(1-J)/perms)) both bite.
    edges = [threshold + k * (1.0 - threshold) / 4 for k in range(4)] + [1.0 + 1e-9]
    bins = [[0, 0] for _ in range(4)]
    near_pos = near_found = 0
    for a, b in pos:
        if truth.norms[a] == truth.norms[b]:
            continue
        j = truth.jaccard(a, b)
        k = next(k for k in range(4) if edges[k] <= j < edges[k + 1])
        hit = roots[a] == roots[b]
        bins[k][0] += 1
        bins[k][1] += hit
        near_pos += 1
        near_found += hit
    by_jaccard = [{"from": edges[k], "to": min(edges[k + 1], 1.0), "positives": bins[k][0],
                   "found": bins[k][1]} for k in range(4)]
    exact_ok = sum(1 for a, b in exact if truth.norms[a] == truth.norms[b])
    near_j = [truth.jaccard(a, b) for a, b in near]
    near_ok = sum(1 for j in near_j if j >= threshold)
    wrong = sorted(near_j)[:5]
    total = len(exact) + len(near)
    return {
        "recall": found / len(pos) if pos else None,
        "positives_found": found,
        "recall_near": near_found / near_pos if near_pos else None,
        "near_positives": near_pos,
        "near_positives_found": near_found,
        "recall_near_by_jaccard": by_jaccard,
        "precision_near": near_ok / len(near) if near else None,
        "precision_all": (exact_ok + near_ok) / total if total else None,
        "near_pairs_correct": near_ok,
        "exact_pairs_correct": exact_ok,
        "lowest_near_pair_jaccards": wrong,
    }


def cross_agreement(roots_a: list[int], roots_b: list[int], pairs_a: list) -> float | None:
    """Fraction of tool A's pairs whose two documents tool B also put in one cluster."""
    if not pairs_a:
        return None
    return sum(1 for a, b in pairs_a if roots_b[a] == roots_b[b]) / len(pairs_a)


# --------------------------------------------------------------------------- report

def fmt(v, spec: str, missing: str = "-") -> str:
    return missing if v is None else format(v, spec)


def machine_info(a: argparse.Namespace, hash_name: str, mmh3_version) -> dict:
    try:
        ver = subprocess.run([str(a.datassay), "--version"], capture_output=True, text=True,
                             timeout=30).stdout.strip()
    except OSError:
        ver = "unknown"
    affinity = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None
    return {
        "os": platform.platform(),
        "cpu_count": os.cpu_count(),
        "cpus_usable": affinity,
        "processor": platform.processor() or platform.machine(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "pyarrow": pa.__version__,
        "datasketch": getattr(datasketch, "__version__", "unknown"),
        "datasketch_hashfunc": hash_name,
        "mmh3": mmh3_version,
        "datassay": ver,
        "datassay_threads": a.threads,
        "datasketch_threads": 1,
    }


def main(a: argparse.Namespace) -> int:
    binary = a.datassay
    if not (binary.is_file() and os.access(binary, os.X_OK)):
        sys.exit(f"datassay binary not found at {binary}: build it with `cargo build --release` "
                 f"(or pass --datassay); it also generates the corpus")
    hash_name, hashfunc, mmh3_version = make_hashfunc(a.ds_hashfunc)

    tmp = None
    if a.workdir is None:
        tmp = tempfile.TemporaryDirectory(prefix="dedup_datasketch_")
        workdir = Path(tmp.name)
    else:
        workdir = a.workdir
        workdir.mkdir(parents=True, exist_ok=True)

    try:
        corpus = workdir / f"corpus-docs-{a.rows}-seed{a.seed}.parquet"
        t0 = time.perf_counter()
        gen = subprocess.run([str(binary), "generate", str(corpus), "--docs", "--rows", str(a.rows),
                              "--seed", str(a.seed)], capture_output=True, text=True)
        if gen.returncode != 0:
            sys.exit(f"datassay generate failed ({gen.returncode}):\n{gen.stderr[-2000:]}")
        t_gen = time.perf_counter() - t0

        t0 = time.perf_counter()
        table = pq.read_table(corpus)
        texts = table.column("text").to_pylist()
        t_read = time.perf_counter() - t0
        n = len(texts)
        ids = table.column("id").to_pylist()
        planted = table.column("planted").to_pylist()
        source = table.column("source").to_pylist()
        row_of_id = {v: i for i, v in enumerate(ids)}
        mb = sum(len(t.encode("utf-8")) for t in texts if t) / 1e6
        print(f"corpus: {n} documents, {mb:.0f} MB of text "
              f"({sum(k == 'copy' for k in planted)} planted copies, "
              f"{sum(k == 'edit' for k in planted)} edits), seed {a.seed}; generated in {t_gen:.1f} s, "
              f"read into Python in {t_read:.2f} s (not timed for either tool) -> {corpus}")
        print(f"datasketch {getattr(datasketch, '__version__', '?')}: single-threaded Python, "
              f"hashfunc {hash_name}; datassay: RAYON_NUM_THREADS={a.threads}, "
              f"--verify {a.datassay_verify}")

        ds_best = dy_best = ds_last = dy_last = None
        for rep in range(a.reps):
            ds_last = run_datasketch(texts, a.threshold, a.perms, hashfunc)
            s = ds_last["seconds"]
            print(f"rep {rep + 1}/{a.reps} datasketch {s['total']:.2f} s (normalise+exact "
                  f"{s['normalise_exact']:.2f}, minhash {s['minhash']:.2f}, lsh {s['lsh']:.2f}, "
                  f"clusters {s['clusters']:.2f})")
            if ds_best is None or s["total"] < ds_best["total"]:
                ds_best = s
            dy_last = run_datassay(binary, corpus, workdir, a.threshold, a.perms, a.threads,
                                   a.datassay_verify)
            d = dy_last["seconds"]
            print(f"rep {rep + 1}/{a.reps} datassay   {d.get('total', float('nan')):.2f} s (read "
                  f"{d.get('read', float('nan')):.2f}, signatures {d.get('signatures', float('nan')):.2f}, "
                  f"lsh {d.get('lsh', float('nan')):.2f}; process wall {dy_last['wall']:.2f} s)")
            key = d.get("total", dy_last["wall"])
            if dy_best is None or key < dy_best["total"]:
                dy_best = {"total": key, "wall": dy_last["wall"], **{k: d.get(k) for k in
                                                                     ("read", "signatures", "lsh")}}

        # ---- quality, the same yardstick for both
        t0 = time.perf_counter()
        truth = Truth(ds_last["norms"])
        pos, below = positives(truth, planted, source, row_of_id, a.threshold)
        dy_exact, dy_near = read_datassay_pairs(dy_last["pairs_path"], n)
        uf = UnionFind(n)
        for x, y in dy_exact + dy_near:
            uf.union(x, y)
        dy_roots = uf.roots()
        dy_cs = cluster_stats(dy_roots)
        summ = dy_last["summary"]
        q_ds = score(truth, ds_last["roots"], ds_last["pairs_exact"], ds_last["pairs_near"], pos,
                     a.threshold)
        q_dy = score(truth, dy_roots, dy_exact, dy_near, pos, a.threshold)
        agree_ds_in_dy = cross_agreement(ds_last["roots"], dy_roots,
                                         ds_last["pairs_exact"] + ds_last["pairs_near"])
        agree_dy_in_ds = cross_agreement(dy_roots, ds_last["roots"], dy_exact + dy_near)
        t_quality = time.perf_counter() - t0

        # ---- table
        ds_t, dy_t = ds_best["total"], dy_best["total"]
        ratio = ds_t / dy_t if dy_t else None
        print()
        print(f"near-duplicate documents, {n} docs, threshold {a.threshold}, {a.perms} perms, "
              f"5-word shingles; best of {a.reps} rep(s)")
        head = (f"{'tool':<11} {'threads':>7} {'seconds':>9} {'docs/s':>10} {'docs/s/core':>11} "
                f"{'ds/this':>8} {'prec near':>9} {'prec all':>9} {'recall':>8}")
        print(head)
        print("-" * len(head))
        rows = [("datasketch", 1, ds_t, q_ds, "1.00x"),
                ("datassay", a.threads, dy_t, q_dy, fmt(ratio, ".1f") + "x")]
        for name, th, secs, q, rat in rows:
            print(f"{name:<11} {th:>7} {secs:>9.2f} {n / secs:>10.0f} {n / secs / th:>11.0f} "
                  f"{rat:>8} {fmt(q['precision_near'], '9.4f'):>9} {fmt(q['precision_all'], '9.4f'):>9} "
                  f"{fmt(q['recall'], '8.4f'):>8}")
        per_core = ratio / a.threads if ratio else None
        print(f"(ds/this: datasketch seconds / this tool's seconds; per core, datassay is "
              f"{fmt(per_core, '.1f')}x datasketch, since datasketch runs on 1 core and datassay on "
              f"{a.threads})")
        print()
        head2 = (f"{'tool':<11} {'exact dups':>10} {'near dups':>9} {'near pairs':>10} "
                 f"{'clusters':>8} {'largest':>7} {'bands x rows':>12}")
        print(head2)
        print("-" * len(head2))
        print(f"{'datasketch':<11} {ds_last['exact_duplicates']:>10} {ds_last['near_duplicates']:>9} "
              f"{ds_last['near_pairs']:>10} {ds_last['clusters']:>8} {ds_last['largest_cluster']:>7} "
              f"{str(ds_last['bands']) + ' x ' + str(ds_last['rows_per_band']):>12}")
        print(f"{'datassay':<11} {summ['exact_duplicates']:>10} {summ['near_duplicates']:>9} "
              f"{len(dy_near):>10} {summ['clusters']:>8} {summ['largest_cluster']:>7} "
              f"{str(summ['bands']) + ' x ' + str(summ['rows_per_band']):>12}")
        if (dy_cs["clusters"], dy_cs["largest_cluster"]) != (summ["clusters"], summ["largest_cluster"]):
            print(f"note: clusters rebuilt from datassay's pairs file ({dy_cs['clusters']}, largest "
                  f"{dy_cs['largest_cluster']}) differ from its summary")
        print()
        print(f"ground truth: {len(pos)} planted pairs with exact Jaccard >= {a.threshold} "
              f"(recall counts these found in one cluster); {below} planted edits fall below it")
        for name, q in (("datasketch", q_ds), ("datassay", q_dy)):
            bins = ", ".join(f"[{b['from']:.2f},{b['to']:.2f}{']' if b['to'] >= 1 else ')'} "
                             f"{b['found']}/{b['positives']}" for b in q["recall_near_by_jaccard"])
            print(f"{name}: {q['positives_found']}/{len(pos)} positives clustered; of the near "
                  f"(not exact) ones {q['near_positives_found']}/{q['near_positives']} "
                  f"(recall {fmt(q['recall_near'], '.4f')}), by exact Jaccard {bins}")
            print(f"{' ' * len(name)}  near pairs "
                  f"correct {q['near_pairs_correct']}, exact pairs correct {q['exact_pairs_correct']}; "
                  f"lowest exact Jaccard among its near pairs "
                  f"{', '.join(f'{j:.3f}' for j in q['lowest_near_pair_jaccards']) or '-'}")
        print(f"agreement: {fmt(agree_ds_in_dy, '.4f')} of datasketch's pairs are in one datassay "
              f"cluster; {fmt(agree_dy_in_ds, '.4f')} of datassay's pairs in one datasketch cluster")
        s = ds_best
        print(f"datasketch best: normalise+exact {s['normalise_exact']:.2f} s, minhash "
              f"{s['minhash']:.2f} s, lsh {s['lsh']:.2f} s (insert {s['lsh_insert']:.2f}, query+verify "
              f"{s['lsh_query_verify']:.2f}; {ds_last['candidates']} candidate pairs), clusters "
              f"{s['clusters']:.2f} s")
        print(f"datassay best: read+shingle {fmt(dy_best['read'], '.2f')} s, signatures "
              f"{fmt(dy_best['signatures'], '.2f')} s, lsh {fmt(dy_best['lsh'], '.2f')} s, total "
              f"{dy_t:.2f} s (process wall {dy_best['wall']:.2f} s)")
        print(f"(scoring took {t_quality:.1f} s, not timed for either tool)")

        if a.json:
            strip = ("pairs_exact", "pairs_near", "roots", "norms")
            out = {
                "machine": machine_info(a, hash_name, mmh3_version),
                "params": {"rows": n, "seed": a.seed, "threshold": a.threshold, "perms": a.perms,
                           "shingle": f"words:{SHINGLE_WORDS}", "reps": a.reps,
                           "threads": a.threads, "datassay_verify": a.datassay_verify},
                "corpus": {"path": str(corpus), "text_mb": mb, "generate_s": t_gen,
                           "read_into_python_s": t_read,
                           "planted": {k: planted.count(k) for k in ("original", "copy", "edit")},
                           "positives": len(pos), "planted_below_threshold": below},
                "datasketch": {"best_seconds": ds_best, "docs_per_s": n / ds_t,
                               "docs_per_s_per_core": n / ds_t, "threads": 1,
                               "hashfunc": hash_name,
                               **{k: v for k, v in ds_last.items() if k not in strip and k != "seconds"},
                               "quality": q_ds},
                "datassay": {"best_seconds": dy_best, "docs_per_s": n / dy_t,
                             "docs_per_s_per_core": n / dy_t / a.threads, "threads": a.threads,
                             "exact_duplicates": summ["exact_duplicates"],
                             "near_duplicates": summ["near_duplicates"],
                             "near_pairs": len(dy_near), "clusters": summ["clusters"],
                             "largest_cluster": summ["largest_cluster"], "bands": summ["bands"],
                             "rows_per_band": summ["rows_per_band"], "summary": summ,
                             "quality": q_dy},
                "speed_ratio_datasketch_over_datassay": ratio,
                "speed_ratio_per_core": per_core,
                "agreement": {"datasketch_pairs_in_datassay_cluster": agree_ds_in_dy,
                              "datassay_pairs_in_datasketch_cluster": agree_dy_in_ds},
            }
            a.json.parent.mkdir(parents=True, exist_ok=True)
            a.json.write_text(json.dumps(out, indent=2) + "\n")
            print(f"wrote {a.json}")
    finally:
        if tmp is not None:
            tmp.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main(ARGS))
