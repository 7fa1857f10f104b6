"""The root ``newsdesk`` command. Each command group lives in its own module."""

from __future__ import annotations

import typer

from newsdesk import __version__

app = typer.Typer(
    name="newsdesk",
    help="File news articles into an outlet's sections, offline, in English and Arabic.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    # Plain help: rich markup would read 'newsdesk[scale]' as a style tag and drop it, and its
    # tables cut long option names ('--taxonomy-from-labels') to fit a narrow terminal.
    rich_markup_mode=None,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"newsdesk {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    """newsdesk: file news articles into sections."""


def _register() -> None:
    from newsdesk.cli import classify, ingest, taxonomy
    from newsdesk.cli import evaluate as evaluate_cli
    from newsdesk.cli import train as train_cli

    classify.register(app)
    train_cli.register(app)
    evaluate_cli.register(app)
    app.add_typer(taxonomy.app, name="taxonomy")
    app.add_typer(ingest.app, name="ingest")


def _register_service() -> None:
    from newsdesk.cli import db, keys, retrain, serve, users

    serve.register(app)
    app.add_typer(db.app, name="db")
    app.add_typer(keys.app, name="keys")
    app.add_typer(users.app, name="users")
    retrain.register(app)


_register()
_register_service()


def main() -> None:
    """Console-script entry point."""
    app()
