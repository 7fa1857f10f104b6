"""``newsdesk ingest feed|page``: fetch, extract, de-duplicate, classify and write articles."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import typer

from newsdesk.cli.classify import ENCODER_HELP
from newsdesk.cli.exits import EXIT_USAGE, fail
from newsdesk.encoders.registry import DEFAULT_ENCODER
from newsdesk.errors import NewsdeskError

app = typer.Typer(
    help="Fetch feeds and web pages, keep each new story once, classify it, and write it as "
    "JSON Lines or store it in the service's database.",
    no_args_is_help=True,
)

OUTPUT = typer.Option(
    None,
    "--output",
    "-o",
    help="Append to this JSON Lines file (default: stdout, unless --database-url is given).",
)
DATABASE = typer.Option(
    None,
    "--database-url",
    envvar="NEWSDESK_DATABASE_URL",
    help="Store the articles in the service's database (sqlite:///FILE or postgresql://...); "
    "needs the service extra and 'newsdesk db upgrade' first.",
)
TAXONOMY = typer.Option("default", "--taxonomy", "-t", help="Taxonomy YAML file.")
ENCODER = typer.Option(DEFAULT_ENCODER, "--encoder", "-e", help=ENCODER_HELP)
TIMEOUT = typer.Option(10.0, "--timeout", help="Seconds to wait for a server.")
TOTAL_TIMEOUT = typer.Option(
    30.0,
    "--total-timeout",
    help="Seconds one fetch may take in all (connecting, redirects, headers, body); "
    "a server that trickles bytes is cut off then.",
)
DELAY = typer.Option(1.0, "--host-delay", help="Seconds between two requests to one host.")
WORKERS = typer.Option(4, "--workers", help="Hosts fetched at once (one request per host).")
ALLOW_PRIVATE = typer.Option(
    [],
    "--allow-private",
    help="A private, loopback or link-local address newsdesk may fetch: HOST, HOST:PORT, a "
    "network such as 10.0.0.0/8, or 'any'. Repeat for several. Without it such addresses are "
    "refused, whether given, linked from a feed or redirected to.",
)
PROGRESS_EVERY = 5.0  # seconds between two progress lines on stderr


@app.command("feed")
def feed(
    urls: list[str] = typer.Argument(..., help="RSS or Atom feed URLs."),
    every: float | None = typer.Option(
        None, "--every", help="Fetch again every MINUTES (until interrupted)."
    ),
    rounds: int | None = typer.Option(None, "--rounds", help="With --every: stop after N."),
    max_items: int | None = typer.Option(
        None,
        "--max-items",
        min=1,
        help="Fetch at most N new pages of each feed a round; the rest wait for the next.",
    ),
    output: Path | None = OUTPUT,
    database_url: str | None = DATABASE,
    taxonomy: str = TAXONOMY,
    encoder: str = ENCODER,
    timeout: float = TIMEOUT,
    total_timeout: float = TOTAL_TIMEOUT,
    host_delay: float = DELAY,
    workers: int = WORKERS,
    allow_private: list[str] = ALLOW_PRIVATE,
) -> None:
    """Ingest the articles the feeds link to; with --every, keep polling for new ones."""

    def one_round(ingester: Any, report: Any) -> Iterator[Any]:
        return ingester.feeds(urls, report)

    common = _Common(output, database_url, taxonomy, encoder, timeout, host_delay, workers,
                     total_timeout, allow_private, max_items)  # fmt: skip
    _run(one_round, common, every, rounds)


@app.command("page")
def page(
    items: list[str] = typer.Argument(..., help="Article page URLs or saved HTML files."),
    output: Path | None = OUTPUT,
    database_url: str | None = DATABASE,
    taxonomy: str = TAXONOMY,
    encoder: str = ENCODER,
    timeout: float = TIMEOUT,
    total_timeout: float = TOTAL_TIMEOUT,
    host_delay: float = DELAY,
    workers: int = WORKERS,
    allow_private: list[str] = ALLOW_PRIVATE,
) -> None:
    """Ingest single article pages (URLs) or saved HTML files."""
    urls = [i for i in items if i.startswith(("http://", "https://"))]
    files = [i for i in items if i not in urls]

    def one_round(ingester: Any, report: Any) -> Iterator[Any]:
        yield from ingester.files(files, report)
        yield from ingester.pages(urls, report)

    common = _Common(output, database_url, taxonomy, encoder, timeout, host_delay, workers,
                     total_timeout, allow_private)  # fmt: skip
    _run(one_round, common)


@dataclass(frozen=True)
class _Common:
    """The options ``feed`` and ``page`` share."""

    output: Path | None
    database_url: str | None
    taxonomy: str
    encoder: str
    timeout: float
    host_delay: float
    workers: int
    total_timeout: float = 30.0
    allow_private: list[str] = field(default_factory=list)
    max_items: int | None = None


def _run(
    one_round: Callable[[Any, Any], Iterator[Any]],
    common: _Common,
    every: float | None = None,
    rounds: int | None = None,
) -> None:
    output, database_url = common.output, common.database_url
    timeout, host_delay = common.timeout, common.host_delay
    from newsdesk.classify.classifier import Classifier
    from newsdesk.io.fetch import Fetcher
    from newsdesk.io.ingest import Ingester, IngestReport, IngestWriter, classify_and_write

    try:
        sink = _StoreSink(database_url) if database_url else None
        clf = Classifier.zero_shot(taxonomy=common.taxonomy, encoder=common.encoder)
        fetcher = Fetcher(
            timeout=timeout,
            total_timeout=common.total_timeout,
            host_delay=host_delay,
            allow_private=common.allow_private,
        )
    except NewsdeskError as exc:
        fail(exc, EXIT_USAGE)

    def predict(batch: list[Any]) -> list[dict[str, Any]]:
        predictions = list(clf.classify_many(batch, batch_size=len(batch)))
        if sink is not None:
            sink.store(clf, batch, predictions)
        return [p.to_dict() for p in predictions]

    writer = IngestWriter(output, stdout=sink is None)
    progress = _Progress()
    ingester = Ingester(
        fetcher, workers=common.workers, max_items=common.max_items, progress=progress
    )
    known = writer.remember(ingester.dedup)
    if known:
        typer.echo(
            f"{known} articles already in {output}: they will not be written again", err=True
        )
    if sink is not None:
        stored = sink.remember(ingester.dedup)
        if stored:
            typer.echo(f"{stored} stored articles checked for duplicates", err=True)
    done = 0
    ok = False
    try:
        while True:
            report = IngestReport()
            progress.start()
            classify_and_write(one_round(ingester, report), predict, writer)
            progress.failures(report)  # those of feeds that listed no page to fetch
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
        if sink is not None:
            typer.echo(f"{sink.inserted} new articles stored in {sink.store_!r}", err=True)
            sink.close()
    if not ok:
        raise typer.Exit(1)


class _Progress:
    """Tells on stderr, as a round goes: each skipped feed or page once, and a line of counts
    every ``PROGRESS_EVERY`` seconds and after the last page."""

    def __init__(self) -> None:
        self.shown = 0
        self.last = 0.0

    def start(self) -> None:
        self.shown = 0
        self.last = time.monotonic()

    def failures(self, report: Any) -> None:
        for where, reason in report.failures[self.shown :]:
            typer.echo(f"skipped {where}: {reason}", err=True)
        self.shown = len(report.failures)

    def __call__(self, report: Any) -> None:
        self.failures(report)
        now = time.monotonic()
        if now - self.last >= PROGRESS_EVERY or report.pages >= report.pages_planned:
            self.last = now
            typer.echo(
                f"ingest: {report.pages}/{report.pages_planned} pages, {report.articles} new "
                f"articles, {len(report.failures)} skipped",
                err=True,
            )


class _StoreSink:
    """Stores filed articles in the service's database (the store), each story once.

    The store's unique article id (the article's id, else its URL) keeps a story from being
    stored twice; :meth:`remember` also feeds the latest stored articles to the ingester's
    de-duplicator, so a near-duplicate of a story stored by an earlier run is dropped too.
    """

    RECENT = 20_000  # stored articles read back for near-duplicate checks

    def __init__(self, url: str) -> None:
        from newsdesk.store import Store
        from newsdesk.store.migrate import check_schema

        self.store_ = Store(url)
        self.version_: str | None = None
        check_schema(self.store_)  # a clear error naming 'newsdesk db upgrade'
        self.inserted = 0

    def remember(self, dedup: Any) -> int:
        from sqlalchemy import select

        from newsdesk.article import Article
        from newsdesk.store.tables import articles

        query = (
            select(articles.c.id, articles.c.url, articles.c.title, articles.c.text)
            .order_by(articles.c.seq.desc())
            .limit(self.RECENT)
        )
        count = 0
        with self.store_.read() as conn:
            for row in conn.execute(query):
                dedup.add(Article(text=row.text, title=row.title or "", id=row.id, url=row.url))
                count += 1
        return count

    def store(self, clf: Any, batch: list[Any], predictions: list[Any]) -> None:
        from newsdesk.lifecycle.active import starting_version
        from newsdesk.store.articles import FiledArticle, insert_filed

        if self.version_ is None:  # the label the service stores with its own calls
            self.version_ = starting_version(self.store_, clf)
        version = self.version_
        filed = [FiledArticle(a, p, version) for a, p in zip(batch, predictions, strict=True)]
        with self.store_.write() as conn:
            self.inserted += len(insert_filed(conn, filed))

    def close(self) -> None:
        self.store_.dispose()
