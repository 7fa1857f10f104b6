"""Schema migrations (Alembic scripts shipped inside the package), run programmatically."""

from __future__ import annotations

import logging
from importlib import resources

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from newsdesk.store.engine import Store
from newsdesk.store.errors import SchemaOutdatedError

__all__ = ["check_schema", "current_revision", "downgrade", "head_revision", "upgrade"]

log = logging.getLogger(__name__)


def _config() -> Config:
    config = Config()
    config.set_main_option(
        "script_location", str(resources.files("newsdesk.store").joinpath("migrations"))
    )
    return config


def head_revision() -> str:
    """The schema revision this version of newsdesk needs."""
    head = ScriptDirectory.from_config(_config()).get_current_head()
    assert head is not None
    return head


def current_revision(store: Store) -> str | None:
    """The database's schema revision (``None`` for a database newsdesk never set up)."""
    with store.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(store: Store, revision: str = "head") -> tuple[str | None, str]:
    """Bring the database to ``revision``; return the revisions before and after."""
    before = current_revision(store)
    config = _config()
    with store.connect() as conn, conn.begin():
        config.attributes["connection"] = conn
        command.upgrade(config, revision)
    after = current_revision(store)
    log.info("database %r upgraded from %s to %s", store, before, after)
    return before, after or ""


def downgrade(store: Store, revision: str) -> None:
    """Take the database back to ``revision`` (``base`` empties it)."""
    config = _config()
    with store.connect() as conn, conn.begin():
        config.attributes["connection"] = conn
        command.downgrade(config, revision)


def check_schema(store: Store) -> None:
    """Raise :class:`SchemaOutdatedError` unless the database is at this newsdesk's revision."""
    current = current_revision(store)
    head = head_revision()
    if current == head:
        return
    url = store.engine.url.render_as_string()
    if current is not None and current not in _known_revisions():
        raise SchemaOutdatedError(
            f"database {store!r} is at revision {current}, which this newsdesk does not know "
            f"(it needs {head}): it was set up by a newer newsdesk; upgrade newsdesk itself"
        )
    found = f"at revision {current}" if current else "not set up (no newsdesk tables)"
    raise SchemaOutdatedError(
        f"database {store!r} is {found}, but this newsdesk needs revision {head}; "
        f"run: newsdesk db upgrade --database-url '{url}'"
    )


def _known_revisions() -> set[str]:
    return {script.revision for script in ScriptDirectory.from_config(_config()).walk_revisions()}
