"""``newsdesk db upgrade|current``: the article store's schema."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

import typer

from newsdesk.errors import NewsdeskError

if TYPE_CHECKING:
    from sqlalchemy import Connection

T = TypeVar("T")

app = typer.Typer(help="Set up and migrate the article store.", no_args_is_help=True)

DATABASE_URL = typer.Option(
    "sqlite:///newsdesk.db",
    "--database-url",
    envvar="NEWSDESK_DATABASE_URL",
    help="sqlite:///FILE or postgresql://user@host:5432/db.",
)


def in_store(database_url: str, work: Callable[[Connection], T], *, write: bool = False) -> T:
    """``work(conn)`` in one read (or ``write``) transaction of the store at ``database_url``;
    a store error exits with status 1 and its message."""
    from newsdesk.store import Store

    try:
        store = Store(database_url)
        with store.write() if write else store.read() as conn:
            return work(conn)
    except NewsdeskError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None


@app.command("upgrade")
def upgrade(database_url: str = DATABASE_URL) -> None:
    """Create the tables or bring them to this newsdesk's schema."""
    try:
        from newsdesk.store import Store, migrate

        store = Store(database_url)
        before, after = migrate.upgrade(store)
    except NewsdeskError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None
    if before == after:
        typer.echo(f"{store!r}: already at revision {after}")
    else:
        typer.echo(f"{store!r}: upgraded from {before or 'an empty database'} to {after}")


@app.command("current")
def current(database_url: str = DATABASE_URL) -> None:
    """Print the database's schema revision; exit 1 when it needs an upgrade."""
    try:
        from newsdesk.store import Store, migrate

        store = Store(database_url)
        migrate.check_schema(store)
    except NewsdeskError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"{store!r}: at revision {migrate.head_revision()} (up to date)")
