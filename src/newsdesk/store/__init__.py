"""The article store: SQLAlchemy tables, repository functions and migrations.

SQLite (a file in WAL mode) by default, PostgreSQL by URL. Needs the ``service`` extra.
"""

from __future__ import annotations

from newsdesk.errors import require

require("sqlalchemy", feature="the article store", extra="service")
require("alembic", feature="the article store", extra="service")

# The review desk's tables join the shared metadata (migrations compare against all of it).
from newsdesk.store import desk_tables  # noqa: E402, F401
from newsdesk.store.engine import DEFAULT_DATABASE_URL, Store  # noqa: E402
from newsdesk.store.errors import SchemaOutdatedError, StoreError  # noqa: E402
from newsdesk.store.records import (  # noqa: E402
    ApiKey,
    ArticleFilter,
    Correction,
    KeyRole,
    StoredArticle,
)

__all__ = [
    "DEFAULT_DATABASE_URL",
    "ApiKey",
    "ArticleFilter",
    "Correction",
    "KeyRole",
    "SchemaOutdatedError",
    "Store",
    "StoreError",
    "StoredArticle",
]
