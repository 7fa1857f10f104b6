"""RSS and Atom feeds: the entries (links, titles, summaries, dates) a feed lists (feedparser).

Needs the ``ingest`` extra. feedparser is lenient: a feed with a markup error still yields the
entries it could read (a warning is logged); one with no readable entry is an error.
"""

from __future__ import annotations

import html
import logging
import re
import time
from dataclasses import dataclass

from newsdesk.article import language_code
from newsdesk.errors import ReaderError, require

__all__ = ["FeedEntry", "parse_feed"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class FeedEntry:
    """One item of a feed. ``published`` is ISO 8601 (UTC) when the feed dates it."""

    url: str
    title: str = ""
    summary: str = ""
    published: str | None = None
    id: str | None = None
    lang: str | None = None


def parse_feed(
    content: bytes | str, *, url: str = "feed", content_type: str = ""
) -> list[FeedEntry]:
    """The entries of an RSS/Atom document that have a link, in feed order.

    ``content_type`` is the HTTP header the feed came with: its charset decodes a document
    that does not declare its own. Raise :class:`ReaderError` when the document is not a feed
    or no entry can be read.
    """
    require("feedparser", feature="reading RSS/Atom feeds", extra="ingest")
    import feedparser

    headers = {"content-type": content_type} if content_type else None
    parsed = feedparser.parse(content, response_headers=headers)
    problem = parsed.get("bozo_exception")
    if not parsed.entries:
        reason = f"not a readable feed ({problem})" if problem else "the feed has no entries"
        if problem or not parsed.get("version"):
            raise ReaderError(f"{url}: {reason}")
        return []
    if problem:
        log.warning(
            "%s: feed has errors (%s); using the %d entries read", url, problem, len(parsed.entries)
        )
    lang = _primary_lang(parsed.feed.get("language"))
    entries = []
    for item in parsed.entries:
        link = item.get("link")
        if not link:
            continue
        entries.append(
            FeedEntry(
                url=link,
                title=_clean(item.get("title", "")),
                summary=_clean(item.get("summary", "")),
                published=_iso(item.get("published_parsed") or item.get("updated_parsed")),
                id=item.get("id") or None,
                lang=lang,
            )
        )
    return entries


_TAG = re.compile(r"<[^>]+>")


def _clean(value: str) -> str:
    """Feed text without markup, entities decoded, whitespace collapsed."""
    return " ".join(html.unescape(_TAG.sub(" ", str(value))).split())


def _primary_lang(value: str | None) -> str | None:
    # A <language> that is no language tag is dropped: it would be stored and written into
    # the desk's feeds as xml:lang.
    return language_code(value)


def _iso(struct: time.struct_time | None) -> str | None:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", struct) if struct else None
