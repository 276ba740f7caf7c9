"""One column of a profile, its figures as attributes."""

from __future__ import annotations

from typing import Any


class Column:
    """The figures of one column of a :class:`datassay.Profile`.

    Every key of the column's JSON (see ``docs/profile-format.md``) is an attribute:
    ``name``, ``data_type``, ``kind``, ``rows``, ``count``, ``nulls``; for numbers ``nan``,
    ``min``, ``max``, ``sum``, ``mean``, ``variance``, ``std``, ``skewness``, ``kurtosis``,
    ``histogram``; for strings ``min_length``, ``max_length``, ``mean_length``; with sketches
    ``quantiles``, ``quantile_bounds``, ``distinct``, ``top_values``. A figure the column does
    not have is ``None``. ``to_dict()`` gives the whole column, its mergeable ``state``
    included.
    """

    __slots__ = ("_d",)

    def __init__(self, d: dict[str, Any]):
        self._d = d

    def __getattr__(self, key: str) -> Any:
        if key.startswith("__"):
            raise AttributeError(key)
        return self._d.get(key)

    def __getitem__(self, key: str) -> Any:
        return self._d[key]

    def __contains__(self, key: str) -> bool:
        return key in self._d

    def keys(self):
        return self._d.keys()

    def to_dict(self) -> dict[str, Any]:
        return self._d

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Column) and other._d == self._d

    def __repr__(self) -> str:
        d = self._d
        figures = ", ".join(
            f"{k}={d[k]!r}"
            for k in ("count", "nulls", "min", "max", "mean", "std", "mean_length")
            if d.get(k) is not None
        )
        return f"<datassay.Column {d.get('name')!r} {d.get('data_type')}: {figures}>"
