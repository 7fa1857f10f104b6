"""Zero-shot scoring: similarity of each article to each section's prototypes."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from newsdesk.classify.heads import check_fitted, softmax
from newsdesk.classify.result import EncodedArticles
from newsdesk.encoders.base import Encoder, Role, normalize_rows
from newsdesk.taxonomy import Section, Taxonomy

__all__ = ["ZeroShotHead", "section_texts"]


def section_texts(section: Section) -> list[str]:
    """The label texts a section is recognised by: descriptions, keywords and examples."""
    texts = [f"{section.name}: {text}" for text in section.description.values()]
    texts += [", ".join(words) for words in section.keywords.values() if words]
    texts += list(section.examples)
    return texts or [section.name]


class ZeroShotHead:
    """Scores articles by cosine to each section's mean label embedding, then a softmax.

    The catch-all section gets a constant score ``other_margin`` below the best section, so
    it wins only when no section stands out.
    """

    kind = "zero-shot"

    def __init__(self, temperature: float = 0.02, other_margin: float = 0.02) -> None:
        self.temperature = temperature
        self.other_margin = other_margin
        self.classes_: list[str] | None = None  # type: ignore[assignment]
        self.prototypes_: np.ndarray | None = None
        self.other_index_: int = -1

    def fit_taxonomy(self, taxonomy: Taxonomy, encoder: Encoder) -> ZeroShotHead:
        """Build one prototype per section from its label texts."""
        protos = []
        for section in taxonomy.sections:
            vecs = encoder.encode(section_texts(section), role=Role.QUERY)
            protos.append(vecs.mean(axis=0))
        self.prototypes_ = normalize_rows(np.stack(protos))
        self.classes_ = taxonomy.names
        other = taxonomy.other
        self.other_index_ = taxonomy.names.index(other.name) if other else -1
        return self

    def fit(self, X: EncodedArticles, y: Sequence[Any]) -> ZeroShotHead:
        raise NotImplementedError("ZeroShotHead is built from a taxonomy: use fit_taxonomy")

    def predict_proba(self, X: EncodedArticles) -> np.ndarray:
        check_fitted(self, "prototypes_")
        assert self.prototypes_ is not None
        sims = X.embeddings @ self.prototypes_.T
        if self.other_index_ >= 0:
            rest = np.delete(sims, self.other_index_, axis=1)
            sims[:, self.other_index_] = rest.max(axis=1) - self.other_margin
        return softmax(sims / self.temperature)

    def get_state(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        check_fitted(self, "prototypes_")
        assert self.prototypes_ is not None
        config = {
            "temperature": self.temperature,
            "other_margin": self.other_margin,
            "classes": self.classes_,
            "other_index": self.other_index_,
        }
        return config, {"prototypes": self.prototypes_}

    def set_state(self, config: dict[str, Any], arrays: dict[str, np.ndarray]) -> ZeroShotHead:
        self.temperature = float(config["temperature"])
        self.other_margin = float(config["other_margin"])
        self.classes_ = list(config["classes"])
        self.other_index_ = int(config["other_index"])
        self.prototypes_ = np.asarray(arrays["prototypes"], dtype=np.float32)
        return self
