"""The review desk's queries, accounts and model registry, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from newsdesk.article import Article
from newsdesk.classify.classifier import Classifier
from newsdesk.classify.result import Prediction
from newsdesk.store import KeyRole, Store, StoreError, registry, review
from newsdesk.store import articles as repo
from newsdesk.store import users as accounts
from newsdesk.store.queue_order import filing_priority


@pytest.fixture
def filed(store: Store, classifier: Classifier, sample_articles: list[Article]) -> list[str]:
    """The sample articles filed one minute apart (oldest first); their ids."""
    start = datetime(2025, 3, 1, 12, tzinfo=UTC)
    predictions = list(classifier.classify_many(sample_articles))
    with store.write() as conn:
        for n, (article, prediction) in enumerate(zip(sample_articles, predictions, strict=True)):
            repo.insert_filed(
                conn,
                [repo.FiledArticle(article, prediction, "v1")],
                filed_at=start + timedelta(minutes=n),
            )
    return [a.id or "" for a in sample_articles]


def test_the_queue_is_least_decided_first_and_pages_by_key(store: Store, filed: list[str]) -> None:
    with store.read() as conn:
        everything, more = review.queue_page(conn, review.QueueFilter(), limit=100)
        first, after = review.queue_page(conn, review.QueueFilter(), limit=3)
        rest, _ = review.queue_page(conn, review.QueueFilter(), limit=100, after=after)
    assert more is None and len(everything) == len(filed)
    priorities = [item.priority for item in everything]
    assert priorities == sorted(priorities)
    # until a model re-ranks the queue, articles that are not random picks go by margin
    margins = [item.margin for item in everything if not item.random_pick]
    assert margins == sorted(margins) and len(margins) > len(everything) // 2
    assert all(
        item.margin == pytest.approx(review.margin_of(stored.scores))
        and item.priority == pytest.approx(filing_priority(item.id, item.margin))
        for item, stored in zip(everything, _stored(store, everything), strict=True)
    )
    assert [i.seq for i in first + rest] == [i.seq for i in everything]


def _stored(store: Store, items: list[review.QueueItem]) -> list[repo.StoredArticle]:
    with store.read() as conn:
        found = repo.get_articles(conn, [item.id for item in items])
    return [found[item.id] for item in items]


def test_reviewed_articles_leave_the_queue_and_filters_apply(
    store: Store, filed: list[str]
) -> None:
    with store.write() as conn:
        repo.add_correction(conn, filed[0], ["Sports"], editor="ann")
    with store.read() as conn:
        waiting = review.queue_size(conn, review.QueueFilter())
        arabic, _ = review.queue_page(conn, review.QueueFilter(lang="ar"), limit=100)
        before, _ = review.queue_page(
            conn, review.QueueFilter(until=datetime(2025, 3, 1).date()), limit=100
        )
    assert waiting == len(filed) - 1
    assert arabic and {item.lang for item in arabic} == {"ar"}
    assert before == []


def test_a_section_publishes_confident_and_reviewed_articles_newest_first(
    store: Store, filed: list[str]
) -> None:
    with store.read() as conn:
        stored = repo.get_articles(conn, filed)
    shaky = min(stored.values(), key=lambda a: a.confidence)
    with store.read() as conn:
        listed = review.section_articles(
            conn, shaky.section, min_confidence=shaky.confidence + 1e-6, limit=50
        )
    assert shaky.id not in {item.id for item in listed}
    with store.write() as conn:
        repo.add_correction(conn, shaky.id, [shaky.section], editor="ann", note="confirmed")
        repo.add_correction(conn, filed[1], [shaky.section], editor="ann")
    with store.read() as conn:
        listed = review.section_articles(
            conn, shaky.section, min_confidence=shaky.confidence + 1e-6, limit=50
        )
        anchors = review.confident_articles(conn, shaky.section, min_confidence=0.0, limit=50)
    ids = [item.id for item in listed]
    assert shaky.id in ids and filed[1] in ids
    assert [item.seq for item in listed] == sorted((item.seq for item in listed), reverse=True)
    assert {row.id for row in anchors}.isdisjoint({shaky.id, filed[1]})  # reviewed ones aside


def test_newest_articles_are_every_stored_article_newest_first(
    store: Store, filed: list[str]
) -> None:
    with store.write() as conn:
        repo.add_correction(conn, filed[-1], ["Sports"], editor="ann")  # reviewed ones count too
    with store.read() as conn:
        newest = review.newest_articles(conn, limit=3)
        everything = review.newest_articles(conn, limit=1000)
    assert [row.id for row in newest] == filed[::-1][:3]
    assert [row.id for row in everything] == filed[::-1]
    assert {"id", "title", "text", "lang", "source"} <= set(newest[0]._fields)


def test_a_multi_label_article_is_published_under_each_of_its_sections(
    store: Store, sample_articles: list[Article]
) -> None:
    bank, cup = sample_articles[3], sample_articles[4]  # Arabic: the bank, the cup
    scores = {"Economy": 0.9, "Sports": 0.7, "Art": 0.3}
    calls = [
        Prediction(bank.id, "Economy", 0.9, scores, "ar", ("Economy", "Sports", "Art")),
        Prediction(cup.id, "Sports", 0.9, {"Sports": 0.9, "Art": 0.2}, "ar", ("Sports",)),
    ]
    with store.write() as conn:
        repo.insert_filed(
            conn, [repo.FiledArticle(a, p, "v1") for a, p in zip((bank, cup), calls, strict=True)]
        )

    def published(section: str) -> list[str | None]:
        with store.read() as conn:
            return [
                item.id
                for item in review.section_articles(conn, section, min_confidence=0.6, limit=10)
            ]

    assert published("Economy") == [bank.id]
    assert published("Sports") == [cup.id, bank.id]  # its call is 0.7 sure of Sports too
    assert published("Art") == []  # 0.3 sure: not published
    with store.write() as conn:  # the editor's sections replace the call's
        repo.add_correction(conn, bank.id or "", ["Economy", "Art"], editor="سارة")
    assert published("Art") == [bank.id] and published("Sports") == [cup.id]
    with store.write() as conn:
        repo.add_correction(conn, bank.id or "", ["Health"], editor="سارة")
    assert (
        published("Art") == [] and published("Economy") == [] and published("Health") == [bank.id]
    )


def test_review_counts_and_confusion(store: Store, filed: list[str]) -> None:
    with store.read() as conn:
        calls = {a.id: a.section for a in repo.get_articles(conn, filed).values()}
    other = "Music" if calls[filed[0]] != "Music" else "Art"
    with store.write() as conn:
        repo.add_correction(conn, filed[0], [other], editor="ann")
        repo.add_correction(conn, filed[1], [calls[filed[1]]], editor="ann", note="confirmed")
    with store.read() as conn:
        counts = review.review_counts(conn)
        confusion = review.confusion_counts(conn)
        dates, series = review.filed_per_day(
            conn, days=3, today=datetime(2025, 3, 2, tzinfo=UTC).date()
        )
    assert counts.total_reviewed == 2 and counts.total_changed == 1
    assert sum(counts.filed.values()) == len(filed)
    assert confusion[(calls[filed[0]], other)] == 1
    assert confusion[(calls[filed[1]], calls[filed[1]])] == 1
    assert len(dates) == 3 and sum(sum(values) for values in series.values()) == len(filed)
    assert series[other][dates.index(datetime(2025, 3, 1).date())] >= 1


def test_accounts_authenticate_and_a_new_password_ends_sessions(store: Store) -> None:
    with store.write() as conn:
        made = accounts.create_user(conn, "سارة", "a long password", KeyRole.EDITOR)
    with store.read() as conn:
        assert accounts.authenticate(conn, "سارة", "a long password") == made
        assert accounts.authenticate(conn, "سارة", "wrong password!") is None
        assert accounts.authenticate(conn, "nobody", "a long password") is None
    with store.write() as conn:
        changed = accounts.set_password(conn, "سارة", "another long one")
    assert changed is not None and changed.session_epoch == made.session_epoch + 1
    with store.write() as conn:
        accounts.end_sessions(conn, "سارة")
    with store.read() as conn:
        ended = accounts.get_user(conn, "سارة")
    assert ended is not None and ended.session_epoch == made.session_epoch + 2
    with store.write() as conn, pytest.raises(StoreError, match="exists already"):
        accounts.create_user(conn, "سارة", "a long password", KeyRole.READER)


def test_registry_activation_history_and_rollback(store: Store) -> None:
    with store.write() as conn:
        registry.ensure_model(conn, "v1", path=None, kind="initial")
        registry.activate_model(conn, "v1", by=None)
        registry.register_model(conn, "v2", kind="retrained", status="training")
        with pytest.raises(StoreError, match="not ready"):
            registry.activate_model(conn, "v2", by="ann")
        registry.update_model(conn, "v2", status="ready", path="/models/v2")
        registry.activate_model(conn, "v2", by="ann")
    with store.read() as conn:
        assert registry.active_version(conn) == "v2"
        assert registry.previous_version(conn) == "v1"
        assert [m.version for m in registry.list_models(conn)] == ["v2", "v1"]


def test_rollbacks_walk_back_the_activation_history(store: Store) -> None:
    with store.write() as conn:
        for version in ("v1", "v2", "v3"):
            registry.ensure_model(conn, version, path=None, kind="initial")
            registry.activate_model(conn, version, by="ann")
    steps = []
    for _ in range(3):
        with store.write() as conn:
            target = registry.previous_version(conn)
            steps.append(target)
            if target is not None:
                registry.activate_model(conn, target, by="ann", note=registry.ROLLBACK_NOTE)
    assert steps == ["v2", "v1", None]  # not v2, v3, v2...
    with store.write() as conn:
        registry.activate_model(conn, "v3", by="ann")  # an editor's choice starts a new step
        assert registry.previous_version(conn) == "v1"
        registry.activate_model(conn, "v3", by="ann")  # activating the active one is no step
        assert registry.previous_version(conn) == "v1"
        # a plain activation of the previous model is not a roll-back: it can be undone
        registry.activate_model(conn, "v1", by="ann")
        assert registry.previous_version(conn) == "v3"


def test_desk_jobs_record_progress_and_the_end(store: Store) -> None:
    with store.write() as conn:
        job_id = registry.create_job(conn, "retrain", created_by="ann")
        registry.update_job(conn, job_id, status="running", progress=0.5, message="halfway")
    with store.read() as conn:
        running = registry.get_job(conn, job_id)
    assert running is not None and running.running and running.progress == 0.5
    with store.write() as conn:
        registry.finish_job(conn, job_id, error="no reviewed articles yet")
    with store.read() as conn:
        ended = registry.latest_job(conn, "retrain")
    assert ended is not None and ended.status == "failed" and not ended.running
    assert ended.to_dict()["error"] == "no reviewed articles yet"


def test_filed_per_day_counts_utc_days_whatever_the_session_time_zone(
    store: Store, classifier: Classifier, sample_articles: list[Article]
) -> None:
    from sqlalchemy import text

    late = datetime(2025, 3, 1, 23, 30, tzinfo=UTC)  # 2 March already in Riyadh (UTC+3)
    prediction = classifier.classify(sample_articles[0])
    with store.write() as conn:
        repo.insert_filed(
            conn, [repo.FiledArticle(sample_articles[0], prediction, "v1")], filed_at=late
        )
    with store.read() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SET LOCAL TIME ZONE 'Asia/Riyadh'"))
        dates, series = review.filed_per_day(conn, days=2, today=late.date() + timedelta(days=1))
    assert dates == [late.date(), late.date() + timedelta(days=1)]
    assert series == {prediction.section: [1, 0]}
