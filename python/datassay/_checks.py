"""Checks the distributed integrations make on the driver before any work starts."""

from __future__ import annotations

from typing import Any

import pyarrow as pa

from . import _native


def check_options(options: dict[str, Any]) -> None:
    """Check the options on the driver first (the same checks a partition would make), so a
    bad option is one error, not one a partition."""
    one = pa.table({"v": pa.array([0.0])})
    device = options.get("device", "auto")
    device = "cpu" if device in ("auto", "gpu", "cpu") else device
    _native.profile(one, **{**options, "device": device, "threads": None})
