"""Adapting a classifier to an unlabeled archive (``Classifier.adapt``), and its refusals."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import replace
from functools import partial
from pathlib import Path

import numpy as np
import pytest

from newsdesk.article import Article
from newsdesk.classify.adapt import ADAPT_OPTIONS
from newsdesk.classify.classifier import Classifier
from newsdesk.classify.dataset import LabeledArticles
from newsdesk.classify.options import linear_head
from newsdesk.classify.propagation import spread_labels
from newsdesk.classify.self_training import (
    beyond_chance,
    self_train,
    self_train_from,
    starting_point,
)
from newsdesk.classify.training import train_classifier
from newsdesk.classify.zero_shot import ZeroShotHead
from newsdesk.encoders.base import Role
from newsdesk.encoders.lexical import LexicalEncoder
from newsdesk.taxonomy import Section, Taxonomy, load_taxonomy

DATA = Path(__file__).parents[1] / "data"
# three topics, each a vocabulary of its own; one article in four names its section
TERSE = load_taxonomy(DATA / "terse-taxonomy.yaml")  # "Sport.", "The economy.", "Politics."
ENCODER = LexicalEncoder()


def archive(name: str) -> tuple[list[Article], list[str | None]]:
    rows = [json.loads(line) for line in (DATA / name).read_text(encoding="utf-8").splitlines()]
    articles = [Article(text=r["text"], id=r["id"], lang="en") for r in rows]
    return articles, [r.get("label") for r in rows]


def accuracy(clf: Classifier, articles: list[Article], gold: Sequence[str | None]) -> float:
    calls = [p.section for p in clf.classify_many(articles)]
    return float(np.mean([c == g for c, g in zip(calls, gold, strict=True)]))


def test_adapting_to_topics_a_terse_line_names_learns_them() -> None:
    articles, gold = archive("terse-archive.jsonl")
    zero = Classifier.zero_shot(TERSE, ENCODER)
    adapted = zero.adapt(articles)
    report = adapted.adaptation
    assert report is not None and report.adapted and report.start == "zero-shot"
    assert report.kept_rounds >= 1 and report.articles == len(articles)
    assert report.runs == 2  # the shipped settings: two runs, their averaged reading learned
    assert set(report.learned_from) == set(TERSE.names)
    assert sum(report.learned_from.values()) == len(articles)
    assert accuracy(zero, articles, gold) < 0.6  # most articles do not name their section
    assert accuracy(adapted, articles, gold) >= 0.85
    assert "adapted the zero-shot head to 180 articles" in report.summary()
    assert zero.adaptation is None and zero.head.kind == "zero-shot"  # the original is kept


def test_two_runs_teach_the_head_their_averaged_reading_of_every_article() -> None:
    articles, gold = archive("terse-archive.jsonl")
    zero = Classifier.zero_shot(TERSE, ENCODER)
    options = replace(
        ADAPT_OPTIONS,
        self_training_shares=(0.3, 0.6, 0.9),
        self_training_also=((0.2, 0.4, 0.6, 0.8, 1.0),),
    )
    adapted = zero.adapt(articles, options=options)
    report = adapted.adaptation
    assert report is not None and report.adapted and report.runs == 2
    assert sum(report.learned_from.values()) == len(articles)  # each with the runs' section
    assert set(report.learned_from) == set(TERSE.names)
    assert accuracy(adapted, articles, gold) >= 0.85
    assert "the head learned 2 runs' averaged reading of 180 articles" in report.summary()
    single = zero.adapt(articles, options=replace(options, self_training_also=()))
    assert single.adaptation is not None and single.adaptation.runs == 1


def test_an_archive_too_small_keeps_the_head_and_says_why() -> None:
    articles, _ = archive("terse-archive.jsonl")
    zero = Classifier.zero_shot(TERSE, ENCODER)
    kept = zero.adapt(articles[:40])
    assert kept.adaptation is not None and not kept.adaptation.adapted
    assert kept.adaptation.kept_head_because == (
        "an archive of 40 articles is too small for 3 sections (self-training needs 30 a section)"
    )
    assert kept.head is zero.head
    np.testing.assert_array_equal(kept.predict_proba(articles), zero.predict_proba(articles))


def test_an_off_topic_archive_fails_the_check_and_keeps_the_head() -> None:
    articles, _ = archive("off-topic-archive.jsonl")  # recipes: no section fits
    kept = Classifier.zero_shot(TERSE, ENCODER).adapt(articles)
    report = kept.adaptation
    assert report is not None and not report.adapted and report.kept_rounds == 0
    assert report.kept_head_because is not None
    assert report.kept_head_because.startswith("round 1 failed the check")
    assert report.rounds[0]["agreement"] < 0.85
    assert "adaptation kept the zero-shot head: round 1 failed" in report.summary()


class CountingEncoder(LexicalEncoder):
    def __init__(self) -> None:
        super().__init__()
        self.passages: list[str] = []

    def encode(self, texts: Sequence[str], role: Role = Role.PASSAGE) -> np.ndarray:
        if role is Role.PASSAGE:
            self.passages += list(texts)
        return super().encode(texts, role)


def test_the_archive_is_encoded_once_for_adapting_and_filing() -> None:
    articles, _ = archive("terse-archive.jsonl")
    counting = CountingEncoder()
    zero = Classifier.zero_shot(TERSE, counting)
    counting.passages.clear()  # the taxonomy's lines
    adapted = zero.adapt(articles)
    assert len(counting.passages) == len(articles)
    list(adapted.classify_many(articles))
    assert len(counting.passages) == len(articles)  # filing read the remembered vectors
    adapted.classify("A new text about the league final")
    assert counting.passages[-1] == "A new text about the league final"
    assert adapted.encoder.fingerprint == counting.fingerprint


def test_adapting_a_trained_model_starts_from_its_head() -> None:
    articles, gold = archive("terse-archive.jsonl")
    first = {label: next(a for a, g in zip(articles, gold, strict=True) if g == label)
             for label in TERSE.names}  # fmt: skip
    examples = LabeledArticles(list(first.values()), [[label] for label in first])
    trained = train_classifier(TERSE, ENCODER, examples).classifier
    assert trained.head.kind == "prototype"
    adapted = trained.adapt(articles)
    assert adapted.adaptation is not None and adapted.adaptation.adapted
    assert adapted.adaptation.start == "prototype"
    assert accuracy(adapted, articles, gold) >= max(0.85, accuracy(trained, articles, gold))


def test_the_reading_is_checked_before_it_is_spread() -> None:
    """Labels spread over the articles' neighbours agree with the features by construction,
    so on an off-topic archive they would pass the check the reading itself fails."""
    articles, _ = archive("off-topic-archive.jsonl")
    zero = Classifier.zero_shot(TERSE, ENCODER)
    encoded = zero.encode(articles)
    classes = TERSE.names
    assert isinstance(zero.head, ZeroShotHead)
    initial, prior = starting_point(zero.head, encoded, classes)
    spread = spread_labels(
        encoded.embeddings, initial, neighbours=ADAPT_OPTIONS.self_training_neighbours,
        spread=ADAPT_OPTIONS.self_training_spread,
    )  # fmt: skip
    make_head = partial(linear_head, ADAPT_OPTIONS, len(articles), prior_weight=0.0)
    _, unchecked = self_train(
        encoded, spread, prior, classes, make_head, prior_weight=0.0, agree_with_prior=False
    )
    assert unchecked["rounds"][0]["agreement"] >= 0.85  # type: ignore[index]
    learned, report = self_train_from(zero.head, encoded, classes, ADAPT_OPTIONS)
    assert learned is None and report["kept"] == 0
    assert report["rounds"][0]["before_spreading"] is True  # type: ignore[index]
    assert report["rounds"][0]["agreement"] < 0.85  # type: ignore[index]


def test_spread_labels_that_fail_the_check_give_way_to_the_reading(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    articles, _ = archive("terse-archive.jsonl")
    zero = Classifier.zero_shot(TERSE, ENCODER)
    encoded = zero.encode(articles)
    assert isinstance(zero.head, ZeroShotHead)
    plain = replace(ADAPT_OPTIONS, self_training_neighbours=0)
    expected, _ = self_train_from(zero.head, encoded, TERSE.names, plain)
    learned, report = self_train_from(zero.head, encoded, TERSE.names, ADAPT_OPTIONS)
    assert report["spread"] is True and learned is not None

    def scrambled(embeddings: np.ndarray, probs: np.ndarray, **_: object) -> np.ndarray:
        return np.random.default_rng(0).permutation(probs)  # labels no feature bears out

    monkeypatch.setattr("newsdesk.classify.self_training.spread_labels", scrambled)
    learned, report = self_train_from(zero.head, encoded, TERSE.names, ADAPT_OPTIONS)
    assert report["spread"] is False and learned is not None and expected is not None
    np.testing.assert_array_equal(
        learned.decision_function(encoded), expected.decision_function(encoded)
    )


def test_examples_join_adaptation_and_unknown_sections_are_refused() -> None:
    articles, gold = archive("terse-archive.jsonl")
    # the first two articles of each section, labeled: an editor's first corrections
    chosen = [i for label in TERSE.names for i in [j for j, g in enumerate(gold) if g == label][:2]]
    examples = ([articles[i] for i in chosen], [str(gold[i]) for i in chosen])
    zero = Classifier.zero_shot(TERSE, ENCODER)
    adapted = zero.adapt(articles, examples=examples)
    report = adapted.adaptation
    assert report is not None and report.adapted and report.examples == 6
    assert "and 6 labeled ones" in report.summary()
    assert accuracy(adapted, articles, gold) >= 0.85
    with pytest.raises(ValueError, match=r"sections the classifier does not have: \['Weather'\]"):
        zero.adapt(articles, examples=(examples[0][:1], ["Weather"]))
    with pytest.raises(ValueError, match="2 examples but 1 sections"):
        zero.adapt(articles, examples=(examples[0][:2], examples[1][:1]))
    with pytest.raises(ValueError, match=r"two parts: \(articles, their sections\)"):
        zero.adapt(articles, examples=(examples[0], examples[1], examples[1]))  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="not strings"):
        zero.adapt(articles, examples=("a text", "Sports"))  # type: ignore[arg-type]
    texts = (a.content for a in examples[0])  # plain texts, from a generator
    again = zero.adapt(articles, examples=(texts, iter(examples[1])))  # type: ignore[arg-type]
    assert again.adaptation is not None and again.adaptation.examples == 6
    empty = zero.adapt(articles, examples=([], []))
    assert empty.adaptation is not None and empty.adaptation.examples == 0


def test_a_reading_that_files_nearly_everything_one_section_is_not_learned() -> None:
    from lifecycle.newsroom import COMMON, articles

    items, _ = articles(240)
    # one description made of the words every article has: it wins nearly every article
    lopsided = Taxonomy(name="lopsided", sections=(
        Section(name="sport", description={"en": "chess tournament grandmaster opening endgame"}),
        Section(name="business", description={"en": " ".join(COMMON[:8])}),
        Section(name="science", description={"en": "astronomy telescope galaxy comet nebula"}),
    ))  # fmt: skip
    extra = [Article(text="chess tournament grandmaster opening endgame chess", id="x1", lang="en"),
             Article(text="astronomy telescope galaxy comet nebula telescope", id="x2", lang="en")]  # fmt: skip
    kept = Classifier.zero_shot(lopsided, "lexical").adapt(items + extra)
    report = kept.adaptation
    assert report is not None and not report.adapted
    first = report.rounds[0]
    assert first["agreement"] >= 0.85  # reproduced "well": by calling everything business
    assert first["beyond_chance"] < 0.5
    assert report.kept_head_because is not None
    assert "put nearly every article in one section" in report.kept_head_because


def test_beyond_chance_is_cohens_kappa() -> None:
    labels = np.array(["a"] * 8 + ["b"] * 2)
    assert beyond_chance(labels, labels) == pytest.approx(1.0)
    assert beyond_chance(np.array(["a"] * 10), labels) == pytest.approx(0.0)  # 80% agreement
    calls = np.array(["a"] * 7 + ["b"] * 3)  # 9 of 10 agree; 0.7 * 0.8 + 0.3 * 0.2 by chance
    assert beyond_chance(calls, labels) == pytest.approx((0.9 - 0.62) / (1 - 0.62))
