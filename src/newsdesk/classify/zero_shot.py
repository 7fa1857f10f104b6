"""Zero-shot scoring: sections recognised by their descriptions, keywords, examples and form.

How an article is scored against a section:

1. **Prototypes.** Every sentence of every description (all languages), every group of a few
   keywords and every example is embedded on its own (``query`` role): a section is a set of
   prototypes, not one averaged vector, so a description listing film, theatre and museums
   matches an article about any one of them.
2. **Standardised similarity.** Raw cosines of e5 all sit in 0.7-0.9 and some prototypes are
   close to every news text. Each prototype's cosine is centred and scaled by its mean and
   spread over a reference set of texts (the label texts of every section, embedded as
   passages), so a prototype counts only when it is closer than usual.
3. **Pooling.** A section's semantic score is a soft maximum over its prototypes.
4. **Keywords.** Distinct keywords found in the title and lead (Arabic normalized) add
   ``keyword_weight * log(1 + hits)``.
5. **Form.** A ``flash`` section (a bare breaking bulletin) is damped for texts longer than
   about 60 words; an ``opinion`` section gains with opinion/explainer cues and loses without
   them (see :mod:`newsdesk.classify.form`).
6. **Fallback.** The catch-all section's score is at least ``fallback``: when no section
   stands out, the catch-all wins.
7. **Probabilities.** ``softmax(score / temperature)``, the temperature fitted offline on the
   development sets so that confidence tracks accuracy.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from newsdesk.classify.form import FormFeatures, flash_shortness, form_features
from newsdesk.classify.heads import check_fitted, softmax
from newsdesk.classify.keywords import KeywordMatcher
from newsdesk.classify.result import EncodedArticles
from newsdesk.encoders.base import Encoder, Role, normalize_rows
from newsdesk.taxonomy import Section, Taxonomy

__all__ = ["SectionEvidence", "ZeroShotHead", "section_texts"]

_SENTENCE_END = re.compile(r"(?<=[.!?؟。])\s+")
_KEYWORD_GROUP = 6


def section_texts(section: Section) -> list[str]:
    """The label texts a section is recognised by, one prototype each.

    Each description sentence, each group of up to six keywords (per language) and each
    example; a section with none of them is known by its name.
    """
    texts: list[str] = []
    for description in section.description.values():
        texts += [s.strip() for s in _SENTENCE_END.split(description) if s.strip()]
    for words in section.keywords.values():
        for start in range(0, len(words), _KEYWORD_GROUP):
            texts.append(", ".join(words[start : start + _KEYWORD_GROUP]))
    texts += list(section.examples)
    return texts or [section.name]


@dataclass(frozen=True)
class SectionEvidence:
    """Per article: standardised label-text similarities, keyword hits and form features."""

    z: np.ndarray  # (articles, label texts)
    keyword_hits: np.ndarray | None  # (articles, sections)
    form: FormFeatures | None


def _soft_max_pool(
    z: np.ndarray, owners: np.ndarray, n_sections: int, sharpness: float
) -> np.ndarray:
    """Per section, ``log mean exp(sharpness * z) / sharpness`` over its prototypes."""
    out = np.empty((z.shape[0], n_sections), dtype=np.float64)
    for k in range(n_sections):
        cols = z[:, owners == k] * sharpness
        top = cols.max(axis=1, keepdims=True)
        out[:, k] = (top[:, 0] + np.log(np.exp(cols - top).mean(axis=1))) / sharpness
    return out


class ZeroShotHead:
    """Scores articles against section prototypes, keywords and form cues; softmax on top.

    Built with :meth:`fit_taxonomy` (no labeled data). The keyword arguments are the
    scoring's few constants; their defaults were set on the public development sets
    (``benchmarks/accuracy.py``).
    """

    kind = "zero-shot"

    def __init__(
        self,
        temperature: float = 0.5,
        sharpness: float = 4.0,
        keyword_weight: float = 0.5,
        fallback: float = 0.5,
        flash_weight: float = 1.0,
        flash_bias: float = 0.0,
        opinion_weight: float = 0.8,
        opinion_bias: float = 1.5,
    ) -> None:
        self.temperature = temperature
        self.sharpness = sharpness
        self.keyword_weight = keyword_weight
        self.fallback = fallback
        self.flash_weight = flash_weight
        self.flash_bias = flash_bias
        self.opinion_weight = opinion_weight
        self.opinion_bias = opinion_bias

    # -- building ---------------------------------------------------------------------------

    def fit_taxonomy(self, taxonomy: Taxonomy, encoder: Encoder) -> ZeroShotHead:
        """Embed every section's label texts and their reference statistics."""
        texts: list[str] = []
        owners: list[int] = []
        for k, section in enumerate(taxonomy.sections):
            own = section_texts(section)
            texts += own
            owners += [k] * len(own)
        vectors = encoder.encode(texts, role=Role.QUERY)
        reference = encoder.encode(texts, role=Role.PASSAGE)
        sims = reference @ vectors.T
        self.label_vectors_ = vectors.astype(np.float32)
        self.owners_ = np.asarray(owners, dtype=np.int64)
        self.mean_ = sims.mean(axis=0).astype(np.float32)
        self.scale_ = np.maximum(sims.std(axis=0), 1e-3).astype(np.float32)
        self.classes_ = taxonomy.names
        # a catch-all known only by its name scores by the fallback alone
        self.scored_ = [not (s.other and section_texts(s) == [s.name]) for s in taxonomy.sections]
        other = taxonomy.other
        self.other_index_ = taxonomy.names.index(other.name) if other else -1
        self.forms_ = [s.form for s in taxonomy.sections]
        self.keywords_ = [
            [w for words in s.keywords.values() for w in words] for s in taxonomy.sections
        ]
        return self

    @property
    def prototypes_(self) -> np.ndarray:
        """One unit vector a section (taxonomy order): the mean of its label-text vectors."""
        check_fitted(self, "label_vectors_")
        sums = np.zeros((len(self.classes_), self.label_vectors_.shape[1]), dtype=np.float64)
        np.add.at(sums, self.owners_, self.label_vectors_)
        return normalize_rows(sums)

    def fit(self, X: EncodedArticles, y: Sequence[Any]) -> ZeroShotHead:
        raise NotImplementedError("ZeroShotHead is built from a taxonomy: use fit_taxonomy")

    # -- scoring ----------------------------------------------------------------------------

    def decision_function(self, X: EncodedArticles) -> np.ndarray:
        """Unnormalised section scores (``predict_proba`` is their tempered softmax)."""
        return self.combine(self.evidence(X))

    def evidence(self, X: EncodedArticles) -> SectionEvidence:
        """What the scores are made of, before the constants weigh it."""
        check_fitted(self, "label_vectors_")
        z = (X.embeddings @ self.label_vectors_.T - self.mean_) / self.scale_
        hits = None
        if any(self.keywords_):
            texts = [f"{a.title}\n{a.text}" for a in X.articles]
            hits = self._keyword_matcher().count(texts)
        form = form_features(X.articles) if any(self.forms_) else None
        return SectionEvidence(z, hits, form)

    def _keyword_matcher(self) -> KeywordMatcher:
        # Building the index costs ~8 ms: once, not on every call (a service files one article
        # a call); rebuilt when keywords_ is replaced.
        matcher: KeywordMatcher | None = getattr(self, "_matcher", None)
        if matcher is None or matcher.keywords != self.keywords_:
            matcher = self._matcher = KeywordMatcher(self.keywords_)
        return matcher

    def combine(self, evidence: SectionEvidence) -> np.ndarray:
        """Section scores from ``evidence`` and this head's constants."""
        n_sections = len(self.classes_)
        pooled = _soft_max_pool(evidence.z, self.owners_, n_sections, self.sharpness)
        scores = np.where(self.scored_, pooled, -np.inf)
        if evidence.keyword_hits is not None:
            scores = scores + self.keyword_weight * np.log1p(evidence.keyword_hits)
        form = evidence.form
        for k, kind in enumerate(self.forms_):
            if form is None:
                break
            if kind == "flash":
                scores[:, k] += self.flash_weight * flash_shortness(form.words) + self.flash_bias
            elif kind == "opinion":
                scores[:, k] += self.opinion_weight * form.opinion - self.opinion_bias
        if self.other_index_ >= 0:
            o = self.other_index_
            scores[:, o] = np.logaddexp(scores[:, o], self.fallback)
        return scores

    def predict_proba(self, X: EncodedArticles) -> np.ndarray:
        """Section probabilities, columns in ``classes_`` order, rows summing to 1."""
        return softmax(self.decision_function(X) / self.temperature)

    # -- saving -----------------------------------------------------------------------------

    def get_params(self) -> dict[str, float]:
        return {
            "temperature": self.temperature,
            "sharpness": self.sharpness,
            "keyword_weight": self.keyword_weight,
            "fallback": self.fallback,
            "flash_weight": self.flash_weight,
            "flash_bias": self.flash_bias,
            "opinion_weight": self.opinion_weight,
            "opinion_bias": self.opinion_bias,
        }

    def get_state(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        check_fitted(self, "label_vectors_")
        config = {
            "params": self.get_params(),
            "classes": list(self.classes_),
            "other_index": self.other_index_,
            "scored": list(self.scored_),
            "forms": list(self.forms_),
            "keywords": self.keywords_,
        }
        arrays = {
            "label_vectors": self.label_vectors_,
            "owners": self.owners_,
            "mean": self.mean_,
            "scale": self.scale_,
        }
        return config, arrays

    def set_state(self, config: dict[str, Any], arrays: dict[str, np.ndarray]) -> ZeroShotHead:
        for name, value in config["params"].items():
            setattr(self, name, float(value))
        self.classes_ = list(config["classes"])
        self.other_index_ = int(config["other_index"])
        self.scored_ = [bool(x) for x in config["scored"]]
        self.forms_ = list(config["forms"])
        self.keywords_ = [list(words) for words in config["keywords"]]
        self.label_vectors_ = np.asarray(arrays["label_vectors"], dtype=np.float32)
        self.owners_ = np.asarray(arrays["owners"], dtype=np.int64)
        self.mean_ = np.asarray(arrays["mean"], dtype=np.float32)
        self.scale_ = np.asarray(arrays["scale"], dtype=np.float32)
        return self
