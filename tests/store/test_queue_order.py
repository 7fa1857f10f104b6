"""The queue's stored order: random picks, priorities, and the estimate they give."""

from __future__ import annotations

import pytest

from newsdesk.article import Article
from newsdesk.classify.result import Prediction
from newsdesk.lifecycle.retrain import held_out
from newsdesk.store import Store, review
from newsdesk.store import articles as repo
from newsdesk.store.queue_order import (
    RANDOM_SHARE,
    filing_priority,
    is_random_pick,
    queue_window,
    set_priorities,
    unreviewed_accuracy,
    wilson_interval,
)


def test_one_article_in_five_is_a_random_pick_independent_of_the_held_out_fifth() -> None:
    ids = [f"article-{n}" for n in range(6000)]
    picks = [i for i in ids if is_random_pick(i)]
    assert abs(len(picks) / len(ids) - 1 / RANDOM_SHARE) < 0.02
    # retraining holds out its own fifth: picks are held out no more often than others
    assert abs(sum(map(held_out, picks)) / len(picks) - 0.2) < 0.04
    assert [is_random_pick(i) for i in ids[:50]] == [is_random_pick(i) for i in ids[:50]]


def test_a_random_picks_priority_is_its_draw_and_any_other_article_its_margin() -> None:
    regular = next(f"a{n}" for n in range(100) if not is_random_pick(f"a{n}"))
    pick = next(f"a{n}" for n in range(100) if is_random_pick(f"a{n}"))
    assert filing_priority(regular, 0.125) == 0.125
    draws = {filing_priority(pick, m) for m in (0.0, 0.5, 1.0)}
    assert len(draws) == 1 and 0.0 <= draws.pop() < 1.0


def test_wilson_interval_holds_the_share_and_narrows_with_more_reviews() -> None:
    low, high = wilson_interval(8, 10)
    assert low < 0.8 < high <= 1.0
    wide = high - low
    low, high = wilson_interval(80, 100)
    assert low < 0.8 < high and high - low < wide / 2
    assert wilson_interval(0, 0) == (0.0, 1.0)
    assert wilson_interval(10, 10)[1] == pytest.approx(1.0)
    assert wilson_interval(0, 10)[0] == pytest.approx(0.0)


def _file(store: Store, n: int) -> list[str]:
    """``n`` articles (English and Arabic) called Sports with margins 0, 1/n, 2/n, ..."""
    filed = []
    for k in range(n):
        lead = k / n
        scores = {"Sports": 0.5 + lead / 2, "Economy": 0.5 - lead / 2}
        lang = "ar" if k % 2 else "en"
        text = "فاز الفريق بالمباراة" if lang == "ar" else "The team won the match"
        article = Article(text=f"{text} {k}", id=f"q{k}", lang=lang)
        filed.append(
            repo.FiledArticle(
                article, Prediction(article.id, "Sports", scores["Sports"], scores), "v1"
            )
        )
    with store.write() as conn:
        repo.insert_filed(conn, filed)
    return [f"q{k}" for k in range(n)]


def test_the_queue_follows_stored_priorities_and_a_rerank_moves_them(store: Store) -> None:
    ids = _file(store, 40)
    with store.read() as conn:
        regular = queue_window(conn, limit=None)
        picks = queue_window(conn, limit=None, random_picks=True)
    assert {w.id for w in regular} | {w.id for w in picks} == set(ids)
    assert all(is_random_pick(w.id) for w in picks) and not any(
        is_random_pick(w.id) for w in regular
    )
    # a re-rank puts the last article of the regular ones first
    ranked = [(w.seq, (n + 1) / 100, "Economy") for n, w in enumerate(reversed(regular))]
    with store.write() as conn:
        set_priorities(conn, ranked, version="v2")
    with store.read() as conn:
        page, after = review.queue_page(conn, review.QueueFilter(), limit=5)
        more, _ = review.queue_page(conn, review.QueueFilter(), limit=100, after=after)
    assert page[0].id == regular[-1].id or page[0].random_pick
    keys = [item.priority for item in page + more]
    assert keys == sorted(keys) and len(page + more) == 40


def test_the_estimate_counts_reviewed_random_picks_against_the_call_shown(store: Store) -> None:
    ids = _file(store, 80)
    picks = [i for i in ids if is_random_pick(i)]
    regular = [i for i in ids if not is_random_pick(i)]
    assert len(picks) >= 8
    with store.read() as conn:
        seqs = {w.id: w.seq for w in queue_window(conn, limit=None, random_picks=True)}
    # model v2 re-ranked the first four picks and called them Economy
    with store.write() as conn:
        set_priorities(conn, [(seqs[i], 0.1, "Economy") for i in picks[:4]], version="v2")
        for i in picks[:3]:  # the editor agrees with v2 on three of them ...
            repo.add_correction(conn, i, ["Economy"], editor="ann")
        repo.add_correction(conn, picks[3], ["Sports"], editor="ann")  # ... not on the fourth
        for i in picks[4:8]:  # v1's Sports calls, all right
            repo.add_correction(conn, i, ["Sports"], editor="ann")
        for i in regular[:10]:  # not random picks: they do not count
            repo.add_correction(conn, i, ["Politics"], editor="ann")
    with store.read() as conn:
        pooled = unreviewed_accuracy(conn)
        by_v2 = unreviewed_accuracy(conn, version="v2")
        by_v1 = unreviewed_accuracy(conn, version="v1")
        latest = unreviewed_accuracy(conn, last=2)
    assert (pooled.hits, pooled.n) == (7, 8)
    assert (by_v2.hits, by_v2.n) == (3, 4) and by_v2.accuracy == 0.75
    assert (by_v1.hits, by_v1.n) == (4, 4)
    assert by_v2.low < 0.75 < by_v2.high
    assert latest.n == 2
