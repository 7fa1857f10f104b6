"""``newsdesk taxonomy show|check|suggest``: inspect, validate and improve taxonomy files."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import typer

from newsdesk.article import Article
from newsdesk.cli.classify import ENCODER_HELP
from newsdesk.cli.exits import EXIT_USAGE, fail, fail_many
from newsdesk.encoders.registry import DEFAULT_ENCODER
from newsdesk.errors import MissingExtraError, NewsdeskError, TaxonomyError
from newsdesk.io import InputFormat, Rejected, check_source
from newsdesk.io.readers import read_articles
from newsdesk.taxonomy import check_taxonomy, language_warnings, load_taxonomy

app = typer.Typer(help="Inspect, validate and improve taxonomies.", no_args_is_help=True)


@app.command("show")
def show(
    file: str = typer.Argument("default", help="A taxonomy YAML file, or a bundled name."),
) -> None:
    """Print a taxonomy as YAML (the bundled default when no FILE is given)."""
    try:
        taxonomy = load_taxonomy(file)
    except TaxonomyError as exc:
        fail(exc, EXIT_USAGE)
    typer.echo(taxonomy.to_yaml(), nl=False)


@app.command("check")
def check(file: Path = typer.Argument(..., help="The taxonomy YAML file to validate.")) -> None:
    """Validate a taxonomy file: exit 0 when valid, 1 after one line for each problem.

    A valid file may still get a ``warning:`` line (on stderr) for each description whose
    script does not fit its language key (Arabic script under ``en``, none under ``ar``)."""
    problems = check_taxonomy(file)
    if problems:
        fail_many(problems)
    taxonomy = load_taxonomy(file)
    for warning in language_warnings(taxonomy, str(file)):
        typer.echo(f"warning: {warning}", err=True)
    other = taxonomy.other.name if taxonomy.other else "none"
    typer.echo(f"{file}: ok, {len(taxonomy)} sections (catch-all: {other})")


@app.command("suggest")
def suggest(
    archive: list[str] = typer.Argument(
        ...,
        metavar="ARCHIVE...",
        help="Unlabeled articles: files (.jsonl, .jsonl.gz, .csv, .tsv, .txt, .parquet), "
        "folders of .txt files, or '-' for stdin.",
    ),
    taxonomy: str = typer.Option(..., "--taxonomy", "-t", help="The taxonomy YAML to improve."),
    output: Path = typer.Option(..., "--output", "-o", help="Write the suggested YAML here."),
    report: Path | None = typer.Option(None, "--report", help="Also write an HTML report here."),
    encoder: str = typer.Option(DEFAULT_ENCODER, "--encoder", "-e", help=ENCODER_HELP),
    text_column: str = typer.Option("text", "--text-column", help="Field holding the text."),
    title_column: str = typer.Option("title", "--title-column", help="Field holding the title."),
    id_column: str = typer.Option("id", "--id-column", help="Field holding the id."),
    format: InputFormat | None = typer.Option(
        None, "--format", "-f", case_sensitive=False, help="Input format, when names don't say."
    ),
) -> None:
    """Suggest keywords, examples and missing sections for a taxonomy from an unlabeled archive.

    The archive is filed zero-shot with the taxonomy; the suggested YAML is the taxonomy with
    the words and headlines that set each section's confident articles apart, marked by
    comments, and draft sections for groups of articles that fit none (commented out).
    Exit status: 0 on success, 2 when the taxonomy or the archive cannot be used.
    """
    from newsdesk.classify.suggest import suggest_taxonomy
    from newsdesk.classify.suggest_report import suggestions_html, suggestions_yaml
    from newsdesk.encoders.registry import get_encoder

    try:
        tax = load_taxonomy(taxonomy)
        articles = list(_read_archive(archive, format, text_column, title_column, id_column))
        found = suggest_taxonomy(articles, tax, get_encoder(encoder))
    except (NewsdeskError, MissingExtraError) as exc:
        fail(exc, EXIT_USAGE)
    output.write_text(suggestions_yaml(found), encoding="utf-8")
    if report is not None:
        report.write_text(suggestions_html(found), encoding="utf-8")
    added = sum(len(s.keywords) for s in found.sections)
    typer.echo(
        f"{output}: {added} keywords and {sum(len(s.examples) for s in found.sections)} examples "
        f"suggested from {found.articles} articles; {len(found.pairs)} pair(s) of sections hard "
        f"to tell apart, {sum(s.rare for s in found.sections)} rare section(s), "
        f"{len(found.drafts)} draft section(s)",
        err=True,
    )


def _read_archive(
    sources: list[str], format: InputFormat | None, text: str, title: str, id: str
) -> Iterator[Article]:
    """Every usable article of ``sources``; rejected rows are counted on stderr, not fatal."""
    rejected: list[Rejected] = []
    for source in sources:
        check_source(source, format=format, text_column=text)
        yield from read_articles(
            source, format=format, text_column=text, title_column=title, id_column=id,
            on_reject=rejected.append,
        )  # fmt: skip
    if rejected:
        first = rejected[0]
        typer.echo(
            f"{len(rejected)} row(s) skipped (first: {first.source}, line {first.line}: "
            f"{first.reason})",
            err=True,
        )
