from __future__ import annotations

import numpy as np
import pytest

from newsdesk.classify.calibration import fit_temperature, tune_abstention, tune_thresholds
from newsdesk.classify.features import HashedNgrams, ngram_buckets


def test_fit_temperature_recovers_the_generating_temperature() -> None:
    rng = np.random.default_rng(0)
    logits = rng.normal(size=(4000, 4)) * 3
    scaled = logits / 2.5
    probs = np.exp(scaled) / np.exp(scaled).sum(axis=1, keepdims=True)
    y = np.array([rng.choice(4, p=row) for row in probs])
    assert abs(fit_temperature(logits, y) - 2.5) < 0.25


def test_a_pull_keeps_a_few_right_answers_from_making_every_call_certain() -> None:
    logits = np.array([[2.0, 0.0, 0.0], [0.0, 1.5, 0.0], [0.0, 0.0, 2.5]])  # all three right
    y = np.array([0, 1, 2])
    alone = fit_temperature(logits, y)
    pulled = fit_temperature(logits, y, pull=10.0)
    assert alone < 0.05  # nothing stops it short of the lower bound (0.02)
    assert 0.3 < pulled < 1.0  # drawn toward 1, still sharper than the logits as they are
    # with many held-out articles the same pull hardly matters
    rng = np.random.default_rng(0)
    big = rng.normal(size=(2000, 3))
    big_y = np.array([rng.choice(3, p=np.exp(r / 2) / np.exp(r / 2).sum()) for r in big])
    free = fit_temperature(big, big_y)
    assert free == pytest.approx(2.0, rel=0.15)
    assert fit_temperature(big, big_y, pull=10.0) == pytest.approx(free, rel=0.05)


def test_thresholds_maximise_f1_and_rare_sections_keep_the_default() -> None:
    probs = np.array([[0.9, 0.2], [0.7, 0.1], [0.4, 0.3], [0.2, 0.9]])
    truth = np.array([[1, 0], [1, 0], [0, 0], [0, 1]])
    thresholds = tune_thresholds(probs, truth, min_positives=2)
    assert 0.4 < thresholds[0] < 0.7
    assert thresholds[1] == 0.5


def test_abstention_only_when_it_helps() -> None:
    probs = np.array([[0.9, 0.1, 0.0], [0.4, 0.35, 0.25], [0.8, 0.2, 0.0]])
    assert tune_abstention(probs, np.array([0, 2, 0]), other=2) == pytest.approx(0.6)
    assert tune_abstention(probs, np.array([0, 0, 0]), other=2) == 0.0


def test_hashed_ngrams_are_stable_and_normalized() -> None:
    a = ngram_buckets("Hello world, hello", bits=10)
    assert a.tolist() == ngram_buckets("hello   WORLD hello", bits=10).tolist()
    assert a.max() < 1024
    rows = HashedNgrams(bits=12, char_ngrams=(3, 4)).fit(["alpha beta", "beta gamma"])
    sparse = rows.transform(["alpha beta gamma", "delta"])
    dense = sparse.to_csr().toarray()
    np.testing.assert_allclose(np.linalg.norm(dense, axis=1), 1.0, rtol=1e-5)
    weights = np.arange(4096 * 2, dtype=np.float64).reshape(4096, 2) % 7
    index = np.flatnonzero(dense.any(axis=0))
    np.testing.assert_allclose(sparse.dot(weights[index], index), dense @ weights, rtol=1e-5)
