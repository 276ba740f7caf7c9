"""datassay.spark on a real Spark `local[2]` session: the profile and the near-duplicate pairs
of one machine, with several partitions (one empty)."""

from __future__ import annotations

import random
import subprocess

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import datassay
from conftest import same_profile

pyspark = pytest.importorskip("pyspark")
import datassay.spark  # noqa: E402


@pytest.fixture(scope="module")
def spark():
    from pyspark.sql import SparkSession

    s = (
        SparkSession.builder.master("local[2]")
        .appName("datassay-tests")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.driver.memory", "1g")
        .getOrCreate()
    )
    s.sparkContext.setLogLevel("ERROR")
    yield s
    s.stop()


def partitioned(spark, t: pa.Table, sizes: list[int], schema: str):
    """A DataFrame of `t`'s rows in order, cut into partitions of `sizes` rows (0: empty)."""
    rows = [tuple(r.values()) for r in t.to_pylist()]
    chunks, at = [], 0
    for n in sizes:
        chunks.append(rows[at : at + n])
        at += n
    assert at == len(rows)
    rdd = spark.sparkContext.parallelize(range(len(chunks)), len(chunks)).flatMap(
        lambda i: chunks[i]
    )
    df = spark.createDataFrame(rdd, schema)
    assert df.rdd.getNumPartitions() == len(sizes)
    return df


def data(n: int = 12_000) -> pa.Table:
    rng = np.random.default_rng(5)
    x = rng.normal(0, 2, n).round(2)
    k = rng.integers(0, 6, n)
    s = [f"s{i % 7}" if i % 11 else None for i in range(n)]
    # Rows repeat within and across partitions: x rounded, k and s from few values.
    return pa.table({"x": pa.array(x), "k": pa.array(k, pa.int64()), "s": pa.array(s, pa.string())})


SCHEMA = "x DOUBLE, k LONG, s STRING"


def test_profile_by_partitions_equals_one_machine(spark):
    t = data()
    df = partitioned(spark, t, [5000, 0, 4000, 3000], SCHEMA)
    got = datassay.spark.profile(df, device="cpu")
    want = datassay.profile(df.toArrow(), device="cpu")
    assert want.rows == got.rows == 12_000
    d = got.duplicate_rows
    assert d["exact"] and d["count"] == want.duplicate_rows["count"] > 0
    assert d["sample"] == want.duplicate_rows["sample"]
    # Everything equal but the last bits of floating moments and the parts (one a partition).
    same_profile(got.to_dict(), want.to_dict())
    assert len(got.parts) == 3


def test_duplicate_rows_across_partitions_are_counted_exactly(spark):
    # Every row of the second partition copies one of the first: a merge of partition profiles
    # alone could only estimate them.
    base = pa.table({"a": pa.array(range(1000), pa.int64()), "b": pa.array([f"r{i}" for i in range(1000)])})
    t = pa.concat_tables([base, base.slice(100, 300)])
    df = partitioned(spark, t, [1000, 300], "a LONG, b STRING")
    got = datassay.spark.profile(df, device="cpu")
    assert got.duplicate_rows == {"count": 300, "groups": 300, "exact": True, "sample": [[100 + i, 1000 + i] for i in range(10)]}
    merged = datassay.merge([datassay.profile(base, device="cpu"), datassay.profile(base.slice(100, 300), device="cpu")])
    assert merged.duplicate_rows["count"] == 0 and not merged.duplicate_rows["exact"]


def test_a_failing_partition_fails_the_run_and_names_it(spark):
    from pyspark.sql import functions as F
    from pyspark.sql.types import LongType

    t = pa.table({"v": pa.array(range(400), pa.int64())})
    df = partitioned(spark, t, [100, 100, 100, 100], "v LONG")

    def boom(v):
        if v == 250:
            raise ValueError("value 250 is cursed")
        return v

    bad = df.select(F.udf(boom, LongType())("v").alias("v"))
    with pytest.raises(datassay.DatassayError, match=r"Spark partition 2 failed: .*value 250 is cursed"):
        datassay.spark.profile(bad, device="cpu")


def test_options_that_cannot_apply_are_refused(spark):
    df = spark.createDataFrame([(1,)], "v LONG")
    with pytest.raises(datassay.InvalidOptionError, match="exact_quantiles needs every value at once"):
        datassay.spark.profile(df, exact_quantiles=True)
    with pytest.raises(datassay.InvalidOptionError, match="^invalid option: bins must be between 1 and 65536$"):
        datassay.spark.profile(df, bins=0)
    empty = spark.createDataFrame([], "v LONG")
    with pytest.raises(datassay.BadInputError, match="no rows"):
        datassay.spark.profile(empty)


def test_dedup_across_partitions_finds_the_pairs_of_one_machine(spark, cli, tmp_path):
    f = tmp_path / "docs.parquet"
    subprocess.run([str(cli), "generate", str(f), "--docs", "--rows", "2500"], check=True, capture_output=True)
    t = pq.read_table(f).select(["text"])
    one = datassay.dedup(t, "text", device="cpu")
    df = partitioned(spark, t, [900, 0, 800, 800], "text STRING")
    got = datassay.spark.dedup(df, "text", device="cpu")
    want = {
        (r["row_a"], r["row_b"], r["kind"] == "exact", r["estimate"])
        for r in one.pairs.to_pylist()
    }
    have = {(r["a"], r["b"], r["exact_copy"], r["estimate"]) for r in got.pairs.to_pylist()}
    assert len(want) > 50 and have == want
    assert got.report["exact_duplicates"] == one.report["exact_duplicates"]
    assert got.report["near_duplicates"] == one.report["near_duplicates"]
    assert got.report["clusters"] == one.report["clusters"]
    kept = {r["row"] for r in got.clusters.to_pylist() if r["kept"]}
    want_kept = {r["row"] for r in one.clusters.to_pylist() if r["kept"]}
    assert kept == want_kept


def test_a_partition_that_datassay_cannot_read_is_named(spark):
    df = partitioned(spark, pa.table({"v": pa.array(range(300), pa.int64())}), [100, 100, 100], "v LONG")
    with pytest.raises(datassay.DatassayError, match=r"Spark partition [0-2] failed: .*column \"v\" is Int64, not text"):
        datassay.spark.dedup(df, "v", device="cpu")
    with pytest.raises(datassay.InvalidOptionError, match=r"no column 'text'; columns: \[v\]"):
        datassay.spark.dedup(df, "text")
