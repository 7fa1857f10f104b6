from __future__ import annotations

from collections.abc import Iterator

import pytest

from services import need_ray


@pytest.fixture(scope="package")
def local_ray() -> Iterator[None]:
    """A local Ray for the Ray tests of this folder, started once."""
    import os

    ray = need_ray()

    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    ray.init(num_cpus=3, include_dashboard=False, _node_ip_address="127.0.0.1",
             object_store_memory=200 * 1024 * 1024)  # fmt: skip
    yield
    ray.shutdown()
