"""datassay.ray on a real local Ray cluster (`ray.init(num_cpus=2)`): the profile of one
machine."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest

import datassay
from conftest import same_profile

ray = pytest.importorskip("ray")
import datassay.ray  # noqa: E402


@pytest.fixture(scope="module")
def cluster():
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, configure_logging=False)
    ray.data.DataContext.get_current().enable_progress_bars = False
    yield
    ray.shutdown()


def test_profile_in_actors_equals_one_machine(cluster):
    rng = np.random.default_rng(9)
    n = 15_000
    t = pa.table(
        {
            "x": pa.array(rng.normal(size=n).round(1)),
            "k": pa.array(rng.integers(0, 4, n), pa.int64()),
            "s": pa.array([f"v{i % 9}" for i in range(n)]),
        }
    )
    # Three blocks, one of them empty, cut into batches of 4,000 rows.
    ds = ray.data.from_arrow([t.slice(0, 6000), t.slice(6000, 0), t.slice(6000)])
    got = datassay.ray.profile(ds, device="cpu", batch_size=4000)
    want = datassay.profile(t, device="cpu")
    assert got.rows == want.rows == n
    assert got.duplicate_rows["exact"] and got.duplicate_rows["count"] > 0
    assert got.duplicate_rows == want.duplicate_rows
    same_profile(got.to_dict(), want.to_dict())
    assert len(got.parts) >= 4


def test_bad_options_fail_before_any_actor_starts(cluster):
    ds = ray.data.from_arrow(pa.table({"v": [1, 2]}))
    with pytest.raises(datassay.InvalidOptionError, match="exact_quantiles needs every value at once"):
        datassay.ray.profile(ds, exact_quantiles=True)
    with pytest.raises(datassay.InvalidOptionError, match="^invalid option: bins must be between 1 and 65536$"):
        datassay.ray.profile(ds, bins=0)
