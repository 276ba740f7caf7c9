"""What the pipelines return: the report as a dict, and their tables as pyarrow tables."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional

import pyarrow as pa


@dataclass(frozen=True)
class DedupResult:
    """Exact and near-duplicate documents.

    ``report``: the summary ``datassay dedup --json`` writes (documents, exact and near
    duplicates, clusters, the LSH method). ``pairs``: one row per confirmed pair (``file_a``,
    ``row_a``, ``file_b``, ``row_b``, ``kind``, ``estimate``, ``jaccard``). ``clusters``: one
    row per clustered document (``cluster``, ``file``, ``row``, ``size``, ``kept``).
    """

    report: dict[str, Any]
    pairs: pa.Table
    clusters: pa.Table


@dataclass(frozen=True)
class OutliersResult:
    """Outliers, near-duplicates and health of an embedding matrix.

    ``report``: the summary ``datassay outliers --json`` writes. ``scores``: one row per
    vector (``row``, ``norm``, ``knn_distance``, ``lof``, ``nearest``, ``nearest_distance``,
    ``duplicate_cluster``, ``excluded``). ``neighbors``: one row per neighbour (``row``,
    ``rank``, ``neighbor``, ``distance``).
    """

    report: dict[str, Any]
    scores: pa.Table
    neighbors: pa.Table


@dataclass(frozen=True)
class ImagesResult:
    """Unreadable, flagged and duplicate images.

    ``report``: the summary ``datassay images --json`` writes. ``findings``: one row per
    image (path, format, size, brightness, entropy, sharpness, hashes, flags, cluster).
    """

    report: dict[str, Any]
    findings: pa.Table


@dataclass(frozen=True)
class DistributedDedupResult:
    """Near-duplicate documents found across the partitions of a distributed DataFrame.

    ``pairs``: ``a``, ``b`` (rows of the DataFrame, in its order), ``exact_copy``,
    ``estimate``; ``clusters``: ``row``, ``cluster``, ``size``, ``kept``; ``report``: counts.
    """

    report: dict[str, Any]
    pairs: pa.Table
    clusters: Optional[pa.Table] = None
