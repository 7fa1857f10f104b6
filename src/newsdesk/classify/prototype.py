"""Few-shot learning: the zero-shot head's scores plus similarity to example centroids.

A section's score is the zero-shot head's logit (its score over its temperature: descriptions,
keywords, form cues; see :mod:`newsdesk.classify.zero_shot`) plus how much closer the article is
to the centroid of the section's examples than to the other sections' centroids (in units of
the usual spread of those similarities), weighted by ``alpha * n / (n + k)``: ``n`` is the
section's number of examples and ``k`` the ``prior_strength``. Sections without examples keep
their zero-shot logit alone.

``alpha`` is what the examples say about the taxonomy: the odds that the zero-shot head
misfiles one of them (its error rate ``e`` on the examples, which it never saw, as
``e / (1 - e)``, at most 4). Where the descriptions already file the examples right, one or
two examples are not allowed to overrule them (a single example is a noisy centroid, so a mix
that does not weigh the descriptions by how well they file the examples loses to zero-shot
at one example a section; the figures: docs/training.md); where the descriptions misfile most
of them (as with many sections named by one word each), the examples carry the weight.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from newsdesk.classify.heads import LearnedHead, check_fitted, softmax
from newsdesk.classify.result import EncodedArticles
from newsdesk.classify.zero_shot import ZeroShotHead
from newsdesk.encoders.base import normalize_rows
from newsdesk.errors import ModelFormatError, TrainingError

__all__ = ["DEFAULT_PRIOR_STRENGTH", "PrototypeHead", "prior_from_state", "prior_state"]

# ``k`` of ``n / (n + k)``: with k examples a section's centroid has half its full weight;
# the head's default is the trainer's (TrainingOptions reads it from here)
DEFAULT_PRIOR_STRENGTH = 2.0

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


class PrototypeHead(LearnedHead):
    """Example centroids added to a zero-shot head's logits when one is given."""

    kind = "prototype"
    # learned by fit (or restored by set_state); absent before
    classes_: list[str] | None
    temperature_: float
    mix_: str  # "logits"; models saved before it: "standardized" (see _standardized_mix)
    # the standardized mix of models saved before the logit mix: its statistics, set on load
    z_mean_: np.ndarray
    z_std_: np.ndarray
    e_mean_: np.ndarray
    e_std_: np.ndarray

    def __init__(
        self, prior_strength: float = DEFAULT_PRIOR_STRENGTH, other_margin: float = 0.5
    ) -> None:
        self.prior_strength = prior_strength
        self.other_margin = other_margin

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
        catch-all.
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
        self.mix_ = "logits"
        self.temperature_ = 1.0
        # the usual spread of an article's relative closeness to other sections' centroids
        rows = np.arange(len(y_idx))
        others = np.ones((len(y_idx), len(classes)), dtype=bool)
        others[rows, y_idx] = False
        others &= self.counts_ > 0
        relative = _relative(emb @ self.centroids_.T, others)
        spread = float(relative[others].std()) if others.sum() > 1 else 0.0
        self.spread_ = spread if np.isfinite(spread) and spread > 1e-6 else 1.0
        self.misfiled_ = 1.0  # share of the examples the zero-shot head files elsewhere
        if prior is not None:
            self.misfiled_ = float(np.mean(self._prior_scores(X).argmax(axis=1) != y_idx))
        error = min(self.misfiled_, 0.8)
        self.alpha_ = min(4.0, error / (1.0 - error)) if prior is not None else 1.0
        return self

    def _prior_scores(self, X: EncodedArticles) -> np.ndarray:
        if self.prior_ is None:
            return np.zeros((len(X), len(self.counts_)))
        return np.asarray(self.prior_.decision_function(X), dtype=np.float64)

    def _mix(self, zs: np.ndarray, ex: np.ndarray, counts: np.ndarray) -> np.ndarray:
        """Scores from zero-shot scores ``zs``, centroid cosines ``ex`` and example counts
        (one row of counts, or one a row of scores when each article left itself out)."""
        if self.mix_ == "standardized":
            return self._standardized_mix(zs, ex, counts)
        has = np.broadcast_to(counts > 0, ex.shape)
        relative = _relative(ex, has) / self.spread_  # 0 for sections without examples
        if self.prior_ is None:
            return relative
        weight = self.alpha_ * counts / (counts + self.prior_strength)
        return zs / self.prior_.temperature_ + weight * relative

    def _standardized_mix(self, zs: np.ndarray, ex: np.ndarray, counts: np.ndarray) -> np.ndarray:
        """The mix of models saved before ``mix_``: both scores standardized over the training
        articles, weight ``k / (k + n)`` on the zero-shot score."""
        z = (zs - self.z_mean_) / self.z_std_
        e = (ex - self.e_mean_) / self.e_std_
        w = (
            np.zeros_like(counts)
            if self.prior_ is None
            else self.prior_strength / (self.prior_strength + counts)
        )
        e = np.where(counts > 0, e, 0.0)
        scores = w * z + (1 - w) * e
        if self.other_index_ >= 0 and counts[..., self.other_index_].min() == 0:
            rest = np.delete(scores, self.other_index_, axis=-1)
            scores[..., self.other_index_] = rest.max(axis=-1) - self.other_margin
        return scores

    def decision_function(self, X: EncodedArticles) -> np.ndarray:
        """Scores, one column a section (before the temperature)."""
        check_fitted(self, "centroids_")
        emb = np.asarray(X.embeddings, dtype=np.float64)
        return self._mix(self._prior_scores(X), emb @ self.centroids_.T, self.counts_)

    def loo_decision_function(self, X: EncodedArticles, y: Sequence[str]) -> np.ndarray:
        """Scores of the training articles as if each had been left out of its centroid.

        These are honest held-out scores for calibration, at no extra training cost (the
        spread and ``alpha`` keep every article: a second-order effect).
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
            "mix": self.mix_,
        }
        arrays = {"sums": self.sums_, "counts": self.counts_}
        if self.mix_ == "standardized":
            arrays |= {
                name: getattr(self, f"{name}_") for name in ("z_mean", "z_std", "e_mean", "e_std")
            }
        else:
            config |= {"alpha": self.alpha_, "spread": self.spread_}
        config["prior"], prior_arrays = prior_state(self.prior_)
        return config, arrays | prior_arrays

    def set_state(self, config: dict[str, Any], arrays: dict[str, np.ndarray]) -> PrototypeHead:
        self.prior_strength = float(config["prior_strength"])
        self.other_margin = float(config["other_margin"])
        self.classes_ = list(config["classes"])
        self.other_index_ = int(config["other_index"])
        self.temperature_ = float(config["temperature"])
        self.mix_ = str(config.get("mix", "standardized"))
        if self.mix_ not in ("logits", "standardized"):
            raise ModelFormatError(
                f"unknown prototype mix '{self.mix_}': upgrade newsdesk to load this model"
            )
        self.sums_ = np.asarray(arrays["sums"], dtype=np.float64)
        self.counts_ = np.asarray(arrays["counts"], dtype=np.float64)
        self.centroids_ = normalize_rows(self.sums_).astype(np.float64)
        if self.mix_ == "standardized":
            for name in ("z_mean", "z_std", "e_mean", "e_std"):
                setattr(self, f"{name}_", np.asarray(arrays[name], dtype=np.float64))
        else:
            self.alpha_ = float(config["alpha"])
            self.spread_ = float(config["spread"])
        self.prior_ = prior_from_state(config.get("prior"), arrays)
        return self


def _relative(cosines: np.ndarray, has: np.ndarray) -> np.ndarray:
    """Each cosine minus the row's mean over the columns where ``has`` (0 where not)."""
    has = np.broadcast_to(has, cosines.shape)
    total = np.where(has, cosines, 0.0).sum(axis=-1, keepdims=True)
    mean = total / np.maximum(has.sum(axis=-1, keepdims=True), 1)
    return np.where(has, cosines - mean, 0.0)
