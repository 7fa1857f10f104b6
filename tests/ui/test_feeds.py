"""Public section pages, Atom feeds (parsed back with feedparser) and the OPML list."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import feedparser
from fastapi.testclient import TestClient
from sqlalchemy import update

from newsdesk.store import Store
from newsdesk.store.articles import add_correction, get_article
from newsdesk.store.tables import articles
from newsdesk.ui.templating import section_slug
from ui.desk_fixtures import Labeled


def _feed(client: TestClient, section: str) -> feedparser.FeedParserDict:
    response = client.get(f"/feeds/{section_slug(section)}.xml")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/atom+xml")
    parsed = feedparser.parse(response.content)
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    return parsed


def test_every_section_feed_is_valid_atom(
    client: TestClient, seeded: Store, labeled: list[Labeled]
) -> None:
    total = 0
    for section in client.app.state.desk.slot.current.classifier.taxonomy.names:  # type: ignore[attr-defined]
        parsed = _feed(client, section)
        assert parsed.feed.title.endswith(section)
        for entry in parsed.entries:
            assert entry.id.startswith("urn:uuid:")
            assert entry.link.startswith("https://news.example.org/")
            assert entry.updated_parsed is not None
        total += len(parsed.entries)
    assert total == len(labeled)  # threshold 0 in the tests: every article is published once


def test_corrections_move_an_article_between_feeds(client: TestClient, seeded: Store) -> None:
    with seeded.read() as conn:
        article = get_article(conn, "d20")
    assert article is not None
    target = "Health" if article.section != "Health" else "Music"
    before = {e.title for e in _feed(client, article.section).entries}
    assert article.title in before
    with seeded.write() as conn:
        add_correction(conn, "d20", [target], editor="ann")
    assert article.title not in {e.title for e in _feed(client, article.section).entries}
    moved = _feed(client, target).entries
    entry = next(e for e in moved if e.title == article.title)
    assert entry.tags[0].term == target  # the feed files it under the editor's section
    assert article.title in client.get(f"/sections/{section_slug(target)}").text


def test_a_multi_label_correction_publishes_under_each_section(
    client: TestClient, seeded: Store
) -> None:
    with seeded.read() as conn:
        article = get_article(conn, "d20")
    assert article is not None
    first, second = [name for name in ("Health", "Music", "Art") if name != article.section][:2]
    assert article.title not in {e.title for e in _feed(client, second).entries}
    with seeded.write() as conn:
        add_correction(conn, "d20", [first, second], editor="ann")
    for section in (first, second):
        assert article.title in {e.title for e in _feed(client, section).entries}
        assert article.title in client.get(f"/sections/{section_slug(section)}").text
    assert article.title not in {e.title for e in _feed(client, article.section).entries}


def test_unconfident_calls_stay_off_unless_confirmed(
    app_factory,
    seeded: Store,  # type: ignore[no-untyped-def]
) -> None:
    with seeded.read() as conn:
        article = get_article(conn, "d08")
    assert article is not None and article.confidence < 1.0
    # a threshold just above the call's confidence: the call is not confident enough
    threshold = (1.0 + article.confidence) / 2
    with TestClient(app_factory(public_min_confidence=threshold), base_url="https://t") as client:
        assert not _feed(client, article.section).entries
        with seeded.write() as conn:
            add_correction(conn, "d08", [article.section], editor="ann", note="confirmed")
        assert [e.title for e in _feed(client, article.section).entries] == [article.title]


def test_opml_lists_every_section_feed(client: TestClient) -> None:
    response = client.get("/feeds.opml")
    assert response.status_code == 200
    root = ET.fromstring(response.content)
    outlines = root.findall("./body/outline")
    assert len(outlines) == 12
    urls = {o.get("xmlUrl") for o in outlines}
    assert "https://testserver/feeds/cloak-dagger.xml" in urls
    assert all(o.get("type") == "rss" and o.get("htmlUrl") for o in outlines)
    # OPML 2.0: every outline names itself in its ``text`` attribute (readers show it)
    names = client.app.state.desk.slot.current.classifier.taxonomy.names  # type: ignore[attr-defined]
    assert [o.get("text") for o in outlines] == names
    assert all(not (o.text or "").strip() for o in outlines)


def test_feed_urls_of_an_arabic_section_are_percent_encoded(client: TestClient) -> None:
    root = ET.fromstring(client.get("/feeds.opml").content)
    arabic = next(o for o in root.findall("./body/outline") if o.get("text") == "أخرى")
    feed_url, page_url = arabic.get("xmlUrl", ""), arabic.get("htmlUrl", "")
    assert feed_url.isascii() and page_url.isascii()
    feed = client.get(feed_url)
    assert feed.status_code == 200
    assert feedparser.parse(feed.content).feed.title.endswith("أخرى")
    assert client.get(page_url).status_code == 200


def test_arabic_articles_are_laid_out_right_to_left(client: TestClient, seeded: Store) -> None:
    with seeded.read() as conn:
        article = get_article(conn, "d21")
    assert article is not None
    page = client.get(f"/sections/{section_slug(article.label)}").text
    assert 'dir="rtl" lang="ar"' in page
    assert article.title in page


def test_section_slugs() -> None:
    assert section_slug("Cloak & Dagger") == "cloak-dagger"
    assert section_slug("Economy - Finance") == "economy-finance"
    assert section_slug("أخرى") == "أخرى"


def test_feeds_and_pages_parse_whatever_characters_were_stored(
    client: TestClient, seeded: Store
) -> None:
    # Rows stored before the edges refused them: control characters and a broken lang.
    odd = "Odd\x01\x0b title \ufffe\x1f"
    with seeded.write() as conn:
        conn.execute(
            update(articles)
            .where(articles.c.id == "d01")
            .values(title=odd, lang="en\x01", source="Wire\x02", text="Body\x03 text")
        )
        section = get_article(conn, "d01").label  # type: ignore[union-attr]
    parsed = _feed(client, section)
    titles = [e.title for e in parsed.entries]
    assert "Odd title" in titles
    document = ET.fromstring(client.get(f"/feeds/{section_slug(section)}.xml").content)
    langs = {e.get("{http://www.w3.org/XML/1998/namespace}lang") for e in document.iter()}
    assert "en\x01" not in langs
    page = client.get(f"/sections/{section_slug(section)}").text
    assert "Odd title " in page and "\x01" not in page, page
