"""The store's tables (SQLAlchemy Core), shared by the repository functions and migrations.

``articles`` holds each filed article with the call newsdesk made when it was filed; the call
is never overwritten. ``corrections`` holds every editor's correction, oldest first; the
article row keeps the latest one denormalized (``corrected_*``) so lists can filter on it.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    false,
)

__all__ = ["SEQ", "SEQ_MAX", "api_keys", "articles", "corrections", "metadata"]

# Constraint names are fixed so that migrations name them the same on every database.
metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_name)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

# SQLite only makes INTEGER PRIMARY KEY an alias of the rowid (auto-increment).
SEQ = BigInteger().with_variant(Integer(), "sqlite")
# The largest value a SEQ holds (both databases store 64-bit signed integers).
SEQ_MAX = 2**63 - 1

articles = Table(
    "articles",
    metadata,
    Column("seq", SEQ, primary_key=True, autoincrement=True),
    # The identity resubmissions are matched on: the client's id, else one derived from the
    # URL, else from the content hash (see ``repository.record_id``).
    Column("id", String(255), nullable=False, unique=True),
    Column("url", Text, nullable=True),
    Column("title", Text, nullable=False),
    Column("text", Text, nullable=False),
    Column("lang", String(16), nullable=True, index=True),
    Column("published", String(64), nullable=True),
    Column("source", String(255), nullable=True),
    Column("content_hash", String(64), nullable=False, index=True),
    Column("filed_at", DateTime(timezone=True), nullable=False, index=True),
    # newsdesk's call, as made when the article was filed.
    Column("section", String(255), nullable=False, index=True),
    Column("confidence", Float, nullable=False),
    # Top probability minus the runner-up's: the review queue's order (revision 0002).
    Column("margin", Float, nullable=True),
    # The queue's order, lowest first, and whether the article is one of its random picks;
    # the call of the model that last re-ranked it, and that model (revision 0005; see
    # ``store.queue_order``).
    Column("priority", Float, nullable=True),
    Column("random_pick", Boolean, nullable=False, default=False, server_default=false()),
    Column("ranked_section", String(255), nullable=True),
    Column("ranked_by", String(255), nullable=True),
    Column("sections", JSON, nullable=True),
    Column("scores", JSON, nullable=False),
    Column("model_version", String(255), nullable=False),
    # The latest correction, if any (the full history is in ``corrections``).
    Column("corrected_section", String(255), nullable=True, index=True),
    Column("corrected_sections", JSON, nullable=True),
    Column("corrected_at", DateTime(timezone=True), nullable=True),
)

corrections = Table(
    "corrections",
    metadata,
    Column("seq", SEQ, primary_key=True, autoincrement=True),
    Column(
        "article_seq",
        SEQ,
        ForeignKey("articles.seq", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    Column("section", String(255), nullable=False),
    Column("sections", JSON, nullable=False),
    Column("previous_section", String(255), nullable=False),
    # Who set it (as the client says) and the name of the API key it came with.
    Column("editor", String(255), nullable=False),
    Column("api_key", String(255), nullable=True),
    Column("note", Text, nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

api_keys = Table(
    "api_keys",
    metadata,
    Column("seq", SEQ, primary_key=True, autoincrement=True),
    Column("name", String(255), nullable=False, unique=True),
    # The key's public prefix finds the row; only a SHA-256 of the whole key is stored.
    Column("prefix", String(32), nullable=False, unique=True),
    Column("key_hash", String(64), nullable=False),
    Column("role", String(16), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("revoked_at", DateTime(timezone=True), nullable=True),
)
