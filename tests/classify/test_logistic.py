"""The logistic solver under the linear heads: the zero-shot offset's scale stays finite, and
the example centroids' scores (a second offset) are honest and end up in the saved weights."""

from __future__ import annotations

import numpy as np
import pytest

from newsdesk.article import Article
from newsdesk.classify.linear import LinearHead, centroid_scores
from newsdesk.classify.logistic import fit_logistic, log_softmax
from newsdesk.classify.result import EncodedArticles


def _separable(n: int = 40, k: int = 4, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Rows whose offset (a prior's log-probabilities) ranks every row's own class first."""
    rng = np.random.default_rng(seed)
    y = np.arange(n) % k
    target = np.eye(k)[y]
    logits = rng.normal(0.0, 0.3, (n, k))
    logits[np.arange(n), y] += 1.0  # right on every row, but not confidently
    dense = rng.normal(0.0, 1.0, (n, 8)).astype(np.float32)
    return dense, target, log_softmax(logits)


def test_offset_scale_stays_finite_when_the_prior_ranks_every_row_right() -> None:
    dense, target, offset = _separable()
    free = fit_logistic(dense, target, offset=offset, C=0.0, offset_penalty=0.0, max_iter=300)
    held = fit_logistic(dense, target, offset=offset, C=0.0, max_iter=300)
    # unpenalized, separable rows push the scale up until the loss is too flat to move
    # (about 12 here); the default penalty holds it to a few times the prior's confidence
    assert 1.0 < held.offset_scale < 5
    assert free.offset_scale > 2 * held.offset_scale
    # what that costs on a row the prior gets wrong, as a held-out fold would see it
    wrong = np.roll(offset[:1], 1, axis=1)
    loss = [float(-log_softmax(f.offset_scale * wrong)[0, 0]) for f in (free, held)]
    assert loss[0] > 2 * loss[1]


def test_offset_penalty_is_negligible_with_many_rows() -> None:
    rng = np.random.default_rng(1)
    n, k = 3000, 3
    y = rng.integers(0, k, n)
    target = np.eye(k)[y]
    logits = rng.normal(0.0, 1.0, (n, k))
    logits[np.arange(n), y] += 1.0  # informative, with mistakes: a finite best scale
    offset = log_softmax(logits)
    dense = np.zeros((n, 1), dtype=np.float32)
    free = fit_logistic(dense, target, offset=offset, C=0.0, offset_penalty=0.0)
    held = fit_logistic(dense, target, offset=offset, C=0.0)
    assert abs(free.offset_scale - held.offset_scale) < 0.01 * free.offset_scale


def test_centroid_scores_leave_each_row_out_of_its_own_centroid() -> None:
    rng = np.random.default_rng(2)
    emb = rng.normal(size=(9, 5))
    emb /= np.linalg.norm(emb, axis=1, keepdims=True)
    y = np.array([0, 0, 0, 1, 1, 1, 2, 2, 2])
    target = np.eye(3)[y]
    scores, matrix = centroid_scores(emb, target)
    # a row's own-class score is against the centroid of the class's other rows
    raw = np.zeros((9, 3))
    for i in range(9):
        for k in range(3):
            members = [j for j in range(9) if y[j] == k and j != i]
            centroid = emb[members].sum(axis=0)
            raw[i, k] = emb[i] @ centroid / np.linalg.norm(centroid)
    centered = raw - raw.mean(axis=1, keepdims=True)
    assert scores == pytest.approx(centered / centered.std())
    # a new row is scored against the whole centroids, linearly: emb @ matrix
    new = rng.normal(size=(1, 5))
    whole = np.stack([emb[y == k].sum(axis=0) for k in range(3)])
    cos = new @ (whole / np.linalg.norm(whole, axis=1, keepdims=True)).T
    expected = (cos - cos.mean()) / centered.std()
    assert new @ matrix == pytest.approx(expected)


def test_linear_head_folds_its_centroid_scale_into_the_embedding_weights() -> None:
    """What the solver fitted on the centroid scores is what the saved head computes."""
    rng = np.random.default_rng(3)
    centers = rng.normal(size=(3, 16))
    y = np.repeat(np.arange(3), 10)
    emb = centers[y] + rng.normal(scale=1.5, size=(30, 16))
    emb /= np.linalg.norm(emb, axis=1, keepdims=True)
    articles = [Article(id=str(i), title="", text="x") for i in range(30)]
    X = EncodedArticles(articles, emb.astype(np.float32))
    labels = [f"s{k}" for k in y]
    head = LinearHead(C=0.1, lexical=False, centroids=True).fit(X, labels)
    assert head.solution_.centroid_scale != 0.0
    test = rng.normal(size=(5, 16))
    test /= np.linalg.norm(test, axis=1, keepdims=True)
    T = EncodedArticles(articles[:5], test.astype(np.float32))
    design = head.design(X, labels)
    expected = (
        ((test - head.mean_) / head.scale_) @ head.solution_.dense
        + head.solution_.bias
        + head.solution_.centroid_scale * (test @ head.centroid_matrix_)
    )
    assert head.decision_function(T) == pytest.approx(expected, abs=1e-4)
    assert design.centroids is not None


def test_zero_penalty_fits_the_centroid_scale_only_when_asked() -> None:
    """``C = 0`` is the prior alone by default; ``centroids_at_zero`` lets the examples'
    centroid scores in beside it (no feature weights either way)."""
    dense, target, _ = _separable()
    wrong_prior = log_softmax(np.roll(target, 1, axis=1) * 2.0)  # ranks a wrong class first
    centroids = (target - target.mean(axis=1, keepdims=True)) * 3.0  # the examples are right
    alone = fit_logistic(dense, target, offset=wrong_prior, C=0.0, centroids=centroids)
    both = fit_logistic(
        dense, target, offset=wrong_prior, C=0.0, centroids=centroids, centroids_at_zero=True
    )
    assert alone.centroid_scale == 0.0
    assert both.centroid_scale > 0.5
    assert not both.dense.any() and not both.bias.any()
    right = (wrong_prior * both.offset_scale + centroids * both.centroid_scale).argmax(axis=1)
    assert (right == target.argmax(axis=1)).all()


def test_zero_penalty_frees_the_bias_only_when_given_its_penalty() -> None:
    """A prior that leans toward one section throughout: a bias at ``C = 0`` undoes the lean,
    the lighter its penalty the more."""
    dense, target, offset = _separable()
    leaning = offset + np.array([2.0, 0.0, 0.0, 0.0])  # the first section wins too often
    held = fit_logistic(dense, target, offset=leaning, C=0.0)
    light = fit_logistic(dense, target, offset=leaning, C=0.0, zero_bias_penalty=1.0)
    heavy = fit_logistic(dense, target, offset=leaning, C=0.0, zero_bias_penalty=100.0)
    assert not held.bias.any() and not light.dense.any()
    assert light.bias[0] < heavy.bias[0] < 0
    right = (light.offset_scale * leaning + light.bias).argmax(axis=1) == target.argmax(axis=1)
    wrong = (held.offset_scale * leaning).argmax(axis=1) != target.argmax(axis=1)
    assert right.mean() > 0.9 and wrong.mean() > 0.5
