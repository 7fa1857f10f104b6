"""Atom feeds (RFC 4287) of the published sections, and an OPML list of them.

Built with :mod:`xml.etree.ElementTree`, which escapes every text and attribute, so an
article's title can never break out of its element. Characters that XML 1.0 forbids are
dropped from every text and attribute, and ``xml:lang`` is written only for a language tag.
Links to the original article are given only for http(s) URLs.
"""

from __future__ import annotations

import uuid
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from datetime import UTC, datetime

from newsdesk.store.review import QueueItem
from newsdesk.ui.templating import safe_url, xml_lang, xml_text

__all__ = ["atom_feed", "opml"]

ATOM = "http://www.w3.org/2005/Atom"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
_NAMESPACE = uuid.UUID("6c1f9a0e-2d5b-4f7e-9a3c-1b8e0d4c7f21")


def _stamp(when: datetime) -> str:
    when = when if when.tzinfo else when.replace(tzinfo=UTC)
    return when.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    if parent.tag.startswith(f"{{{ATOM}}}"):
        tag = f"{{{ATOM}}}{tag}"
    element = ET.SubElement(parent, tag, {name: xml_text(value) for name, value in attrs.items()})
    if text is not None:
        element.text = xml_text(text)
    return element


def entry_id(article_id: str) -> str:
    """A stable Atom id for an article (a name-based UUID URN)."""
    return f"urn:uuid:{uuid.uuid5(_NAMESPACE, article_id)}"


def atom_feed(
    *,
    section: str,
    items: Sequence[QueueItem],
    feed_url: str,
    page_url: str,
    outlet: str,
) -> bytes:
    """The Atom document of a section's latest articles (newest first)."""
    ET.register_namespace("", ATOM)
    feed = ET.Element(f"{{{ATOM}}}feed")
    _sub(feed, "id", f"urn:uuid:{uuid.uuid5(_NAMESPACE, 'section:' + section)}")
    _sub(feed, "title", f"{outlet}: {section}")
    _sub(feed, "subtitle", f"Articles newsdesk filed under {section}")
    newest = max((item.updated for item in items), default=datetime(2000, 1, 1, tzinfo=UTC))
    _sub(feed, "updated", _stamp(newest))
    _sub(feed, "link", rel="self", type="application/atom+xml", href=feed_url)
    _sub(feed, "link", rel="alternate", type="text/html", href=page_url)
    author = _sub(feed, "author")
    _sub(author, "name", outlet)
    _sub(feed, "generator", "newsdesk")
    for item in items:
        entry = _sub(feed, "entry")
        _sub(entry, "id", entry_id(item.id))
        lang = xml_lang(item.lang)
        title = _sub(entry, "title", item.title or item.lead[:120] or item.id, type="text")
        if lang:
            title.set(XML_LANG, lang)
        _sub(entry, "updated", _stamp(item.updated))
        _sub(entry, "published", _stamp(item.filed_at))
        link = safe_url(item.url)
        if link:
            _sub(entry, "link", rel="alternate", type="text/html", href=link)
        if item.source:
            source_author = _sub(entry, "author")
            _sub(source_author, "name", item.source)
        _sub(entry, "category", term=item.label)
        if item.lead:
            summary = _sub(entry, "summary", item.lead, type="text")
            if lang:
                summary.set(XML_LANG, lang)
    body: bytes = ET.tostring(feed, encoding="utf-8", xml_declaration=True)
    return body


def opml(*, title: str, feeds: Sequence[tuple[str, str, str]]) -> bytes:
    """An OPML 2.0 list of ``(section, feed_url, page_url)``."""
    root = ET.Element("opml", {"version": "2.0"})
    head = _sub(root, "head")
    _sub(head, "title", title)
    _sub(head, "dateCreated", datetime.now(UTC).strftime("%a, %d %b %Y %H:%M:%S GMT"))
    body = _sub(root, "body")
    for section, feed_url, page_url in feeds:
        # Not through ``_sub``: its ``text`` is the element's text, and OPML wants the
        # attribute ``text`` (required on every outline).
        ET.SubElement(
            body,
            "outline",
            {
                "type": "rss",
                "version": "ATOM",
                "text": xml_text(section),
                "title": xml_text(section),
                "xmlUrl": xml_text(feed_url),
                "htmlUrl": xml_text(page_url),
            },
        )
    out: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return out
