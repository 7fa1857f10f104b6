"""Suggestions for a taxonomy, read from an unlabeled archive of the outlet's own articles.

A new outlet writes one line a section. Its archive knows more: filed zero-shot with that
taxonomy, the articles each section wins with confidence share words that the other sections'
articles do not use, and their headlines show what the section holds. :func:`suggest_taxonomy`
files the archive once and returns, per section, those words (per language, with how many
confident articles each is found in) and a few typical headlines, and for the taxonomy as a
whole the pairs of sections the archive cannot tell apart, the sections almost nothing falls
into and the groups of articles that fit no section (drafts of a missing section).

How words are counted and ranked is :mod:`newsdesk.classify.suggest_terms`; how draft sections
are found, :mod:`newsdesk.classify.suggest_drafts`; the YAML and HTML faces of the result are
:mod:`newsdesk.classify.suggest_report`.
"""

from __future__ import annotations

import logging
import math
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

import numpy as np

from newsdesk.article import Article, detect_language
from newsdesk.classify.keywords import fold_text, keyword_key
from newsdesk.classify.result import EncodedArticles
from newsdesk.classify.suggest_data import Keyword, ScoredArchive, SuggestSettings
from newsdesk.classify.suggest_drafts import DraftSection, draft_sections
from newsdesk.classify.suggest_terms import (
    TermOptions,
    article_text,
    distinctive_terms,
    index_terms,
    matched_counts,
)
from newsdesk.classify.zero_shot import ZeroShotHead
from newsdesk.encoders.base import Encoder, normalize_rows
from newsdesk.errors import ArticleError
from newsdesk.taxonomy import Taxonomy

__all__ = [
    "ConfusablePair",
    "DraftSection",
    "Keyword",
    "ScoredArchive",
    "SectionSuggestion",
    "SuggestSettings",
    "TaxonomySuggestions",
    "score_archive",
    "suggest",
    "suggest_taxonomy",
]

logger = logging.getLogger(__name__)

_ARABIC_LETTER = re.compile("[\u0600-\u06ff]")
_HEADLINE_WORDS = 20


@dataclass(frozen=True)
class SectionSuggestion:
    """What the archive suggests for one section."""

    name: str
    won: int  # articles filed here
    confident: int  # of those, the ones that learned keywords and examples
    keywords: tuple[Keyword, ...] = ()
    examples: tuple[str, ...] = ()
    rare: bool = False


@dataclass(frozen=True)
class ConfusablePair:
    """Two sections that many articles fall between, and the words those articles share."""

    first: str
    second: str
    articles: int
    shared: tuple[str, ...]


@dataclass(frozen=True)
class TaxonomySuggestions:
    """Everything :func:`suggest` found; :meth:`suggested_taxonomy` applies the safe part."""

    taxonomy: Taxonomy
    articles: int
    sections: tuple[SectionSuggestion, ...]
    pairs: tuple[ConfusablePair, ...]
    drafts: tuple[DraftSection, ...]
    settings: SuggestSettings = field(default_factory=SuggestSettings)

    def suggested_taxonomy(self) -> Taxonomy:
        """The taxonomy with the suggested keywords and examples added to each section.

        Draft sections are left out: a new section needs a name and a decision.
        """
        sections = []
        for section, found in zip(self.taxonomy.sections, self.sections, strict=True):
            keywords = {lang: list(words) for lang, words in section.keywords.items()}
            known = {keyword_key(fold_text(w)) for words in keywords.values() for w in words}
            for keyword in found.keywords:
                if keyword_key(fold_text(keyword.word)) not in known:
                    keywords.setdefault(keyword.lang, []).append(keyword.word)
            examples = list(section.examples)
            examples += [e for e in found.examples if e not in examples]
            sections.append(
                replace(
                    section,
                    keywords={lang: tuple(words) for lang, words in keywords.items()},
                    examples=tuple(examples),
                )
            )
        return replace(self.taxonomy, sections=tuple(sections))


def suggest_taxonomy(
    articles: Iterable[Article],
    taxonomy: Taxonomy,
    encoder: Encoder,
    settings: SuggestSettings | None = None,
) -> TaxonomySuggestions:
    """File ``articles`` zero-shot with ``taxonomy`` and read suggestions from the result."""
    return suggest(score_archive(articles, taxonomy, encoder), settings)


def score_archive(
    articles: Iterable[Article], taxonomy: Taxonomy, encoder: Encoder
) -> ScoredArchive:
    """Encode and file ``articles`` once, and index the words the keyword matcher reads."""
    arts = tuple(a if a.lang else a.with_lang(_language(a.content)) for a in articles)
    if not arts:
        raise ArticleError(
            "the archive holds no articles; give files with at least one article a "
            "section (a few hundred give useful suggestions)"
        )
    head = ZeroShotHead().fit_taxonomy(taxonomy, encoder)
    embeddings = encoder.encode([a.content for a in arts])
    probs = head.predict_proba(EncodedArticles(list(arts), embeddings))
    fit = (embeddings @ head.label_vectors_.T).max(axis=1)
    terms, shown = index_terms(arts)
    return ScoredArchive(taxonomy, arts, embeddings, probs, fit, terms, shown)


def _language(text: str) -> str:
    """The article's language; when detection is unsure, its script's main language.

    Keywords are listed under a language in the taxonomy: a short or odd text still belongs
    under ``ar`` or ``en`` rather than under an unknown code.
    """
    detected = detect_language(text)
    if detected:
        return detected
    return "ar" if _ARABIC_LETTER.search(text) else "en"


def suggest(archive: ScoredArchive, settings: SuggestSettings | None = None) -> TaxonomySuggestions:
    """Keywords, examples, confusable pairs, rare sections and drafts from a filed archive."""
    s = settings or SuggestSettings()
    taxonomy, probs = archive.taxonomy, archive.probs
    n, k_sections = probs.shape
    winner = probs.argmax(axis=1)
    confident = _confident(probs, winner, s.confident_share)
    even_split = n / k_sections
    sections = []
    for k, section in enumerate(taxonomy.sections):
        won = int((winner == k).sum())
        mine = [i for i in confident if winner[i] == k]
        rest = [i for i in confident if winner[i] != k]
        keywords: tuple[Keyword, ...] = ()
        examples: tuple[str, ...] = ()
        if not section.other and mine:
            keywords = _keywords(archive, mine, rest, s, s.keywords)
            examples = _typical_headlines(archive, mine, s.examples)
        rare = not section.other and won < s.rare_share * even_split
        sections.append(SectionSuggestion(section.name, won, len(mine), keywords, examples, rare))
    pairs = _confusable_pairs(archive, winner, s)
    drafts = draft_sections(
        archive,
        confident,
        s,
        keywords_of=lambda inside, outside: _keywords(archive, inside, outside, s, s.keywords),
        headlines_of=lambda inside, limit: _typical_headlines(archive, inside, limit),
    )
    logger.info("suggestions from %d articles: %d pairs, %d drafts", n, len(pairs), len(drafts))
    return TaxonomySuggestions(taxonomy, n, tuple(sections), pairs, drafts, s)


def _confident(probs: np.ndarray, winner: np.ndarray, share: float) -> list[int]:
    """Per section, the most confident ``share`` of the articles it wins (at least one)."""
    chosen: list[int] = []
    for k in range(probs.shape[1]):
        idx = np.flatnonzero(winner == k)
        if len(idx):
            order = idx[np.argsort(-probs[idx, k], kind="stable")]
            chosen += order[: max(1, math.ceil(share * len(idx)))].tolist()
    return sorted(chosen)


def _keywords(
    archive: ScoredArchive, inside: list[int], outside: list[int], s: SuggestSettings, limit: int
) -> tuple[Keyword, ...]:
    """Up to ``limit`` words a language that set ``inside`` apart from ``outside``."""
    langs = Counter(archive.articles[i].lang or "und" for i in inside)
    found: list[Keyword] = []
    for lang, _ in langs.most_common():
        same = [i for i, a in enumerate(archive.articles) if (a.lang or "und") == lang]
        mine = [i for i in inside if (archive.articles[i].lang or "und") == lang]
        theirs = [i for i in outside if (archive.articles[i].lang or "und") == lang]
        ranked = distinctive_terms(archive.terms, mine, theirs, same, _options(s))
        found += [
            Keyword(archive.shown.get(key, key), lang, count, z) for key, count, z in ranked[:limit]
        ]
    # the counts reported are the matcher's own
    texts = [article_text(archive.articles[i]) for i in inside]
    counts = matched_counts(texts, [k.word for k in found])
    return tuple(replace(k, articles=c) for k, c in zip(found, counts, strict=True) if c > 0)


def _options(s: SuggestSettings, min_score: float | None = None) -> TermOptions:
    return TermOptions(
        s.min_score if min_score is None else min_score,
        s.min_articles,
        s.max_article_share,
        s.prior_articles,
    )


def headline(article: Article) -> str:
    """An article's title, or the first words of its text when it has none."""
    if article.title.strip():
        return " ".join(article.title.split())
    words = article.text.split()
    return " ".join(words[:_HEADLINE_WORDS]) + (" ..." if len(words) > _HEADLINE_WORDS else "")


def _typical_headlines(archive: ScoredArchive, inside: list[int], limit: int) -> tuple[str, ...]:
    """Headlines of the articles closest to the centre of ``inside``, languages in turn."""
    if limit <= 0:
        return ()
    vectors = archive.embeddings[inside]
    centre = normalize_rows(vectors.mean(axis=0, keepdims=True))[0]
    order = [inside[j] for j in np.argsort(-(vectors @ centre), kind="stable")]
    by_lang: dict[str, list[int]] = {}
    for i in order:
        by_lang.setdefault(archive.articles[i].lang or "und", []).append(i)
    queues = sorted(by_lang.values(), key=len, reverse=True)
    chosen: list[str] = []
    while len(chosen) < limit and any(queues):
        for queue in queues:
            while queue:
                text = headline(archive.articles[queue.pop(0)])
                if text not in chosen:
                    chosen.append(text)
                    break
            if len(chosen) == limit:
                break
    return tuple(chosen)


def _confusable_pairs(
    archive: ScoredArchive, winner: np.ndarray, s: SuggestSettings
) -> tuple[ConfusablePair, ...]:
    probs = archive.probs
    names = archive.taxonomy.names
    top = np.argsort(-probs, axis=1, kind="stable")[:, :2]
    first = probs[np.arange(len(probs)), top[:, 0]]
    second = probs[np.arange(len(probs)), top[:, 1]]
    torn: dict[tuple[int, int], list[int]] = {}
    for i in np.flatnonzero(second >= s.pair_ratio * first):
        a, b = sorted(top[i].tolist())
        torn.setdefault((a, b), []).append(int(i))
    everyone = list(range(len(probs)))
    pairs = []
    for (a, b), idx in sorted(torn.items(), key=lambda item: -len(item[1])):
        smaller = min(int((winner == a).sum()), int((winner == b).sum()))
        if len(idx) < max(s.min_articles, s.pair_share * smaller):
            continue
        rest = sorted(set(everyone) - set(idx))
        ranked = distinctive_terms(archive.terms, idx, rest, everyone, _options(s, 0.0))
        shared = tuple(archive.shown.get(key, key) for key, _, _ in ranked)
        pairs.append(ConfusablePair(names[a], names[b], len(idx), shared[: s.shared_terms]))
    return tuple(pairs)
