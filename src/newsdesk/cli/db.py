"""``newsdesk db upgrade|current``: the article store's schema."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

import typer

from newsdesk.cli.exits import reported
from newsdesk.defaults import DEFAULT_DATABASE_URL

if TYPE_CHECKING:
    from sqlalchemy import Connection

T = TypeVar("T")

app = typer.Typer(help="Set up and migrate the article store.", no_args_is_help=True)

DATABASE_URL = typer.Option(
    DEFAULT_DATABASE_URL,
    "--database-url",
    envvar="NEWSDESK_DATABASE_URL",
    help="sqlite:///FILE or postgresql://user@host:5432/db.",
)


def in_store(
    database_url: str,
    work: Callable[[Connection], T],
    *,
    write: bool = False,
) -> T:
    """``work(conn)`` in one read (or ``write``) transaction of the store at ``database_url``.

    The schema is checked first, so a store that was never upgraded gets "run newsdesk db
    upgrade" rather than a missing table. A store error (from ``work`` too) exits with
    status 1 and its message.
    """
    from newsdesk.store import Store, migrate

    with reported():
        store = Store(database_url)
        migrate.check_schema(store)
        with store.write() if write else store.read() as conn:
            return work(conn)


@app.command("upgrade")
def upgrade(database_url: str = DATABASE_URL) -> None:
    """Create the tables or bring them to this newsdesk's schema."""
    from newsdesk.store import Store, migrate

    with reported():
        store = Store(database_url)
        before, after = migrate.upgrade(store)
    if before == after:
        typer.echo(f"{store!r}: already at revision {after}")
    else:
        typer.echo(f"{store!r}: upgraded from {before or 'an empty database'} to {after}")


@app.command("current")
def current(database_url: str = DATABASE_URL) -> None:
    """Print the database's schema revision; exit 1 when it needs an upgrade."""
    from newsdesk.store import Store, migrate

    with reported():
        store = Store(database_url)
        migrate.check_schema(store)
    typer.echo(f"{store!r}: at revision {migrate.head_revision()} (up to date)")
