"""datassay: GPU-accelerated data profiling.

Profile pyarrow, polars, pandas and DuckDB data without copies (through the Arrow PyCapsule
interface), or files read in Rust; find duplicate documents, embedding outliers and bad
images; profile DataFrames that outgrow one machine with :mod:`datassay.spark` and
:mod:`datassay.ray`.

>>> import datassay, pandas as pd
>>> p = datassay.profile(pd.DataFrame({"x": [1.0, 2.0, None]}), device="cpu")
>>> p.rows, p.columns["x"].nulls, p.columns["x"].mean
(3, 1, 1.5)

Importing the package creates nothing: the GPU device and the worker threads are made on
first use, and a forked worker makes its own.
"""

from __future__ import annotations

import json
import os
from typing import Any, Iterable, Optional, Sequence, Union

from . import _native
from ._column import Column
from ._native import (
    BadInputError,
    DatassayError,
    GpuUnavailableError,
    InputNotFoundError,
    InvalidOptionError,
    MergeError,
    Profile,
    Profiler,
)
from ._results import DedupResult, ImagesResult, OutliersResult

__version__ = _native.__version__

__all__ = [
    "profile",
    "Profiler",
    "Profile",
    "Column",
    "merge",
    "dedup",
    "outliers",
    "images",
    "set_threads",
    "DedupResult",
    "OutliersResult",
    "ImagesResult",
    "DatassayError",
    "InvalidOptionError",
    "InputNotFoundError",
    "BadInputError",
    "MergeError",
    "GpuUnavailableError",
]

PathLike = Union[str, "os.PathLike[str]"]
Data = Any  # an Arrow PyCapsule exporter, or a path or list of paths


def profile(
    data: Data,
    *,
    device: str = "auto",
    bins: Optional[int] = None,
    sketches: bool = True,
    quantiles: Optional[Sequence[float]] = None,
    quantile_accuracy: Optional[float] = None,
    top: Optional[int] = None,
    hll_precision: Optional[int] = None,
    exact_distinct: Optional[int] = None,
    exact_quantiles: bool = False,
    exact_histograms: bool = False,
    duplicate_rows: bool = True,
    correlations: Optional[bool] = None,
    pii: bool = False,
    batch_rows: Optional[int] = None,
    threads: Optional[int] = None,
) -> Profile:
    """Profile a dataset in one pass.

    ``data``: anything that exports the Arrow C stream or array interface (a pyarrow Table,
    RecordBatch or RecordBatchReader, a polars or pandas DataFrame, a DuckDB result), read
    without copies where the producer allows; or a path or list of paths (files or folders of
    Parquet, CSV, Arrow IPC or JSON lines), read in Rust as ``datassay profile`` reads them.
    The GIL is released while it works.

    Options are those of ``datassay profile`` (``None``: its default): ``device`` ``"auto"``,
    ``"gpu"`` or ``"cpu"``; ``bins`` per histogram (32); ``sketches`` (quantiles, distinct
    counts, top values); ``quantiles`` (0.01 … 0.99); ``quantile_accuracy`` (0.01);
    ``top`` values (10); ``hll_precision`` (14); ``exact_distinct`` (4096 values counted exactly
    before HyperLogLog); ``exact_quantiles`` (one more pass); ``exact_histograms`` (paths
    only: a range pass first); ``duplicate_rows``; ``correlations`` (``None``: up to 64
    numeric columns); ``pii``; ``batch_rows`` (paths only); ``threads`` (sizes this process's
    worker pool; default one a core).

    Data types the profile does not cover (decimals, run-end encoded, unions, …) are reported
    per column as skipped, with the reason; dictionary-encoded and view columns are profiled
    as their values.

    Raises ``TypeError`` for an object that is neither Arrow data nor paths, and
    :class:`DatassayError` subclasses with the command line's messages.
    """
    return _native.profile(data, **_given(locals(), "data"))


def merge(profiles: Iterable[Profile]) -> Profile:
    """The profile of the whole from profiles of disjoint parts, in any order.

    Profiles that share a part (the same data profiled twice) are refused with
    :class:`MergeError`: their rows would be counted twice.
    """
    return _native.merge(profiles)


def dedup(
    data: Data,
    column: str,
    *,
    threshold: Optional[float] = None,
    perms: Optional[int] = None,
    shingle: Optional[str] = None,
    keep_case: Optional[bool] = None,
    strip_punctuation: Optional[bool] = None,
    keep_whitespace: Optional[bool] = None,
    verify: Optional[str] = None,
    device: str = "auto",
    memory_limit: Optional[int] = None,
    spill_dir: Optional[PathLike] = None,
    threads: Optional[int] = None,
) -> DedupResult:
    """Exact and near-duplicate documents of a text column (MinHash + LSH).

    Options are those of ``datassay dedup``: ``threshold`` Jaccard similarity (0.8), ``perms``
    (128), ``shingle`` ``"words:N"`` or ``"chars:N"`` (``"words:5"``), ``keep_case``,
    ``strip_punctuation``, ``keep_whitespace``, ``verify`` ``"signature"`` or ``"exact"``,
    ``device``, ``memory_limit`` in bytes and ``spill_dir``.
    """
    kw = _given(locals(), "data", "column")
    if "spill_dir" in kw:
        kw["spill_dir"] = os.fspath(kw["spill_dir"])
    report, pairs, clusters = _native.dedup(data, column, **kw)
    return DedupResult(json.loads(report), pairs, clusters)


def outliers(
    data: Data,
    *,
    column: Optional[str] = None,
    k: Optional[int] = None,
    metric: Optional[str] = None,
    device: str = "auto",
    top: Optional[int] = None,
    dup_threshold: Optional[float] = None,
    threads: Optional[int] = None,
) -> OutliersResult:
    """Outliers (LOF over exact kNN), near-duplicates and health of an embedding matrix.

    ``data``: a 2-D numpy array, Arrow data with a vector column (``fixed_size_list`` or
    ``list`` of float16/32/64; ``column`` chooses one), or paths (``.npy``, Parquet, Arrow IPC,
    JSON lines). Options are those of ``datassay outliers``: ``k`` neighbours (10), ``metric``
    ``"cosine"`` or ``"l2"``, ``top`` outliers listed (20), ``dup_threshold`` cosine
    similarity of near-duplicates.
    """
    kw = _given(locals(), "data")
    return OutliersResult(*_outliers(data, kw))


def _outliers(data: Data, kw: dict[str, Any]):
    try:
        import numpy as np
    except ImportError:  # pragma: no cover - numpy comes with pyarrow
        np = None
    if np is not None and isinstance(data, np.ndarray):
        if data.ndim != 2:
            raise InvalidOptionError(
                f"datassay.outliers: a numpy array must be 2-D (vectors × dimension), not {data.ndim}-D"
            )
        import pyarrow as pa

        x = np.ascontiguousarray(data, dtype=np.float32)
        vectors = pa.FixedSizeListArray.from_arrays(pa.array(x.reshape(-1)), x.shape[1])
        data = pa.table({"vector": vectors})
        kw.setdefault("column", "vector")
    report, scores, neighbors = _native.outliers(data, **kw)
    return json.loads(report), scores, neighbors


def images(
    paths: Union[PathLike, Sequence[PathLike]],
    *,
    column: Optional[str] = None,
    radius: Optional[int] = None,
    dark: Optional[float] = None,
    bright: Optional[float] = None,
    low_entropy: Optional[float] = None,
    blurry_share: Optional[float] = None,
    max_aspect: Optional[float] = None,
    min_side: Optional[int] = None,
    max_dimension: Optional[int] = None,
    device: str = "auto",
    threads: Optional[int] = None,
) -> ImagesResult:
    """Unreadable, flagged (dark, bright, low-information, blurry, odd size) and duplicate
    images of files, folders, ``.tar`` shards, or tables with an image ``column``.

    Thresholds are those of ``datassay images`` (``docs/images.md``).
    """
    report, findings = _native.images(paths, **_given(locals(), "paths"))
    return ImagesResult(json.loads(report), findings)


def set_threads(n: int) -> None:
    """Size this process's worker pool to ``n`` threads (0: one a core)."""
    _native.set_threads(n)


def _given(args: dict[str, Any], *positional: str) -> dict[str, Any]:
    """The keyword options given (``None`` means the default of the command line)."""
    return {
        k: v
        for k, v in args.items()
        if k not in positional and v is not None and not k.startswith("_")
    }
