"""``newsdesk ingest feed|page``: fetch, extract, de-duplicate, classify and write articles."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import typer

from newsdesk.errors import NewsdeskError

app = typer.Typer(
    help="Fetch feeds and web pages, keep each new story once, classify it, write JSON Lines.",
    no_args_is_help=True,
)

OUTPUT = typer.Option(
    None, "--output", "-o", help="Append to this JSON Lines file (default: stdout)."
)
TAXONOMY = typer.Option("default", "--taxonomy", "-t", help="Taxonomy YAML file.")
ENCODER = typer.Option("e5-small", "--encoder", "-e", help="Encoder name or folder.")
TIMEOUT = typer.Option(10.0, "--timeout", help="Seconds to wait for a server.")
DELAY = typer.Option(1.0, "--host-delay", help="Seconds between two requests to one host.")
WORKERS = typer.Option(4, "--workers", help="Hosts fetched at once (one request per host).")


@app.command("feed")
def feed(
    urls: list[str] = typer.Argument(..., help="RSS or Atom feed URLs."),
    every: float | None = typer.Option(
        None, "--every", help="Fetch again every MINUTES (until interrupted)."
    ),
    rounds: int | None = typer.Option(None, "--rounds", help="With --every: stop after N."),
    output: Path | None = OUTPUT,
    taxonomy: str = TAXONOMY,
    encoder: str = ENCODER,
    timeout: float = TIMEOUT,
    host_delay: float = DELAY,
    workers: int = WORKERS,
) -> None:
    """Ingest the articles the feeds link to; with --every, keep polling for new ones."""

    def one_round(ingester: Any, report: Any) -> Iterator[Any]:
        return ingester.feeds(urls, report)

    _run(one_round, output, taxonomy, encoder, timeout, host_delay, workers, every, rounds)


@app.command("page")
def page(
    items: list[str] = typer.Argument(..., help="Article page URLs or saved HTML files."),
    output: Path | None = OUTPUT,
    taxonomy: str = TAXONOMY,
    encoder: str = ENCODER,
    timeout: float = TIMEOUT,
    host_delay: float = DELAY,
    workers: int = WORKERS,
) -> None:
    """Ingest single article pages (URLs) or saved HTML files."""
    urls = [i for i in items if i.startswith(("http://", "https://"))]
    files = [i for i in items if i not in urls]

    def one_round(ingester: Any, report: Any) -> Iterator[Any]:
        yield from ingester.files(files, report)
        yield from ingester.pages(urls, report)

    _run(one_round, output, taxonomy, encoder, timeout, host_delay, workers, None, None)


def _run(
    one_round: Callable[[Any, Any], Iterator[Any]],
    output: Path | None,
    taxonomy: str,
    encoder: str,
    timeout: float,
    host_delay: float,
    workers: int,
    every: float | None,
    rounds: int | None,
) -> None:
    from newsdesk.classify.classifier import Classifier
    from newsdesk.io.fetch import Fetcher
    from newsdesk.io.ingest import Ingester, IngestReport, IngestWriter, classify_and_write

    try:
        clf = Classifier.zero_shot(taxonomy=taxonomy, encoder=encoder)
        fetcher = Fetcher(timeout=timeout, total_timeout=3 * timeout, host_delay=host_delay)
    except NewsdeskError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None

    def predict(batch: list[Any]) -> list[dict[str, Any]]:
        return [p.to_dict() for p in clf.classify_many(batch, batch_size=len(batch))]

    writer = IngestWriter(output)
    ingester = Ingester(fetcher, workers=workers)
    known = writer.remember(ingester.dedup)
    if known:
        typer.echo(
            f"{known} articles already in {output}: they will not be written again", err=True
        )
    done = 0
    ok = False
    try:
        while True:
            report = IngestReport()
            classify_and_write(one_round(ingester, report), predict, writer)
            for where, reason in report.failures:
                typer.echo(f"skipped {where}: {reason}", err=True)
            typer.echo(report.summary(), err=True)
            ok = ok or report.articles > 0 or report.pages + report.feeds > len(report.failures)
            done += 1
            if every is None or (rounds is not None and done >= rounds):
                break
            time.sleep(every * 60)
    except KeyboardInterrupt:
        typer.echo("interrupted", err=True)
    finally:
        writer.close()
        fetcher.close()
    if not ok:
        raise typer.Exit(1)
