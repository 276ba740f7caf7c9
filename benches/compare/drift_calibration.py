#!/usr/bin/env python3
"""How often `datassay drift` raises a false alarm, and which planted drifts it finds.

For each seed, two independent samples (the reference and the current side, `--rows` rows each,
default 500,000: 1M rows a pair) of many columns: unchanged distributions, and planted drifts
of several sizes. Each pair is written as Parquet and compared by `datassay drift --json`; the
script counts, over all seeds, how often each column is `drift`, `inconclusive` or `ok`.

    cargo build --release
    python3 benches/compare/drift_calibration.py --seeds 10            # ~2 min on 2 cores
    python3 benches/compare/drift_calibration.py --seeds 3 --rows 20000

Needs numpy and pyarrow. Prints a Markdown table; `--json PATH` keeps the counts.
"""
import argparse
import json
import subprocess
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

# name -> (kind, description, planted?, generator(rng, rows, current) -> array)
CAT5 = ["alpha", "beta", "gamma", "delta", "epsilon"]
CAT20 = [f"c{i:02d}" for i in range(20)]
ZIPF20 = np.array([1.0 / (k + 1) for k in range(20)])
ZIPF20 /= ZIPF20.sum()


def cats(rng, rows, names, p):
    p = np.asarray(p, dtype=float)
    idx = rng.choice(len(names), size=rows, p=p / p.sum())
    return pa.array(np.asarray(names, dtype=object)[idx])


def nulls(rng, rows, share):
    return pa.array(rng.normal(0, 1, rows), mask=rng.random(rows) < share)


def mixture(rng, rows, w):
    return np.where(rng.random(rows) < w, -2.0, 2.0) + rng.normal(0, 1, rows)


COLUMNS = {
    # Unchanged: any flag is a false alarm.
    "same_normal": (False, "N(0,1)", lambda r, n, c: r.normal(0, 1, n)),
    "same_t2": (False, "Student t(2)", lambda r, n, c: r.standard_t(2, n)),
    "same_cauchy": (False, "Cauchy", lambda r, n, c: r.standard_cauchy(n)),
    "same_lognormal": (False, "lognormal(0, 2)", lambda r, n, c: r.lognormal(0, 2, n)),
    "same_mixture": (False, "N(-2,1)/N(2,1) 50/50", lambda r, n, c: mixture(r, n, 0.5)),
    "same_ints": (False, "integers 0..99", lambda r, n, c: r.integers(0, 100, n)),
    "same_wide_ints": (False, "integers 0..10^6", lambda r, n, c: r.integers(0, 1_000_000, n)),
    "same_cat5": (False, "5 strings", lambda r, n, c: cats(r, n, CAT5, [0.4, 0.3, 0.15, 0.1, 0.05])),
    "same_cat20": (False, "20 strings, Zipf", lambda r, n, c: cats(r, n, CAT20, ZIPF20)),
    "same_ids": (False, "unique strings", lambda r, n, c: pa.array([f"id{x}" for x in r.integers(0, 10**12, n)])),
    "same_nulls": (False, "N(0,1), 5% null", lambda r, n, c: nulls(r, n, 0.05)),
    # Planted.
    "shift_0.10sd": (True, "mean +0.10 sd", lambda r, n, c: r.normal(0.10 if c else 0, 1, n)),
    "shift_0.15sd": (True, "mean +0.15 sd", lambda r, n, c: r.normal(0.15 if c else 0, 1, n)),
    "shift_0.20sd": (True, "mean +0.20 sd", lambda r, n, c: r.normal(0.20 if c else 0, 1, n)),
    "shift_0.30sd": (True, "mean +0.30 sd", lambda r, n, c: r.normal(0.30 if c else 0, 1, n)),
    "t2_scale_1.25": (True, "t(2) scale x1.25", lambda r, n, c: (1.25 if c else 1) * r.standard_t(2, n)),
    "t2_scale_1.5": (True, "t(2) scale x1.5", lambda r, n, c: (1.5 if c else 1) * r.standard_t(2, n)),
    "mixture_45": (True, "mixture 50/50 -> 45/55", lambda r, n, c: mixture(r, n, 0.45 if c else 0.5)),
    "mixture_40": (True, "mixture 50/50 -> 40/60", lambda r, n, c: mixture(r, n, 0.40 if c else 0.5)),
    "mixture_35": (True, "mixture 50/50 -> 35/65", lambda r, n, c: mixture(r, n, 0.35 if c else 0.5)),
    "cat_share_.35": (True, "top share .40 -> .35", lambda r, n, c: cats(r, n, CAT5, [0.35, 0.35, 0.15, 0.1, 0.05] if c else [0.4, 0.3, 0.15, 0.1, 0.05])),
    "cat_share_.30": (True, "top share .40 -> .30", lambda r, n, c: cats(r, n, CAT5, [0.30, 0.40, 0.15, 0.1, 0.05] if c else [0.4, 0.3, 0.15, 0.1, 0.05])),
    "cat_share_.25": (True, "top share .40 -> .25", lambda r, n, c: cats(r, n, CAT5, [0.25, 0.45, 0.15, 0.1, 0.05] if c else [0.4, 0.3, 0.15, 0.1, 0.05])),
    "new_value_2%": (True, "a new value on 2%", lambda r, n, c: cats(r, n, CAT5 + ["zeta"], [0.196] * 5 + [0.02]) if c else cats(r, n, CAT5, [0.2] * 5)),
    "new_value_5%": (True, "a new value on 5%", lambda r, n, c: cats(r, n, CAT5 + ["zeta"], [0.19] * 5 + [0.05]) if c else cats(r, n, CAT5, [0.2] * 5)),
    "vanished_5%": (True, "a value of 5% gone", lambda r, n, c: cats(r, n, CAT5, [0.2] * 5) if c else cats(r, n, CAT5 + ["zeta"], [0.19] * 5 + [0.05])),
    "nulls_1_to_3%": (True, "nulls 1% -> 3%", lambda r, n, c: nulls(r, n, 0.03 if c else 0.01)),
    "nulls_1_to_5%": (True, "nulls 1% -> 5%", lambda r, n, c: nulls(r, n, 0.05 if c else 0.01)),
    "nulls_1_to_10%": (True, "nulls 1% -> 10%", lambda r, n, c: nulls(r, n, 0.10 if c else 0.01)),
}


def table(seed: int, which: int, rows: int) -> pa.Table:
    out = {}
    for i, (name, (_, _, gen)) in enumerate(COLUMNS.items()):
        rng = np.random.default_rng([seed, which, i])
        v = gen(rng, rows, which == 1)
        out[name] = v if isinstance(v, pa.Array) else pa.array(v)
    return pa.table(out)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--seeds", type=int, default=10)
    p.add_argument("--rows", type=int, default=500_000, help="rows per side")
    p.add_argument("--datassay", default="target/release/datassay")
    p.add_argument("--json", help="write the counts here")
    a = p.parse_args()
    counts = defaultdict(lambda: defaultdict(int))
    with tempfile.TemporaryDirectory() as d:
        for seed in range(a.seeds):
            paths = []
            for which in (0, 1):
                path = Path(d) / f"{seed}-{which}.parquet"
                pq.write_table(table(seed, which, a.rows), path)
                paths.append(path)
            out = Path(d) / "drift.json"
            subprocess.run([a.datassay, "drift", str(paths[0]), str(paths[1]), "--json", str(out),
                            "--device", "cpu", "-q"], check=True, stdout=subprocess.DEVNULL)
            rep = json.loads(out.read_text())
            for c in rep["columns"]:
                counts[c["name"]][c["status"]] += 1
            print(f"seed {seed}: {rep['drifted']} drifted, {rep['inconclusive']} inconclusive", file=sys.stderr)
    print(f"\n{a.seeds} pairs of {a.rows:,} rows a side (`datassay drift`, default thresholds)\n")
    print("| column | distribution | planted | drift | inconclusive | ok |")
    print("|---|---|---|---|---|---|")
    fa = tot = 0
    for name, (planted, desc, _) in COLUMNS.items():
        c = counts[name]
        print(f"| {name} | {desc} | {'yes' if planted else 'no'} | {c['drift']} | {c['inconclusive']} | {c['ok']} |")
        if not planted:
            fa += c["drift"]
            tot += sum(c.values())
    print(f"\nfalse alarms on unchanged columns: {fa} of {tot} comparisons")
    if a.json:
        Path(a.json).write_text(json.dumps({k: dict(v) for k, v in counts.items()}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
