"""Few-shot learning: section prototypes that mix what the taxonomy says with examples.

Each section is scored twice: by similarity to its zero-shot prototype (from the taxonomy's
descriptions) and by similarity to the centroid of its examples. Both scores are standardized
over the training articles (a description and a centroid live at different cosine levels), then
mixed with weight ``k / (k + n)`` on the description, ``n`` being the section's number of
examples and ``k`` the ``prior_strength``. One example moves a section a little; fifty make it
almost all examples. Sections without examples keep their zero-shot prototype alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from newsdesk.classify.heads import check_fitted, softmax
from newsdesk.classify.result import EncodedArticles
from newsdesk.encoders.base import normalize_rows
from newsdesk.errors import TrainingError

__all__ = ["PrototypeHead"]


class PrototypeHead:
    """Prototypes from examples, pulled toward the taxonomy's zero-shot prototypes."""

    kind = "prototype"

    def __init__(self, prior_strength: float = 2.0, other_margin: float = 0.5) -> None:
        self.prior_strength = prior_strength
        self.other_margin = other_margin
        self.classes_: list[str] | None = None
        self.temperature_: float = 1.0

    def fit(
        self,
        X: EncodedArticles,
        y: Sequence[str],
        *,
        prior: np.ndarray | None = None,
        prior_classes: Sequence[str] | None = None,
        other: str | None = None,
    ) -> PrototypeHead:
        """Learn centroids from ``X``/``y``; ``prior`` holds zero-shot prototypes, one a row.

        With a prior, ``classes_`` is ``prior_classes`` (the taxonomy order) and ``other``
        names the catch-all, scored as "nothing else stands out" when it has no examples.
        """
        labels = [str(label) for label in y]
        classes = (
            list(prior_classes) if prior is not None and prior_classes else sorted(set(labels))
        )
        unknown = sorted(set(labels) - set(classes))
        if unknown:
            raise TrainingError(f"labels not among the sections: {', '.join(unknown)}")
        index = {c: i for i, c in enumerate(classes)}
        y_idx = np.array([index[label] for label in labels], dtype=np.int64)
        emb = np.asarray(X.embeddings, dtype=np.float64)
        k, dim = len(classes), emb.shape[1]
        sums = np.zeros((k, dim))
        np.add.at(sums, y_idx, emb)
        counts = np.bincount(y_idx, minlength=k).astype(np.float64)
        self.sums_ = sums
        self.counts_ = counts
        self.centroids_ = normalize_rows(sums).astype(np.float64)
        self.has_prior_ = prior is not None
        self.prior_ = (
            normalize_rows(prior).astype(np.float64) if prior is not None else np.zeros((k, dim))
        )
        self.classes_ = classes
        self.other_index_ = index[other] if other is not None and other in index else -1
        zs = emb @ self.prior_.T
        ex = emb @ self.centroids_.T
        self.z_mean_, self.z_std_ = zs.mean(axis=0), np.maximum(zs.std(axis=0), 1e-6)
        self.e_mean_, self.e_std_ = ex.mean(axis=0), np.maximum(ex.std(axis=0), 1e-6)
        self.temperature_ = 1.0
        return self

    def _weights(self, counts: np.ndarray) -> np.ndarray:
        """Weight of the zero-shot score for each section (1 without examples, 0 without prior)."""
        if not self.has_prior_:
            return np.zeros_like(counts)
        return self.prior_strength / (self.prior_strength + counts)

    def _mix(self, zs: np.ndarray, ex: np.ndarray, counts: np.ndarray) -> np.ndarray:
        z = (zs - self.z_mean_) / self.z_std_
        e = (ex - self.e_mean_) / self.e_std_
        w = self._weights(counts)
        e = np.where(counts > 0, e, 0.0)
        scores = w * z + (1 - w) * e
        if self.other_index_ >= 0 and counts[..., self.other_index_].min() == 0:
            rest = np.delete(scores, self.other_index_, axis=-1)
            scores[..., self.other_index_] = rest.max(axis=-1) - self.other_margin
        return scores

    def decision_function(self, X: EncodedArticles) -> np.ndarray:
        """Mixed standardized similarities, one column a section (before the temperature)."""
        check_fitted(self, "centroids_")
        emb = np.asarray(X.embeddings, dtype=np.float64)
        return self._mix(emb @ self.prior_.T, emb @ self.centroids_.T, self.counts_)

    def loo_decision_function(self, X: EncodedArticles, y: Sequence[str]) -> np.ndarray:
        """Scores of the training articles as if each had been left out of its centroid.

        These are honest held-out scores for calibration, at no extra training cost.
        """
        check_fitted(self, "centroids_")
        assert self.classes_ is not None
        index = {c: i for i, c in enumerate(self.classes_)}
        y_idx = np.array([index[str(label)] for label in y])
        emb = np.asarray(X.embeddings, dtype=np.float64)
        rows = np.arange(len(y_idx))
        ex = emb @ self.centroids_.T
        own_sum = self.sums_[y_idx]
        dot = np.einsum("ij,ij->i", emb, own_sum)
        sq = np.einsum("ij,ij->i", own_sum, own_sum)
        norm = np.sqrt(np.maximum(sq - 2 * dot + np.einsum("ij,ij->i", emb, emb), 1e-12))
        ex[rows, y_idx] = (dot - np.einsum("ij,ij->i", emb, emb)) / norm
        counts = np.tile(self.counts_, (len(y_idx), 1))
        counts[rows, y_idx] -= 1
        return self._mix(emb @ self.prior_.T, ex, counts)

    def predict_proba(self, X: EncodedArticles) -> np.ndarray:
        return softmax(self.decision_function(X) / self.temperature_)

    def get_state(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        check_fitted(self, "centroids_")
        config = {
            "prior_strength": self.prior_strength,
            "other_margin": self.other_margin,
            "classes": self.classes_,
            "other_index": self.other_index_,
            "has_prior": self.has_prior_,
            "temperature": self.temperature_,
        }
        arrays = {
            "sums": self.sums_,
            "counts": self.counts_,
            "prior": self.prior_,
            "z_mean": self.z_mean_,
            "z_std": self.z_std_,
            "e_mean": self.e_mean_,
            "e_std": self.e_std_,
        }
        return config, arrays

    def set_state(self, config: dict[str, Any], arrays: dict[str, np.ndarray]) -> PrototypeHead:
        self.prior_strength = float(config["prior_strength"])
        self.other_margin = float(config["other_margin"])
        self.classes_ = list(config["classes"])
        self.other_index_ = int(config["other_index"])
        self.has_prior_ = bool(config["has_prior"])
        self.temperature_ = float(config["temperature"])
        self.sums_ = np.asarray(arrays["sums"], dtype=np.float64)
        self.counts_ = np.asarray(arrays["counts"], dtype=np.float64)
        self.centroids_ = normalize_rows(self.sums_).astype(np.float64)
        self.prior_ = np.asarray(arrays["prior"], dtype=np.float64)
        for name in ("z_mean", "z_std", "e_mean", "e_std"):
            setattr(self, f"{name}_", np.asarray(arrays[name], dtype=np.float64))
        return self
