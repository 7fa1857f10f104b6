from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient

from newsdesk.classify.classifier import Classifier
from newsdesk.service import Settings, create_app
from newsdesk.store import KeyRole, Store
from newsdesk.store import keys as key_repository


@dataclass(frozen=True)
class Keys:
    reader: str
    editor: str
    admin: str

    def header(self, role: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {getattr(self, role)}"}


def make_keys(database_url: str) -> Keys:
    store = Store(database_url)
    made = {}
    with store.write() as conn:
        for role in KeyRole:
            _, made[role.value] = key_repository.create_key(conn, role, name=f"{role.value}-key")
    store.dispose()
    return Keys(**made)


@pytest.fixture
def keys(database_url: str) -> Keys:
    return make_keys(database_url)


def settings_for(database_url: str, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "database_url": database_url,
        "encoder": "lexical",
        "key_cache_s": 0,
    }
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


@pytest.fixture
def client(database_url: str, classifier: Classifier, keys: Keys) -> Iterator[TestClient]:
    app = create_app(settings_for(database_url, max_batch=8, max_pending=16), classifier=classifier)
    with TestClient(app) as test_client:
        yield test_client
