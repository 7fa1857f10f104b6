"""Fixtures of every test: the outside services (tests/services.py) and the store's."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
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


@pytest.fixture
def with_bad_rows(tmp_path: Path) -> Callable[[int], Path]:
    """Writes ``n`` articles (ids ``n0``...) to a JSON Lines file, with a row the reader
    rejects after every seventh: bad JSON and empty texts by turns."""

    def write(n: int) -> Path:
        path = tmp_path / "with-bad-rows.jsonl"
        with path.open("w", encoding="utf-8") as out:
            for i in range(n):
                out.write(json.dumps({"id": f"n{i}", "text": f"Story {i} about the vote"}) + "\n")
                if i % 7 == 6:
                    out.write('{"id": "bad", "text": \n' if i % 2 else '{"text": ""}\n')
        return path

    return write
