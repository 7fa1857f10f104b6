from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from newsdesk.classify.keywords import _FOLD, KeywordMatcher, fold_text, word_forms

ROOT = Path(__file__).parents[2]


def test_fold_text_merges_arabic_spelling_variants() -> None:
    assert fold_text("الإقتصادُ") == fold_text("الاقتصاد")
    assert fold_text("مدرسة") == "مدرسه"
    assert fold_text("مستشفى") == "مستشفي"
    assert fold_text("Élection") == "élection"


def test_fold_text_is_casefold_then_the_fold_table() -> None:
    """The fast fold gives what one ``str.translate`` through the table gives."""
    texts = [
        json.loads(line)["text"]
        for path in (ROOT / "examples" / "articles.jsonl", ROOT / "tests" / "data" / "langid.jsonl")
        for line in path.read_text(encoding="utf-8").splitlines()
    ]
    texts += [
        "".join(map(chr, _FOLD)) + " ـ " + "STRASSE Straße ΣΊΣΥΦΟΣ",
        "وَقَالَ الرَّئِيسُ إِنَّ الـــدولة آمنةٌ ومستشفىً ٱلقدس یک کتاب",
        "plain ascii text, nothing to fold",
    ]
    for text in texts:
        assert fold_text(text) == text.casefold().translate(_FOLD), text


def test_arabic_words_match_through_clitics() -> None:
    assert "اقتصاد" in word_forms("والاقتصاد")
    assert "اقتصاد" in word_forms("بالاقتصاد")
    assert "لاعب" in word_forms("للاعب")
    # a prefix is only stripped when three letters remain
    assert word_forms("لعب") == {"لعب"}


def test_counts_distinct_keywords_per_section() -> None:
    matcher = KeywordMatcher([["economy", "central bank"], ["الاقتصاد", "كرة القدم"], ["match"]])
    counts = matcher.count(
        [
            "The Central Bank said the economy grew; the economy is fine.",
            "وزير الاقتصاد يحضر مباراة لكرة القدم",
            "Matches were played.",
        ]
    )
    np.testing.assert_array_equal(counts, [[2, 0, 0], [0, 2, 0], [0, 0, 1]])


def test_multi_word_keywords_need_consecutive_words() -> None:
    matcher = KeywordMatcher([["central bank"]])
    assert matcher.count(["the bank is central"])[0, 0] == 0
