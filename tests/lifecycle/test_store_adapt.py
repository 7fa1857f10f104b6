"""``retrain(adapt=True)`` (``newsdesk retrain --adapt``): the candidate self-trained on the
stored articles, the corrections as examples; on day one, the active model adapted as it is."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from lifecycle.newsroom import CountingEncoder, articles, correct, file_all, zero_shot
from newsdesk.article import Article
from newsdesk.classify.classifier import Classifier
from newsdesk.errors import TrainingError
from newsdesk.lifecycle.retrain import retrain
from newsdesk.lifecycle.slot import ServedModel
from newsdesk.store import registry
from newsdesk.taxonomy import load_taxonomy

DATA = Path(__file__).parents[1] / "data"
TERSE = load_taxonomy(DATA / "terse-taxonomy.yaml")  # "Sport.", "The economy.", "Politics."


def terse_archive() -> tuple[list[Article], list[str]]:
    rows = [json.loads(line) for line in (DATA / "terse-archive.jsonl").read_text().splitlines()]
    return [Article(text=r["text"], id=r["id"], lang="en") for r in rows], [
        r["label"] for r in rows
    ]


def accuracy(classifier: Classifier, items: list[Article], gold: list[str]) -> float:
    calls = [p.section for p in classifier.classify_many(items)]
    return float(np.mean([c == g for c, g in zip(calls, gold, strict=True)]))


def test_on_day_one_the_active_model_is_adapted_to_the_store(tmp_path: Path) -> None:
    items, gold = terse_archive()  # most articles do not name their section
    zero = Classifier.zero_shot(TERSE, "lexical")
    store = file_all(tmp_path, zero, items, "zero-shot")
    base = ServedModel(zero, "zero-shot")
    with pytest.raises(TrainingError, match="no reviewed articles yet"):
        retrain(store, base, tmp_path / "models", by="ann")  # a plain retrain needs reviews
    messages: list[str] = []
    outcome = retrain(store, base, tmp_path / "models", by="ann", adapt=True,
                      progress=lambda share, message: messages.append(message))  # fmt: skip
    candidate = Classifier.load(outcome.path, encoder="lexical")
    assert accuracy(zero, items, gold) < 0.6
    assert accuracy(candidate, items, gold) >= 0.85
    brief = outcome.metrics["training"]["adaptation"]
    assert brief == {"adapted": True, "articles": len(items), "examples": 0,
                     "kept_head_because": None}  # fmt: skip
    assert any(
        m.startswith(f"adapted the zero-shot head to {len(items)} articles") for m in messages
    )
    saved = json.loads((outcome.path / "model.json").read_text())
    assert saved["hyperparameters"]["adaptation"]["kept_rounds"] >= 1
    assert saved["hyperparameters"]["head"] == "self-trained"  # not the zero-shot it came from
    assert candidate.head.temperature_ == 1.0  # type: ignore[attr-defined]  # nothing held out
    with store.read() as conn:
        record = registry.get_model(conn, outcome.version)
        assert record is not None and record.status == "ready"
        assert registry.active_version(conn) != outcome.version  # an editor activates it


def test_corrections_teach_adaptation_what_a_misleading_taxonomy_gets_wrong(
    tmp_path: Path,
) -> None:
    items, labels = articles(150)
    gold = [labels[a.id or ""] for a in items]
    misled = zero_shot(misleading=True)  # its descriptions swap the sections' words
    store = file_all(tmp_path, misled, items, "zero-shot")
    assert accuracy(misled, items, gold) < 0.2
    correct(store, labels, [a.id or "" for a in items[:30]])
    outcome = retrain(store, ServedModel(misled, "zero-shot"), tmp_path / "models", by="ann",
                      adapt=True)  # fmt: skip
    brief = outcome.metrics["training"]["adaptation"]
    training = outcome.comparison["n"]  # the held-out reviewed articles
    assert brief["adapted"] and brief["examples"] == 30 - training and brief["articles"] == 150
    candidate = Classifier.load(outcome.path, encoder="lexical")
    assert accuracy(candidate, items, gold) >= 0.95
    # its confidence is fitted on the held-out reviewed articles (the head's own runs high)
    assert training > 0 and candidate.head.temperature_ != 1.0  # type: ignore[attr-defined]
    recorded = outcome.metrics["training"]["temperature"]  # the adapted head's, not the trained
    assert recorded == pytest.approx(candidate.head.temperature_)  # type: ignore[attr-defined]


def test_a_store_too_small_keeps_the_retrained_model_and_says_why(tmp_path: Path) -> None:
    items, labels = articles(45)
    store = file_all(tmp_path, zero_shot(), items, "zero-shot")
    correct(store, labels, [a.id or "" for a in items[:30]])
    base = ServedModel(zero_shot(), "zero-shot")
    adapted = retrain(store, base, tmp_path / "models", by="ann", adapt=True)
    plain = retrain(store, base, tmp_path / "models", by="ann")
    brief = adapted.metrics["training"]["adaptation"]
    assert not brief["adapted"]
    assert brief["kept_head_because"] == (
        "an archive of 45 articles is too small for 3 sections (self-training needs 30 a section)"
    )
    probe = articles(12, seed=7)[0]
    np.testing.assert_allclose(
        Classifier.load(adapted.path, encoder="lexical").predict_proba(probe),
        Classifier.load(plain.path, encoder="lexical").predict_proba(probe),
    )  # the candidate is the retrained model itself


def test_the_stored_articles_are_encoded_once_across_adapting_retrains(tmp_path: Path) -> None:
    encoder = CountingEncoder()  # cacheable: retrains keep its vectors beside the models
    items, gold = terse_archive()
    contents = {a.content for a in items}
    zero = Classifier.zero_shot(TERSE, encoder)
    store = file_all(tmp_path, zero, items, "zero-shot")
    encoder.texts.clear()
    retrain(store, ServedModel(zero, "zero-shot"), tmp_path / "models", by="ann", adapt=True)
    read = [t for t in encoder.texts if t in contents]
    assert sorted(read) == sorted(contents)  # day one: every stored article, once
    labels = {a.id or "": g for a, g in zip(items, gold, strict=True)}
    correct(store, labels, [a.id or "" for a in items[:12]])
    encoder.texts.clear()
    retrain(store, ServedModel(zero, "zero-shot"), tmp_path / "models", by="ann", adapt=True)
    assert encoder.texts  # the taxonomy's lines, read as passages for the zero-shot prior
    assert not contents & set(encoder.texts)  # no stored article again: all from the cache


def test_no_review_and_nothing_adapted_is_no_candidate(tmp_path: Path) -> None:
    items, _ = articles(45)  # too few for three sections
    store = file_all(tmp_path, zero_shot(), items, "zero-shot")
    with pytest.raises(TrainingError, match=r"nothing to propose") as caught:
        retrain(store, ServedModel(zero_shot(), "zero-shot"), tmp_path / "m", by="ann", adapt=True)
    assert "an archive of 45 articles is too small for 3 sections" in str(caught.value)
    with store.read() as conn:
        retrained = [m for m in registry.list_models(conn) if m.kind == "retrained"]
    assert retrained == []  # nothing to do is no failure: no registry entry, as a plain retrain
