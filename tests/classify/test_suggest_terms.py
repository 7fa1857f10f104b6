"""The word side of ``suggest``: counted as the keyword matcher reads, ranked by log-odds."""

from __future__ import annotations

from newsdesk.article import Article
from newsdesk.classify.keywords import KeywordMatcher
from newsdesk.classify.suggest_terms import (
    TermOptions,
    article_text,
    distinctive_terms,
    index_terms,
    matched_counts,
)

OPTIONS = TermOptions(min_score=0.0, min_articles=2, max_article_share=0.9, prior_articles=2.0)
ARTICLES = [
    Article(title="وبريطانيا تعلن", text="أعلنت الحكومة البريطانية ووزارة الاقتصاد وكل الأسواق."),
    Article(title="Markets rally", text="The markets rallied as Charities' donations rose 12%."),
    Article(title="بالاقتصاد", text="مدرسةٌ جديدة في المدينة، والاقتصاد ينمو."),
]


def test_every_indexed_key_is_a_keyword_the_matcher_finds_in_that_article() -> None:
    terms, shown = index_terms(ARTICLES)
    for article, keys in zip(ARTICLES, terms, strict=True):
        assert keys
        for key in keys:
            assert matched_counts([article_text(article)], [key]) == [1], key
            assert matched_counts([article_text(article)], [shown[key]]) == [1], shown[key]


def test_index_leaves_out_numbers_function_words_and_their_clitic_forms() -> None:
    terms, shown = index_terms(ARTICLES)
    assert "اقتصاد" in terms[0] and "اقتصاد" in terms[2]
    assert "market" in terms[1] and "charity" in terms[1]
    assert "وكل" not in terms[0] and "كل" not in terms[0]
    assert not any(ch.isdigit() for keys in terms for key in keys for ch in key)
    assert "the" not in terms[1]
    assert shown["مدرسه"] == "مدرسة"  # the spelling shown keeps the archive's letters


def test_distinctive_terms_rank_the_inside_words_and_drop_clitic_fragments() -> None:
    inside = [frozenset({"بريطانيا", "ريطانيا", "حكومه"})] * 4
    outside = [frozenset({"حكومه", "اسواق"})] * 4
    terms = inside + outside
    ranked = distinctive_terms(terms, [0, 1, 2, 3], [4, 5, 6, 7], list(range(8)), OPTIONS)
    keys = [key for key, _, _ in ranked]
    assert keys[0] == "بريطانيا"
    assert "ريطانيا" not in keys  # only ever seen inside بريطانيا
    assert "اسواق" not in keys  # never inside
    assert dict((k, a) for k, a, _ in ranked)["بريطانيا"] == 4
    scores = dict((k, z) for k, _, z in ranked)
    assert scores["بريطانيا"] > scores.get("حكومه", 0.0)


def test_matched_counts_are_the_matchers_counts() -> None:
    texts = [article_text(a) for a in ARTICLES]
    words = ["الاقتصاد", "market", "absent"]
    hits = KeywordMatcher([[w] for w in words]).count(texts)
    assert matched_counts(texts, words) == [2, 1, 0]
    assert matched_counts(texts, words) == [int((hits[:, j] > 0).sum()) for j in range(3)]
