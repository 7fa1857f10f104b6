"""Ingestion: from feed and page URLs (or saved HTML files) to de-duplicated articles.

An :class:`Ingester` fetches feeds and pages through a polite :class:`~newsdesk.io.fetch.Fetcher`,
extracts each page's article, drops duplicates, and yields the new articles. A feed or page
that fails is recorded in the :class:`IngestReport` and skipped: the run goes on. The report
is the one place a failure is told (it is logged at INFO only), so a command that prints the
report's failures prints each once.
"""

from __future__ import annotations

import json
import logging
import sys
from collections import Counter, OrderedDict
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
    """What one ingestion round did: counts, and every failure with its reason.

    ``pages_planned`` is how many pages the round will fetch or read, known once the feeds
    are read; ``held_back`` counts the feed items left for the next round by ``max_items``.
    """

    feeds: int = 0
    feeds_unchanged: int = 0
    pages: int = 0
    pages_planned: int = 0
    articles: int = 0
    held_back: int = 0
    duplicates: Counter[str] = field(default_factory=Counter)
    failures: list[tuple[str, str]] = field(default_factory=list)

    def fail(self, where: str, reason: str) -> None:
        """Record that ``where`` was skipped; a reason that starts by naming it loses the name."""
        reason = reason.removeprefix(f"{where}: ")
        log.info("skipped %s: %s", where, reason)
        self.failures.append((where, reason))

    def summary(self) -> str:
        dups = ", ".join(f"{n} by {kind}" for kind, n in sorted(self.duplicates.items()))
        later = f"; {self.held_back} feed items left for the next round" if self.held_back else ""
        return (
            f"{self.articles} new articles from {self.pages} pages"
            f" ({self.feeds} feeds, {self.feeds_unchanged} unchanged);"
            f" duplicates: {dups or 'none'}; failures: {len(self.failures)}{later}"
        )


class Ingester:
    """Turns feed URLs, page URLs and HTML files into new (not yet seen) articles.

    The :class:`Deduplicator` is kept across calls, so a periodic run (``--every``) yields
    each story once; pages whose URL was seen before are not fetched again. ``max_items``
    caps the new pages fetched from one feed in one call (the first ones the feed lists, as
    feeds list the newest first); the rest wait for the next call. ``progress`` is called with
    the report after each page. The URLs of pages tried are remembered (to put never-tried
    ones first) up to ``max_tried``, the least recently tried or listed forgotten first, so a
    run that polls for weeks keeps a bounded memory.
    """

    def __init__(
        self,
        fetcher: Fetcher,
        dedup: Deduplicator | None = None,
        *,
        workers: int = 4,
        max_items: int | None = None,
        progress: Callable[[IngestReport], None] | None = None,
        max_tried: int = 100_000,
    ) -> None:
        self.fetcher = fetcher
        self.dedup = dedup if dedup is not None else Deduplicator()
        self.workers = workers
        self.max_items = max_items
        self.progress = progress
        self.max_tried = max_tried
        # canonical URLs of the pages fetched, whatever came of it, least recent first
        self._tried: OrderedDict[str, None] = OrderedDict()

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
                listed = parse_feed(result.content, url=url, content_type=result.content_type)
            except ArticleError as exc:
                report.fail(url, str(exc))
                continue
            entries.extend(self._capped(url, listed, report))
        yield from self._pages(entries, report)

    def pages(self, urls: Iterable[str], report: IngestReport) -> Iterator[Article]:
        """New articles from page URLs."""
        yield from self._pages([FeedEntry(url=url) for url in urls], report)

    def files(self, paths: Iterable[str | Path], report: IngestReport) -> Iterator[Article]:
        """New articles from saved HTML files (the id is the file's path)."""
        paths = list(paths)
        report.pages_planned += len(paths)
        for path in paths:
            try:
                html = Path(path).read_bytes()
                article = extract_article(html, id=str(path))
            except (OSError, ArticleError) as exc:
                report.fail(str(path), str(exc))
                continue
            finally:
                self._page_done(report)
            if self._is_new(article, report):
                yield article

    def _capped(self, feed: str, listed: list[FeedEntry], report: IngestReport) -> list[FeedEntry]:
        """``listed`` with at most ``max_items`` entries to fetch; the others wait.

        Entries never fetched come first, in feed order; pages that failed or were duplicates
        before are fetched again only in the room left, so they cannot hold the new ones back
        for ever. While any entry waits, the feed's validators are forgotten: a conditional
        request would get "not modified" next time, and the waiting entries would not be read.
        """
        if self.max_items is None:
            return listed
        unseen = [e for e in listed if not self.dedup.seen_url(e.url)]
        new = [e for e in unseen if canonical_url(e.url) not in self._tried]
        again = [e for e in unseen if canonical_url(e.url) in self._tried]
        self._remember(e.url for e in again)  # still listed: still worth remembering
        chosen = {id(e) for e in (new + again)[: self.max_items]}
        report.held_back += max(0, len(new) - self.max_items)
        if len(new) + len(again) > self.max_items:
            self.fetcher.validators.pop(feed, None)
        return [e for e in listed if id(e) in chosen or self.dedup.seen_url(e.url)]

    def _remember(self, urls: Iterable[str]) -> None:
        for url in urls:
            key = canonical_url(url)
            self._tried[key] = None
            self._tried.move_to_end(key)
        while len(self._tried) > self.max_tried:
            self._tried.popitem(last=False)

    def _page_done(self, report: IngestReport) -> None:
        report.pages += 1
        if self.progress is not None:
            self.progress(report)

    def _pages(self, entries: list[FeedEntry], report: IngestReport) -> Iterator[Article]:
        fresh: dict[str, FeedEntry] = {}
        for entry in entries:
            if self.dedup.seen_url(entry.url) or canonical_url(entry.url) in fresh:
                report.duplicates["url"] += 1
            else:
                fresh[canonical_url(entry.url)] = entry
        todo = list(fresh.values())
        report.pages_planned += len(todo)
        self._remember(e.url for e in todo)
        fetched = self.fetcher.fetch_many([e.url for e in todo], workers=self.workers)
        for entry, (url, result) in zip(todo, fetched, strict=True):
            try:
                if isinstance(result, FetchError):
                    report.fail(url, str(result))
                    continue
                article = extract_article(
                    result.content, url=result.final_url, content_type=result.content_type
                )
            except ArticleError as exc:
                report.fail(url, str(exc))
                continue
            finally:
                self._page_done(report)
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
