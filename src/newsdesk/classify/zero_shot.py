"""Zero-shot scoring: sections recognised by their descriptions, keywords, examples and form.

How an article is scored against a section:

1. **Prototypes.** Every sentence of every description (all languages), every group of a few
   keywords and every example is embedded on its own (``query`` role): a section is a set of
   prototypes, not one averaged vector, so a description listing film, theatre and museums
   matches an article about any one of them. With ``prompts``, a section is also known by
   label prompts: its name, and a short line, alone and wrapped in news-like sentences
   (:mod:`newsdesk.classify.label_prompts`), which is most of what a one-line taxonomy gives.
   An encoder that counts words (``bag_of_words``, the lexical one) gets no prompts.
2. **Relative similarity.** Raw cosines of e5 all sit in 0.7-0.9, and some prototypes are
   close to every news text. A prototype's cosine is lowered by part (``background``) of its
   cosine to the encoder's mean news article (:mod:`newsdesk.encoders.background`; for an
   encoder that ships none, its mean cosine to the label texts) and by part
   (``centering``) of its mean cosine to the label texts of every section (embedded as
   passages), and divided by ``scale`` times the typical spread of those cosines, so one
   setting suits encoders whose cosines spread narrowly (e5) or widely (USE). It is then
   centred on the article's own mean over all prototypes: what counts is how much closer a
   section is than the rest, the same for an English and an Arabic article even when one
   sits closer to everything.
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

A taxonomy of a name and a line a section and one with descriptions and keyword lists are
scored with constants of their own (:data:`THIN`, :data:`RICH`): with one or two texts a
section, the prompts carry most of what is known, and a softer pool, a wider scale and a
stronger background pull file them best.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from newsdesk.article import Article
from newsdesk.classify.form import FormFeatures, flash_shortness, form_features
from newsdesk.classify.heads import check_fitted, softmax
from newsdesk.classify.keywords import KeywordMatcher
from newsdesk.classify.label_prompts import label_prompts
from newsdesk.classify.result import EncodedArticles
from newsdesk.encoders.background import background_mean
from newsdesk.encoders.base import Encoder, Role
from newsdesk.taxonomy import Section, Taxonomy

__all__ = [
    "RICH",
    "THIN",
    "SectionEvidence",
    "TextEvidence",
    "ZeroShotHead",
    "described_by",
    "is_thin",
    "section_texts",
]

logger = logging.getLogger(__name__)

_SENTENCE_END = re.compile(r"(?<=[.!?؟。])\s+")
_KEYWORD_GROUP = 6


def _described(section: Section) -> list[str]:
    """The label texts a section's own description gives: each sentence of its descriptions
    and each group of up to six keywords (per language)."""
    texts: list[str] = []
    for description in section.description.values():
        texts += [s.strip() for s in _SENTENCE_END.split(description) if s.strip()]
    for words in section.keywords.values():
        for start in range(0, len(words), _KEYWORD_GROUP):
            texts.append(", ".join(words[start : start + _KEYWORD_GROUP]))
    return texts


def section_texts(section: Section) -> list[str]:
    """The label texts a section is recognised by, one prototype each.

    Each description sentence, each group of up to six keywords (per language) and each
    example; a section with none of them is known by its name.
    """
    return _described(section) + list(section.examples) or [section.name]


# The constants that depend on how much a taxonomy says about its sections, each chosen on the
# development sets by benchmarks/tune_zero_shot.py: RICH on taxonomies with descriptions of
# several sentences and keyword lists (and kept through later searches: they file those as
# well as the previous head did), THIN by leave-one-set-out on taxonomies of a name and one
# line a section (--by-kind), the temperature then fitted by log loss on those.
RICH = {"temperature": 0.326, "scale": 0.75, "sharpness": 0.5, "background": 0.5}
THIN = {"temperature": 0.506, "scale": 0.5, "sharpness": 0.1, "background": 1.0}
# a taxonomy is thin when its typical section is described in at most this many label texts
THIN_TEXTS = 2


def described_by(section: Section) -> int:
    """How many label texts a section's own description gives: its sentences and keyword
    groups (examples are articles, not a description)."""
    return len(_described(section))


def is_thin(taxonomy: Taxonomy) -> bool:
    """Whether the taxonomy says little: its median section (a catch-all known only by its name
    aside) is described in at most :data:`THIN_TEXTS` label texts, a line or two."""
    counts = [n for s in taxonomy.sections if (n := described_by(s)) or not s.other]
    return bool(counts) and float(np.median(counts)) <= THIN_TEXTS


def _label_embeddings(encoder: Encoder, texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """The label texts embedded as queries and as passages, kept in the user cache.

    Embedding a taxonomy's few hundred label texts twice takes seconds with e5; an encoder
    marked ``cacheable`` (same fingerprint, same vectors) reads them back from
    ``<cache>/labels/`` the next time, so a warm first use stays fast.
    """
    if not getattr(encoder, "cacheable", False):
        return encoder.encode(texts, role=Role.QUERY), encoder.encode(texts, role=Role.PASSAGE)
    from newsdesk.encoders.model_cache import cache_dir

    # v2: e5's label texts embedded one at a time (earlier, a batch's neighbours moved them)
    digest = hashlib.sha256(b"labels-v2\0" + encoder.fingerprint.encode())
    for text in texts:
        digest.update(b"\0" + text.encode())
    path = cache_dir() / "labels" / f"{digest.hexdigest()[:32]}.npz"
    shape = (len(texts), encoder.dim)
    try:
        with np.load(path, allow_pickle=False) as saved:
            query, passage = saved["query"], saved["passage"]
        if query.shape == shape and passage.shape == shape:
            return query, passage
        logger.warning("%s holds vectors of the wrong shape; embedding the labels again", path)
    except FileNotFoundError:
        pass
    except (OSError, ValueError, KeyError) as exc:
        logger.warning("cannot read %s (%s); embedding the labels again", path, exc)
    query = encoder.encode(texts, role=Role.QUERY)
    passage = encoder.encode(texts, role=Role.PASSAGE)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f"{path.stem}.{os.getpid()}.tmp.npz")
        np.savez(tmp, query=query, passage=passage)
        tmp.replace(path)
    except OSError as exc:  # a read-only cache only costs the next run a few seconds
        logger.warning("cannot keep label vectors in %s (%s)", path.parent, exc)
    return query, passage


@dataclass(frozen=True)
class TextEvidence:
    """Per article: keyword hits and form features, as measured by ``head``."""

    head: ZeroShotHead
    keyword_hits: np.ndarray | None  # (articles, sections)
    form: FormFeatures | None


@dataclass(frozen=True)
class SectionEvidence:
    """Per article: label-text cosines, keyword hits and form features."""

    cosines: np.ndarray  # (articles, label texts)
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
    (``benchmarks/tune_zero_shot.py``). The temperature, scale, sharpness and background pull,
    where not given, follow the taxonomy: :data:`THIN` for one that says a line or two a
    section (:func:`is_thin`), :data:`RICH` for one with descriptions and keywords.
    """

    kind = "zero-shot"

    def __init__(
        self,
        temperature: float | None = None,
        centering: float = 0.0,
        scale: float | None = None,
        sharpness: float | None = None,
        keyword_weight: float = 0.5,
        fallback: float = -1.0,
        flash_weight: float = 1.0,
        flash_bias: float = -1.0,
        opinion_weight: float = 0.8,
        opinion_bias: float = 1.5,
        background: float | None = None,
        prompts: bool = True,
    ) -> None:
        # None: the taxonomy's kind decides when it is fitted (RICH or THIN, in ``constants_``)
        self.temperature = temperature
        self.scale = scale
        self.sharpness = sharpness
        self.background = background
        self.centering = centering
        self.keyword_weight = keyword_weight
        self.fallback = fallback
        self.flash_weight = flash_weight
        self.flash_bias = flash_bias
        self.opinion_weight = opinion_weight
        self.opinion_bias = opinion_bias
        self.prompts = prompts

    # -- building ---------------------------------------------------------------------------

    def fit_taxonomy(self, taxonomy: Taxonomy, encoder: Encoder) -> ZeroShotHead:
        """Embed every section's label texts and their reference statistics."""
        texts: list[str] = []
        owners: list[int] = []
        prompts = self.prompts and not getattr(encoder, "bag_of_words", False)
        # the THIN constants were chosen with label prompts, which a taxonomy of a line a
        # section is mostly known by
        self.thin_ = bool(prompts) and is_thin(taxonomy)
        self.constants_ = dict(THIN if self.thin_ else RICH)
        for k, section in enumerate(taxonomy.sections):
            own = section_texts(section)
            if prompts and not (section.other and own == [section.name]):
                own = list(dict.fromkeys(own + label_prompts(section)))
            texts += own
            owners += [k] * len(own)
        vectors, reference = _label_embeddings(encoder, texts)
        sims = reference @ vectors.T
        self.label_vectors_ = vectors.astype(np.float32)
        self.owners_ = np.asarray(owners, dtype=np.int64)
        self.mean_ = sims.mean(axis=0).astype(np.float32)
        # a label's cosine to the encoder's mean news article where the encoder ships one,
        # else its mean cosine to the label texts (the nearest thing to news it has)
        mean_article = background_mean(encoder)
        pull = vectors @ mean_article if mean_article is not None else self.mean_
        self.pull_ = (pull - pull.mean()).astype(np.float32)
        self.spread_ = float(max(sims.std(axis=0).mean(), 1e-4))
        self.classes_ = taxonomy.names
        # a catch-all known only by its name scores by the fallback alone
        self.scored_ = [not (s.other and section_texts(s) == [s.name]) for s in taxonomy.sections]
        other = taxonomy.other
        self.other_index_ = taxonomy.names.index(other.name) if other else -1
        self.forms_ = [s.form for s in taxonomy.sections]
        self.keywords_ = [
            [w for words in s.keywords.values() for w in words] for s in taxonomy.sections
        ]
        self._matcher = KeywordMatcher(self.keywords_)
        return self

    # -- scoring ----------------------------------------------------------------------------

    def _constant(self, name: str) -> float:
        """A constant of :data:`RICH` in use: the one given, else the fitted taxonomy's kind's."""
        value = getattr(self, name)
        if value is not None:
            return float(value)
        check_fitted(self, "constants_")
        return float(self.constants_[name])

    @property
    def temperature_(self) -> float:
        """The softmax temperature in use (as a trained head's ``temperature_``)."""
        return self._constant("temperature")

    def decision_function(self, X: EncodedArticles) -> np.ndarray:
        """Unnormalised section scores (``predict_proba`` is their tempered softmax)."""
        return self.combine(self.evidence(X))

    def text_evidence(self, articles: Sequence[Article]) -> TextEvidence:
        """The keyword hits and form features of ``articles``: the evidence that needs no
        embedding, so it can be measured while the articles are being encoded."""
        hits = None
        if any(self.keywords_):
            texts = [f"{a.title}\n{a.text}" for a in articles]
            hits = self._matcher.count(texts)
        form = form_features(articles) if any(self.forms_) else None
        return TextEvidence(self, hits, form)

    def evidence(self, X: EncodedArticles) -> SectionEvidence:
        """What the scores are made of, before the constants weigh it."""
        check_fitted(self, "label_vectors_")
        cosines = X.embeddings @ self.label_vectors_.T
        text = X.text_evidence
        if not (isinstance(text, TextEvidence) and text.head is self):
            text = self.text_evidence(X.articles)
        return SectionEvidence(cosines, text.keyword_hits, text.form)

    def combine(self, evidence: SectionEvidence) -> np.ndarray:
        """Section scores from ``evidence`` and this head's constants."""
        n_sections = len(self.classes_)
        usual = self.centering * self.mean_ + (1.0 - self.centering) * float(self.mean_.mean())
        usual = usual + self._constant("background") * self.pull_
        z = (evidence.cosines - usual) / (self._constant("scale") * self.spread_)
        z -= z.mean(axis=1, keepdims=True)
        pooled = _soft_max_pool(z, self.owners_, n_sections, self._constant("sharpness"))
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
        return softmax(self.decision_function(X) / self.temperature_)

    # -- saving -----------------------------------------------------------------------------

    def get_params(self) -> dict[str, float | None]:
        return {
            "temperature": self.temperature,
            "centering": self.centering,
            "scale": self.scale,
            "sharpness": self.sharpness,
            "keyword_weight": self.keyword_weight,
            "fallback": self.fallback,
            "flash_weight": self.flash_weight,
            "flash_bias": self.flash_bias,
            "opinion_weight": self.opinion_weight,
            "opinion_bias": self.opinion_bias,
            "background": self.background,
            "prompts": float(self.prompts),
        }

    def get_state(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        check_fitted(self, "label_vectors_")
        config = {
            "params": self.get_params(),
            "classes": list(self.classes_),
            "other_index": self.other_index_,
            "spread": self.spread_,
            "scored": list(self.scored_),
            "forms": list(self.forms_),
            "keywords": self.keywords_,
            "thin": bool(getattr(self, "thin_", False)),
            "constants": dict(self.constants_),
        }
        arrays = {
            "label_vectors": self.label_vectors_,
            "owners": self.owners_,
            "mean": self.mean_,
            "pull": self.pull_,
        }
        return config, arrays

    def set_state(self, config: dict[str, Any], arrays: dict[str, np.ndarray]) -> ZeroShotHead:
        for name, value in config["params"].items():
            # None: the constant follows the taxonomy's kind (saved in "constants")
            setattr(self, name, None if value is None and name in RICH else float(value))
        self.classes_ = list(config["classes"])
        self.other_index_ = int(config["other_index"])
        self.spread_ = float(config["spread"])
        self.scored_ = [bool(x) for x in config["scored"]]
        self.forms_ = list(config["forms"])
        self.keywords_ = [list(words) for words in config["keywords"]]
        # a model saved before thin taxonomies had constants of their own gave every constant
        self.thin_ = bool(config.get("thin", False))
        constants = config.get("constants") or {}
        self.constants_ = {name: float(constants.get(name, RICH[name])) for name in RICH}
        self._matcher = KeywordMatcher(self.keywords_)
        self.label_vectors_ = np.asarray(arrays["label_vectors"], dtype=np.float32)
        self.owners_ = np.asarray(arrays["owners"], dtype=np.int64)
        self.mean_ = np.asarray(arrays["mean"], dtype=np.float32)
        # models saved before the background pull was measured have none
        pull = arrays.get("pull")
        self.pull_ = np.zeros_like(self.mean_) if pull is None else np.asarray(pull, np.float32)
        return self
