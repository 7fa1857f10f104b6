"""Ingestion: from feed and page URLs (or saved HTML files) to de-duplicated articles.

An :class:`Ingester` fetches feeds and pages through a polite :class:`~newsdesk.io.fetch.Fetcher`,
extracts each page's article, drops duplicates, and yields the new articles. A feed or page
that fails is logged, counted in the :class:`IngestReport` and skipped: the run goes on.
"""

from __future__ import annotations

import json
import logging
import sys
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from itertools import islice
from pathlib import Path
from typing import Any, TextIO

from newsdesk.article import Article
from newsdesk.errors import ArticleError, FetchError
from newsdesk.io.dedup import Deduplicator, canonical_url
from newsdesk.io.feeds import FeedEntry, parse_feed
from newsdesk.io.fetch import Fetcher
from newsdesk.io.html import extract_article

__all__ = ["IngestReport", "IngestWriter", "Ingester", "classify_and_write", "ingested_record"]

log = logging.getLogger(__name__)


@dataclass
class IngestReport:
    """What one ingestion round did: counts, and every failure with its reason."""

    feeds: int = 0
    feeds_unchanged: int = 0
    pages: int = 0
    articles: int = 0
    duplicates: Counter[str] = field(default_factory=Counter)
    failures: list[tuple[str, str]] = field(default_factory=list)

    def fail(self, where: str, reason: str) -> None:
        log.warning("skipped %s: %s", where, reason)
        self.failures.append((where, reason))

    def summary(self) -> str:
        dups = ", ".join(f"{n} by {kind}" for kind, n in sorted(self.duplicates.items()))
        return (
            f"{self.articles} new articles from {self.pages} pages"
            f" ({self.feeds} feeds, {self.feeds_unchanged} unchanged);"
            f" duplicates: {dups or 'none'}; failures: {len(self.failures)}"
        )


class Ingester:
    """Turns feed URLs, page URLs and HTML files into new (not yet seen) articles.

    The :class:`Deduplicator` is kept across calls, so a periodic run (``--every``) yields
    each story once; pages whose URL was seen before are not fetched again.
    """

    def __init__(
        self,
        fetcher: Fetcher,
        dedup: Deduplicator | None = None,
        *,
        workers: int = 4,
    ) -> None:
        self.fetcher = fetcher
        self.dedup = dedup if dedup is not None else Deduplicator()
        self.workers = workers

    def feeds(self, urls: Iterable[str], report: IngestReport) -> Iterator[Article]:
        """New articles from the pages the feeds at ``urls`` link to."""
        entries: list[FeedEntry] = []
        for url, result in self.fetcher.fetch_many(urls, workers=self.workers):
            report.feeds += 1
            if isinstance(result, FetchError):
                report.fail(url, str(result))
                continue
            if result.not_modified:
                report.feeds_unchanged += 1
                continue
            try:
                entries.extend(parse_feed(result.content, url=url))
            except ArticleError as exc:
                report.fail(url, str(exc))
        yield from self._pages(entries, report)

    def pages(self, urls: Iterable[str], report: IngestReport) -> Iterator[Article]:
        """New articles from page URLs."""
        yield from self._pages([FeedEntry(url=url) for url in urls], report)

    def files(self, paths: Iterable[str | Path], report: IngestReport) -> Iterator[Article]:
        """New articles from saved HTML files (the id is the file's path)."""
        for path in paths:
            report.pages += 1
            try:
                html = Path(path).read_bytes()
                article = extract_article(html, id=str(path))
            except (OSError, ArticleError) as exc:
                report.fail(str(path), str(exc))
                continue
            if self._is_new(article, report):
                yield article

    def _pages(self, entries: list[FeedEntry], report: IngestReport) -> Iterator[Article]:
        fresh: dict[str, FeedEntry] = {}
        for entry in entries:
            if self.dedup.seen_url(entry.url) or canonical_url(entry.url) in fresh:
                report.duplicates["url"] += 1
            else:
                fresh[canonical_url(entry.url)] = entry
        todo = list(fresh.values())
        fetched = self.fetcher.fetch_many([e.url for e in todo], workers=self.workers)
        for entry, (url, result) in zip(todo, fetched, strict=True):
            report.pages += 1
            if isinstance(result, FetchError):
                report.fail(url, str(result))
                continue
            try:
                article = extract_article(result.content, url=result.final_url)
            except ArticleError as exc:
                report.fail(url, str(exc))
                continue
            article = _with_feed_facts(article, entry)
            if self._is_new(article, report, aliases=[url]):
                yield article

    def _is_new(self, article: Article, report: IngestReport, aliases: Iterable[str] = ()) -> bool:
        match = self.dedup.add(article, aliases=aliases)
        if match is not None:
            log.info("duplicate (%s) of %s: %s", match.kind, match.key, article.key)
            report.duplicates[str(match.kind)] += 1
            return False
        report.articles += 1
        return True


def _with_feed_facts(article: Article, entry: FeedEntry) -> Article:
    """Fill what the page did not say from its feed entry."""
    return replace(
        article,
        title=article.title or entry.title,
        published=article.published or entry.published,
        lang=article.lang or entry.lang,
    )


def ingested_record(article: Article, prediction: dict[str, Any]) -> dict[str, Any]:
    """One output line: the article's fields, then the prediction's (section, scores...)."""
    extra = {k: v for k, v in prediction.items() if k not in ("id", "lang")}
    return {**article.to_dict(), **extra}


class IngestWriter:
    """Appends ingested articles with their predictions to a JSON Lines file (or stdout).

    ``remember`` feeds what the file already holds to a deduplicator, so a restarted ingest
    does not write a story twice.
    """

    def __init__(self, path: Path | None, *, stdout: bool = True) -> None:
        self.path = path
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
        # no path and stdout=False: nothing is written (the articles go to a store instead)
        self._out: TextIO | None = (
            path.open("a", encoding="utf-8") if path else (sys.stdout if stdout else None)
        )

    def remember(self, dedup: Deduplicator) -> int:
        """Add every article of the existing file to ``dedup``; return how many."""
        if self.path is None or not self.path.exists():
            return 0
        count = 0
        with self.path.open(encoding="utf-8") as lines:
            for line in lines:
                try:
                    row = json.loads(line)
                    dedup.add(
                        Article(
                            text=row.get("text") or "",
                            title=row.get("title") or "",
                            id=row.get("id"),
                            url=row.get("url"),
                        )
                    )
                except (json.JSONDecodeError, ArticleError, AttributeError):
                    continue  # a partial last line of a killed run
                count += 1
        return count

    def write(self, records: Iterable[dict[str, Any]]) -> None:
        if self._out is None:
            return
        self._out.write("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records))
        self._out.flush()

    def close(self) -> None:
        if self._out is not None and self._out is not sys.stdout:
            self._out.close()


def classify_and_write(
    articles: Iterable[Article],
    predict: Callable[[list[Article]], Iterable[dict[str, Any]]],
    writer: IngestWriter,
    *,
    batch_size: int = 32,
) -> int:
    """Classify ``articles`` a batch at a time with ``predict`` and write them; return the count."""
    iterator = iter(articles)
    written = 0
    while batch := list(islice(iterator, batch_size)):
        predictions = list(predict(batch))
        writer.write(ingested_record(a, p) for a, p in zip(batch, predictions, strict=True))
        written += len(batch)
    return written
