"""Hostile article fields render as inert text on every page and in feeds."""

from __future__ import annotations

import feedparser
import pytest
from fastapi.testclient import TestClient

from newsdesk.article import Article
from newsdesk.classify.classifier import Classifier
from newsdesk.store import Store
from newsdesk.store.review import article_seq
from newsdesk.ui.templating import safe_url, section_slug, xml_lang
from ui.desk_fixtures import seed

EVIL_TITLE = '<script>alert("t")</script><img src=x onerror="alert(1)">'
EVIL_TEXT = (
    'Sports fans <script>document.title="pwned"</script> cheered. '
    '<img src=x onerror=alert(2)> <a href="javascript:alert(3)">click</a>'
)
EVIL = Article(
    text=EVIL_TEXT,
    title=EVIL_TITLE,
    id="evil-1",
    url="javascript:alert(4)",
    source='<b onmouseover="alert(5)">src</b>',
    lang="en",
)


@pytest.fixture
def hostile(seeded: Store, lexical_classifier: Classifier) -> Store:
    seed(seeded, lexical_classifier, [EVIL], "seed")
    return seeded


def _inert(html: str) -> None:
    assert "<script>alert" not in html
    assert "<script>document" not in html
    assert "<img src=x" not in html
    assert 'href="javascript:' not in html
    assert "<b onmouseover" not in html


def test_safe_url_allows_only_http() -> None:
    assert safe_url("https://example.org/a?b=1") == "https://example.org/a?b=1"
    for bad in (
        "javascript:alert(1)",
        " JavaScript:alert(1)",
        "data:text/html,x",
        "//evil",
        "",
        None,
        "java\nscript:alert(1)",
        "vbscript:x",
    ):
        assert safe_url(bad) is None


def test_hostile_article_renders_inert_on_every_page(
    editor: tuple[TestClient, str], hostile: Store
) -> None:
    client, _ = editor
    with hostile.read() as conn:
        seq = article_seq(conn, "evil-1")
    pages = [
        client.get("/desk/queue").text,
        client.get(f"/desk/articles/{seq}").text,
        client.get(f"/desk/articles/{seq}/passages").text,
        client.get("/desk/dashboard").text,
    ]
    for html in pages:
        _inert(html)
    article_page = pages[1]
    assert "&lt;script&gt;alert(&#34;t&#34;)&lt;/script&gt;" in article_page
    label = client.app.state.desk.slot.current.classifier.classify(EVIL).section  # type: ignore[attr-defined]
    public = client.get(f"/sections/{section_slug(label)}").text
    _inert(public)
    assert "&lt;script&gt;" in public


def test_hostile_article_in_a_feed_stays_text(client: TestClient, hostile: Store) -> None:
    label = client.app.state.desk.slot.current.classifier.classify(EVIL).section  # type: ignore[attr-defined]
    response = client.get(f"/feeds/{section_slug(label)}.xml")
    parsed = feedparser.parse(response.content)
    assert not parsed.bozo
    entry = next(e for e in parsed.entries if e.title.startswith("<script>"))
    assert entry.title == EVIL_TITLE  # the title is text, exactly as written
    assert "link" not in entry or not entry.link.startswith("javascript")
    assert b"<script>" not in response.content


def test_xml_lang_takes_a_whole_language_tag_only() -> None:
    assert [xml_lang(v) for v in ("pt-BR", "en\n", "en\r", "en fr", "", None)] == [
        "pt-BR",
        None,
        None,
        None,
        None,
        None,
    ]
