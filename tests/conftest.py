"""Fixtures of every test: the outside services (tests/services.py) and the store's."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from services import postgres_url, redis_server_url

DATA = Path(__file__).parent / "data"

# The store's fixtures (databases, a fast classifier, sample articles) for every folder.
pytest_plugins = ("store.fixtures",)


@pytest.fixture(autouse=True)
def _isolated_cache(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Keep embedding caches of tests out of the user's cache folder."""
    monkeypatch.setenv("NEWSDESK_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))


@pytest.fixture(scope="session")
def pg_server() -> Iterator[str]:
    """A PostgreSQL server's URL: found or started (see services.py), else skipped."""
    with postgres_url() as url:
        yield url


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    """A Redis server's URL: found or started (see services.py), else skipped."""
    with redis_server_url() as url:
        yield url
