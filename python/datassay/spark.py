"""Profiles and near-duplicate documents of Spark DataFrames, computed inside the executors.

>>> import datassay.spark
>>> p = datassay.spark.profile(spark.read.parquet("s3://bucket/corpus/"))   # doctest: +SKIP

How it works:

- :func:`profile` runs a streaming profiler over each partition with
  ``DataFrame.mapInArrow`` (no copy between Spark's Arrow batches and the profiler); each
  partition yields its profile as bytes, and the profiles merge by a tree reduce (executors
  merge pairs, the driver the last few). Merges are exact: the result equals the profile of
  the same data on one machine, but for the last bits of floating-point moments and the
  profile's ``parts`` (one content id per partition).
- Exact duplicate rows across partitions: every partition also yields the 64-bit hash of each
  of its rows, and Spark itself groups them (a shuffle of 8 bytes a row plus the row's
  position, never a collect on the driver). Count, groups and the sample of the first ten
  duplicate rows are those of one machine.
- :func:`dedup` signs each partition's documents (MinHash), explodes their LSH band keys, lets
  Spark group documents by key, confirms candidate pairs from their signatures, and joins the
  pairs into clusters: the pairs of ``datassay.dedup`` on the same rows in the same order.
- Each task sizes datassay's worker pool to the cores Spark grants it
  (``spark.task.cpus``). Nothing is created at import; a forked Python worker makes its own
  device and threads.

A partition that fails stops the run with :class:`datassay.DatassayError` naming the partition:
no partial profile is ever returned as whole.
"""

from __future__ import annotations

import re
import uuid
from typing import Any, Iterator, Optional

import pyarrow as pa

from . import _native
from ._native import DatassayError, Profile
from ._checks import check_options, row_offsets
from ._results import DistributedDedupResult

__all__ = ["profile", "dedup"]

_FAILED = re.compile(r"datassay: partition (\d+) failed: ([^\n]*)")
# Rows of the output batches of a partition (hash rows).
_CHUNK = 1 << 20


def _task_cpus() -> int:
    from pyspark import TaskContext

    ctx = TaskContext.get()
    try:
        return max(1, int(ctx.cpus())) if ctx is not None else 0
    except Exception:  # older Spark without TaskContext.cpus()
        return 1


def _partition() -> int:
    from pyspark import TaskContext

    ctx = TaskContext.get()
    return ctx.partitionId() if ctx is not None else -1


def _reader(batches: Iterator[pa.RecordBatch]) -> Optional[pa.RecordBatchReader]:
    """A reader over a partition's batches, or None for an empty partition."""
    first = next(batches, None)
    if first is None:
        return None

    def chain():
        yield first
        yield from batches

    return pa.RecordBatchReader.from_batches(first.schema, chain())


def _fail(pid: int, e: BaseException) -> DatassayError:
    return DatassayError(f"datassay: partition {pid} failed: {e}")


_PROFILE_SCHEMA = "pid INT, row LONG, hash LONG, rows LONG, profile BINARY"


def _profile_partitions(options: dict[str, Any]):
    """The function mapInArrow runs on each partition."""

    def run(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        import numpy as np

        pid = _partition()
        try:
            reader = _reader(batches)
            if reader is None:
                return
            opts = dict(options)
            opts.setdefault("threads", _task_cpus())
            part, hashes = _native.profile_part(reader, **opts)
            blob = part.to_bytes()
        except Exception as e:  # the partition's own id goes with the message
            raise _fail(pid, e) from e
        out = pa.schema(
            [
                ("pid", pa.int32()),
                ("row", pa.int64()),
                ("hash", pa.int64()),
                ("rows", pa.int64()),
                ("profile", pa.binary()),
            ]
        )
        yield pa.RecordBatch.from_arrays(
            [
                pa.array([pid], pa.int32()),
                pa.array([-1], pa.int64()),
                pa.nulls(1, pa.int64()),
                pa.array([part.rows], pa.int64()),
                pa.array([blob], pa.binary()),
            ],
            schema=out,
        )
        h = np.frombuffer(hashes, dtype="<i8")
        for s in range(0, len(h), _CHUNK):
            chunk = h[s : s + _CHUNK]
            n = len(chunk)
            yield pa.RecordBatch.from_arrays(
                [
                    pa.array(np.full(n, pid, dtype=np.int32)),
                    pa.array(np.arange(s, s + n, dtype=np.int64)),
                    pa.array(chunk),
                    pa.nulls(n, pa.int64()),
                    pa.nulls(n, pa.binary()),
                ],
                schema=out,
            )

    return run


def _merge_bytes(a: bytes, b: bytes) -> bytes:
    return Profile.from_bytes(a).merge(Profile.from_bytes(b)).to_bytes()


def _failed_partitions(sc, group: str) -> list[int]:
    """Partitions whose task failed in the jobs of `group` (Spark's status store)."""
    out: set[int] = set()
    try:
        tracker = sc.statusTracker()
        store = sc._jsc.sc().statusStore()
        for job in tracker.getJobIdsForGroup(group):
            info = tracker.getJobInfo(job)
            for stage in info.stageIds if info else []:
                tasks = store.taskList(stage, 0, 1 << 20).iterator()
                while tasks.hasNext():
                    t = tasks.next()
                    if t.status() == "FAILED":
                        out.add(int(t.partitionId()))
    except Exception:  # the store is an internal API: without it, Spark's own error stands
        return []
    return sorted(out)


def _reason(e: BaseException) -> str:
    """The last line of a Python traceback carried in a Spark error (the error itself)."""
    lines = [
        ln.strip()
        for ln in str(e).splitlines()
        if ln.strip() and not set(ln.strip()) <= set("^~ ")
    ]
    return lines[-1] if lines else type(e).__name__


def _reraise(e: BaseException, sc=None, group: Optional[str] = None) -> None:
    m = _FAILED.search(str(e))
    if m:
        raise DatassayError(
            f"Spark partition {m.group(1)} failed: {m.group(2).strip()}"
        ) from None
    failed = _failed_partitions(sc, group) if sc is not None and group else []
    if failed:
        which = ", ".join(map(str, failed))
        raise DatassayError(
            f"Spark partition {which} failed: {_reason(e)}"
        ) from e
    raise e


class _JobGroup:
    """Tag the jobs of a run, to find the partitions that failed; the caller's group comes
    back after."""

    def __init__(self, sc):
        self.sc = sc
        self.group = f"datassay-{uuid.uuid4().hex}"

    def __enter__(self) -> "_JobGroup":
        self.before = (
            self.sc.getLocalProperty("spark.jobGroup.id"),
            self.sc.getLocalProperty("spark.job.description"),
        )
        self.sc.setJobGroup(self.group, "datassay")
        return self

    def __exit__(self, *exc) -> None:
        gid, desc = self.before
        self.sc.setLocalProperty("spark.jobGroup.id", gid)
        self.sc.setLocalProperty("spark.job.description", desc)

    def reraise(self, e: BaseException) -> None:
        _reraise(e, self.sc, self.group)


def profile(df, *, depth: int = 2, **options: Any) -> Profile:
    """The profile of a Spark DataFrame, made inside the executors.

    ``options`` are those of :func:`datassay.profile` (``device``, ``bins``, ``sketches``,
    ``duplicate_rows``, ...; ``threads`` defaults to each task's ``spark.task.cpus``);
    ``exact_quantiles`` does not apply. ``depth`` is the depth of the tree reduce of the
    partition profiles.
    """
    from pyspark import StorageLevel

    if options.get("exact_quantiles"):
        raise _native.InvalidOptionError(
            "invalid option: exact_quantiles needs every value at once; it does not apply to a DataFrame profiled by partitions"
        )
    check_options(options)
    out = df.mapInArrow(_profile_partitions(options), _PROFILE_SCHEMA)
    out = out.persist(StorageLevel.MEMORY_AND_DISK)
    jobs = _JobGroup(df.sparkSession.sparkContext)
    try:
        with jobs:
            return _profile(out, options, depth, jobs)
    finally:
        out.unpersist()


def _profile(out, options: dict[str, Any], depth: int, jobs: "_JobGroup") -> Profile:
    from pyspark.sql import functions as F

    try:
        parts = out.where("profile IS NOT NULL").select("pid", "rows", "profile")
        counts = {r["pid"]: r["rows"] for r in parts.select("pid", "rows").collect()}
        if not counts:
            raise _native.BadInputError("no readable input: the DataFrame has no rows")
        whole = (
            parts.select("profile")
            .rdd.map(lambda r: bytes(r[0]))
            .treeReduce(_merge_bytes, depth=depth)
        )
        merged = Profile.from_bytes(whole)
        if merged.duplicate_rows is None or not options.get("duplicate_rows", True):
            return merged
        return _exact_duplicates(out, counts, merged, F)
    except DatassayError:
        raise
    except Exception as e:
        jobs.reraise(e)
        raise


def _exact_duplicates(out, counts: dict[int, int], merged: Profile, F) -> Profile:
    """Count duplicate rows across partitions by letting Spark group the row hashes."""
    spark = out.sparkSession
    offs = spark.createDataFrame(list(row_offsets(counts).items()), "pid INT, offset LONG")
    rows = (
        out.where("profile IS NULL")
        .join(F.broadcast(offs), "pid")
        .select("hash", (F.col("offset") + F.col("row")).alias("gid"))
    )
    groups = (
        rows.groupBy("hash")
        .agg(F.count(F.lit(1)).alias("n"), F.min("gid").alias("first"))
        .where("n > 1")
    )
    totals = groups.agg(
        F.coalesce(F.sum(F.col("n") - 1), F.lit(0)).alias("count"),
        F.count(F.lit(1)).alias("groups"),
    ).first()
    count, ngroups = int(totals["count"]), int(totals["groups"])
    sample = []
    if count:
        sample = [
            [int(r["first"]), int(r["gid"])]
            for r in rows.join(groups.select("hash", "first"), "hash")
            .where("gid != first")
            .orderBy("gid")
            .limit(10)
            .collect()
        ]
    return merged.with_exact_duplicate_rows(count, ngroups, sample)


_SIGN_SCHEMA = "pid INT, row LONG, exact LONG, usable BOOLEAN, signature BINARY, keys ARRAY<LONG>"


def _sign_partitions(column: str, options: dict[str, Any]):
    def run(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        import numpy as np

        pid = _partition()
        row = 0
        opts = dict(options)
        opts.setdefault("threads", _task_cpus())
        for b in batches:
            if b.num_rows == 0:
                continue
            try:
                s = _native.sign_documents(b.select([column]), column, **opts)
            except Exception as e:
                raise _fail(pid, e) from e
            n = b.num_rows
            yield pa.RecordBatch.from_arrays(
                [
                    pa.array(np.full(n, pid, dtype=np.int32)),
                    pa.array(np.arange(row, row + n, dtype=np.int64)),
                    s.column("exact"),
                    s.column("usable"),
                    s.column("signature"),
                    s.column("keys"),
                ],
                names=["pid", "row", "exact", "usable", "signature", "keys"],
            )
            row += n

    return run


def _estimates(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
    for b in batches:
        est = _native.estimate(b.column("sa"), b.column("sb"))
        yield pa.RecordBatch.from_arrays(
            [b.column("a"), b.column("b"), est], names=["a", "b", "estimate"]
        )


def dedup(
    df,
    column: str,
    *,
    threshold: Optional[float] = None,
    perms: Optional[int] = None,
    clusters: bool = True,
    **options: Any,
) -> DistributedDedupResult:
    """Exact and near-duplicate documents of a text ``column`` across the partitions of
    ``df``: the pairs ``datassay.dedup`` finds on the same rows in the same order.

    Documents are numbered by their position in ``df`` (partition by partition, in order).
    ``options`` are those of :func:`datassay.dedup` but ``verify="exact"``, ``memory_limit``
    and ``spill_dir`` (confirmation uses the signatures). Returns the pairs (``a``, ``b``,
    ``exact_copy``, ``estimate``), and with ``clusters`` each clustered document's ``cluster``
    (union-find over the pairs, on the driver: pairs, not documents, travel there), ``size``
    and ``kept`` (the first document of its cluster).
    """
    from pyspark import StorageLevel
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    for bad in ("verify", "memory_limit", "spill_dir"):
        if options.get(bad) not in (None, "signature"):
            raise _native.InvalidOptionError(
                f"invalid option: {bad} does not apply to the Spark dedup"
            )
    if threshold is not None:
        options["threshold"] = threshold
    if perms is not None:
        options["perms"] = perms
    th = options.get("threshold", 0.8)
    _native.lsh_params(th, options.get("perms", 128))  # checks both
    if column not in df.columns:
        raise _native.InvalidOptionError(
            f"invalid option: no column {column!r}; columns: [{', '.join(df.columns)}]"
        )
    signed = df.select(column).mapInArrow(_sign_partitions(column, options), _SIGN_SCHEMA)
    signed = signed.persist(StorageLevel.MEMORY_AND_DISK)
    jobs = _JobGroup(df.sparkSession.sparkContext)
    jobs.__enter__()
    try:
        try:
            sizes = {r["pid"]: r["n"] for r in signed.groupBy("pid").agg(F.count(F.lit(1)).alias("n")).collect()}
        except Exception as e:
            jobs.reraise(e)
        offsets = list(row_offsets(sizes).items())
        spark = df.sparkSession
        if not offsets:
            empty = pa.table({"a": pa.array([], pa.int64()), "b": pa.array([], pa.int64()), "exact_copy": pa.array([], pa.bool_()), "estimate": pa.array([], pa.float64())})
            return DistributedDedupResult({"documents": 0, "pairs": 0}, empty, None)
        offs = spark.createDataFrame(offsets, "pid INT, offset LONG")
        docs = signed.join(F.broadcast(offs), "pid").withColumn(
            "doc", F.col("offset") + F.col("row")
        )
        usable = docs.where("usable")
        # 1. Exact copies of the normalised text: the first of each group represents it.
        w = Window.partitionBy("exact")
        reps = usable.withColumn("rep", F.min("doc").over(w))
        exact_pairs = reps.where("doc != rep").select(
            F.col("rep").alias("a"),
            F.col("doc").alias("b"),
            F.lit(True).alias("exact_copy"),
            F.lit(1.0).alias("estimate"),
        )
        # 2. LSH: representatives grouped by band key; each member pairs with the bucket's
        # first member and with the previous one.
        keyed = reps.where("doc = rep").select("doc", F.explode("keys").alias("key"))
        wk = Window.partitionBy("key").orderBy("doc")
        ranked = keyed.withColumn("first", F.first("doc").over(wk)).withColumn(
            "prev", F.lag("doc").over(wk)
        )
        cands = (
            ranked.where("doc != first")
            .select(F.col("first").alias("x"), F.col("doc").alias("y"))
            .union(
                ranked.where("prev IS NOT NULL AND prev != first").select(
                    F.col("prev").alias("x"), F.col("doc").alias("y")
                )
            )
            .select(F.least("x", "y").alias("a"), F.greatest("x", "y").alias("b"))
            .distinct()
        )
        sigs = docs.select("doc", "signature")
        joined = (
            cands.join(sigs.withColumnRenamed("doc", "a").withColumnRenamed("signature", "sa"), "a")
            .join(sigs.withColumnRenamed("doc", "b").withColumnRenamed("signature", "sb"), "b")
            .select("a", "b", "sa", "sb")
        )
        near = (
            joined.mapInArrow(_estimates, "a LONG, b LONG, estimate DOUBLE")
            .where(F.col("estimate") >= F.lit(th))
            .select("a", "b", F.lit(False).alias("exact_copy"), "estimate")
        )
        pairs_df = exact_pairs.union(near).orderBy("a", "b")
        try:
            pairs = pairs_df.toArrow() if hasattr(pairs_df, "toArrow") else pa.Table.from_pandas(pairs_df.toPandas(), preserve_index=False)
            counts = docs.agg(
                F.count(F.lit(1)).alias("documents"),
                F.sum(F.when(F.col("exact").isNull(), 1).otherwise(0)).alias("null"),
                F.sum(F.when(F.col("exact").isNotNull() & ~F.col("usable"), 1).otherwise(0)).alias("empty"),
            ).first()
        except Exception as e:
            jobs.reraise(e)
    finally:
        jobs.__exit__()
        signed.unpersist()
    a = pairs.column("a").to_pylist()
    b = pairs.column("b").to_pylist()
    exact_copies = sum(1 for x in pairs.column("exact_copy").to_pylist() if x)
    cluster_table = _native.cluster_pairs(a, b) if clusters else None
    members = cluster_table.num_rows if cluster_table is not None else 0
    n_clusters = len(set(cluster_table.column("cluster").to_pylist())) if cluster_table is not None else None
    report = {
        "column": column,
        "documents": int(counts["documents"]),
        "null_documents": int(counts["null"] or 0),
        "empty_documents": int(counts["empty"] or 0),
        "exact_duplicates": exact_copies,
        "near_duplicates": (members - (n_clusters or 0) - exact_copies) if cluster_table is not None else None,
        "clusters": n_clusters,
        "pairs": pairs.num_rows,
        "threshold": th,
        "partitions": len(sizes),
    }
    return DistributedDedupResult(report, pairs, cluster_table)
