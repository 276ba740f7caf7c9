"""Profiles of Ray Datasets, computed in Ray actors.

>>> import ray, datassay.ray
>>> p = datassay.ray.profile(ray.data.read_parquet("s3://bucket/corpus/"))   # doctest: +SKIP

How it works: ``Dataset.map_batches(batch_format="pyarrow")`` sends batches to a pool of
actors (one datassay engine, GPU device and worker pool per actor, sized to the actor's
``num_cpus``); each batch becomes a profile, shipped as bytes, and the profiles merge on the
driver (exact merges: the profile of the same data on one machine, but for the last bits of
floating-point moments and the profile's ``parts``). Every batch also yields the 64-bit hash of
each of its rows; Ray groups them (a shuffle, not a collect on the driver) to count duplicate
rows across batches exactly, with the sample of the first ten duplicate rows of one machine
(batches are numbered in the Dataset's order: the run preserves it).

A batch that fails stops the run with :class:`datassay.DatassayError` naming the batch's first
row: no partial profile is ever returned as whole.
"""

from __future__ import annotations

import re
import uuid
from typing import Any, Optional

import pyarrow as pa

from . import _native
from ._checks import check_options, row_offsets
from ._native import DatassayError, Profile

__all__ = ["profile"]

_FAILED = re.compile(r"datassay: batch (\S+) failed: ([^\n]*)")


class _Part:
    """A Ray actor: profiles each batch it is given, yielding the profile and the row hashes."""

    def __init__(self, options: dict[str, Any], cpus: int):
        self.options = dict(options)
        self.options.setdefault("threads", cpus)

    def __call__(self, batch: pa.Table) -> pa.Table:
        import numpy as np

        bid = uuid.uuid4().hex
        try:
            part, hashes = _native.profile_part(batch, **self.options)
        except Exception as e:
            raise DatassayError(f"datassay: batch {bid} failed: {e}") from e
        h = np.frombuffer(hashes, dtype="<i8")
        n = len(h)
        return pa.table(
            {
                "batch": pa.array([bid] * (n + 1), pa.string()),
                "row": pa.array(np.arange(-1, n, dtype=np.int64)),
                "hash": pa.array(np.concatenate([[0], h]).astype(np.int64)),
                "rows": pa.array([part.rows] + [0] * n, pa.int64()),
                "profile": pa.array([part.to_bytes()] + [None] * n, pa.binary()),
            }
        )


def profile(
    ds,
    *,
    concurrency: Optional[int] = None,
    num_cpus: float = 1,
    batch_size: Optional[int] = 1 << 20,
    **options: Any,
) -> Profile:
    """The profile of a Ray Dataset, made in ``concurrency`` actors of ``num_cpus`` cores each
    (default: one actor a CPU of the cluster but one, at least 1 and at most 8).

    ``options`` are those of :func:`datassay.profile`; ``exact_quantiles`` does not apply.
    ``batch_size``: rows a batch (the unit of a profile).
    """
    import ray

    if options.get("exact_quantiles"):
        raise _native.InvalidOptionError(
            "invalid option: exact_quantiles needs every value at once; it does not apply to a Dataset profiled by batches"
        )
    check_options(options)
    if concurrency is None:
        cpus = int(ray.cluster_resources().get("CPU", 1))
        # One CPU is left to Ray Data's own tasks (reading, repartitioning), which would
        # otherwise wait for the actors forever.
        concurrency = max(1, min(8, int((cpus - 1) // max(num_cpus, 1))))
    ctx = ray.data.DataContext.get_current()
    keep = ctx.execution_options.preserve_order
    ctx.execution_options.preserve_order = True
    try:
        try:
            out = ds.map_batches(
                _Part,
                batch_format="pyarrow",
                batch_size=batch_size,
                fn_constructor_args=(options, max(1, int(num_cpus))),
                concurrency=concurrency,
                num_cpus=num_cpus,
            ).materialize()
            heads = out.filter(expr="row == -1").select_columns(
                ["batch", "rows", "profile"]
            )
            parts = heads.take_all()
        except Exception as e:
            m = _FAILED.search(str(e))
            if m:
                raise DatassayError(
                    f"Ray batch {m.group(1)} failed: {m.group(2).strip()}"
                ) from None
            raise
        if not parts:
            raise _native.BadInputError("no readable input: the Dataset has no rows")
        merged = _native.merge(Profile.from_bytes(p["profile"]) for p in parts)
        if merged.duplicate_rows is None or not options.get("duplicate_rows", True):
            return merged
        # Batches in the Dataset's order (the run preserves it): the first row of each.
        offsets = row_offsets({p["batch"]: p["rows"] for p in parts}, ordered=True)
        return _exact_duplicates(out, offsets, merged)
    finally:
        ctx.execution_options.preserve_order = keep


def _exact_duplicates(out, offsets: dict[str, int], merged: Profile) -> Profile:
    """Group the row hashes in Ray: count, groups and the first ten duplicate rows."""
    import numpy as np
    from ray.data.aggregate import Count

    rows = out.filter(expr="row >= 0").select_columns(["batch", "row", "hash"])

    def gid(b: pa.Table) -> pa.Table:
        off = np.array([offsets[x] for x in b.column("batch").to_pylist()], dtype=np.int64)
        g = off + b.column("row").to_numpy()
        return pa.table({"hash": b.column("hash"), "gid": pa.array(g)})

    # Both are read more than once below: materialised, the shuffle runs once.
    rows = rows.map_batches(gid, batch_format="pyarrow").materialize()
    counts = (
        rows.groupby("hash").aggregate(Count(alias_name="n")).filter(expr="n > 1").materialize()
    )
    groups = counts.count()
    if groups == 0:
        return merged.with_exact_duplicate_rows(0, 0, [])
    count = int(counts.sum("n")) - groups
    members = rows.join(
        counts.select_columns(["hash"]), join_type="inner", num_partitions=2, on=("hash",)
    )

    def firsts(g: pa.Table) -> pa.Table:
        gids = np.sort(g.column("gid").to_numpy())
        rest = gids[1:11]
        return pa.table(
            {
                "first": pa.array(np.full(len(rest), gids[0], dtype=np.int64)),
                "gid": pa.array(rest.astype(np.int64)),
            }
        )

    sample = (
        members.groupby("hash")
        .map_groups(firsts, batch_format="pyarrow")
        .sort("gid")
        .take(10)
    )
    return merged.with_exact_duplicate_rows(
        count, groups, [[int(r["first"]), int(r["gid"])] for r in sample]
    )
