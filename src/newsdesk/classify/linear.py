"""A trained linear head over the encoder's embeddings, zero-shot scores and lexical n-grams.

Training uses scikit-learn's logistic regression (the ``train`` extra); prediction is a numpy
dot product. Given a zero-shot head built from the taxonomy (``prior``), its section scores
are features too: the head learns how far to trust the descriptions, which helps most when
examples are few. Single-label heads learn one multinomial model (classes weighted against
imbalance); multi-label heads learn one binary model a section, and report independent
probabilities through :meth:`LinearHead.predict_label_proba`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from newsdesk.classify.calibration import sigmoid
from newsdesk.classify.features import HashedNgrams
from newsdesk.classify.heads import check_fitted, softmax
from newsdesk.classify.prototype import prior_from_state, prior_state
from newsdesk.classify.result import EncodedArticles
from newsdesk.classify.zero_shot import ZeroShotHead
from newsdesk.errors import TrainingError, require

__all__ = ["LinearHead"]


class LinearHead:
    """Logistic regression on ``[embedding, zero-shot scores, hashed TF-IDF n-grams]``.

    ``C`` is the inverse regularization strength; ``lexical`` switches the n-gram block on;
    ``lexical_weight`` scales it against the (unit-length) embedding block, and
    ``prior_weight`` the zero-shot block (row-centred scores over their spread).
    """

    kind = "linear"

    def __init__(
        self,
        C: float = 10.0,
        lexical: bool = True,
        lexical_weight: float = 1.0,
        prior_weight: float = 2.0,
        bits: int = 18,
        word_ngrams: int = 2,
        char_ngrams: tuple[int, int] | None = None,
        min_df: int = 2,
        class_weight: str | None = "balanced",
        multi_label: bool = False,
        max_iter: int = 300,
    ) -> None:
        self.C = C
        self.lexical = lexical
        self.lexical_weight = lexical_weight
        self.prior_weight = prior_weight
        self.bits = bits
        self.word_ngrams = word_ngrams
        self.char_ngrams = char_ngrams
        self.min_df = min_df
        self.class_weight = class_weight
        self.multi_label = multi_label
        self.max_iter = max_iter
        self.classes_: list[str] | None = None
        self.temperature_: float = 1.0
        self.prior_: ZeroShotHead | None = None

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

    def _prior_block(self, X: EncodedArticles, fit: bool = False) -> np.ndarray:
        """The zero-shot scores, row-centred and scaled (empty without a prior)."""
        if self.prior_ is None:
            return np.zeros((len(X), 0))
        scores = np.asarray(self.prior_.decision_function(X), dtype=np.float64)
        finite = np.isfinite(scores)
        low = np.where(finite, scores, np.inf).min(axis=1, keepdims=True)
        scores = np.where(finite, scores, low)  # a section never scored: the row's floor
        centred = scores - scores.mean(axis=1, keepdims=True)
        if fit:
            self.prior_scale_ = float(max(centred.std(), 1e-6))
        return centred * (self.prior_weight / self.prior_scale_)

    def _features(self, X: EncodedArticles, fit: bool):  # type: ignore[no-untyped-def]
        from scipy.sparse import csr_matrix, hstack

        emb = csr_matrix(
            np.hstack([np.asarray(X.embeddings, dtype=np.float64), self._prior_block(X, fit)])
        )
        if not self.lexical:
            return emb
        texts = [a.content for a in X.articles]
        if fit:
            self.ngrams_ = HashedNgrams(self.bits, self.word_ngrams, self.char_ngrams).fit(texts)
        rows = self.ngrams_.transform(texts).to_csr()
        if fit:
            df = np.bincount(rows.indices, minlength=rows.shape[1])
            self.active_ = np.flatnonzero(df >= self.min_df)
        # only the buckets seen often enough become columns: the solver's cost grows with them
        rows = rows[:, self.active_] * self.lexical_weight
        return hstack([emb, rows]).tocsr()

    def fit(
        self,
        X: EncodedArticles,
        y: Sequence[Any],
        *,
        classes: Sequence[str] | None = None,
        sample_weight: np.ndarray | None = None,
        prior: ZeroShotHead | None = None,
    ) -> LinearHead:
        """Fit on ``X`` and labels ``y`` (a label each, or a list each when multi-label).

        ``classes`` fixes the column order (a taxonomy's); sections without examples are left
        out of ``classes_``. ``prior``, a fitted zero-shot head, adds its scores as features.
        """
        require("sklearn", feature="training a linear head", extra="train")
        from sklearn.linear_model import LogisticRegression

        target = self._targets(y, classes)
        self.prior_ = prior
        features = self._features(X, fit=True)
        dim = X.embeddings.shape[1] + (len(prior.classes_) if prior is not None else 0)
        k = target.shape[1]
        if self.multi_label:
            coef = np.zeros((k, features.shape[1]))
            intercept = np.full(k, -10.0)
            for j in range(k):
                col = target[:, j]
                if 0 < col.sum() < len(col):
                    model = LogisticRegression(
                        C=self.C, class_weight=self.class_weight, max_iter=self.max_iter,
                        solver="liblinear",
                    )  # fmt: skip
                    model.fit(features, col, sample_weight=sample_weight)
                    coef[j], intercept[j] = model.coef_[0], model.intercept_[0]
                elif col.sum() == len(col):
                    intercept[j] = 10.0
        else:
            model = LogisticRegression(
                C=self.C, class_weight=self.class_weight, max_iter=self.max_iter
            )
            model.fit(features, target.argmax(axis=1), sample_weight=sample_weight)
            coef, intercept = model.coef_, model.intercept_
            if k == 2:  # scikit-learn keeps one row for two classes
                coef = np.vstack([-coef[0] / 2, coef[0] / 2])
                intercept = np.array([-intercept[0] / 2, intercept[0] / 2])
        # the zero-shot block's rows sit under the embedding's, in one dense matrix
        self.embedding_weights_ = np.ascontiguousarray(coef[:, :dim].T, dtype=np.float32)
        self.intercept_ = np.asarray(intercept, dtype=np.float64)
        if self.lexical:
            lex = coef[:, dim:].T  # one row an active bucket
            used = np.flatnonzero(np.abs(lex).max(axis=1) > 0)
            self.lexical_index_ = self.active_[used].astype(np.int64)
            self.lexical_weights_ = (lex[used] * self.lexical_weight).astype(np.float32)
            assert self.ngrams_.idf_ is not None
            self.idf_: np.ndarray = self.ngrams_.idf_
        self.temperature_ = 1.0
        return self

    def decision_function(self, X: EncodedArticles) -> np.ndarray:
        """Raw logits, one column per entry of ``classes_``."""
        check_fitted(self, "embedding_weights_")
        dense = np.hstack([np.asarray(X.embeddings, dtype=np.float64), self._prior_block(X)])
        logits = dense @ self.embedding_weights_ + self.intercept_
        if self.lexical:
            ngrams = HashedNgrams(self.bits, self.word_ngrams, self.char_ngrams)
            ngrams.idf_ = self.idf_
            rows = ngrams.transform([a.content for a in X.articles])
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
            "class_weight": self.class_weight,
            "multi_label": self.multi_label,
            "max_iter": self.max_iter,
            "classes": self.classes_,
            "temperature": self.temperature_,
        }
        config["prior"], prior_arrays = prior_state(self.prior_)
        if self.prior_ is not None:
            config["prior_scale"] = self.prior_scale_
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
        for name in ("C", "lexical_weight", "prior_weight"):
            setattr(self, name, float(config[name]))
        for name in ("bits", "word_ngrams", "min_df", "max_iter"):
            setattr(self, name, int(config[name]))
        self.lexical = bool(config["lexical"])
        self.multi_label = bool(config["multi_label"])
        self.class_weight = config["class_weight"]
        chars = config["char_ngrams"]
        self.char_ngrams = (int(chars[0]), int(chars[1])) if chars else None
        self.classes_ = list(config["classes"])
        self.temperature_ = float(config["temperature"])
        self.embedding_weights_ = np.asarray(arrays["embedding_weights"], dtype=np.float32)
        self.intercept_ = np.asarray(arrays["intercept"], dtype=np.float64)
        self.prior_ = prior_from_state(config.get("prior"), arrays)
        if self.prior_ is not None:
            self.prior_scale_ = float(config["prior_scale"])
        if self.lexical:
            self.lexical_index_ = np.asarray(arrays["lexical_index"], dtype=np.int64)
            self.lexical_weights_ = np.asarray(arrays["lexical_weights"], dtype=np.float32)
            self.idf_ = np.asarray(arrays["idf"], dtype=np.float32)
        return self
