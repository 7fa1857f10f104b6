from __future__ import annotations

import json
from pathlib import Path

import pytest

from newsdesk.article import (
    Article,
    detect_language,
    language_code,
    normalize_arabic,
    normalize_text,
)
from newsdesk.errors import ArticleError

DATA = Path(__file__).parent / "data"
LANGID = [json.loads(line) for line in (DATA / "langid.jsonl").read_text("utf-8").splitlines()]


@pytest.mark.parametrize("row", LANGID, ids=[row["id"] for row in LANGID])
def test_detect_language_on_parallel_sentences(row: dict[str, str]) -> None:
    assert detect_language(row["text"]) == row["lang"]


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("The government said on Monday that the election will be held in May.", "en"),
        ("Le gouvernement a annoncé que les élections auront lieu en mai.", "fr"),
        ("El gobierno anunció que las elecciones se celebrarán en mayo.", "es"),
        ("Die Regierung hat angekündigt, dass die Wahl im Mai stattfinden wird.", "de"),
        ("أعلنت الحكومة أن الانتخابات ستجرى في شهر مايو المقبل.", "ar"),
        # Arabic with Latin names and digits in it is still Arabic
        ("قال رئيس شركة Apple إن مبيعات iPhone 16 ارتفعت بنسبة 5 في المئة.", "ar"),
        ("وزیر امور خارجه گفت که این نشست برای بررسی روابط دو کشور است.", "fa"),
        ("Η κυβέρνηση ανακοίνωσε εκλογές τον Μάιο.", "el"),
        ("הממשלה הודיעה על בחירות בחודש מאי.", "he"),
        ("政府は5月に選挙を行うと発表した。", "ja"),
        ("政府宣布将于五月举行选举。", "zh"),
        ("정부는 5월에 선거를 실시한다고 발표했다.", "ko"),
        # a headline with one function word that only English has
        ("The central bank raised rates", "en"),
    ],
)
def test_detect_language_by_script_and_function_words(text: str, lang: str) -> None:
    assert detect_language(text) == lang


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "2024-05-01 12:00",
        "ok",
        "Real Madrid",  # names only: no function words to go by
        "Правительство объявило выборы в мае.",  # Cyrillic: too many languages to tell apart
    ],
)
def test_detect_language_says_none_when_unsure(text: str) -> None:
    assert detect_language(text) is None


def test_detect_language_reads_only_the_start() -> None:
    english = "The minister said that the plan would be ready by the end of the year. " * 60
    assert detect_language(english + "النص العربي يأتي بعد ذلك " * 500) == "en"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("مُحَمَّدٌ", "محمد"),  # tashkeel
        ("جـــمـيـل", "جميل"),  # tatweel
        ("أحمد إسلام آمال ٱلله", "احمد اسلام امال الله"),  # alef variants
        ("مستشفى", "مستشفي"),  # alef maqsura
        ("مدرسة", "مدرسه"),  # taa marbuta
        ("کتاب یومی", "كتاب يومي"),  # Persian keheh and yeh
        ("Élection 2024", "Élection 2024"),  # other scripts pass through
    ],
)
def test_normalize_arabic(text: str, expected: str) -> None:
    assert normalize_arabic(text) == expected


def test_normalize_arabic_can_keep_taa_marbuta() -> None:
    assert normalize_arabic("المدرسةُ", taa_marbuta=False) == "المدرسة"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("L’Élection  PRÉSIDENTIELLE", "l'election presidentielle"),
        ("Straße\tund\n\nGRÜN", "strasse und grun"),
        ("الإنتخابات الرئاسيّة ٢٠٢٤", "الانتخابات الرئاسيه 2024"),
        ("ﻻ", "لا"),  # presentation form (lam-alef ligature)
        ("كرة\u200cالقدم\u200f", "كرهالقدم"),  # zero-width non-joiner and RLM dropped
    ],
)
def test_normalize_text(text: str, expected: str) -> None:
    assert normalize_text(text) == expected


@pytest.mark.parametrize("row", LANGID, ids=[row["id"] for row in LANGID])
def test_normalize_text_is_idempotent(row: dict[str, str]) -> None:
    once = normalize_text(row["text"])
    assert once and normalize_text(once) == once


def test_normalized_arabic_spellings_match() -> None:
    assert normalize_text("الأُمَمُ المتّحدة") == normalize_text("الامم المتحده")


def test_article_needs_text_or_title() -> None:
    with pytest.raises(ArticleError, match="article has no text"):
        Article(text="  ", title="")
    assert Article(text="", title="Headline only").content == "Headline only"


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"text": "abc \ud800 def"}, r"text holds a lone surrogate \(\\ud800\) at position 4"),
        ({"text": "ok", "title": "\udfff"}, r"title holds a lone surrogate"),
        ({"text": "a\x00b"}, r"text holds a NUL character \(\\x00\) at position 1"),
        ({"text": "ok", "id": "a\x00"}, "id holds a NUL"),
        ({"text": "ok", "source": "\x00"}, "source holds a NUL"),
        ({"text": "ok", "lang": "en\u0001"}, "lang 'en\\\\x01' is not a language code"),
        ({"text": "ok", "lang": ""}, "lang '' is not a language code"),
        # Python's "$" would let a final newline through; the service's schema does not
        ({"text": "ok", "lang": "en\n"}, "lang 'en\\\\n' is not a language code"),
        ({"text": "\u200b\u200c\u200d\u2060\ufeff"}, "article has no text"),
        ({"text": "\u00a0\u200b", "title": "\u200e\u00ad"}, "article has no text"),
        ({"text": "\x01\x02\x7f", "title": "\x9f"}, "article has no text"),
        ({"text": "ok", "id": "d2\n"}, r"id holds a control character \(\\n\) at position 2"),
    ],
)
def test_article_refuses_what_cannot_be_stored_or_encoded(
    fields: dict[str, str], message: str
) -> None:
    # Refused when made, so content_hash, the encoders and the database never see them.
    with pytest.raises(ArticleError, match=message):
        Article(**fields)  # type: ignore[arg-type]


def test_article_takes_language_tags_and_visible_text() -> None:
    article = Article(text="\u200bWord", lang="pt-BR")
    assert (article.lang, len(article.content_hash)) == ("pt-BR", 64)
    assert [language_code(v) for v in ("en-US", " fr ", "zh_Hant", "en\u0001", "", None)] == [
        "en",
        "fr",
        "zh",
        None,
        None,
        None,
    ]
