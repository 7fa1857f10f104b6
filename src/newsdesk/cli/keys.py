"""``newsdesk keys create|list|revoke``: API keys of the service."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from newsdesk.cli.db import DATABASE_URL, in_store
from newsdesk.cli.exits import EXIT_USAGE, fail

if TYPE_CHECKING:
    from newsdesk.store import KeyRole

app = typer.Typer(help="Manage the service's API keys.", no_args_is_help=True)


def parse_role(role: str) -> KeyRole:
    """The role named by ``--role``; exits with status 2 and the choices when there is none."""
    from newsdesk.store import KeyRole

    roles = [r.value for r in KeyRole]
    if role not in roles:
        fail(f"--role must be one of {', '.join(roles)}, not {role!r}", EXIT_USAGE)
    return KeyRole(role)


@app.command("create")
def create(
    role: str = typer.Option(..., "--role", "-r", help="reader, editor or admin."),
    name: str = typer.Option(None, "--name", help="A name to know the key by (default: made up)."),
    database_url: str = DATABASE_URL,
) -> None:
    """Make a key and print it (it is shown only this once; only a hash is stored)."""
    from newsdesk.store import keys as repository

    chosen = parse_role(role)
    record, key = in_store(
        database_url,
        lambda conn: repository.create_key(conn, chosen, name=name),
        write=True,
    )
    typer.echo(
        f"created {record.role.value} key '{record.name}'; keep it, it is not shown again:",
        err=True,
    )
    typer.echo(key)


@app.command("list")
def list_keys(database_url: str = DATABASE_URL) -> None:
    """List keys: name, role, created, revoked."""
    from newsdesk.store import keys as repository

    for r in in_store(database_url, repository.list_keys):
        revoked = f"revoked {r.revoked_at:%Y-%m-%d %H:%M}" if r.revoked_at else "active"
        typer.echo(f"{r.name}\t{r.role.value}\t{r.created_at:%Y-%m-%d %H:%M}\t{revoked}")


@app.command("revoke")
def revoke(
    name: str = typer.Argument(..., help="The key's name."), database_url: str = DATABASE_URL
) -> None:
    """Revoke a key by name."""
    from newsdesk.store import keys as repository

    record = in_store(database_url, lambda conn: repository.revoke_key(conn, name), write=True)
    if record is None:
        fail(f"no API key named {name!r}")
    typer.echo(f"revoked key '{name}'")
