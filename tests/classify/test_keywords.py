from __future__ import annotations

import numpy as np

from newsdesk.classify.keywords import KeywordMatcher, fold_text, word_forms


def test_fold_text_merges_arabic_spelling_variants() -> None:
    assert fold_text("الإقتصادُ") == fold_text("الاقتصاد")
    assert fold_text("مدرسة") == "مدرسه"
    assert fold_text("مستشفى") == "مستشفي"
    assert fold_text("Élection") == "élection"


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
