#!/usr/bin/env python3
"""A wide table as feature stores hold them: COLUMNS float64 columns x ROWS rows, seeded.

    python3 benches/compare/gen_wide.py --columns 10000 --rows 2000 --out /tmp/wide.parquet

Each column is N(mu, sigma) with its own mu and sigma, 1% nulls; one row group, snappy.
"""
import argparse

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
p.add_argument("--columns", type=int, default=10_000)
p.add_argument("--rows", type=int, default=2_000)
p.add_argument("--seed", type=int, default=11)
p.add_argument("--out", default="/tmp/wide.parquet")
a = p.parse_args()
rng = np.random.default_rng(a.seed)
cols = {}
for c in range(a.columns):
    v = rng.normal(rng.uniform(-100, 100), rng.uniform(0.1, 10), a.rows)
    mask = rng.random(a.rows) < 0.01
    cols[f"f{c:05d}"] = pa.array(v, mask=mask)
pq.write_table(pa.table(cols), a.out, compression="snappy")
print(f"{a.columns} columns x {a.rows} rows -> {a.out}")
