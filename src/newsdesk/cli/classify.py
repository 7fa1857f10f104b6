"""``newsdesk classify``: file articles from texts, files or stdin."""

from __future__ import annotations

import json

import typer


def register(app: typer.Typer) -> None:
    """Add the ``classify`` command to ``app``."""
    app.command("classify")(classify)


def classify(
    inputs: list[str] = typer.Argument(None, help="Quoted texts, files, or '-' for stdin."),
    taxonomy: str = typer.Option("default", "--taxonomy", "-t", help="Taxonomy YAML file."),
    encoder: str = typer.Option("e5-small", "--encoder", "-e", help="Encoder name or folder."),
) -> None:
    """Classify articles and print one JSON line an article."""
    from newsdesk.classify.classifier import Classifier

    clf = Classifier.zero_shot(taxonomy=taxonomy, encoder=encoder)
    for prediction in clf.classify_many(inputs or []):
        typer.echo(json.dumps(prediction.to_dict(), ensure_ascii=False))
