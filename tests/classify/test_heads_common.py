"""The head contract, once for every head kind (scikit-learn's test_common habit)."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from newsdesk.article import Article
from newsdesk.classify.linear import LinearHead
from newsdesk.classify.prototype import PrototypeHead
from newsdesk.classify.result import EncodedArticles
from newsdesk.classify.saved import head_from_state
from newsdesk.classify.zero_shot import ZeroShotHead
from newsdesk.encoders.lexical import LexicalEncoder
from newsdesk.errors import NotFittedError
from newsdesk.io.labeled import read_labeled
from newsdesk.taxonomy import load_taxonomy

DATA = Path(__file__).parents[1] / "data"

ENCODER = LexicalEncoder(dim=256)
TAXONOMY = load_taxonomy(DATA / "tiny-taxonomy.yaml")


def encoded(multi_label: bool = False) -> tuple[EncodedArticles, list[Any]]:
    name = "multilabel.jsonl" if multi_label else "labeled.jsonl"
    data = read_labeled([DATA / name], multi_label=multi_label)
    X = EncodedArticles(data.articles, ENCODER.encode([a.content for a in data.articles]))
    return X, (list(data.labels) if multi_label else data.primary)


def fit_prototype(X: EncodedArticles, y: list[Any]) -> PrototypeHead:
    return PrototypeHead().fit(X, y)


def fit_prototype_prior(X: EncodedArticles, y: list[Any]) -> PrototypeHead:
    prior = ZeroShotHead().fit_taxonomy(TAXONOMY, ENCODER)
    return PrototypeHead().fit(X, y, prior=prior, other="Other")


HEADS: dict[str, tuple[Callable[[], Any], Callable[..., Any], bool]] = {
    "prototype": (PrototypeHead, fit_prototype, False),
    "prototype+prior": (PrototypeHead, fit_prototype_prior, False),
    "linear": (LinearHead, lambda X, y: LinearHead().fit(X, y), False),
    "linear+prior": (
        LinearHead,
        lambda X, y: LinearHead().fit(
            X, y, classes=TAXONOMY.names, prior=ZeroShotHead().fit_taxonomy(TAXONOMY, ENCODER)
        ),
        False,
    ),
    "linear-embeddings-only": (LinearHead, lambda X, y: LinearHead(lexical=False).fit(X, y), False),
    "linear-char-ngrams": (
        LinearHead,
        lambda X, y: LinearHead(char_ngrams=(3, 4)).fit(X, y),
        False,
    ),
    "linear-multi-label": (
        lambda: LinearHead(multi_label=True),
        lambda X, y: LinearHead(multi_label=True).fit(X, y),
        True,
    ),
}


@pytest.mark.parametrize("name", list(HEADS))
def test_head_contract(name: str) -> None:
    make, fit, multi_label = HEADS[name]
    X, y = encoded(multi_label)
    unfitted = make()
    with pytest.raises(NotFittedError, match="not fitted"):
        unfitted.predict_proba(X)
    with pytest.raises(NotFittedError):
        unfitted.get_state()

    head = fit(X, y)
    assert head.classes_ is not None and len(head.classes_) >= 3
    probs = head.predict_proba(X)
    assert probs.shape == (len(X), len(head.classes_))
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, rtol=1e-6)
    # columns follow classes_: the training articles' own section is the most probable
    primary = [labels[0] if isinstance(labels, tuple) else labels for labels in y]
    predicted = [head.classes_[i] for i in probs.argmax(axis=1)]
    assert np.mean([p == t for p, t in zip(predicted, primary, strict=True)]) >= 0.8

    config, arrays = head.get_state()
    config = json.loads(json.dumps(config))  # the config must survive JSON
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    buffer.seek(0)
    with np.load(buffer, allow_pickle=False) as npz:
        loaded = head_from_state(head.kind, config, {k: npz[k] for k in npz.files})
    np.testing.assert_array_equal(loaded.predict_proba(X), probs)
    assert loaded.classes_ == head.classes_


def test_fit_returns_self() -> None:
    X, y = encoded()
    for head in (PrototypeHead(), LinearHead()):
        assert head.fit(X, y) is head


def test_zero_shot_head_state_round_trip() -> None:
    X, _ = encoded()
    with pytest.raises(NotFittedError, match="not fitted"):
        ZeroShotHead().predict_proba(X)
    head = ZeroShotHead().fit_taxonomy(TAXONOMY, ENCODER)
    config, arrays = head.get_state()
    again = head_from_state("zero-shot", json.loads(json.dumps(config)), arrays)
    np.testing.assert_array_equal(again.predict_proba(X), head.predict_proba(X))


def test_prototype_without_examples_keeps_the_zero_shot_prototype() -> None:
    X, y = encoded()
    keep = [i for i, label in enumerate(y) if label != "Politics"]
    prior = ZeroShotHead().fit_taxonomy(TAXONOMY, ENCODER)
    head = PrototypeHead().fit(X.subset(keep), [y[i] for i in keep], prior=prior)
    politics = Article(text="The election: parliament and the government, ministers vote.")
    probs = head.predict_proba(EncodedArticles([politics], ENCODER.encode([politics.content])))
    assert head.classes_ is not None
    assert head.classes_[int(probs.argmax())] == "Politics"


def test_multi_label_head_gives_independent_probabilities() -> None:
    X, y = encoded(multi_label=True)
    head = LinearHead(multi_label=True).fit(X, y)
    label_probs = head.predict_label_proba(X)
    assert label_probs.shape == (len(X), 3)
    assert (label_probs.sum(axis=1) > 1.0).any()  # not a distribution: several can be likely


def test_linear_head_weighs_the_zero_shot_prior() -> None:
    X, y = encoded()
    prior = ZeroShotHead().fit_taxonomy(TAXONOMY, ENCODER)
    head = LinearHead(lexical=False).fit(X, y, classes=TAXONOMY.names, prior=prior)
    # the prior is an offset with a learned scale, not extra weight rows
    assert head.embedding_weights_.shape == (ENCODER.dim, len(head.classes_))
    assert head.prior_scale_ != 0.0
    without = LinearHead(lexical=False).fit(X, y, classes=TAXONOMY.names)
    assert without.prior_scale_ == 0.0
    assert not np.allclose(head.predict_proba(X), without.predict_proba(X))


def test_linear_head_without_feature_weights_ranks_as_the_zero_shot_prior() -> None:
    X, y = encoded()
    prior = ZeroShotHead().fit_taxonomy(TAXONOMY, ENCODER)
    head = LinearHead(C=0.0, lexical=False).fit(X, y, classes=TAXONOMY.names, prior=prior)
    assert head.classes_ is not None
    columns = [TAXONOMY.names.index(c) for c in head.classes_]
    zero = prior.predict_proba(X)[:, columns]
    assert np.array_equal(head.predict_proba(X).argmax(axis=1), zero.argmax(axis=1))
    assert not np.abs(head.embedding_weights_).any()
    # and a weak penalty lets the examples move it
    free = LinearHead(C=10.0, lexical=False).fit(X, y, classes=TAXONOMY.names, prior=prior)
    assert np.abs(free.embedding_weights_).max() > 0
