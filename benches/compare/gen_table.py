#!/usr/bin/env python3
"""A seeded 12-column Parquet table for profiling benchmarks, with planted duplicate rows.

    python3 benches/compare/gen_table.py --rows 10000000 --out /tmp/profile-table.parquet

The table is written one row group at a time (each of --row-group-size rows,
generated from its own seed), so memory stays at about two row groups whatever
the number of rows. About 0.1% of the rows are then overwritten by verbatim
copies of other rows (all 12 columns, `i_id` included), half of them copied
from the same row group and half from the previous one. The number of fully
duplicated rows (rows minus distinct rows) is printed and written, with the
parameters, to `<out>.truth.json`.

The same --rows, --seed and --row-group-size give the same file, byte for byte
with the same pyarrow. See benches/compare/README.md for the columns.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

try:
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq
except ImportError as e:
    sys.exit(f"{e.name} is not installed: pip install numpy pyarrow")

DUP_FRACTION = 0.001          # rows overwritten by a copy of another row
VOCAB_WORDS = 2_000
CITIES = 5_000
CATEGORIES = ["grocery", "electronics", "clothing", "home", "toys", "books", "sports",
              "beauty", "garden", "automotive", "music", "office"]
LOWCARD_VALUES = 50
SYLLABLES = [c + v for c in "bdfghklmnprstvz" for v in "aeiou"] + \
            ["ar", "en", "il", "on", "ur", "ka", "th", "sh", "ch", "qu"]


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(
        description="Write a seeded 12-column Parquet table with planted duplicate rows.")
    p.add_argument("--rows", type=int, default=10_000_000, help="rows (default 10000000)")
    p.add_argument("--seed", type=int, default=7, help="seed (default 7)")
    p.add_argument("--out", type=Path, default=None,
                   help="Parquet file to write (default /tmp/datassay-table-<rows>-seed<seed>.parquet)")
    p.add_argument("--row-group-size", type=int, default=1_048_576,
                   help="rows per row group, also the rows generated at a time (default 1048576)")
    p.add_argument("--verify", action="store_true",
                   help="afterwards count the distinct rows with DuckDB (if installed) and check "
                        "them against the planted count")
    a = p.parse_args()
    if a.rows < 1 or a.row_group_size < 1:
        p.error("--rows and --row-group-size must be >= 1")
    if a.out is None:
        a.out = default_path(a.rows, a.seed)
    return a


def default_path(rows: int, seed: int) -> Path:
    return Path(f"/tmp/datassay-table-{rows}-seed{seed}.parquet")


# --------------------------------------------------------------------------- constants

def make_names(rng: np.random.Generator, count: int, min_syl: int, max_syl: int,
               capitalize: bool) -> list[str]:
    """`count` distinct pronounceable names of min_syl..max_syl syllables, in a seeded order."""
    names: list[str] = []
    seen: set[str] = set()
    suffixes = ["", "", "", "ton", "ville", "burg", "port", "field", " city", "ford"]
    while len(names) < count:
        k = int(rng.integers(min_syl, max_syl + 1))
        w = "".join(SYLLABLES[i] for i in rng.integers(0, len(SYLLABLES), k))
        if capitalize:
            w = w.capitalize() + suffixes[int(rng.integers(0, len(suffixes)))]
        if w not in seen:
            seen.add(w)
            names.append(w)
    return names


def zipf_cdf(k: int, s: float) -> np.ndarray:
    w = 1.0 / np.arange(1, k + 1, dtype=np.float64) ** s
    c = np.cumsum(w)
    return c / c[-1]


def draw(rng: np.random.Generator, cdf: np.ndarray, n: int) -> np.ndarray:
    """n indices into a distribution given by its cumulative weights."""
    i = np.searchsorted(cdf, rng.random(n), side="right")
    return np.minimum(i, len(cdf) - 1)


class Constants:
    """What every row group shares: vocabularies and value sets, from the seed alone."""

    def __init__(self, seed: int):
        rng = np.random.default_rng([seed, 1])
        self.vocab = pa.array(make_names(rng, VOCAB_WORDS, 1, 3, False), pa.string())
        self.vocab_cdf = zipf_cdf(VOCAB_WORDS, 1.0)
        self.cities = pa.array(make_names(rng, CITIES, 2, 3, True), pa.string())
        self.city_cdf = zipf_cdf(CITIES, 1.0)
        self.categories = pa.array(CATEGORIES, pa.string())
        self.category_cdf = zipf_cdf(len(CATEGORIES), 1.5)
        # 50 distinct int32 values, the most frequent not the smallest.
        self.lowcard = rng.choice(np.arange(-500, 501, dtype=np.int32), LOWCARD_VALUES,
                                  replace=False)
        self.lowcard_cdf = zipf_cdf(LOWCARD_VALUES, 1.2)


SCHEMA = pa.schema([
    ("f_normal", pa.float64()),
    ("f_lognormal", pa.float64()),
    ("f_pareto", pa.float64()),
    ("f_uniform", pa.float32()),
    ("f_spikes", pa.float64()),
    ("i_lowcard", pa.int32()),
    ("i_highcard", pa.int64()),
    ("i_id", pa.int64()),
    ("b_flag", pa.bool_()),
    ("s_category", pa.string()),
    ("s_city", pa.string()),
    ("s_text", pa.string()),
])


# --------------------------------------------------------------------------- one row group

def make_group(c: Constants, rng: np.random.Generator, start: int, n: int) -> pa.Table:
    cols: dict[str, pa.Array] = {}

    x = rng.standard_normal(n)
    x[rng.random(n) < 0.001] = np.nan
    cols["f_normal"] = pa.array(x, mask=rng.random(n) < 0.01)

    x = rng.lognormal(0.0, 2.0, n)
    cols["f_lognormal"] = pa.array(x, mask=rng.random(n) < 0.02)

    x = (rng.pareto(1.2, n) + 1.0) * 10.0          # Pareto, alpha 1.2: infinite variance
    x[rng.random(n) < 0.3] *= -1.0
    x[rng.random(n) < 0.01] = 0.0                  # after the sign flip: +0.0, never -0.0
    cols["f_pareto"] = pa.array(x)

    x = rng.uniform(-1000.0, 1000.0, n).astype(np.float32)
    u = rng.random(n)
    x[u < 0.005] = np.nan
    x[(u >= 0.005) & (u < 0.00505)] = np.inf
    x[(u >= 0.00505) & (u < 0.0051)] = -np.inf
    cols["f_uniform"] = pa.array(x)

    u = rng.random(n)
    x = np.where(u < 0.5, 1.0, 1e6)
    tiny = u >= 0.99
    x[tiny] = 10.0 ** rng.uniform(-320.0, -308.0, int(tiny.sum()))   # subnormal doubles
    cols["f_spikes"] = pa.array(x)

    cols["i_lowcard"] = pa.array(c.lowcard[draw(rng, c.lowcard_cdf, n)])

    x = rng.integers(0, 1 << 40, n, dtype=np.int64)
    cols["i_highcard"] = pa.array(x, mask=rng.random(n) < 0.01)

    cols["i_id"] = pa.array(np.arange(start, start + n, dtype=np.int64))

    cols["b_flag"] = pa.array(rng.random(n) < 0.2, mask=rng.random(n) < 0.03)

    idx = pa.array(draw(rng, c.category_cdf, n), mask=rng.random(n) < 0.01)
    cols["s_category"] = c.categories.take(idx)

    cols["s_city"] = c.cities.take(pa.array(draw(rng, c.city_cdf, n)))

    words = rng.integers(3, 21, n)                 # 3..20 words
    offsets = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(words, out=offsets[1:])
    flat = c.vocab.take(pa.array(draw(rng, c.vocab_cdf, int(offsets[-1]))))
    lists = pa.LargeListArray.from_arrays(pa.array(offsets), flat)
    cols["s_text"] = pc.binary_join(lists, " ").cast(pa.string())

    return pa.Table.from_arrays([cols[f.name] for f in SCHEMA], schema=SCHEMA)


def plant_duplicates(rng: np.random.Generator, cur: pa.Table, prev: pa.Table | None) -> tuple[pa.Table, dict]:
    """Overwrite ~0.1% of `cur`'s rows with copies of other rows.

    Targets are distinct positions; a source is a row of the previous row group
    (half of them, when there is one) or a row of this group that is not a
    target, so every copied row equals a row that stays as generated, and the
    table's distinct rows are its rows minus the targets (`i_id` keeps all
    other rows apart).
    """
    n = cur.num_rows
    k = int(round(n * DUP_FRACTION))
    if n < 2 or k == 0:
        return cur, {"copies": 0, "across_groups": 0, "with_nan": 0}
    k = min(k, n // 2)
    targets = np.sort(rng.choice(n, k, replace=False))
    keep = np.ones(n, dtype=bool)
    keep[targets] = False
    non_targets = np.flatnonzero(keep)
    from_prev = np.zeros(k, dtype=bool) if prev is None else rng.random(k) < 0.5
    src_cur = non_targets[rng.integers(0, len(non_targets), k)]
    src_prev = rng.integers(0, prev.num_rows, k) if prev is not None else np.zeros(k, np.int64)
    # The rows to copy: those from prev first, then those from cur.
    parts = [cur.take(pa.array(src_cur[~from_prev]))]
    if prev is not None:
        parts.insert(0, prev.take(pa.array(src_prev[from_prev])))
    copies = pa.concat_tables(parts).combine_chunks()
    with_nan = int(pc.sum(pc.or_kleene(pc.fill_null(pc.is_nan(copies["f_normal"]), False),
                                       pc.is_nan(copies["f_uniform"]))).as_py() or 0)
    # Final rows: cur's own rows, the targets replaced by the copies (in the same order).
    idx = np.arange(n, dtype=np.int64)
    idx[np.concatenate([targets[from_prev], targets[~from_prev]])] = n + np.arange(k)
    out = pa.concat_tables([cur, copies]).combine_chunks().take(pa.array(idx))
    return out, {"copies": k, "across_groups": int(from_prev.sum()), "with_nan": with_nan}


# --------------------------------------------------------------------------- main

def generate(rows: int, seed: int, out: Path, row_group_size: int, quiet: bool = False) -> dict:
    """Write the table and its truth sidecar; returns the truth."""
    t0 = time.perf_counter()
    c = Constants(seed)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".partial")
    copies = across = with_nan = 0
    progress = not quiet and sys.stderr.isatty()
    prev = None
    groups = 0
    with pq.ParquetWriter(tmp, SCHEMA, compression="snappy") as w:
        for start in range(0, rows, row_group_size):
            n = min(row_group_size, rows - start)
            rng = np.random.default_rng([seed, 0, groups])
            cur = make_group(c, rng, start, n)
            cur, st = plant_duplicates(rng, cur, prev)
            copies += st["copies"]
            across += st["across_groups"]
            with_nan += st["with_nan"]
            w.write_table(cur, row_group_size=row_group_size)
            prev = cur
            groups += 1
            if progress:
                print(f"\rrow group {groups}: {start + n}/{rows} rows, "
                      f"{time.perf_counter() - t0:.1f} s", end="", file=sys.stderr, flush=True)
    if progress:
        print(file=sys.stderr)
    os.replace(tmp, out)
    elapsed = time.perf_counter() - t0
    truth = {
        "generator": "benches/compare/gen_table.py",
        "rows": rows,
        "seed": seed,
        "row_group_size": row_group_size,
        "row_groups": groups,
        "columns": [f.name for f in SCHEMA],
        "distinct_rows": rows - copies,
        "duplicate_rows": copies,
        "duplicate_rows_definition": "rows minus distinct rows (a row equal to an earlier one "
                                     "counts once per extra copy; nulls equal nulls, NaN equals NaN)",
        "duplicates_copied_across_row_groups": across,
        "duplicate_rows_with_nan": with_nan,
        "i_id_distinct": rows - copies,
        "file_bytes": out.stat().st_size,
        "generate_seconds": round(elapsed, 3),
        "numpy": np.__version__,
        "pyarrow": pa.__version__,
    }
    Path(str(out) + ".truth.json").write_text(json.dumps(truth, indent=2) + "\n")
    return truth


def verify(out: Path, truth: dict) -> bool:
    try:
        import duckdb
    except ImportError:
        print("--verify: duckdb is not installed (pip install duckdb); not verified")
        return True
    path = str(out).replace("'", "''")
    t0 = time.perf_counter()
    distinct = duckdb.connect().execute(
        f"SELECT count(*) FROM (SELECT DISTINCT * FROM read_parquet('{path}'))").fetchone()[0]
    ok = distinct == truth["distinct_rows"]
    print(f"--verify: DuckDB counts {distinct} distinct rows, {truth['rows'] - distinct} duplicate "
          f"rows ({'matches' if ok else 'DIFFERS FROM'} the planted {truth['duplicate_rows']}; "
          f"{time.perf_counter() - t0:.1f} s)")
    return ok


def main() -> int:
    a = parse_args()
    truth = generate(a.rows, a.seed, a.out, a.row_group_size)
    mb = truth["file_bytes"] / 1e6
    print(f"wrote {a.rows} rows x {len(SCHEMA)} columns in {truth['row_groups']} row group(s), "
          f"{mb:.1f} MB, to {a.out} in {truth['generate_seconds']:.1f} s")
    print(f"duplicate rows (rows - distinct rows): {truth['duplicate_rows']} "
          f"({truth['duplicates_copied_across_row_groups']} copied from the previous row group, "
          f"{truth['duplicate_rows_with_nan']} with a NaN) -> {a.out}.truth.json")
    if a.verify and not verify(a.out, truth):
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
