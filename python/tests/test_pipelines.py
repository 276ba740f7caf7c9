"""datassay.dedup, outliers and images against the command line on the same data."""

from __future__ import annotations

import subprocess

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import datassay
from conftest import run_cli


def generate(cli, path, *args):
    subprocess.run([str(cli), "generate", str(path), *args], check=True, capture_output=True)


def pairs_of(t: pa.Table) -> set:
    return {
        (r["row_a"], r["row_b"], r["kind"], r["estimate"])
        for r in t.select(["row_a", "row_b", "kind", "estimate"]).to_pylist()
    }


def test_dedup_finds_the_pairs_of_the_command_line(cli, tmp_path):
    f = tmp_path / "docs.parquet"
    generate(cli, f, "--docs", "--rows", "3000")
    pairs_file = tmp_path / "pairs.parquet"
    want = run_cli(cli, "dedup", str(f), "--column", "text", "--device", "cpu", "--pairs", str(pairs_file))
    want_pairs = pq.read_table(pairs_file)
    from_path = datassay.dedup(f, "text", device="cpu")
    # The same documents in memory, in a stream of small batches.
    t = pq.read_table(f)
    from_arrow = datassay.dedup(
        pa.RecordBatchReader.from_batches(t.schema, t.to_batches(max_chunksize=100)), "text", device="cpu"
    )
    for r in (from_path, from_arrow):
        assert r.report["exact_duplicates"] == want["exact_duplicates"] > 0
        assert r.report["near_duplicates"] == want["near_duplicates"] > 0
        assert r.report["clusters"] == want["clusters"]
        assert pairs_of(r.pairs) == pairs_of(want_pairs)
        assert r.clusters.num_rows == sum(c["size"] > 0 for c in r.clusters.to_pylist())
    with pytest.raises(datassay.InvalidOptionError, match="no column \"body\""):
        datassay.dedup(t, "body")
    with pytest.raises(datassay.InvalidOptionError, match="^invalid option: shingle \"lines:3\": expected"):
        datassay.dedup(t, "text", shingle="lines:3")
    with pytest.raises(datassay.InvalidOptionError, match=r"^invalid option: threshold 1.5 must be a Jaccard similarity in \(0, 1\]$"):
        datassay.dedup(t, "text", threshold=1.5)


def test_outliers_of_a_numpy_matrix_match_the_command_line(cli, tmp_path):
    f = tmp_path / "emb.npy"
    generate(cli, f, "--dim", "16", "--rows", "600", "--outliers", "6", "--duplicates", "12")
    scores_file = tmp_path / "scores.parquet"
    want = run_cli(cli, "outliers", str(f), "--device", "cpu", "--scores", str(scores_file))
    want_scores = pq.read_table(scores_file)
    x = np.load(f)
    got = datassay.outliers(x, device="cpu")
    assert got.report["vectors"] == want["vectors"] == 600
    assert [o["row"] for o in got.report["top_outliers"]] == [o["row"] for o in want["top_outliers"]]
    assert got.scores.column("lof").to_pylist() == pytest.approx(
        want_scores.column("lof").to_pylist(), rel=1e-9
    )
    assert got.scores.column("nearest").to_pylist() == want_scores.column("nearest").to_pylist()
    assert got.neighbors.num_rows == 600 * 10
    # The same vectors from a path, and as a fixed_size_list column of a table.
    assert datassay.outliers(f, device="cpu").report["top_outliers"] == got.report["top_outliers"]
    col = pa.FixedSizeListArray.from_arrays(pa.array(x.reshape(-1)), 16)
    tbl = pa.table({"id": range(600), "emb": col})
    assert datassay.outliers(tbl, device="cpu").report["top_outliers"] == got.report["top_outliers"]
    with pytest.raises(datassay.InvalidOptionError, match="must be 2-D"):
        datassay.outliers(np.zeros(5, np.float32))
    with pytest.raises(datassay.InvalidOptionError, match="^invalid option: k 0 must be 1 to 1024$"):
        datassay.outliers(x, k=0)


def test_images_match_the_command_line(cli, tmp_path):
    d = tmp_path / "imgs"
    generate(cli, d, "--images", "20", "--image-sides", "40-90")
    findings_file = tmp_path / "findings.parquet"
    want = run_cli(cli, "images", str(d), "--device", "cpu", "--findings", str(findings_file))
    got = datassay.images(d, device="cpu")
    for key in ("images", "readable", "unreadable", "formats", "flags", "exact_duplicates", "near_duplicates", "clusters"):
        assert got.report[key] == want[key], key
    want_f = pq.read_table(findings_file)
    assert got.findings.num_rows == want_f.num_rows == 20
    assert got.findings.column("phash").to_pylist() == want_f.column("phash").to_pylist()
    with pytest.raises(TypeError, match="expected a path or a list of paths"):
        datassay.images(pa.table({"x": [1]}))
