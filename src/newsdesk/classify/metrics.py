"""Classification metrics in plain numpy: accuracy, F1, confusion, calibration error.

Every function takes labels as strings and returns JSON-ready dicts, so ``metrics.json`` is
just their output.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

__all__ = [
    "classification_metrics",
    "confusion_matrix",
    "expected_calibration_error",
    "multilabel_metrics",
    "reliability_bins",
]


def confusion_matrix(
    truth: Sequence[str], pred: Sequence[str], labels: Sequence[str]
) -> np.ndarray:
    """Counts ``[i, j]`` of articles of section ``labels[i]`` filed under ``labels[j]``."""
    index = {label: i for i, label in enumerate(labels)}
    matrix = np.zeros((len(labels), len(labels)), dtype=np.int64)
    for t, p in zip(truth, pred, strict=True):
        matrix[index[t], index[p]] += 1
    return matrix


def _prf(tp: np.ndarray, fp: np.ndarray, fn: np.ndarray) -> tuple[np.ndarray, ...]:
    precision = np.divide(tp, tp + fp, out=np.zeros(len(tp)), where=(tp + fp) > 0)
    recall = np.divide(tp, tp + fn, out=np.zeros(len(tp)), where=(tp + fn) > 0)
    total = precision + recall
    f1 = np.divide(2 * precision * recall, total, out=np.zeros(len(tp)), where=total > 0)
    return precision, recall, f1


def reliability_bins(
    confidence: np.ndarray, correct: np.ndarray, n_bins: int = 10
) -> list[dict[str, float]]:
    """Equal-width confidence bins: each with its count, mean confidence and accuracy."""
    edges = np.linspace(0.0, 1.0, n_bins + 1)
    which = np.clip(np.digitize(confidence, edges[1:-1], right=True), 0, n_bins - 1)
    bins = []
    for b in range(n_bins):
        mask = which == b
        count = int(mask.sum())
        bins.append(
            {
                "lower": float(edges[b]),
                "upper": float(edges[b + 1]),
                "count": count,
                "confidence": float(confidence[mask].mean()) if count else 0.0,
                "accuracy": float(correct[mask].mean()) if count else 0.0,
            }
        )
    return bins


def expected_calibration_error(
    confidence: np.ndarray, correct: np.ndarray, n_bins: int = 10
) -> float:
    """Mean gap between confidence and accuracy over equal-width bins, weighted by count."""
    confidence = np.asarray(confidence, dtype=np.float64)
    correct = np.asarray(correct, dtype=np.float64)
    if len(confidence) == 0:
        return 0.0
    bins = reliability_bins(confidence, correct, n_bins)
    return float(
        sum(b["count"] * abs(b["accuracy"] - b["confidence"]) for b in bins) / len(confidence)
    )


def classification_metrics(
    truth: Sequence[str],
    pred: Sequence[str],
    labels: Sequence[str] | None = None,
    confidence: Sequence[float] | None = None,
) -> dict[str, Any]:
    """Accuracy, macro-F1, per-section precision/recall/F1/support and the confusion matrix.

    ``labels`` fixes the section order (default: sorted sections seen); with ``confidence``
    (of each prediction) the expected calibration error and reliability bins are added.
    """
    seen = set(truth) | set(pred)
    order = list(labels) if labels is not None else sorted(seen)
    order += sorted(seen - set(order))
    matrix = confusion_matrix(truth, pred, order)
    tp = np.diag(matrix).astype(np.float64)
    fp = matrix.sum(axis=0) - tp
    fn = matrix.sum(axis=1) - tp
    precision, recall, f1 = _prf(tp, fp, fn)
    support = matrix.sum(axis=1)
    present = support > 0
    out: dict[str, Any] = {
        "n": len(truth),
        "accuracy": float(tp.sum() / max(len(truth), 1)),
        "macro_f1": float(f1[present].mean()) if present.any() else 0.0,
        "per_section": _per_section(order, precision, recall, f1, support),
        "labels": order,
        "confusion": matrix.tolist(),
    }
    if confidence is not None:
        conf = np.asarray(confidence, dtype=np.float64)
        correct = np.asarray([t == p for t, p in zip(truth, pred, strict=True)], dtype=np.float64)
        out["ece"] = expected_calibration_error(conf, correct)
        out["reliability"] = reliability_bins(conf, correct)
    return out


def _per_section(
    order: Sequence[str],
    precision: np.ndarray,
    recall: np.ndarray,
    f1: np.ndarray,
    support: np.ndarray,
) -> dict[str, dict[str, float | int]]:
    return {
        label: {
            "precision": float(precision[i]),
            "recall": float(recall[i]),
            "f1": float(f1[i]),
            "support": int(support[i]),
        }
        for i, label in enumerate(order)
    }


def multilabel_metrics(
    truth: Sequence[Sequence[str]],
    pred: Sequence[Sequence[str]],
    labels: Sequence[str] | None = None,
) -> dict[str, Any]:
    """Micro- and macro-F1 over sections, subset accuracy, and per-section figures."""
    seen = {x for row in truth for x in row} | {x for row in pred for x in row}
    order = list(labels) if labels is not None else sorted(seen)
    order += sorted(seen - set(order))
    index = {label: i for i, label in enumerate(order)}
    t = np.zeros((len(truth), len(order)), dtype=bool)
    p = np.zeros_like(t)
    for row, (ts, ps) in enumerate(zip(truth, pred, strict=True)):
        t[row, [index[x] for x in ts]] = True
        p[row, [index[x] for x in ps]] = True
    tp = (t & p).sum(axis=0).astype(np.float64)
    fp = (~t & p).sum(axis=0).astype(np.float64)
    fn = (t & ~p).sum(axis=0).astype(np.float64)
    precision, recall, f1 = _prf(tp, fp, fn)
    micro_p, micro_r, micro_f1 = _prf(
        np.array([tp.sum()]), np.array([fp.sum()]), np.array([fn.sum()])
    )
    support = t.sum(axis=0)
    present = support > 0
    return {
        "n": len(truth),
        "micro_f1": float(micro_f1[0]),
        "micro_precision": float(micro_p[0]),
        "micro_recall": float(micro_r[0]),
        "macro_f1": float(f1[present].mean()) if present.any() else 0.0,
        "subset_accuracy": float((t == p).all(axis=1).mean()) if len(truth) else 0.0,
        "per_section": _per_section(order, precision, recall, f1, support),
    }
