"""Opening a database: SQLite (a file, WAL mode) by default, PostgreSQL by URL.

SQLite allows one writer at a time. Write transactions here start with ``BEGIN IMMEDIATE``,
so a writer waits for the lock (``busy_timeout``) up front instead of failing when a read
transaction tries to become a write transaction after another writer committed.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url

from newsdesk.store.errors import StoreError

__all__ = ["DEFAULT_DATABASE_URL", "Store", "normalize_url"]

DEFAULT_DATABASE_URL = "sqlite:///newsdesk.db"
_IMMEDIATE = "newsdesk_begin_immediate"
log = logging.getLogger(__name__)


def normalize_url(url: str) -> str:
    """Pick the drivers newsdesk ships with: psycopg 3 for ``postgresql://`` URLs."""
    try:
        parsed = make_url(url)
    except Exception as exc:
        raise StoreError(
            f"cannot read database URL {url!r}: {exc}; "
            "use sqlite:///path/to/file.db or postgresql://user@host:5432/dbname"
        ) from None
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.get_backend_name() not in ("sqlite", "postgresql"):
        raise StoreError(
            f"unsupported database {parsed.get_backend_name()!r} in {url!r}; "
            "newsdesk stores articles in SQLite or PostgreSQL"
        )
    return parsed.render_as_string(hide_password=False)


class Store:
    """An engine plus the transaction helpers the repository functions run in."""

    def __init__(self, url: str = DEFAULT_DATABASE_URL, **engine_options: Any) -> None:
        self.url = normalize_url(url)
        self.engine: Engine = create_engine(self.url, **engine_options)
        self.is_sqlite = self.engine.dialect.name == "sqlite"
        if self.is_sqlite:
            _configure_sqlite(self.engine)

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A connection for reading (one transaction, rolled back at the end)."""
        with self.engine.connect() as conn:
            yield conn

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """A transaction committed on success and rolled back on any error."""
        with self.engine.connect() as conn:
            if self.is_sqlite:
                conn.info[_IMMEDIATE] = True
            with conn.begin():
                yield conn

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()

    def __repr__(self) -> str:
        return f"Store({make_url(self.url).render_as_string(hide_password=True)!r})"


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event issue BEGIN itself (pysqlite's own is deferred-only).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(conn: Connection) -> None:
        immediate = conn.info.pop(_IMMEDIATE, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")
