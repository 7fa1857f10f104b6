from __future__ import annotations

from pathlib import Path

import pytest

from newsdesk.errors import ReaderError
from newsdesk.io.feeds import parse_feed

DATA = Path(__file__).parent.parent / "data" / "ingest"


def feed(name: str, base: str = "http://127.0.0.1:1") -> str:
    return (DATA / name).read_text(encoding="utf-8").replace("{base}", base)


def test_rss_entries_with_links_dates_and_language() -> None:
    entries = parse_feed(feed("feed_rss.xml"))
    assert [e.url for e in entries] == [
        "http://127.0.0.1:1/economy/rates-hold",
        "http://127.0.0.1:1/sport/final",
    ]
    first = entries[0]
    assert first.title == "Central bank holds rates as inflation cools"
    assert first.published == "2024-11-28T09:30:00Z"
    assert first.lang == "en"
    assert first.id == "https://news.example.org/economy/rates-hold"
    assert first.summary == "The central bank kept its benchmark rate & signalled patience."


def test_atom_entries() -> None:
    (entry,) = parse_feed(feed("feed_atom.xml"))
    assert entry.url.endswith("/ar/sport/final")
    assert entry.title == "المنتخب يتأهل إلى نهائي البطولة"
    assert entry.published == "2024-12-02T18:00:00Z"
    assert entry.lang == "ar"


def test_broken_xml_is_an_error_naming_the_feed() -> None:
    with pytest.raises(ReaderError, match=r"http://x/feed: not a readable feed"):
        parse_feed(feed("feed_broken.xml"), url="http://x/feed")


def test_an_html_page_is_not_a_feed() -> None:
    with pytest.raises(ReaderError, match=r"not a readable feed|no entries"):
        parse_feed((DATA / "article_en.html").read_bytes(), url="page")


def test_empty_feed_has_no_entries() -> None:
    empty = b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title></channel></rss>'
    assert parse_feed(empty) == []


def test_the_http_charset_of_a_feed_is_honoured() -> None:
    rss = (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>'
        "<item><title>المنتخب يتأهل إلى النهائي</title><link>https://x.test/1</link></item>"
        "</channel></rss>"
    ).encode("cp1256")
    (entry,) = parse_feed(rss, content_type="application/rss+xml; charset=windows-1256")
    assert entry.title == "المنتخب يتأهل إلى النهائي"


@pytest.mark.parametrize("language", ["en\u0001", "en&#1;", "not a language"])
def test_a_broken_feed_language_is_dropped(language: str) -> None:
    broken = feed("feed_rss.xml").replace("<language>en", f"<language>{language}", 1)
    assert broken != feed("feed_rss.xml")
    entries = parse_feed(broken)
    assert entries and all(e.lang is None for e in entries)
