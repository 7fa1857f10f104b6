"""The teaching order, re-ranking the stored queue, and the oracle editor's loop on it."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from newsdesk.article import Article
from newsdesk.classify.classifier import Classifier
from newsdesk.lifecycle.loading import model_version
from newsdesk.lifecycle.queue_order import BATCH, rerank_queue, teaching_order
from newsdesk.lifecycle.retrain import retrain
from newsdesk.lifecycle.slot import ServedModel, load_saved
from newsdesk.store import Store, registry, review
from newsdesk.store import articles as repo
from newsdesk.store.queue_order import RANDOM_SHARE, unreviewed_accuracy
from newsdesk.taxonomy import Section, Taxonomy


def _unit(rows: np.ndarray) -> np.ndarray:
    return rows / np.linalg.norm(rows, axis=1, keepdims=True)


def test_sections_take_turns_least_decided_first() -> None:
    # six articles called section 0 (margins 0.1 .. 0.6), three called section 1 (0.7 .. 0.9)
    margins = np.array([0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9])
    calls = np.array([0, 0, 0, 0, 0, 0, 1, 1, 1])
    probs = np.zeros((9, 2))
    probs[np.arange(9), calls] = (1 + margins) / 2
    probs[np.arange(9), 1 - calls] = (1 - margins) / 2
    embeddings = np.eye(9)
    order = teaching_order(probs, embeddings).tolist()
    assert order == [0, 6, 1, 7, 2, 8, 3, 4, 5]
    margin_only = np.argsort(margins).tolist()
    assert order[:2] != margin_only[:2]  # margin alone would spend the first two on section 0


def test_near_duplicates_wait_behind_their_sections_next_article() -> None:
    rng = np.random.default_rng(0)
    embeddings = _unit(rng.normal(size=(30, 16)))
    embeddings[1] = embeddings[0]  # the same story twice, both among the least decided
    probs = np.zeros((30, 2))
    probs[:, 0] = 0.5 + np.arange(30) / 100  # one section, least decided first
    probs[:, 1] = 1 - probs[:, 0]
    folded = teaching_order(probs, embeddings).tolist()
    plain = teaching_order(probs, embeddings, fold=False).tolist()
    assert plain[:2] == [0, 1]
    assert folded[0] == 0 and 1 not in folded[:BATCH]
    assert sorted(folded) == list(range(30))


TAXONOMY = Taxonomy(
    name="loop",
    sections=(
        Section(
            name="Sports",
            description={
                "en": "sport: match goal team league coach",
                "ar": "مباراة هدف فريق دوري مدرب",
            },
        ),
        Section(
            name="Economy",
            description={
                "en": "economy: market bank prices trade inflation",
                "ar": "سوق بنك أسعار تجارة تضخم",
            },
        ),
    ),
)
SPORTS = ["match", "goal", "team", "league", "coach"]
ECONOMY = ["market", "bank", "prices", "trade", "inflation"]
SPORTS_AR = ["مباراة", "هدف", "فريق", "دوري", "مدرب"]
ECONOMY_AR = ["سوق", "بنك", "أسعار", "تجارة", "تضخم"]


def _synthetic() -> tuple[list[Article], dict[str, str]]:
    """Clear articles of each section, and hard ones: as many words of each section, and the
    stadium's ("stadium team market goal prices": a club's finances, Sports). Zero-shot
    hesitates on the hard ones: the right queue puts them first."""
    items: list[Article] = []
    gold: dict[str, str] = {}
    for n in range(40):
        lang = "ar" if n % 4 == 3 else "en"
        sports, economy = (SPORTS_AR, ECONOMY_AR) if lang == "ar" else (SPORTS, ECONOMY)
        section = "Sports" if n % 2 else "Economy"
        words = sports if section == "Sports" else economy
        text = " ".join(words[(n + k) % 5] for k in range(4))
        if n < 16:
            section = "Sports"
            text = " ".join(
                [
                    "stadium",
                    sports[n % 5],
                    economy[n % 5],
                    sports[(n + 2) % 5],
                    economy[(n + 2) % 5],
                ]
            )
        items.append(Article(text=f"{text} {n}", id=f"n{n}", lang=lang))
        gold[f"n{n}"] = section
    return items, gold


@pytest.fixture
def newsroom(tmp_path: Path) -> tuple[Store, ServedModel, dict[str, str]]:
    store = Store(f"sqlite:///{tmp_path / 'desk.db'}")
    from newsdesk.store.migrate import upgrade

    upgrade(store)
    classifier = Classifier.zero_shot(TAXONOMY, encoder="lexical")
    base = ServedModel(classifier, model_version(classifier))
    items, gold = _synthetic()
    with store.write() as conn:
        registry.ensure_model(conn, base.version, path=None, kind="initial")
        registry.activate_model(conn, base.version, by=None)
        repo.insert_filed(
            conn,
            [
                repo.FiledArticle(a, p, base.version)
                for a, p in zip(items, classifier.classify_many(items), strict=True)
            ],
        )
    yield store, base, gold
    store.dispose()


def _accuracy(store: Store, model: ServedModel, gold: dict[str, str]) -> float:
    with store.read() as conn:
        waiting, _ = review.queue_page(conn, review.QueueFilter(), limit=1000)
    calls = model.classifier.classify_many(
        [Article(text=w.lead, id=w.id, lang=w.lang) for w in waiting]
    )
    return float(np.mean([p.section == gold[w.id] for p, w in zip(calls, waiting, strict=True)]))


def test_a_rerank_puts_a_random_pick_in_every_fifth_place(newsroom) -> None:
    store, base, _ = newsroom
    assert rerank_queue(store, base) == 40
    with store.read() as conn:
        page, _ = review.queue_page(conn, review.QueueFilter(), limit=40)
    places = [n for n, item in enumerate(page) if item.random_pick]
    picks = len(places)
    assert picks >= 3
    assert places[: picks - 1] == [RANDOM_SHARE - 1 + RANDOM_SHARE * k for k in range(picks - 1)]
    assert all(0.0 <= item.priority < 1.0 for item in page)


def test_the_oracle_loop_reviews_the_hard_articles_first_and_the_model_learns_them(
    newsroom, tmp_path: Path
) -> None:
    store, base, gold = newsroom
    zero_shot = _accuracy(store, base, gold)
    rerank_queue(store, base)
    reviewed: list[str] = []
    for _ in range(2):  # two batches of ten, a retrain and a re-rank after each
        with store.read() as conn:
            batch, _ = review.queue_page(conn, review.QueueFilter(), limit=10)
        with store.write() as conn:
            for item in batch:
                repo.add_correction(conn, item.id, [gold[item.id]], editor="oracle")
        reviewed += [item.id for item in batch if not item.random_pick]
        outcome = retrain(store, base, tmp_path / "models", by="oracle", confident_per_section=0)
        base = load_saved(outcome.version, str(outcome.path), base.classifier.encoder)
        rerank_queue(store, base)
    hard = {f"n{n}" for n in range(16)}
    assert len(set(reviewed) & hard) >= 0.75 * len(reviewed)  # the queue found the hard ones
    assert _accuracy(store, base, gold) > zero_shot
    with store.read() as conn:
        estimate = unreviewed_accuracy(conn)
    assert estimate.n >= 2 and estimate.low <= estimate.accuracy <= estimate.high


def test_a_model_swapped_in_re_ranks_the_queue_in_the_background(newsroom) -> None:
    from newsdesk.lifecycle.runtime import LifecycleOptions, ModelLifecycle
    from newsdesk.lifecycle.slot import ModelSlot

    store, base, _ = newsroom
    lifecycle = ModelLifecycle(store, LifecycleOptions(model_check_s=0, rerank_window=None))
    slot = ModelSlot(base)
    lifecycle.attach(slot, initial_path=None)
    with store.read() as conn:
        before, _ = review.queue_page(conn, review.QueueFilter(), limit=40)
    slot.swap(ServedModel(base.classifier, "swapped-in"))
    lifecycle._reranker.shutdown(wait=True)  # the re-rank queued by the swap has ended
    with store.read() as conn:
        after, _ = review.queue_page(conn, review.QueueFilter(), limit=40)
    assert [i.priority for i in after] != [i.priority for i in before]
    assert all(0.0 <= i.priority < 1.0 for i in after)
    pick = next(i for i in after if i.random_pick)
    with store.write() as conn:
        repo.add_correction(conn, pick.id, [pick.section], editor="ann")
    with store.read() as conn:  # its call is now the swapped-in model's
        assert unreviewed_accuracy(conn, version="swapped-in").n == 1
        assert unreviewed_accuracy(conn, version=base.version).n == 0
