"""Few-shot learning: the zero-shot head's scores mixed with similarity to example centroids.

Each section is scored twice: by the zero-shot head built from the taxonomy (descriptions,
keywords, form cues; see :mod:`newsdesk.classify.zero_shot`) and by cosine similarity to the
centroid of its examples. Both scores are standardized over the training articles (they live
on different scales), then mixed with weight ``k / (k + n)`` on the zero-shot score, ``n``
being the section's number of examples and ``k`` the ``prior_strength``. One example moves a
section a little; fifty make it almost all examples. Sections without examples keep their
zero-shot score alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from newsdesk.classify.heads import check_fitted, softmax
from newsdesk.classify.result import EncodedArticles
from newsdesk.classify.zero_shot import ZeroShotHead
from newsdesk.encoders.base import normalize_rows
from newsdesk.errors import TrainingError

__all__ = ["PrototypeHead", "prior_from_state", "prior_state"]

_PRIOR = "prior."


def prior_state(
    prior: ZeroShotHead | None,
) -> tuple[dict[str, Any] | None, dict[str, np.ndarray]]:
    """A learned head's zero-shot prior as a config and arrays named ``prior.*``."""
    if prior is None:
        return None, {}
    config, arrays = prior.get_state()
    return config, {_PRIOR + k: v for k, v in arrays.items()}


def prior_from_state(
    config: dict[str, Any] | None, arrays: dict[str, np.ndarray]
) -> ZeroShotHead | None:
    """The zero-shot prior saved by :func:`prior_state` (``None`` when there was none)."""
    if config is None:
        return None
    own = {k.removeprefix(_PRIOR): v for k, v in arrays.items() if k.startswith(_PRIOR)}
    return ZeroShotHead().set_state(config, own)


class PrototypeHead:
    """Example centroids, pulled toward a zero-shot head's scores when one is given."""

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
        prior: ZeroShotHead | None = None,
        other: str | None = None,
    ) -> PrototypeHead:
        """Learn centroids from ``X``/``y``; ``prior`` is a fitted zero-shot head.

        With a prior, ``classes_`` is the prior's (the taxonomy order) and ``other`` names the
        catch-all, scored as "nothing else stands out" while it has no examples.
        """
        labels = [str(label) for label in y]
        classes = list(prior.classes_) if prior is not None else sorted(set(labels))
        unknown = sorted(set(labels) - set(classes))
        if unknown:
            raise TrainingError(f"labels not among the sections: {', '.join(unknown)}")
        index = {c: i for i, c in enumerate(classes)}
        y_idx = np.array([index[label] for label in labels], dtype=np.int64)
        emb = np.asarray(X.embeddings, dtype=np.float64)
        sums = np.zeros((len(classes), emb.shape[1]))
        np.add.at(sums, y_idx, emb)
        self.sums_ = sums
        self.counts_ = np.bincount(y_idx, minlength=len(classes)).astype(np.float64)
        self.centroids_ = normalize_rows(sums).astype(np.float64)
        self.prior_ = prior
        self.classes_ = classes
        self.other_index_ = index[other] if other is not None and other in index else -1
        zs = self._prior_scores(X)
        ex = emb @ self.centroids_.T
        self.z_mean_, self.z_std_ = zs.mean(axis=0), np.maximum(zs.std(axis=0), 1e-6)
        self.e_mean_, self.e_std_ = ex.mean(axis=0), np.maximum(ex.std(axis=0), 1e-6)
        self.temperature_ = 1.0
        return self

    def _prior_scores(self, X: EncodedArticles) -> np.ndarray:
        if self.prior_ is None:
            return np.zeros((len(X), len(self.counts_)))
        return np.asarray(self.prior_.decision_function(X), dtype=np.float64)

    def _weights(self, counts: np.ndarray) -> np.ndarray:
        """Weight of the zero-shot score for each section (1 without examples, 0 without prior)."""
        if self.prior_ is None:
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
        """Mixed standardized scores, one column a section (before the temperature)."""
        check_fitted(self, "centroids_")
        emb = np.asarray(X.embeddings, dtype=np.float64)
        return self._mix(self._prior_scores(X), emb @ self.centroids_.T, self.counts_)

    def loo_decision_function(self, X: EncodedArticles, y: Sequence[str]) -> np.ndarray:
        """Scores of the training articles as if each had been left out of its centroid.

        These are honest held-out scores for calibration, at no extra training cost (the
        standardization statistics keep every article: a second-order effect).
        """
        check_fitted(self, "centroids_")
        assert self.classes_ is not None
        index = {c: i for i, c in enumerate(self.classes_)}
        y_idx = np.array([index[str(label)] for label in y])
        emb = np.asarray(X.embeddings, dtype=np.float64)
        rows = np.arange(len(y_idx))
        ex = emb @ self.centroids_.T
        own_sum = self.sums_[y_idx]
        self_dot = np.einsum("ij,ij->i", emb, emb)
        dot = np.einsum("ij,ij->i", emb, own_sum)
        sq = np.einsum("ij,ij->i", own_sum, own_sum)
        norm = np.sqrt(np.maximum(sq - 2 * dot + self_dot, 1e-12))
        ex[rows, y_idx] = (dot - self_dot) / norm
        counts = np.tile(self.counts_, (len(y_idx), 1))
        counts[rows, y_idx] -= 1
        return self._mix(self._prior_scores(X), ex, counts)

    def predict_proba(self, X: EncodedArticles) -> np.ndarray:
        return softmax(self.decision_function(X) / self.temperature_)

    def get_state(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        check_fitted(self, "centroids_")
        config: dict[str, Any] = {
            "prior_strength": self.prior_strength,
            "other_margin": self.other_margin,
            "classes": self.classes_,
            "other_index": self.other_index_,
            "temperature": self.temperature_,
        }
        arrays = {
            "sums": self.sums_,
            "counts": self.counts_,
            "z_mean": self.z_mean_,
            "z_std": self.z_std_,
            "e_mean": self.e_mean_,
            "e_std": self.e_std_,
        }
        config["prior"], prior_arrays = prior_state(self.prior_)
        return config, arrays | prior_arrays

    def set_state(self, config: dict[str, Any], arrays: dict[str, np.ndarray]) -> PrototypeHead:
        self.prior_strength = float(config["prior_strength"])
        self.other_margin = float(config["other_margin"])
        self.classes_ = list(config["classes"])
        self.other_index_ = int(config["other_index"])
        self.temperature_ = float(config["temperature"])
        self.sums_ = np.asarray(arrays["sums"], dtype=np.float64)
        self.counts_ = np.asarray(arrays["counts"], dtype=np.float64)
        self.centroids_ = normalize_rows(self.sums_).astype(np.float64)
        for name in ("z_mean", "z_std", "e_mean", "e_std"):
            setattr(self, f"{name}_", np.asarray(arrays[name], dtype=np.float64))
        self.prior_ = prior_from_state(config.get("prior"), arrays)
        return self
