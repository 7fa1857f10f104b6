"""``newsdesk taxonomy show|check``: inspect and validate taxonomy files."""

from __future__ import annotations

from pathlib import Path

import typer

from newsdesk.errors import TaxonomyError
from newsdesk.taxonomy import check_taxonomy, load_taxonomy

app = typer.Typer(help="Inspect and validate taxonomies.", no_args_is_help=True)


@app.command("show")
def show(
    file: str = typer.Argument("default", help="A taxonomy YAML file, or a bundled name."),
) -> None:
    """Print a taxonomy as YAML (the bundled default when no FILE is given)."""
    try:
        taxonomy = load_taxonomy(file)
    except TaxonomyError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    typer.echo(taxonomy.to_yaml(), nl=False)


@app.command("check")
def check(file: Path = typer.Argument(..., help="The taxonomy YAML file to validate.")) -> None:
    """Validate a taxonomy file: exit 0 when valid, 1 after one line for each problem."""
    problems = check_taxonomy(file)
    for problem in problems:
        typer.echo(f"error: {problem}", err=True)
    if problems:
        raise typer.Exit(1)
    taxonomy = load_taxonomy(file)
    other = taxonomy.other.name if taxonomy.other else "none"
    typer.echo(f"{file}: ok, {len(taxonomy)} sections (catch-all: {other})")
