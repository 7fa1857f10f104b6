"""Fixtures and helpers of the review desk tests: a seeded SQLite store, users, a client."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from newsdesk.article import Article
from newsdesk.classify.classifier import Classifier
from newsdesk.server import Settings, create_app
from newsdesk.store import KeyRole, Store
from newsdesk.store import users as user_repository
from newsdesk.store.articles import FiledArticle, insert_filed
from newsdesk.store.migrate import upgrade
from newsdesk.ui import DeskSettings

DATA = Path(__file__).resolve().parents[1] / "data" / "desk_articles.jsonl"
PASSWORD = "correct horse battery"
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass(frozen=True)
class Labeled:
    article: Article
    label: str


def read_fixture() -> list[Labeled]:
    rows = [json.loads(line) for line in DATA.read_text(encoding="utf-8").splitlines() if line]
    return [
        Labeled(
            Article(
                text=r["text"],
                title=r["title"],
                id=r["id"],
                lang=r["lang"],
                url=r["url"],
                published=r["published"],
                source=r["source"],
            ),
            r["label"],
        )
        for r in rows
    ]


@pytest.fixture(scope="session")
def labeled() -> list[Labeled]:
    return read_fixture()


@pytest.fixture(scope="session")
def lexical_classifier() -> Classifier:
    return Classifier.zero_shot(encoder="lexical")


def seed(store: Store, classifier: Classifier, items: list[Article], version: str) -> None:
    predictions = list(classifier.classify_many(items))
    with store.write() as conn:
        insert_filed(
            conn, [FiledArticle(a, p, version) for a, p in zip(items, predictions, strict=True)]
        )


def redis_test_prefix() -> str:
    """A Redis key prefix of this test's own, so that it never touches another's keys (a
    developer's, or another run's, in a shared Redis database)."""
    return f"newsdesk-test-{uuid.uuid4().hex}:{{signin}}:"


def delete_redis_keys(url: str, prefix: str) -> int:
    """Delete the keys under ``prefix`` only; how many there were."""
    import redis

    client = redis.Redis.from_url(url)
    try:
        keys = list(client.scan_iter(match=prefix + "*"))
        if keys:
            client.delete(*keys)
        return len(keys)
    finally:
        client.close()


def make_users(store: Store) -> None:
    with store.write() as conn:
        for role in KeyRole:
            user_repository.create_user(conn, role.value, PASSWORD, role)


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'desk.db'}"
    store = Store(url)
    upgrade(store)
    make_users(store)
    store.dispose()
    return url


def desk_settings(tmp_path: Path, **overrides: object) -> DeskSettings:
    values: dict[str, object] = {
        "session_secret": "test-secret",
        "models_dir": tmp_path / "models",
        "model_check_s": 0,
        "public_min_confidence": 0.0,
    }
    values.update(overrides)
    return DeskSettings(**values)  # type: ignore[arg-type]


def service_settings(database_url: str) -> Settings:
    return Settings(database_url=database_url, encoder="lexical", key_cache_s=0)  # type: ignore[call-arg]


@pytest.fixture
def app_factory(tmp_path: Path, database_url: str, lexical_classifier: Classifier):  # type: ignore[no-untyped-def]
    def make(classifier: Classifier | None = None, **desk_overrides: object):  # type: ignore[no-untyped-def]
        return create_app(
            service_settings(database_url),
            classifier=classifier or lexical_classifier,
            desk=desk_settings(tmp_path, **desk_overrides),
        )

    return make


@pytest.fixture
def seeded(database_url: str, labeled: list[Labeled], lexical_classifier: Classifier) -> Store:
    store = Store(database_url)
    seed(store, lexical_classifier, [item.article for item in labeled], "seed")
    return store


@pytest.fixture
def client(app_factory, seeded: Store) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    with TestClient(app_factory(), base_url="https://testserver") as test_client:
        yield test_client


def csrf_of(html: str) -> str:
    found = _CSRF.search(html)
    assert found, "no CSRF token in the page"
    return found.group(1)


def sign_in(client: TestClient, name: str = "editor") -> str:
    """Sign ``name`` in; returns the session's CSRF token."""
    page = client.get("/desk/signin")
    response = client.post(
        "/desk/signin",
        data={"name": name, "password": PASSWORD, "csrf_token": csrf_of(page.text)},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    return csrf_of(client.get("/desk/queue").text)


def use_cookie(client: TestClient, value: str) -> None:
    """Make ``value`` the client's only session cookie (as a copied or forged cookie would be)."""
    client.cookies.clear()
    # httpx files the cookies of host "testserver" under "testserver.local"
    client.cookies.set("newsdesk_session", value, domain="testserver.local")


@pytest.fixture
def editor(client: TestClient) -> tuple[TestClient, str]:
    return client, sign_in(client, "editor")
