"""The prototype head: example centroids added to the zero-shot logits, weighted by how often
the taxonomy's descriptions misfile the examples."""

from __future__ import annotations

import numpy as np
import pytest
from test_heads_common import ENCODER, TAXONOMY, encoded  # the head tests' tiny data

from newsdesk.classify.prototype import PrototypeHead
from newsdesk.classify.result import EncodedArticles
from newsdesk.classify.saved import head_from_state
from newsdesk.classify.zero_shot import ZeroShotHead
from newsdesk.errors import ModelFormatError
from newsdesk.taxonomy import Section, Taxonomy


def zero_shot_calls(prior: ZeroShotHead, X: EncodedArticles) -> list[str]:
    assert prior.classes_ is not None
    return [prior.classes_[i] for i in prior.decision_function(X).argmax(axis=1)]


def test_examples_the_descriptions_file_right_leave_the_zero_shot_logits() -> None:
    X, y = encoded()
    prior = ZeroShotHead().fit_taxonomy(TAXONOMY, ENCODER)
    calls = zero_shot_calls(prior, X)
    right = [i for i, (c, t) in enumerate(zip(calls, y, strict=True)) if c == t]
    assert len(set(y[i] for i in right)) == 3  # examples of every section
    head = PrototypeHead().fit(X.subset(right), [y[i] for i in right], prior=prior, other="Other")
    assert head.alpha_ == 0.0
    np.testing.assert_allclose(
        head.decision_function(X), prior.decision_function(X) / prior.temperature_
    )


def misleading_taxonomy() -> Taxonomy:
    """The tiny taxonomy with its descriptions rotated: each section described as another."""
    sections = TAXONOMY.sections
    rotated = [
        Section(name=s.name, description=sections[(k + 1) % 3].description)
        for k, s in enumerate(sections[:3])
    ]
    return Taxonomy(name="misleading", sections=(*rotated, sections[3]))


def test_examples_the_descriptions_misfile_carry_the_weight() -> None:
    X, y = encoded()
    prior = ZeroShotHead().fit_taxonomy(misleading_taxonomy(), ENCODER)
    first = [y.index(section) for section in ("Sports", "Economy", "Politics")]  # one each
    rest = [i for i in range(len(y)) if i not in first]
    head = PrototypeHead().fit(X.subset(first), [y[i] for i in first], prior=prior, other="Other")
    assert head.alpha_ == 4.0  # all misfiled: error capped at 0.8, odds 4
    assert head.classes_ is not None
    calls = [head.classes_[i] for i in head.decision_function(X.subset(rest)).argmax(axis=1)]
    truth = [y[i] for i in rest]
    zero = zero_shot_calls(prior, X.subset(rest))
    assert np.mean([c == t for c, t in zip(calls, truth, strict=True)]) >= 0.8
    assert np.mean([c == t for c, t in zip(zero, truth, strict=True)]) <= 0.2
    # a section without examples (the catch-all here) keeps its zero-shot logit
    other = head.classes_.index("Other")
    np.testing.assert_allclose(
        head.decision_function(X)[:, other],
        prior.decision_function(X)[:, other] / prior.temperature_,
    )


def test_a_model_saved_with_the_standardized_mix_still_loads_and_scores_as_it_did() -> None:
    X, y = encoded()
    prior = ZeroShotHead().fit_taxonomy(TAXONOMY, ENCODER)
    head = PrototypeHead().fit(X, y, prior=prior, other="Other")
    config, arrays = head.get_state()
    for key in ("mix", "alpha", "spread"):
        del config[key]  # as written before the logit mix
    k = len(head.counts_)
    stats = {"z_mean": np.full(k, 0.1), "z_std": np.full(k, 2.0)}
    stats |= {"e_mean": np.full(k, 0.3), "e_std": np.full(k, 0.5)}
    old = head_from_state("prototype", config, arrays | stats)
    zs = prior.decision_function(X)
    ex = X.embeddings @ old.centroids_.T
    w = 2.0 / (2.0 + head.counts_)  # every section of the tiny taxonomy but Other has examples
    expected = w * (zs - 0.1) / 2.0 + (1 - w) * np.where(head.counts_ > 0, (ex - 0.3) / 0.5, 0.0)
    other = head.classes_.index("Other") if head.classes_ else -1
    expected[:, other] = np.delete(expected, other, axis=1).max(axis=1) - 0.5
    np.testing.assert_allclose(old.decision_function(X), expected, rtol=1e-6)


def test_an_unknown_mix_is_refused() -> None:
    X, y = encoded()
    config, arrays = PrototypeHead().fit(X, y).get_state()
    with pytest.raises(ModelFormatError, match="unknown prototype mix"):
        head_from_state("prototype", config | {"mix": "magic"}, arrays)
