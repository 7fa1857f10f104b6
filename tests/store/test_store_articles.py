from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta, timezone

import pytest

from newsdesk.article import Article
from newsdesk.classify.classifier import Classifier
from newsdesk.store import ArticleFilter, Store
from newsdesk.store import articles as repo
from newsdesk.store.stats import store_stats


def filed(classifier: Classifier, articles: list[Article]) -> list[repo.FiledArticle]:
    predictions = classifier.classify_many(articles)
    return [
        repo.FiledArticle(a, p, "test-model") for a, p in zip(articles, predictions, strict=True)
    ]


def count(store: Store) -> int:
    with store.read() as conn:
        return store_stats(conn).articles


def test_record_id_is_the_id_else_the_url_else_the_content_hash() -> None:
    assert repo.record_id(Article(text="x", id="a-1", url="http://e/1")) == "a-1"
    by_url = repo.record_id(Article(text="x", url="http://e/1"))
    assert by_url.startswith("url:") and by_url == repo.record_id(
        Article(text="y", url="http://e/1")
    )
    by_text = repo.record_id(Article(text="Same  text", title="T"))
    assert by_text == repo.record_id(Article(text="Same text", title="T"))  # whitespace folded
    assert by_text == "sha256:" + Article(text="Same text", title="T").content_hash


def test_insert_is_idempotent_on_the_record_id(
    store: Store, classifier: Classifier, sample_articles: list[Article]
) -> None:
    items = filed(classifier, sample_articles)
    with store.write() as conn:
        first = repo.insert_filed(conn, items)
    with store.write() as conn:
        again = repo.insert_filed(conn, items + filed(classifier, [Article(text="new", id="n")]))
    assert first == {a.id for a in sample_articles}
    assert again == {"n"}
    assert count(store) == len(sample_articles) + 1


def test_duplicates_inside_one_batch_are_stored_once(store: Store, classifier: Classifier) -> None:
    twice = [Article(text="Same story", url="http://e/1"), Article(text="Other", url="http://e/1")]
    with store.write() as conn:
        created = repo.insert_filed(conn, filed(classifier, twice))
        stored = repo.get_articles(conn, list(created))
    assert len(created) == 1
    assert next(iter(stored.values())).text == "Same story"  # the first one wins


def test_concurrent_writers_never_store_a_duplicate(store: Store, classifier: Classifier) -> None:
    articles = [Article(text=f"Story number {i}", id=f"c{i}") for i in range(30)]
    items = filed(classifier, articles)
    created: list[set[str]] = []
    errors: list[BaseException] = []

    def submit(offset: int) -> None:
        try:
            rotated = items[offset:] + items[:offset]
            for start in range(0, 30, 10):
                with store.write() as conn:
                    created.append(repo.insert_filed(conn, rotated[start : start + 10]))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=submit, args=(i,)) for i in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    inserted = [i for batch in created for i in batch]
    assert len(inserted) == len(set(inserted)) == 30  # each id inserted by exactly one writer
    assert count(store) == 30


def test_a_failed_batch_stores_nothing(store: Store, classifier: Classifier) -> None:
    items = filed(classifier, [Article(text=f"t{i}", id=f"f{i}") for i in range(5)])
    with pytest.raises(RuntimeError, match="boom"), store.write() as conn:
        repo.insert_filed(conn, items)
        raise RuntimeError("boom")
    assert count(store) == 0


def test_corrections_keep_the_call_and_the_history(
    store: Store, classifier: Classifier, sample_articles: list[Article]
) -> None:
    with store.write() as conn:
        repo.insert_filed(conn, filed(classifier, sample_articles))
    with store.read() as conn:
        call = repo.get_article(conn, "s0")
    assert call is not None and call.corrections == ()
    with store.write() as conn:
        repo.add_correction(conn, "s0", ["Sports"], editor="amal", note="wrong desk")
    with store.write() as conn:
        record = repo.add_correction(
            conn, "s0", ["Health", "Causes"], editor="omar", api_key="desk-key"
        )
        missing = repo.add_correction(conn, "nope", ["Health"], editor="omar")
    assert missing is None
    assert record is not None
    assert (record.section, record.confidence, record.scores) == (
        call.section,
        call.confidence,
        call.scores,
    )
    assert record.label == "Health" and record.labels == ("Health", "Causes")
    assert [c.editor for c in record.corrections] == ["amal", "omar"]
    assert [c.previous_section for c in record.corrections] == [call.section, "Sports"]
    assert record.corrections[0].note == "wrong desk"
    assert record.corrections[1].api_key == "desk-key"
    assert record.corrections[0].created_at <= record.corrections[1].created_at
    assert record.corrected_at == record.corrections[1].created_at


def test_list_pages_through_everything_once_newest_first(
    store: Store, classifier: Classifier
) -> None:
    articles = [Article(text=f"Story {i}", id=f"p{i:02d}") for i in range(11)]
    for article in articles:  # one at a time so filing order is known
        with store.write() as conn:
            repo.insert_filed(conn, filed(classifier, [article]))
    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        with store.read() as conn:
            page, cursor = repo.list_articles(conn, ArticleFilter(), limit=4, cursor=cursor)
        seen += [r.id for r in page]
        pages += 1
        if cursor is None:
            break
    assert pages == 3
    assert seen == [a.id for a in reversed(articles)]


def test_list_filters(store: Store, classifier: Classifier, sample_articles: list[Article]) -> None:
    with store.write() as conn:
        repo.insert_filed(conn, filed(classifier, sample_articles))
        repo.add_correction(conn, "s2", ["Literature"], editor="e")

    def ids(**conditions: object) -> set[str]:
        with store.read() as conn:
            page, _ = repo.list_articles(conn, ArticleFilter(**conditions), limit=100)  # type: ignore[arg-type]
        return {r.id for r in page}

    with store.read() as conn:
        everything, _ = repo.list_articles(conn, ArticleFilter(), limit=100)
    by_id = {r.id: r for r in everything}
    assert ids(lang="ar") == {"s3", "s4"}
    assert ids(corrected=True) == {"s2"}
    assert ids(corrected=False) == set(by_id) - {"s2"}
    assert ids(section="Literature") == {i for i, r in by_id.items() if r.label == "Literature"}
    assert ids(query="CUP FINAL") == {"s1"}
    assert ids(query="100%") == set()  # LIKE wildcards are matched literally
    assert ids(query="الفائدة") == {"s3"}
    low = min(r.confidence for r in everything)
    assert ids(max_confidence=low) == {i for i, r in by_id.items() if r.confidence <= low}
    assert ids(min_confidence=low) == set(by_id)
    now = datetime.now(UTC)
    assert ids(since=now - timedelta(minutes=5), until=now + timedelta(minutes=5)) == set(by_id)
    assert ids(since=now + timedelta(minutes=5)) == set()
    # An aware bound in another zone means the same instant.
    an_hour_ago_in_doha = (now - timedelta(hours=1)).astimezone(timezone(timedelta(hours=3)))
    assert ids(until=an_hour_ago_in_doha) == set()
    assert ids(since=an_hour_ago_in_doha) == set(by_id)


def test_bad_cursor_is_refused() -> None:
    with pytest.raises(ValueError, match="invalid cursor 'xyz'; pass the 'next_cursor'"):
        repo.decode_cursor("xyz")
    assert repo.decode_cursor(repo.encode_cursor(42)) == 42


def test_articles_after_pages_oldest_first(store: Store, classifier: Classifier) -> None:
    articles = [Article(text=f"Item {i}", id=f"i{i}") for i in range(7)]
    for article in articles:
        with store.write() as conn:
            repo.insert_filed(conn, filed(classifier, [article]))
    got: list[str] = []
    after = 0
    with store.read() as conn:
        while page := repo.articles_after(conn, ArticleFilter(), after=after, limit=3):
            got += [r.id for r in page]
            after = page[-1].seq
        assert repo.articles_after(conn, ArticleFilter(query="Item 3"), limit=3)[0].id == "i3"
    assert got == [a.id for a in articles]


def test_stats_count_sections_languages_and_agreement(
    store: Store, classifier: Classifier, sample_articles: list[Article]
) -> None:
    with store.write() as conn:
        repo.insert_filed(conn, filed(classifier, sample_articles))
        first = repo.get_article(conn, "s0")
        assert first is not None
        repo.add_correction(conn, "s0", [first.section], editor="e")  # agrees with the call
        other = "Music" if first.section != "Music" else "Art"
        repo.add_correction(conn, "s1", [other], editor="e")
        repo.add_correction(conn, "s1", [other], editor="e")
    with store.read() as conn:
        figures = store_stats(conn)
    assert figures.articles == 7
    assert sum(figures.by_section.values()) == 7 == sum(figures.by_label.values())
    assert figures.by_lang == {"ar": 2, "en": 5}
    assert (figures.corrected, figures.corrections) == (2, 3)
    assert figures.correction_rate == pytest.approx(2 / 7)
    s1 = sample_articles[1]
    with store.read() as conn:
        s1_call = repo.get_article(conn, s1.id or "")
    assert s1_call is not None
    assert figures.agreement == (1.0 if s1_call.section == other else 0.5)
