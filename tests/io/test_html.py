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


# --- character encodings ------------------------------------------------------------------------

FRENCH = (
    '<html lang="fr"><head>{meta}<title>Élection présidentielle : le débat télévisé</title>'
    "</head><body><article><h1>Élection présidentielle : le débat télévisé</h1><p>Le "
    "gouvernement a annoncé lundi que l’élection présidentielle se tiendra en mai. Les députés "
    "ont déjà commencé à préparer la campagne électorale, et les électeurs déçus réclament des "
    "débats télévisés plus fréquents, dont le coût dépasserait 2 000 €.</p></article></body></html>"
)


def arabic_page(meta: str) -> str:
    """The Arabic fixture page with ``meta`` for its charset declaration, in characters that
    windows-1256 has (its Arabic-Indic digits become ASCII ones)."""
    html = (DATA / "article_ar.html").read_text(encoding="utf-8")
    html = html.translate(str.maketrans("٠١٢٣٤٥٦٧٨٩", "0123456789"))
    return html.replace('<meta charset="utf-8">', meta)


def test_iso_8859_1_declared_in_the_http_header_keeps_its_accents() -> None:
    page = FRENCH.format(meta="").replace("’", "'").replace(" €", " euros").encode("iso-8859-1")
    article = extract_article(page, content_type="text/html; charset=ISO-8859-1")
    assert article.title == "Élection présidentielle : le débat télévisé"
    assert "les électeurs déçus réclament" in article.text and "\ufffd" not in article.text


def test_windows_1252_declared_in_a_meta_tag_keeps_quotes_and_the_euro_sign() -> None:
    page = FRENCH.format(meta='<meta charset="windows-1252">').encode("cp1252")
    article = extract_article(page)
    assert "que l’élection" in article.text and "2 000 €" in article.text


def test_latin_1_label_is_read_as_windows_1252_as_browsers_do() -> None:
    page = FRENCH.format(meta='<meta charset="iso-8859-1">').encode("cp1252")
    assert "que l’élection" in extract_article(page).text  # 0x92 is a quote, not a control


def test_windows_1256_arabic_page_from_meta_http_equiv() -> None:
    meta = '<meta http-equiv="Content-Type" content="text/html; charset=windows-1256">'
    article = extract_article(arabic_page(meta).encode("cp1256"))
    assert article.title == "المنتخب يتأهل إلى نهائي البطولة بعد فوز مثير"
    assert "الدقيقة الثامنة والثمانين" in article.text and article.lang == "ar"


def test_undeclared_windows_1256_page_is_detected() -> None:
    article = extract_article(arabic_page("").encode("cp1256"))
    assert article.title == "المنتخب يتأهل إلى نهائي البطولة بعد فوز مثير"
    assert article.lang == "ar"


def test_http_charset_wins_over_a_meta_tag_and_a_wrong_label_is_passed_over() -> None:
    page = FRENCH.format(meta='<meta charset="utf-8">').encode("cp1252")
    assert "déçus" in extract_article(page, content_type="text/html; charset=windows-1252").text
    # labelled UTF-8 twice, but not UTF-8: the bytes are guessed instead
    assert "déçus" in extract_article(page, content_type="text/html; charset=utf-8").text


@pytest.mark.parametrize("label", ["hex", "rot13", "base64", "zlib", "utf-7", "undefined"])
def test_a_label_that_is_no_text_encoding_is_passed_over(label: str) -> None:
    page = FRENCH.format(meta=f'<meta charset="{label}">').encode("utf-8")
    assert "déçus" in extract_article(page).text
    assert "déçus" in extract_article(page, content_type=f"text/html; charset={label}").text


def test_a_utf_7_label_is_refused_as_browsers_refuse_it() -> None:
    page = FRENCH.format(meta='<meta charset="utf-7">').replace("déçus", "a+ADw-b")
    ascii_page = page.encode("ascii", errors="ignore")  # which UTF-7 would decode
    assert "a+ADw-b" in extract_article(ascii_page).text
