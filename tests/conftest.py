from __future__ import annotations

from pathlib import Path

import pytest

DATA = Path(__file__).parent / "data"


@pytest.fixture(autouse=True)
def _isolated_cache(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Keep embedding caches of tests out of the user's cache folder."""
    monkeypatch.setenv("NEWSDESK_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))
