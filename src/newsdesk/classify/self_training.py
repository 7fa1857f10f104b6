"""Learning from an archive without labels: label confidently, learn, repeat.

The first pseudo-labels come from a head that needs no archive labels (zero-shot from the
taxonomy, or prototypes from a few examples). Each round keeps the most confident share of each
predicted section (so no section is drowned by a frequent one), trains a linear head on those
plus any real examples, and relabels the archive with it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

import numpy as np

from newsdesk.classify.linear import LinearHead
from newsdesk.classify.result import EncodedArticles

__all__ = ["confident_subset", "self_train"]

log = logging.getLogger(__name__)


def confident_subset(probs: np.ndarray, share: float) -> np.ndarray:
    """Rows whose prediction is among the ``share`` most confident of its predicted column."""
    pred = probs.argmax(axis=1)
    conf = probs.max(axis=1)
    chosen: list[np.ndarray] = []
    for column in np.unique(pred):
        rows = np.flatnonzero(pred == column)
        keep = max(1, round(share * len(rows)))
        chosen.append(rows[np.argsort(-conf[rows])[:keep]])
    return np.sort(np.concatenate(chosen)) if chosen else np.zeros(0, dtype=np.int64)


def self_train(
    archive: EncodedArticles,
    initial_probs: np.ndarray,
    classes: Sequence[str],
    make_head: Callable[[], LinearHead],
    *,
    labeled: EncodedArticles | None = None,
    labels: Sequence[str] | None = None,
    shares: Sequence[float] = (0.3, 0.6, 0.9),
    labeled_weight: float = 3.0,
) -> LinearHead:
    """Train a linear head on ``archive`` from ``initial_probs`` (columns in ``classes`` order)."""
    probs = initial_probs
    head: LinearHead | None = None
    for round_number, share in enumerate(shares, start=1):
        rows = confident_subset(probs, share)
        pseudo = [classes[i] for i in probs[rows].argmax(axis=1)]
        data = archive.subset(rows)
        weights = np.ones(len(rows))
        if labeled is not None and labels is not None and len(labels):
            data = EncodedArticles(
                [*data.articles, *labeled.articles],
                np.vstack([data.embeddings, labeled.embeddings]),
            )
            pseudo = [*pseudo, *labels]
            weights = np.concatenate([weights, np.full(len(labels), labeled_weight)])
        head = make_head().fit(data, pseudo, classes=classes, sample_weight=weights)
        assert head.classes_ is not None
        columns = [list(classes).index(c) for c in head.classes_]
        full = np.zeros((len(archive), len(classes)))
        full[:, columns] = head.predict_proba(archive)
        agreement = float((full.argmax(axis=1) == probs.argmax(axis=1)).mean())
        log.info(
            "self-training round %d: %d pseudo-labels, %.1f%% unchanged",
            round_number, len(rows), 100 * agreement,
        )  # fmt: skip
        probs = full
    assert head is not None
    return head
