#!/usr/bin/env python3
"""A seeded 36-column Parquet table of mixed types, for the HTML report benchmark.

    python3 benches/compare/gen_mixed.py --rows 200000 --out /tmp/mixed36.parquet

A table shaped like a business dataset of a few dozen columns: 16 float64 columns of different
distributions (some with nulls, NaN or ±inf), 8 int64 columns (an id, counts, low-cardinality
codes, one with nulls), 8 string columns (skewed categories, short free text, e-mail-like
strings, ids), 2 Booleans and 2 timestamps. See benches/compare/README.md for the columns.

The table is written one row group at a time (each of --row-group-size rows, generated from its
own seed), so memory stays at about one row group whatever the number of rows. The same --rows,
--seed and --row-group-size give the same file, byte for byte with the same numpy and pyarrow.
Needs numpy and pyarrow only.
"""

from __future__ import annotations

import argparse
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

sys.path.insert(0, str(Path(__file__).resolve().parent))
from gen_table import draw, make_names, zipf_cdf  # noqa: E402 (the shared vocabulary helpers)

VOCAB_WORDS = 2_000
CITIES = 2_000
COUNTRIES = 40
ZIPS = 30_000
CATEGORIES = ["grocery", "electronics", "clothing", "home", "toys", "books", "sports",
              "beauty", "garden", "automotive", "music", "office"]
STATUSES = ["active", "inactive", "pending", "closed", "suspended"]
STATUS_SHARES = [0.70, 0.15, 0.08, 0.05, 0.02]
DOMAINS = ["example.com", "mail.test", "corp.example", "inbox.test", "post.example"]
CODES = 12
US_PER_DAY = 86_400 * 1_000_000
T0 = np.datetime64("2019-01-01T00:00:00", "us").astype(np.int64)   # created from here …
T1 = np.datetime64("2025-01-01T00:00:00", "us").astype(np.int64)   # … up to here


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(
        description="Write a seeded 36-column Parquet table of mixed types.")
    p.add_argument("--rows", type=int, default=200_000, help="rows (default 200000)")
    p.add_argument("--seed", type=int, default=11, help="seed (default 11)")
    p.add_argument("--out", type=Path, default=None,
                   help="Parquet file to write "
                        "(default /tmp/datassay-mixed-<rows>-seed<seed>.parquet)")
    p.add_argument("--row-group-size", type=int, default=262_144,
                   help="rows per row group, also the rows generated at a time (default 262144)")
    a = p.parse_args()
    if a.rows < 1 or a.row_group_size < 1:
        p.error("--rows and --row-group-size must be >= 1")
    if a.out is None:
        a.out = Path(f"/tmp/datassay-mixed-{a.rows}-seed{a.seed}.parquet")
    return a


class Constants:
    """What every row group shares: vocabularies and value sets, from the seed alone."""

    def __init__(self, seed: int):
        rng = np.random.default_rng([seed, 1])
        self.vocab = pa.array(make_names(rng, VOCAB_WORDS, 1, 3, False), pa.string())
        self.vocab_cdf = zipf_cdf(VOCAB_WORDS, 1.0)
        self.cities = pa.array(make_names(rng, CITIES, 2, 3, True), pa.string())
        self.city_cdf = zipf_cdf(CITIES, 1.0)
        letters = np.array(list("ABCDEFGHIJKLMNOPQRSTUVWXYZ"))
        countries: list[str] = []
        while len(countries) < COUNTRIES:
            c = "".join(rng.choice(letters, 2))
            if c not in countries:
                countries.append(c)
        self.countries = pa.array(countries, pa.string())
        self.country_cdf = zipf_cdf(COUNTRIES, 1.2)
        self.categories = pa.array(CATEGORIES, pa.string())
        self.category_cdf = zipf_cdf(len(CATEGORIES), 1.5)
        self.statuses = pa.array(STATUSES, pa.string())
        self.status_cdf = np.cumsum(STATUS_SHARES) / np.sum(STATUS_SHARES)
        self.domains = pa.array(DOMAINS, pa.string())
        self.domain_cdf = zipf_cdf(len(DOMAINS), 1.0)
        # 12 product codes (3-4 digits, not in order of frequency).
        self.codes = rng.choice(np.arange(100, 10_000, dtype=np.int64), CODES, replace=False)
        self.code_cdf = zipf_cdf(CODES, 1.3)
        self.zips = np.sort(rng.choice(np.arange(10_000, 100_000, dtype=np.int64), ZIPS,
                                       replace=False))
        # Zipf-like weights (exponent 0.8), shuffled so that the frequent codes are anywhere.
        w = 1.0 / np.arange(1, ZIPS + 1, dtype=np.float64) ** 0.8
        w = w[rng.permutation(ZIPS)]
        self.zip_cdf = np.cumsum(w) / w.sum()
        # years 1990..2024, more of the recent ones
        years = np.arange(1990, 2025)
        w = np.exp((years - 2024) / 8.0)
        self.years = years.astype(np.int64)
        self.year_cdf = np.cumsum(w) / w.sum()


SCHEMA = pa.schema(
    [(name, pa.float64()) for name in (
        "f_normal", "f_normal_nan", "f_lognormal", "f_exponential", "f_uniform", "f_student_t",
        "f_pareto", "f_bimodal", "f_beta", "f_gamma", "f_amount", "f_percent", "f_sparse",
        "f_mostly_null", "f_correlated", "f_ratio")]
    + [(name, pa.int64()) for name in (
        "i_id", "i_age", "i_count", "i_code", "i_status", "i_year", "i_zip", "i_quantity")]
    + [(name, pa.string()) for name in (
        "s_category", "s_country", "s_city", "s_status", "s_user_id", "s_order_id", "s_text",
        "s_email")]
    + [("b_flag", pa.bool_()), ("b_active", pa.bool_()),
       ("t_created", pa.timestamp("us")), ("t_updated", pa.timestamp("us"))]
)


def padded(prefix: str, x: np.ndarray, width: int) -> pa.Array:
    """prefix + x zero-padded to width digits, as a string array."""
    s = pc.utf8_lpad(pc.cast(pa.array(x), pa.string()), width=width, padding="0")
    return pc.binary_join_element_wise(prefix, s, "")


def make_group(c: Constants, rng: np.random.Generator, start: int, n: int) -> pa.Table:
    cols: dict[str, pa.Array] = {}

    def nulls(share: float) -> np.ndarray:
        return rng.random(n) < share

    # ---- 16 float64 columns
    normal = rng.normal(100.0, 15.0, n)
    cols["f_normal"] = pa.array(normal, mask=nulls(0.01))
    x = rng.standard_normal(n)
    x[rng.random(n) < 0.005] = np.nan
    cols["f_normal_nan"] = pa.array(x, mask=nulls(0.005))
    cols["f_lognormal"] = pa.array(rng.lognormal(3.0, 1.0, n))
    cols["f_exponential"] = pa.array(rng.exponential(2.0, n))
    cols["f_uniform"] = pa.array(rng.random(n))
    cols["f_student_t"] = pa.array(rng.standard_t(3.0, n))
    cols["f_pareto"] = pa.array((rng.pareto(1.5, n) + 1.0) * 100.0)
    x = np.where(rng.random(n) < 0.4, rng.normal(-2.0, 0.5, n), rng.normal(3.0, 1.0, n))
    cols["f_bimodal"] = pa.array(x)
    cols["f_beta"] = pa.array(rng.beta(2.0, 5.0, n))
    cols["f_gamma"] = pa.array(rng.gamma(2.0, 3.0, n), mask=nulls(0.05))
    cols["f_amount"] = pa.array(np.round(rng.lognormal(3.5, 0.8, n), 2))
    cols["f_percent"] = pa.array(np.clip(np.round(rng.normal(70.0, 25.0, n), 1), 0.0, 100.0))
    x = np.where(rng.random(n) < 0.9, 0.0, rng.lognormal(0.0, 1.0, n))
    cols["f_sparse"] = pa.array(x)
    cols["f_mostly_null"] = pa.array(rng.standard_normal(n), mask=nulls(0.6))
    x = 0.8 * (normal - 100.0) / 15.0 + 0.6 * rng.standard_normal(n)
    cols["f_correlated"] = pa.array(x, mask=nulls(0.01))
    x = rng.normal(1.0, 0.2, n) / rng.random(n)
    u = rng.random(n)
    x[u < 0.0005] = np.inf
    x[(u >= 0.0005) & (u < 0.001)] = -np.inf
    cols["f_ratio"] = pa.array(x)

    # ---- 8 int64 columns
    cols["i_id"] = pa.array(np.arange(start, start + n, dtype=np.int64))
    cols["i_age"] = pa.array(np.clip(np.round(rng.normal(40.0, 13.0, n)), 18, 95).astype(np.int64))
    cols["i_count"] = pa.array(rng.poisson(3.0, n).astype(np.int64))
    cols["i_code"] = pa.array(c.codes[draw(rng, c.code_cdf, n)])
    cols["i_status"] = pa.array(draw(rng, np.cumsum([0.6, 0.2, 0.1, 0.07, 0.03]), n)
                                .astype(np.int64))
    cols["i_year"] = pa.array(c.years[draw(rng, c.year_cdf, n)])
    cols["i_zip"] = pa.array(c.zips[draw(rng, c.zip_cdf, n)])
    cols["i_quantity"] = pa.array(rng.negative_binomial(2, 0.3, n).astype(np.int64),
                                  mask=nulls(0.02))

    # ---- 8 string columns
    idx = pa.array(draw(rng, c.category_cdf, n), mask=nulls(0.01))
    cols["s_category"] = c.categories.take(idx)
    cols["s_country"] = c.countries.take(pa.array(draw(rng, c.country_cdf, n)))
    cols["s_city"] = c.cities.take(pa.array(draw(rng, c.city_cdf, n)))
    idx = pa.array(draw(rng, c.status_cdf, n), mask=nulls(0.01))
    cols["s_status"] = c.statuses.take(idx)
    users = max(1, (start + n) // 5)                # about 5 rows per user so far
    cols["s_user_id"] = padded("u", rng.integers(0, users, n), 8)
    cols["s_order_id"] = padded("ORD-", np.arange(start, start + n, dtype=np.int64), 10)
    words = rng.integers(2, 13, n)                  # 2..12 words
    offsets = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(words, out=offsets[1:])
    flat = c.vocab.take(pa.array(draw(rng, c.vocab_cdf, int(offsets[-1]))))
    lists = pa.LargeListArray.from_arrays(pa.array(offsets), flat)
    text = pc.binary_join(lists, " ").cast(pa.string())
    cols["s_text"] = pc.if_else(pa.array(nulls(0.02)), pa.scalar(None, pa.string()), text)
    name = c.vocab.take(pa.array(rng.integers(0, VOCAB_WORDS, n)))
    digits = pc.cast(pa.array(rng.integers(0, 1000, n)), pa.string())
    domain = c.domains.take(pa.array(draw(rng, c.domain_cdf, n)))
    email = pc.binary_join_element_wise(name, digits, "@", domain, "")   # word123@domain
    cols["s_email"] = pc.if_else(pa.array(nulls(0.03)), pa.scalar(None, pa.string()), email)

    # ---- 2 Booleans
    cols["b_flag"] = pa.array(rng.random(n) < 0.2, mask=nulls(0.03))
    cols["b_active"] = pa.array(rng.random(n) < 0.75)

    # ---- 2 timestamps (microseconds, no time zone)
    created = rng.integers(T0, T1, n, dtype=np.int64)
    cols["t_created"] = pa.array(created, type=pa.timestamp("us"))
    delay = (rng.exponential(3.0, n) * US_PER_DAY).astype(np.int64)
    cols["t_updated"] = pa.array(created + delay, type=pa.timestamp("us"), mask=nulls(0.1))

    return pa.Table.from_arrays([cols[f.name] for f in SCHEMA], schema=SCHEMA)


def generate(rows: int, seed: int, out: Path, row_group_size: int) -> tuple[int, float]:
    """Write the table; returns (row groups, seconds)."""
    t0 = time.perf_counter()
    c = Constants(seed)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".partial")
    progress = sys.stderr.isatty()
    groups = 0
    with pq.ParquetWriter(tmp, SCHEMA, compression="snappy") as w:
        for start in range(0, rows, row_group_size):
            n = min(row_group_size, rows - start)
            rng = np.random.default_rng([seed, 0, groups])
            w.write_table(make_group(c, rng, start, n), row_group_size=row_group_size)
            groups += 1
            if progress:
                print(f"\rrow group {groups}: {start + n}/{rows} rows, "
                      f"{time.perf_counter() - t0:.1f} s", end="", file=sys.stderr, flush=True)
    if progress:
        print(file=sys.stderr)
    os.replace(tmp, out)
    return groups, time.perf_counter() - t0


def main() -> int:
    a = parse_args()
    groups, secs = generate(a.rows, a.seed, a.out, a.row_group_size)
    mb = a.out.stat().st_size / 1e6
    kinds = {}
    for f in SCHEMA:
        kinds[str(f.type)] = kinds.get(str(f.type), 0) + 1
    print(f"wrote {a.rows} rows x {len(SCHEMA)} columns "
          f"({', '.join(f'{k} {t}' for t, k in kinds.items())}) in {groups} row group(s), "
          f"{mb:.1f} MB, to {a.out} in {secs:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
