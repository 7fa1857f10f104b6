"""A trained linear head: the zero-shot head's log-probabilities, corrected by what examples add.

``logits = a * zero_shot_log_probs + c * centroid_scores + embedding @ W + ngrams @ V + b``. The
zero-shot head built from the taxonomy (``prior``) is an offset whose scale ``a`` is learned
(held near 1 by a light penalty); ``centroid_scores``, each article's similarity to the centroid
of each section's examples (leave-one-out in training), is a second offset with a learned scale
``c``: what few examples say, in one number a section, before ``W`` has the data to say more.
``W`` over the (standardized) embedding and ``V`` over hashed TF-IDF word and character n-grams
are L2-penalized with strength ``1 / C``. A strong penalty leaves the calibrated zero-shot head;
the more examples, the more the features take over. The centroid scores are linear in the
embedding, so the saved head folds ``c`` into ``W``. Training solves it with L-BFGS
(:mod:`newsdesk.classify.logistic`, scipy from the ``train`` extra); prediction is numpy.
Single-label heads are one softmax model (classes weighted against imbalance); multi-label heads
one sigmoid a section (no centroid offset), reported through :meth:`LinearHead.predict_label_proba`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from newsdesk.classify.calibration import sigmoid
from newsdesk.classify.features import HashedNgrams
from newsdesk.classify.heads import LearnedHead, check_fitted, softmax
from newsdesk.classify.linear_design import Design, centroid_scores
from newsdesk.classify.logistic import LogisticFit, balanced_weights, fit_logistic, log_softmax
from newsdesk.classify.prototype import prior_from_state, prior_state
from newsdesk.classify.result import EncodedArticles
from newsdesk.classify.zero_shot import ZeroShotHead
from newsdesk.errors import ModelFormatError, TrainingError, require

__all__ = ["DEFAULT_C", "DEFAULT_LEXICAL_WEIGHT", "DEFAULT_PRIOR_WEIGHT", "LinearHead"]

# the head's defaults are the trainer's (TrainingOptions reads them from here): penalty 1 / C on
# the features, the n-grams' weight against the standardized embedding, the offset's scale
DEFAULT_C = 0.3
DEFAULT_LEXICAL_WEIGHT = 16.0
DEFAULT_PRIOR_WEIGHT = 1.0


class LinearHead(LearnedHead):
    """Logistic regression on ``[zero-shot log-probabilities (offset), embedding, n-grams]``.

    ``C`` is the inverse penalty on the feature weights; ``lexical`` switches the n-gram block
    on (the ``max_columns`` buckets most used in training, seen at least ``min_df`` times) and
    ``lexical_weight`` scales it against the standardized embedding; ``sources`` crosses the
    n-grams with each article's ``source`` (a feed's own filing habits); ``prior_weight``
    is the offset's starting scale (0: no zero-shot offset even when a prior is given);
    ``centroids`` adds the example centroids' scores as a second offset (single-label only),
    whose scale ``centroids_at_zero`` fits even at ``C = 0``, as ``zero_bias_penalty`` does
    the bias (training only: not saved).
    """

    kind = "linear"
    # learned by fit (or restored by set_state); absent before
    classes_: list[str] | None
    temperature_: float
    prior_: ZeroShotHead | None

    def __init__(
        self,
        C: float = DEFAULT_C,
        lexical: bool = True,
        lexical_weight: float = DEFAULT_LEXICAL_WEIGHT,
        prior_weight: float = DEFAULT_PRIOR_WEIGHT,
        bits: int = 20,
        word_ngrams: int = 2,
        char_ngrams: tuple[int, int] | None = None,
        min_df: int = 2,
        max_columns: int = 1 << 18,
        class_weight: str | None = "balanced",
        multi_label: bool = False,
        max_iter: int = 300,
        sources: bool = False,
        centroids: bool = False,
        centroids_at_zero: bool = False,
        zero_bias_penalty: float | None = None,
    ) -> None:
        self.C = C
        self.lexical = lexical
        self.lexical_weight = lexical_weight
        self.prior_weight = prior_weight
        self.bits = bits
        self.word_ngrams = word_ngrams
        self.char_ngrams = char_ngrams
        self.min_df = min_df
        self.max_columns = max_columns
        self.class_weight = class_weight
        self.multi_label = multi_label
        self.max_iter = max_iter
        self.sources = sources
        self.centroids = centroids
        self.centroids_at_zero = centroids_at_zero
        self.zero_bias_penalty = zero_bias_penalty

    @property
    def _centroid_offset(self) -> bool:
        """Whether the centroid offset is used: ``centroids``, and single-label only."""
        return self.centroids and not self.multi_label

    def _targets(self, y: Sequence[Any], classes: Sequence[str] | None) -> np.ndarray:
        if self.multi_label:
            sets = [{str(v) for v in ([row] if isinstance(row, str) else row)} for row in y]
            seen = set().union(*sets)
        else:
            sets = [{str(v)} for v in y]
            seen = {str(v) for v in y}
        order = [c for c in classes if c in seen] if classes is not None else sorted(seen)
        unknown = sorted(seen - set(order))
        if unknown:
            raise TrainingError(f"labels not among the sections: {', '.join(unknown)}")
        if len(order) < 2:
            raise TrainingError(
                f"training needs examples of at least two sections; found only {order!r}"
            )
        self.classes_ = order
        index = {c: i for i, c in enumerate(order)}
        target = np.zeros((len(sets), len(order)), dtype=np.int8)
        for row, labels in enumerate(sets):
            for label in labels:
                target[row, index[label]] = 1
        return target

    def _offset(self, X: EncodedArticles) -> np.ndarray | None:
        """The prior's log-probabilities over this head's classes (None without a prior)."""
        if self.prior_ is None:
            return None
        assert self.classes_ is not None
        scores = np.asarray(self.prior_.decision_function(X), dtype=np.float64)
        columns = [list(self.prior_.classes_).index(c) for c in self.classes_]
        return log_softmax(scores[:, columns] / self.prior_.temperature_)

    def _tags(self, X: EncodedArticles) -> list[str | None] | None:
        return [a.source for a in X.articles] if self.sources else None

    def _ngrams(self, X: EncodedArticles, fit: bool):  # type: ignore[no-untyped-def]
        texts = [a.content for a in X.articles]
        if fit:
            self.ngrams_ = HashedNgrams(self.bits, self.word_ngrams, self.char_ngrams)
            rows = self.ngrams_.fit_transform(texts, self._tags(X)).to_csr()
            df = np.bincount(rows.indices, minlength=rows.shape[1])
            active = np.flatnonzero(df >= self.min_df)
            if len(active) > self.max_columns:  # the most used buckets
                active = np.sort(active[np.argsort(-df[active], kind="stable")[: self.max_columns]])
            self.active_ = active
        else:
            rows = self.ngrams_.transform(texts, self._tags(X)).to_csr()
        # only the buckets seen often enough become columns: the solver's cost grows with them
        return rows[:, self.active_] * np.float32(self.lexical_weight)

    def design(
        self,
        X: EncodedArticles,
        y: Sequence[Any],
        *,
        classes: Sequence[str] | None = None,
        sample_weight: np.ndarray | None = None,
        prior: ZeroShotHead | None = None,
    ) -> Design:
        """Learn the feature scaling (and n-gram IDF) from ``X`` and lay it out for the solver.

        ``classes`` fixes the column order (a taxonomy's); sections without examples are left
        out of ``classes_``. ``prior``, a fitted zero-shot head, becomes the offset.
        """
        require("scipy", feature="training a linear head", extra="train")
        target = self._targets(y, classes)
        self.prior_ = prior if self.prior_weight > 0 else None
        emb = np.asarray(X.embeddings, dtype=np.float32)
        self.mean_ = emb.mean(axis=0)
        self.scale_ = float(max(emb.std(axis=0).mean(), 1e-6))
        dense = (emb - self.mean_) / np.float32(self.scale_)
        sparse = self._ngrams(X, fit=True) if self.lexical else None
        offset = self._offset(X)
        if offset is not None:
            offset = offset * self.prior_weight
        weights = (
            balanced_weights(target, self.multi_label)
            if self.class_weight == "balanced"
            else np.ones(target.shape if self.multi_label else len(target))
        )
        if sample_weight is not None:
            sw = np.asarray(sample_weight, dtype=np.float64)
            weights = weights * (sw[:, None] if weights.ndim == 2 else sw)
        centroids = None
        if self._centroid_offset:
            centroids, self.centroid_matrix_ = centroid_scores(emb, target)
        return Design(
            dense.astype(np.float32), sparse, offset, target, weights, centroids,
            emb if self._centroid_offset else None,
        )  # fmt: skip

    def solve(
        self, design: Design, C: float | None = None, init: LogisticFit | None = None,
        prior_alone: bool = False,
    ) -> LogisticFit:  # fmt: skip
        """Weights for ``design`` (all its rows) at penalty ``1 / C`` (``self.C`` by default);
        ``prior_alone``: at ``C = 0`` the prior's scale only (no centroid scale, no bias)."""
        at_zero = self.centroids_at_zero and not prior_alone
        return fit_logistic(
            design.dense, design.target, sparse=design.sparse, offset=design.offset,
            C=self.C if C is None else C, weights=design.weights,
            multi_label=self.multi_label, init=init, max_iter=self.max_iter,
            centroids=design.centroids, centroids_at_zero=at_zero,
            zero_bias_penalty=None if prior_alone else self.zero_bias_penalty,
        )  # fmt: skip

    def adopt(self, fit: LogisticFit, *, offset: bool = True) -> LinearHead:
        """Take ``fit`` (solved on this head's design) as the head's weights.

        ``offset=False``: ``fit`` was solved without the zero-shot offset, so the head drops it.
        """
        if not offset:
            self.prior_ = None
        scale = np.float32(self.scale_)
        weights = fit.dense / scale
        if self._centroid_offset:  # the centroid scores are linear in the embedding: fold them
            weights = weights + fit.centroid_scale * self.centroid_matrix_
        self.embedding_weights_ = np.ascontiguousarray(weights, dtype=np.float32)
        self.intercept_ = fit.bias - (self.mean_ / scale) @ fit.dense
        self.prior_scale_ = fit.offset_scale * self.prior_weight if self.prior_ else 0.0
        if self.lexical:
            used = np.flatnonzero(np.abs(fit.sparse).max(axis=1) > 0)
            self.lexical_index_ = self.active_[used].astype(np.int64)
            self.lexical_weights_ = (fit.sparse[used] * self.lexical_weight).astype(np.float32)
            assert self.ngrams_.idf_ is not None
            self.idf_: np.ndarray = self.ngrams_.idf_
        self.solution_ = fit
        self.temperature_ = 1.0
        return self

    def with_offset(self, prior: ZeroShotHead, scale: float = 1.0) -> LinearHead:
        """Add ``scale`` times ``prior``'s log-probabilities to this fitted head's logits (a
        product of the two heads' probabilities)."""
        check_fitted(self, "embedding_weights_")
        self.prior_, self.prior_scale_ = prior, scale
        return self

    def fit(
        self,
        X: EncodedArticles,
        y: Sequence[Any],
        *,
        classes: Sequence[str] | None = None,
        sample_weight: np.ndarray | None = None,
        prior: ZeroShotHead | None = None,
    ) -> LinearHead:
        """Fit on ``X`` and labels ``y`` (a label each, or a list each when multi-label)."""
        design = self.design(X, y, classes=classes, sample_weight=sample_weight, prior=prior)
        return self.adopt(self.solve(design))

    def decision_function(self, X: EncodedArticles) -> np.ndarray:
        """Raw logits, one column per entry of ``classes_``."""
        check_fitted(self, "embedding_weights_")
        emb = np.asarray(X.embeddings, dtype=np.float32)
        logits = (emb @ self.embedding_weights_).astype(np.float64) + self.intercept_
        offset = self._offset(X)
        if offset is not None:
            logits += self.prior_scale_ * offset
        if self.lexical:
            ngrams = HashedNgrams(self.bits, self.word_ngrams, self.char_ngrams)
            ngrams.idf_ = self.idf_
            rows = ngrams.transform([a.content for a in X.articles], self._tags(X))
            logits = logits + rows.dot(self.lexical_weights_, self.lexical_index_)
        return logits

    def predict_proba(self, X: EncodedArticles) -> np.ndarray:
        """Probabilities of the primary section (rows sum to 1), after the temperature."""
        return softmax(self.decision_function(X) / self.temperature_)

    def predict_label_proba(self, X: EncodedArticles) -> np.ndarray:
        """Independent per-section probabilities (multi-label heads)."""
        return sigmoid(self.decision_function(X))

    def get_state(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        check_fitted(self, "embedding_weights_")
        config: dict[str, Any] = {
            "C": self.C,
            "lexical": self.lexical,
            "lexical_weight": self.lexical_weight,
            "prior_weight": self.prior_weight,
            "bits": self.bits,
            "word_ngrams": self.word_ngrams,
            "char_ngrams": list(self.char_ngrams) if self.char_ngrams else None,
            "min_df": self.min_df,
            "max_columns": self.max_columns,
            "class_weight": self.class_weight,
            "multi_label": self.multi_label,
            "max_iter": self.max_iter,
            "sources": self.sources,
            "classes": self.classes_,
            "temperature": self.temperature_,
            "prior_offset_scale": self.prior_scale_,
        }
        config["prior"], prior_arrays = prior_state(self.prior_)
        arrays: dict[str, np.ndarray] = {
            "embedding_weights": self.embedding_weights_,
            "intercept": self.intercept_,
        }
        arrays.update(prior_arrays)
        if self.lexical:
            arrays |= {
                "lexical_index": self.lexical_index_,
                "lexical_weights": self.lexical_weights_,
                "idf": self.idf_,
            }
        return config, arrays

    def set_state(self, config: dict[str, Any], arrays: dict[str, np.ndarray]) -> LinearHead:
        if "prior_offset_scale" not in config:
            raise ModelFormatError(
                "this linear model was saved by an older newsdesk that used the zero-shot "
                "scores as features; retrain it with this version (newsdesk train)"
            )
        for name in ("C", "lexical_weight", "prior_weight"):
            setattr(self, name, float(config[name]))
        for name in ("bits", "word_ngrams", "min_df", "max_iter"):
            setattr(self, name, int(config[name]))
        self.max_columns = int(config.get("max_columns", self.max_columns))
        self.lexical = bool(config["lexical"])
        self.sources = bool(config.get("sources", False))
        self.multi_label = bool(config["multi_label"])
        self.class_weight = config["class_weight"]
        chars = config["char_ngrams"]
        self.char_ngrams = (int(chars[0]), int(chars[1])) if chars else None
        self.classes_ = list(config["classes"])
        self.temperature_ = float(config["temperature"])
        self.prior_scale_ = float(config["prior_offset_scale"])
        self.embedding_weights_ = np.asarray(arrays["embedding_weights"], dtype=np.float32)
        self.intercept_ = np.asarray(arrays["intercept"], dtype=np.float64)
        self.prior_ = prior_from_state(config.get("prior"), arrays)
        if self.lexical:
            self.lexical_index_ = np.asarray(arrays["lexical_index"], dtype=np.int64)
            self.lexical_weights_ = np.asarray(arrays["lexical_weights"], dtype=np.float32)
            self.idf_ = np.asarray(arrays["idf"], dtype=np.float32)
        return self
