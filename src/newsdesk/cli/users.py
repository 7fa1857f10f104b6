"""``newsdesk users create|list|password|disable``: editors' accounts for the review desk."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

import typer

from newsdesk.cli.db import DATABASE_URL, in_store
from newsdesk.cli.exits import fail
from newsdesk.cli.keys import parse_role

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from newsdesk.store.users import User

app = typer.Typer(help="Manage the review desk's user accounts.", no_args_is_help=True)

PASSWORD_STDIN = typer.Option(
    False, "--password-stdin", help="Read the password from the first line of standard input."
)


def _password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    value: str = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    return value


def _change(database_url: str, name: str, change: Callable[[Connection], User | None]) -> None:
    """Run ``change`` on user ``name`` in a transaction; exit 1 with a message on failure."""
    user = in_store(database_url, change, write=True)
    if user is None:
        fail(f"no user named {name!r}")


@app.command("create")
def create(
    name: str = typer.Argument(..., help="The name to sign in with."),
    role: str = typer.Option("editor", "--role", "-r", help="reader, editor or admin."),
    password_stdin: bool = PASSWORD_STDIN,
    database_url: str = DATABASE_URL,
) -> None:
    """Add a user (asks for the password twice, or reads it with --password-stdin)."""
    from newsdesk.store import users as repository

    chosen = parse_role(role)
    password = _password(password_stdin)
    user = in_store(
        database_url,
        lambda conn: repository.create_user(conn, name, password, chosen),
        write=True,
    )
    typer.echo(f"created {user.role.value} '{user.name}'")


@app.command("password")
def password(
    name: str = typer.Argument(..., help="The user whose password to change."),
    password_stdin: bool = PASSWORD_STDIN,
    database_url: str = DATABASE_URL,
) -> None:
    """Change a user's password; their sessions end."""
    from newsdesk.store import users as repository

    value = _password(password_stdin)
    _change(database_url, name, lambda conn: repository.set_password(conn, name, value))
    typer.echo(f"password of '{name}' changed; their sessions have ended")


@app.command("disable")
def disable(
    name: str = typer.Argument(..., help="The user who may no longer sign in."),
    database_url: str = DATABASE_URL,
) -> None:
    """Stop a user signing in; their sessions end at once."""
    from newsdesk.store import users as repository

    _change(database_url, name, lambda conn: repository.disable_user(conn, name))
    typer.echo(f"'{name}' can no longer sign in; their sessions have ended")


@app.command("list")
def list_users(database_url: str = DATABASE_URL) -> None:
    """List users: name, role, created."""
    from newsdesk.store import users as repository

    for u in in_store(database_url, repository.list_users):
        state = "disabled" if u.disabled_at else "active"
        typer.echo(f"{u.name}\t{u.role.value}\t{u.created_at:%Y-%m-%d %H:%M}\t{state}")
