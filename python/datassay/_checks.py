"""What the distributed integrations share: checks made on the driver before any work starts,
and the numbering of rows across parts."""

from __future__ import annotations

from typing import Any, Hashable

import pyarrow as pa

from . import _native


def check_options(options: dict[str, Any]) -> None:
    """Check the options on the driver first (the same checks a partition would make), so a
    bad option is one error, not one a partition."""
    one = pa.table({"v": pa.array([0.0])})
    device = options.get("device", "auto")
    device = "cpu" if device in ("auto", "gpu", "cpu") else device
    _native.profile(one, **{**options, "device": device, "threads": None})


def row_offsets(rows: dict[Hashable, int], ordered: bool = False) -> dict[Hashable, int]:
    """The first dataset row of each part, from each part's row count: parts in key order
    (Spark partition ids), or in the dict's own order with ``ordered``."""
    keys = list(rows) if ordered else sorted(rows)
    out, at = {}, 0
    for k in keys:
        out[k] = at
        at += rows[k]
    return out
