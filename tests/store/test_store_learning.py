"""Reviews in the order they happened, and the corrections count, on both databases."""

from __future__ import annotations

from newsdesk.article import Article
from newsdesk.classify.classifier import Classifier
from newsdesk.store import Store
from newsdesk.store.articles import FiledArticle, add_correction, insert_filed
from newsdesk.store.learning import corrections_made, review_history


def test_reviews_come_in_the_order_of_their_first_correction(
    store: Store, classifier: Classifier, sample_articles: list[Article]
) -> None:
    calls = list(classifier.classify_many(sample_articles))
    with store.write() as conn:
        insert_filed(
            conn,
            [FiledArticle(a, p, "v1") for a, p in zip(sample_articles[:4], calls, strict=False)],
        )
        insert_filed(
            conn,
            [FiledArticle(a, p, "v2") for a, p in zip(sample_articles[4:], calls[4:], strict=True)],
        )
        assert corrections_made(conn) == 0
        assert review_history(conn) == []
    call_of = {a.id: p.section for a, p in zip(sample_articles, calls, strict=True)}
    other = {s: next(n for n in classifier.taxonomy.names if n != s) for s in call_of.values()}
    with store.write() as conn:
        add_correction(conn, "s5", [call_of["s5"]], editor="ann")  # confirmed
        add_correction(conn, "s1", [other[call_of["s1"]]], editor="ann")  # changed
        add_correction(conn, "s3", [call_of["s3"]], editor="ann")
        # s5 corrected again later: it keeps its place (its first review), with the new section
        add_correction(conn, "s5", [other[call_of["s5"]]], editor="bob")
    with store.read() as conn:
        history = review_history(conn)
        assert corrections_made(conn) == 4
    assert [(r.model_version, r.right) for r in history] == [
        ("v2", False),
        ("v1", False),
        ("v1", True),
    ]
    assert history[2].call == history[2].editor == call_of["s3"]
