"""A linear head's training set as the solver sees it, and the example centroids' scores.

The features are computed once for a training set; the held-out folds (:mod:`.folds`) take
rows of it and rescale its n-gram block without recomputing them. Only the centroid scores
depend on which rows are in training, so a fold recomputes those from its training part.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from newsdesk.classify.logistic import LogisticFit

__all__ = ["Design", "centroid_scores"]


@dataclass
class Design:
    """A training set as the solver sees it; folds take rows of it without recomputing."""

    dense: np.ndarray  # standardized embeddings, float32
    sparse: Any  # scipy CSR n-gram block (scaled) or None
    offset: np.ndarray | None  # zero-shot log-probabilities, head classes' columns
    target: np.ndarray  # 0/1, one column a head class
    weights: np.ndarray  # sample (or, multi-label, cell) weights
    centroids: np.ndarray | None = None  # leave-one-out scores against the example centroids
    embeddings: np.ndarray | None = None  # the rows' embeddings (for centroids), float32

    def rows(self, index: np.ndarray) -> Design:
        return Design(
            self.dense[index],
            None if self.sparse is None else self.sparse[index],
            None if self.offset is None else self.offset[index],
            self.target[index],
            self.weights[index],
            None if self.centroids is None else self.centroids[index],
            None if self.embeddings is None else self.embeddings[index],
        )

    def split(self, train: np.ndarray, test: np.ndarray) -> tuple[Design, Design]:
        """A fold's training part and held-out part. Centroid scores are recomputed from the
        training part alone (leave-one-out within it), so no held-out row is in a centroid."""
        part, held = self.rows(train), self.rows(test)
        if part.embeddings is not None and held.embeddings is not None:
            part.centroids, matrix = centroid_scores(part.embeddings, part.target)
            held.centroids = held.embeddings.astype(np.float64) @ matrix
        return part, held

    def logits(self, fit: LogisticFit) -> np.ndarray:
        z = (self.dense @ fit.dense.astype(np.float32)).astype(np.float64) + fit.bias
        if self.sparse is not None:
            z += self.sparse @ fit.sparse
        if self.offset is not None:
            z += fit.offset_scale * self.offset
        if self.centroids is not None:
            z += fit.centroid_scale * self.centroids
        return z


def centroid_scores(emb: np.ndarray, target: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each row's leave-one-out score against each class's example centroid, and the matrix
    ``M`` (``(d, k)``) that scores a new row as ``emb @ M``.

    A score is the cosine to the class's centroid (unit sum of its rows), less the row's mean
    over the classes (softmax ignores that; it keeps the column linear in ``emb``), divided by
    the scores' spread over the training rows. Leave-one-out: a row's score for its own class
    uses the centroid of the class's other rows, as for an article never seen (a class of one
    row scores it the mean of the others), so a learned scale on the scores is not inflated by
    each row being inside its own centroid.
    """
    emb = np.asarray(emb, dtype=np.float64)
    y = target.argmax(axis=1)
    sums = target.T.astype(np.float64) @ emb
    unit = (sums / np.maximum(np.linalg.norm(sums, axis=1), 1e-12)[:, None]).T  # (d, k)
    raw = emb @ unit
    rows = np.arange(len(y))
    own = sums[y] - emb
    own_norm = np.linalg.norm(own, axis=1)
    alone = own_norm < 1e-9  # the only row of its class
    raw[rows, y] = np.where(
        alone, 0.0, np.einsum("ij,ij->i", emb, own) / np.maximum(own_norm, 1e-12)
    )
    if alone.any():
        others = (raw.sum(axis=1) - raw[rows, y]) / max(raw.shape[1] - 1, 1)
        raw[rows[alone], y[alone]] = others[alone]
    centered = raw - raw.mean(axis=1, keepdims=True)
    spread = float(max(centered.std(), 1e-6))
    return centered / spread, (unit - unit.mean(axis=1, keepdims=True)) / spread
