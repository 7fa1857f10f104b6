"""Alembic environment: newsdesk runs migrations programmatically on a given connection."""

from __future__ import annotations

from alembic import context

from newsdesk.store.tables import metadata

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - newsdesk always passes a connection
    raise RuntimeError("newsdesk migrations run through 'newsdesk db upgrade', not the alembic CLI")

context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
