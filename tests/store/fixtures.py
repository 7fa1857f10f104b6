"""Fixtures shared by the store and service tests: databases, a fast classifier, articles.

PostgreSQL tests (marker ``postgres``) use the server of the ``pg_server`` fixture (found or
started by ``tests/services.py``), in a schema of their own made for this test session and
dropped after it, so runs sharing the server never see each other's rows.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from sqlalchemy import create_engine, text

from newsdesk.article import Article
from newsdesk.classify.classifier import Classifier
from newsdesk.store import Store, migrate
from newsdesk.store.tables import metadata

__all__ = [
    "classifier",
    "database_url",
    "empty_database_url",
    "new_pg_schema",
    "pg_session_url",
    "sample_articles",
    "store",
]


def with_search_path(url: str, schema: str) -> str:
    return f"{url}?options={quote(f'-csearch_path={schema}')}"


@pytest.fixture
def new_pg_schema(pg_server: str) -> Iterator[str]:
    """The URL of a new, empty schema (dropped afterwards)."""
    schema = f"nd_test_{uuid.uuid4().hex[:12]}"
    engine = create_engine(pg_server, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield with_search_path(pg_server, schema)
    finally:
        with engine.connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        engine.dispose()


@pytest.fixture(scope="session")
def pg_session_url(pg_server: str) -> Iterator[str]:
    """A migrated schema for this test session; tests empty its tables before use."""
    schema = f"nd_test_{uuid.uuid4().hex[:12]}"
    engine = create_engine(pg_server, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = with_search_path(pg_server, schema)
    store = Store(url)
    migrate.upgrade(store)
    store.dispose()
    try:
        yield url
    finally:
        with engine.connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        engine.dispose()


def _empty_tables(url: str) -> None:
    """Empty every table, and put the schema's revision back (a test may have changed it)."""
    store = Store(url)
    names = ", ".join(table.name for table in metadata.sorted_tables)
    with store.write() as conn:
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        conn.execute(
            text("UPDATE alembic_version SET version_num = :head"),
            {"head": migrate.head_revision()},
        )
    store.dispose()


@pytest.fixture(
    params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)],
)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A migrated, empty database: a SQLite file, or the session's PostgreSQL schema."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'newsdesk.db'}"
        store = Store(url)
        migrate.upgrade(store)
        store.dispose()
        return url
    url: str = request.getfixturevalue("pg_session_url")
    _empty_tables(url)
    return url


@pytest.fixture(
    params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)],
)
def empty_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A database with no tables at all."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'empty.db'}"
    url: str = request.getfixturevalue("new_pg_schema")
    return url


@pytest.fixture
def store(database_url: str) -> Iterator[Store]:
    s = Store(database_url)
    yield s
    s.dispose()


@pytest.fixture(scope="session")
def classifier() -> Classifier:
    """A zero-shot classifier over the default taxonomy with the model-free lexical encoder."""
    return Classifier.zero_shot(encoder="lexical")


SAMPLE_TEXTS = [
    ("The central bank raised interest rates again as inflation stayed high.", "en"),
    ("The striker scored twice as the home side won the cup final.", "en"),
    ("A new novel by the prize-winning poet tops the book charts.", "en"),
    ("رفع البنك المركزي أسعار الفائدة مجددا مع استمرار التضخم.", "ar"),
    ("فاز المنتخب الوطني بكأس البطولة بعد مباراة مثيرة.", "ar"),
    ("Hospitals report a rise in flu cases and urge vaccination.", "en"),
    ("Spies and intelligence agencies: a leaked secret report on covert operations.", "en"),
]


@pytest.fixture
def sample_articles() -> list[Article]:
    return [Article(text=t, id=f"s{i}", lang=lang) for i, (t, lang) in enumerate(SAMPLE_TEXTS)]
