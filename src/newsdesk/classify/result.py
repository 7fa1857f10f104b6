"""Values that flow through classification: encoded inputs and predictions."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from newsdesk.article import Article

__all__ = ["EncodedArticles", "Prediction", "margin_of"]


@dataclass(frozen=True)
class EncodedArticles:
    """Articles with their embeddings (row ``i`` belongs to ``articles[i]``).

    Heads take this rather than a bare matrix so they can add features the embedding misses
    (length, form cues, n-grams).
    """

    articles: Sequence[Article]
    embeddings: np.ndarray
    # what a head measured from the texts alone before the embeddings were ready
    # (:meth:`ZeroShotHead.text_evidence`); ``None``: it is measured when scoring
    text_evidence: Any = None

    def __len__(self) -> int:
        return len(self.articles)

    def subset(self, index: Sequence[int] | np.ndarray) -> EncodedArticles:
        """The rows at ``index``, in that order."""
        idx = np.asarray(index, dtype=np.int64)
        return EncodedArticles([self.articles[i] for i in idx], self.embeddings[idx])


@dataclass(frozen=True)
class Prediction:
    """newsdesk's call for one article.

    ``scores`` holds every section's probability in taxonomy order and sums to 1;
    ``section`` is the primary section and ``confidence`` its probability (after any fallback
    to the catch-all). ``sections`` is set in multi-label mode: every section that passed its
    threshold, the primary first.
    """

    id: str | None
    section: str
    confidence: float
    scores: dict[str, float]
    lang: str | None = None
    sections: tuple[str, ...] | None = None

    def top(self, k: int) -> list[tuple[str, float]]:
        """The ``k`` most probable sections with their probabilities."""
        return sorted(self.scores.items(), key=lambda kv: -kv[1])[:k]

    def to_dict(self, *, top_k: int | None = None) -> dict[str, Any]:
        """The JSON form used by the CLI and the service."""
        out: dict[str, Any] = {
            "id": self.id,
            "section": self.section,
            "confidence": round(self.confidence, 4),
            "lang": self.lang,
        }
        if self.sections is not None:
            out["sections"] = list(self.sections)
        if top_k:
            out["top"] = [{"section": s, "score": round(p, 4)} for s, p in self.top(top_k)]
        out["scores"] = {name: round(p, 4) for name, p in self.scores.items()}
        return out


def margin_of(scores: Mapping[str, float]) -> float:
    """How far the call is from a boundary: top probability minus the runner-up's."""
    top = sorted(scores.values(), reverse=True)[:2]
    if not top:
        return 0.0
    return float(top[0] - (top[1] if len(top) > 1 else 0.0))
