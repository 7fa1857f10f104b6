from __future__ import annotations

from pathlib import Path

import pytest

from newsdesk.errors import ArticleError
from newsdesk.io.html import extract_article, script_language

DATA = Path(__file__).parent.parent / "data" / "ingest"


def test_english_page_gives_title_text_date_language_without_boilerplate() -> None:
    html = (DATA / "article_en.html").read_bytes()
    article = extract_article(html, url="http://127.0.0.1/economy/rates-hold")
    assert article.title == "Central bank holds rates as inflation cools"
    assert article.text.startswith("The central bank kept its benchmark interest rate")
    assert "lower borrowing costs" in article.text
    assert "newsletter" not in article.text and "Cookie" not in article.text
    assert article.published == "2024-11-28"
    assert article.lang == "en"
    assert article.id == article.url == "http://127.0.0.1/economy/rates-hold"


def test_arabic_page() -> None:
    article = extract_article((DATA / "article_ar.html").read_bytes(), id="ar-1")
    assert article.title == "المنتخب يتأهل إلى نهائي البطولة بعد فوز مثير"
    assert "الدقيقة الثامنة والثمانين" in article.text
    assert "جميع الحقوق" not in article.text
    assert article.lang == "ar" and article.id == "ar-1"
    assert article.published == "2024-12-02"


def test_page_without_an_article_is_an_error() -> None:
    with pytest.raises(ArticleError, match="login: no article text"):
        extract_article((DATA / "no_article.html").read_bytes(), url="login")


def test_arabic_script_overrides_a_wrong_declaration() -> None:
    assert script_language("تأهل المنتخب الوطني لكرة القدم", "en") == "ar"
    assert script_language("The team reached the final", "EN") == "en"
    assert script_language("The team reached the final") is None
