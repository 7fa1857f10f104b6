"""Opening a database: SQLite (a file, WAL mode) by default, PostgreSQL by URL.

SQLite allows one writer at a time. Write transactions here start with ``BEGIN IMMEDIATE``,
so a writer waits for the lock (``busy_timeout``) up front instead of failing when a read
transaction tries to become a write transaction after another writer committed.

Nothing waits on the database for ever: PostgreSQL connections give up connecting after
``connect_timeout_s`` (a server that accepts TCP but never answers included), and waiting for
a pooled connection after ``pool_timeout_s``. Statements run as long as they need (a
migration or a retraining may take minutes) unless ``statement_timeout_s`` is given, as the
service gives it. A database that cannot be reached, or stops answering, raises
:class:`~newsdesk.store.errors.StoreUnavailableError` with one line saying why; so does a
statement the server cancelled at the timeout, saying so.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, exc
from sqlalchemy.engine import make_url

from newsdesk.defaults import DEFAULT_DATABASE_URL
from newsdesk.store.errors import StoreError, StoreUnavailableError

__all__ = ["DEFAULT_DATABASE_URL", "Store", "normalize_url"]

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

    def __init__(
        self,
        url: str = DEFAULT_DATABASE_URL,
        *,
        connect_timeout_s: float = 5.0,
        statement_timeout_s: float | None = None,
        pool_timeout_s: float = 10.0,
        **engine_options: Any,
    ) -> None:
        self.url = normalize_url(url)
        parsed = make_url(self.url)
        self.is_sqlite = parsed.get_backend_name() == "sqlite"
        if not self.is_sqlite:
            connect_args: dict[str, Any] = {
                # libpq's least is 2 s; it bounds the whole start-up exchange, not only TCP
                "connect_timeout": max(2, math.ceil(connect_timeout_s)),
            }
            if statement_timeout_s is not None:
                options = parsed.query.get("options", "")
                statement_ms = math.ceil(statement_timeout_s * 1000)
                connect_args["options"] = f"{options} -c statement_timeout={statement_ms}".strip()
            connect_args.update(engine_options.pop("connect_args", {}))
            engine_options = {
                "pool_timeout": pool_timeout_s,
                "connect_args": connect_args,
                **engine_options,
            }
        self.engine: Engine = create_engine(self.url, **engine_options)
        if self.is_sqlite:
            _configure_sqlite(self.engine)

    @contextmanager
    def connect(self) -> Iterator[Connection]:
        """A connection; a database that cannot be reached raises StoreUnavailableError."""
        try:
            with self.engine.connect() as conn:
                yield conn
        except (exc.OperationalError, exc.InterfaceError, exc.TimeoutError) as error:
            if not _unavailable(error, sqlite=self.is_sqlite):
                raise
            if not self.is_sqlite and _cancelled(error):
                raise StoreUnavailableError(
                    f"the database {self!r} cancelled a statement that took longer than the "
                    f"statement timeout: {_one_line(error)}"
                ) from error
            raise StoreUnavailableError(
                f"cannot reach the database {self!r}: {_one_line(error)}"
            ) from error

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A connection for reading (one transaction, rolled back at the end)."""
        with self.connect() as conn:
            yield conn

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """A transaction committed on success and rolled back on any error."""
        with self.connect() as conn:
            if self.is_sqlite:
                conn.info[_IMMEDIATE] = True
            with conn.begin():
                yield conn

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()

    def __repr__(self) -> str:
        return f"Store({make_url(self.url).render_as_string(hide_password=True)!r})"


# SQLite's operational errors that mean "not now" rather than a fault in newsdesk or its schema.
_SQLITE_UNAVAILABLE = ("database is locked", "unable to open database", "disk i/o error")


def _unavailable(error: exc.SQLAlchemyError, *, sqlite: bool) -> bool:
    """Whether ``error`` says the database is out of reach (so trying later may work)."""
    if isinstance(error, exc.TimeoutError) or getattr(error, "connection_invalidated", False):
        return True
    if not sqlite:  # psycopg's OperationalError: connecting, the connection, a timeout
        return True
    return any(text in str(getattr(error, "orig", error)).lower() for text in _SQLITE_UNAVAILABLE)


def _cancelled(error: exc.SQLAlchemyError) -> bool:
    """Whether PostgreSQL cancelled the statement (``statement_timeout``) and is still there."""
    from psycopg.errors import QueryCanceled

    return isinstance(getattr(error, "orig", None), QueryCanceled)


def _one_line(error: exc.SQLAlchemyError) -> str:
    """The driver's message on one line (libpq's span several)."""
    cause = getattr(error, "orig", None) or error
    lines = [line.strip() for line in str(cause).splitlines() if line.strip()]
    return "; ".join(lines) or type(cause).__name__


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
