"""datassay.profile from pyarrow, polars and pandas against the command line on the same data;
the Profile object; bad input."""

from __future__ import annotations

import pickle
import threading
import time

import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
import pyarrow.feather
import pytest

import datassay
from conftest import run_cli, same_profile


def table(n: int = 50_000, seed: int = 7) -> pa.Table:
    rng = np.random.default_rng(seed)
    x = rng.normal(10, 3, n)
    x[rng.integers(0, n, 50)] = np.nan
    return pa.table(
        {
            "x": pa.array(x, mask=rng.random(n) < 0.02),
            "k": pa.array(rng.integers(0, 40, n), pa.int64()),
            "s": pa.array([f"tok{i % 997}" if i % 13 else None for i in range(n)], pa.large_string()),
            "b": pa.array(rng.random(n) < 0.3),
        }
    )


def cli_profile(cli, tmp_path, t: pa.Table) -> dict:
    # Arrow IPC: no Parquet footer statistics, so the command line renders histograms from the
    # same grid a stream does.
    f = tmp_path / "data.arrow"
    pyarrow.feather.write_feather(t, f, compression="uncompressed")
    return run_cli(cli, "profile", str(f), "--device", "cpu")


# The identity of the data (file fingerprint against content id) and where it came from differ
# by design between a file and the same rows in memory.
NOT_DATA = ("parts", "sources")


@pytest.mark.parametrize("kind", ["pyarrow", "pyarrow-batches", "pandas", "polars"])
def test_inputs_give_the_profile_of_the_command_line(cli, tmp_path, kind):
    t = table()
    if kind == "pyarrow":
        data = t
    elif kind == "pyarrow-batches":
        data = pa.RecordBatchReader.from_batches(t.schema, t.to_batches(max_chunksize=777))
    elif kind == "pandas":
        data = t.to_pandas()
        t = pa.Table.from_pandas(data, preserve_index=False)
    else:
        data = pl.from_arrow(t)
        t = pa.table(data)
    p = datassay.profile(data, device="cpu")
    want = cli_profile(cli, tmp_path, t)
    same_profile(p.to_dict(), want, skip=NOT_DATA)
    assert p.rows == want["rows"] == 50_000


def test_paths_are_read_in_rust_as_the_command_line_reads_them(cli, tmp_path):
    t = table(20_000)
    f = tmp_path / "d.parquet"
    import pyarrow.parquet as pq

    pq.write_table(t, f, row_group_size=5000)
    want = run_cli(cli, "profile", str(f), "--device", "cpu")
    for data in (str(f), f, [f]):
        got = datassay.profile(data, device="cpu").to_dict()
        same_profile(got, want, skip=())


def test_figures_are_attributes_and_agree_with_numpy():
    t = table(10_000)
    p = datassay.profile(t, device="cpu")
    x = t.column("x").to_numpy(zero_copy_only=False)
    finite = x[np.isfinite(x)]
    col = p.columns["x"]
    assert col.nulls == t.column("x").null_count
    assert col.nan == int(np.isnan(x).sum()) - col.nulls
    assert col.mean == pytest.approx(finite.mean(), rel=1e-12)
    assert col.min == finite.min() and col.max == finite.max()
    assert p.column("k").distinct["estimate"] == len(np.unique(t.column("k").to_numpy()))
    assert p.columns["s"].kind == "string"
    with pytest.raises(KeyError, match=r'no column "nope"; columns: \[x, k, s, b\]'):
        p.column("nope")
    assert "Profile" in repr(p) and "x" in str(p)


def test_round_trips_json_bytes_and_pickle():
    p = datassay.profile(table(5_000), device="cpu")
    assert datassay.Profile.from_json(p.to_json()) == p
    assert datassay.Profile.from_json(p.to_json(compact=True)) == p
    assert datassay.Profile.from_bytes(p.to_bytes()) == p
    assert pickle.loads(pickle.dumps(p)) == p
    assert len(p.to_bytes()) < len(p.to_json(compact=True))
    with pytest.raises(datassay.BadInputError, match="wrong magic bytes"):
        datassay.Profile.from_bytes(b"not a profile")


def test_merges_of_parts_equal_the_whole_in_any_order():
    t = table(30_000)
    whole = datassay.profile(t, device="cpu")
    parts = [datassay.profile(t.slice(s, 10_000), device="cpu") for s in (0, 10_000, 20_000)]
    a = datassay.merge(parts)
    b = parts[2].merge(parts[0]).merge(parts[1])
    same_profile(a.to_dict(), b.to_dict())
    assert a.rows == whole.rows
    # Quantile sketches, distinct counts, histograms and top values merge exactly.
    for name in ("x", "k", "s"):
        got, want = a.columns[name], whole.columns[name]
        assert got.quantiles == want.quantiles
        assert got.distinct == want.distinct
        assert got.top_values == want.top_values
        assert got.histogram == want.histogram
    with pytest.raises(datassay.MergeError, match="counted twice"):
        datassay.merge([parts[0], parts[0]])
    with pytest.raises(TypeError, match="expected Profile objects"):
        datassay.merge([parts[0], "x"])


def test_streaming_profiler_does_not_depend_on_how_the_stream_is_cut():
    t = table(20_000)
    one = datassay.profile(t, device="cpu")
    pr = datassay.Profiler(device="cpu")
    for b in t.to_batches(max_chunksize=333):
        pr.update(b)
    assert pr.rows == 20_000
    got = pr.finish()
    same_profile(got.to_dict(), one.to_dict())
    with pytest.raises(RuntimeError, match="finished"):
        pr.finish()
    with pytest.raises(datassay.BadInputError, match="no record batches"):
        datassay.Profiler().finish()


def test_unsupported_types_are_reported_per_column_and_never_crash():
    n = 6
    ree = pa.RunEndEncodedArray.from_arrays(pa.array([2, 6], pa.int32()), pa.array([1.5, 2.5]))
    t = pa.table(
        {
            "dec": pa.array([1, 2, None, 4, 5, 6], pa.decimal128(10, 2)),
            "dict": pa.array(["a", "b", "a", None, "b", "a"]).dictionary_encode(),
            "view": pa.array(["x", "yy", None, "x", "zzz", ""], pa.string_view()),
            "ree": ree,
            "nested": pa.array([{"a": 1, "b": [1, 2]}] * n),
            "union": pa.UnionArray.from_sparse(
                pa.array([0, 1, 0, 1, 0, 1], pa.int8()),
                [pa.array(range(n)), pa.array([str(i) for i in range(n)])],
            ),
            "ok": pa.array(range(n)),
        }
    )
    p = datassay.profile(t, device="cpu")
    cols = p.columns
    assert cols["ok"].mean == 2.5
    assert cols["dict"].count == 5 and cols["dict"].top_values[0]["value"] == "a"
    assert cols["view"].kind == "string" and cols["view"].max_length == 3
    assert cols["nested.a"].sum == 6
    for name in ("ree", "union"):
        c = cols[name]
        assert c.kind == "skipped" and "not profiled" in c.skipped_reason, c.to_dict()
    # Decimals are profiled as numbers.
    assert cols["dec"].kind == "numeric" and cols["dec"].sum == 18.0


def test_bad_input_and_bad_options_raise_python_errors_naming_the_keyword(tmp_path):
    with pytest.raises(TypeError, match="cannot read an object of type int; expected an object with the Arrow PyCapsule interface"):
        datassay.profile(42)
    with pytest.raises(TypeError, match="a list holds paths only"):
        datassay.profile([1, 2])
    with pytest.raises(datassay.InvalidOptionError, match="^invalid option: bins must be between 1 and 65536$") as e:
        datassay.profile(table(10), bins=0)
    assert isinstance(e.value, ValueError) and isinstance(e.value, datassay.DatassayError)
    with pytest.raises(FileNotFoundError, match="no such file or directory"):
        datassay.profile(str(tmp_path / "missing.parquet"))
    bad = tmp_path / "bad.parquet"
    bad.write_bytes(b"PAR1 this is not parquet")
    with pytest.raises(datassay.BadInputError):
        datassay.profile(bad)
    with pytest.raises(datassay.InvalidOptionError, match='^invalid option: device "tpu": expected'):
        datassay.profile(table(10), device="tpu")
    with pytest.raises(TypeError, match="unexpected keyword"):
        datassay.profile(table(10), colour="red")


def test_the_gil_is_released_while_profiling():
    t = table(2_000_000)
    ticks: list[float] = []
    stop = threading.Event()

    def spin():
        while not stop.is_set():
            ticks.append(time.perf_counter())
            time.sleep(0.001)

    th = threading.Thread(target=spin)
    th.start()
    try:
        time.sleep(0.05)
        t0 = time.perf_counter()
        datassay.profile(t, device="cpu")
        t1 = time.perf_counter()
    finally:
        stop.set()
        th.join()
    assert t1 - t0 > 0.1, "the profile was too quick to tell"
    inside = [x for x in ticks if t0 + 0.02 < x < t1 - 0.02]
    assert len(inside) > 5, f"the other thread ran {len(inside)} times in {t1 - t0:.2f} s"


def test_streams_that_fail_or_change_are_errors_not_crashes():
    schema = pa.schema([("x", pa.float64())])

    def failing():
        yield pa.record_batch([pa.array([1.0, 2.0])], schema=schema)
        raise RuntimeError("the source went away")

    reader = pa.RecordBatchReader.from_batches(schema, failing())
    with pytest.raises(datassay.BadInputError, match="the source went away"):
        datassay.profile(reader, device="cpu")
    # A reader is read once: profiled again, it has no rows left (as for any consumer).
    t = pa.table({"x": [1.0]})
    r = pa.RecordBatchReader.from_batches(t.schema, t.to_batches())
    assert datassay.profile(r, device="cpu").rows == 1
    assert datassay.profile(r, device="cpu").rows == 0
    pr = datassay.Profiler(device="cpu")
    pr.update(t)
    with pytest.raises(datassay.BadInputError, match="does not match the profiler's schema"):
        pr.update(pa.table({"y": ["a"]}))
    assert pr.finish().rows == 1


def test_empty_and_columnless_data():
    empty = pa.table({"x": pa.array([], pa.float64()), "s": pa.array([], pa.string())})
    p = datassay.profile(empty, device="cpu")
    assert p.rows == 0 and p.columns["x"].count == 0 and p.columns["x"].mean is None
    with pytest.raises(datassay.BadInputError, match="no columns"):
        datassay.profile(pa.table({}), device="cpu")


def test_a_duckdb_result_is_read_through_its_arrow_stream():
    duckdb = pytest.importorskip("duckdb")
    t = table(20_000)
    con = duckdb.connect()
    con.register("t", t)
    rel = con.sql("SELECT x, k, s, b FROM t")
    p = datassay.profile(rel, device="cpu")
    # DuckDB's VARCHAR leaves as utf8 (the table's column is large_utf8).
    ref = t.set_column(2, "s", t.column("s").cast(pa.string()))
    assert p.columns["s"].data_type == "Utf8"
    same_profile(p.to_dict(), datassay.profile(ref, device="cpu").to_dict())


def test_string_views_count_characters_as_plain_strings_do():
    values = ["", "short", "ünï", "a" * 12, "b" * 13, "long ascii value of forty characters ok", "lång ünicode välue of many charäcters", None]
    lengths = [len(v) for v in values if v is not None]
    for ascii_only in (False, True):
        vs = [v for v in values if v is None or v.isascii()] if ascii_only else values
        want = [len(v) for v in vs if v is not None]
        plain = datassay.profile(pa.table({"s": pa.array(vs, pa.string())}), device="cpu").columns["s"]
        view = datassay.profile(pa.table({"s": pa.array(vs, pa.string_view())}), device="cpu").columns["s"]
        for c in (plain, view):
            assert (c.min_length, c.max_length, c.total_length) == (min(want), max(want), sum(want))
    assert max(lengths) == 39
