"""Calibration on held-out scores: temperature, per-section thresholds, abstention.

Everything here takes out-of-fold scores (scores of articles the head did not learn from), so
that ``confidence`` means what it says on new articles.
"""

from __future__ import annotations

import numpy as np

from newsdesk.classify.heads import softmax

__all__ = ["fit_temperature", "sigmoid", "tune_abstention", "tune_thresholds"]


def sigmoid(x: np.ndarray) -> np.ndarray:
    """Numerically stable logistic function."""
    return np.exp(-np.logaddexp(0.0, -x))


def _nll(logits: np.ndarray, y: np.ndarray, temperature: float) -> float:
    z = logits / temperature
    z = z - z.max(axis=1, keepdims=True)
    log_norm = np.log(np.exp(z).sum(axis=1))
    return float(np.mean(log_norm - z[np.arange(len(y)), y]))


def fit_temperature(
    logits: np.ndarray,
    y: np.ndarray,
    bounds: tuple[float, float] = (0.02, 50.0),
    *,
    pull: float = 0.0,
) -> float:
    """The temperature ``T`` minimising the log loss of ``softmax(logits / T)`` on ``y``.

    ``pull`` (in articles) draws ``log T`` toward 0 with a penalty ``pull * (log T)^2 / 2``
    beside the summed log loss: for logits already calibrated (``T = 1``), so that a handful of
    held-out articles all filed right cannot make every later call certain. A golden-section
    search over ``log T``.
    """
    logits = np.asarray(logits, dtype=np.float64)
    y = np.asarray(y, dtype=np.int64)
    weight = pull / (2 * max(len(y), 1))

    def loss(log_t: float) -> float:
        return _nll(logits, y, float(np.exp(log_t))) + weight * log_t**2

    lo, hi = np.log(bounds[0]), np.log(bounds[1])
    ratio = (np.sqrt(5) - 1) / 2
    a, b = hi - ratio * (hi - lo), lo + ratio * (hi - lo)
    fa, fb = loss(a), loss(b)
    for _ in range(60):
        if fa < fb:
            hi, b, fb = b, a, fa
            a = hi - ratio * (hi - lo)
            fa = loss(a)
        else:
            lo, a, fa = a, b, fb
            b = lo + ratio * (hi - lo)
            fb = loss(b)
    return float(np.exp((lo + hi) / 2))


def tune_thresholds(
    probs: np.ndarray, truth: np.ndarray, default: float = 0.5, min_positives: int = 3
) -> np.ndarray:
    """Per-column thresholds on independent probabilities that maximise each column's F1.

    ``truth`` is a 0/1 matrix like ``probs``. Columns with fewer than ``min_positives``
    positives keep ``default``: too few to tune on without overfitting.
    """
    thresholds = np.full(probs.shape[1], default, dtype=np.float64)
    for j in range(probs.shape[1]):
        pos = truth[:, j].astype(bool)
        if pos.sum() < min_positives:
            continue
        order = np.argsort(-probs[:, j])
        hits = np.cumsum(pos[order])
        k = np.arange(1, len(order) + 1)
        f1 = 2 * hits / (k + pos.sum())
        best = int(np.argmax(f1))
        upper = probs[order[best], j]
        lower = probs[order[best + 1], j] if best + 1 < len(order) else 0.0
        thresholds[j] = float((upper + lower) / 2)
    return thresholds


def tune_abstention(probs: np.ndarray, y: np.ndarray, other: int) -> float:
    """The confidence below which filing to the catch-all ``other`` maximises accuracy.

    Returns 0.0 (never abstain) unless abstaining wins on these held-out scores.
    """
    conf = probs.max(axis=1)
    order = np.argsort(conf, kind="stable")
    correct = (probs.argmax(axis=1) == y)[order]
    to_other = (y == other)[order]
    # accuracy when the k least confident articles go to the catch-all
    gained = np.concatenate([[0], np.cumsum(to_other)])
    kept = np.concatenate([[0], np.cumsum(correct[::-1])])[::-1]
    accuracy = (gained + kept) / len(y)
    k = int(np.argmax(accuracy))
    if k == 0 or accuracy[k] <= accuracy[0] + 1e-9:
        return 0.0
    sorted_conf = conf[order]
    upper = sorted_conf[k] if k < len(y) else 1.0
    return float((sorted_conf[k - 1] + upper) / 2)


def calibrated(logits: np.ndarray, temperature: float) -> np.ndarray:
    """``softmax(logits / temperature)``."""
    return softmax(logits / temperature)
