"""What :mod:`newsdesk.classify.suggest` and its draft sections share: the settings, a
suggested keyword, and an archive filed zero-shot once."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from newsdesk.article import Article
from newsdesk.taxonomy import Taxonomy

__all__ = ["Keyword", "ScoredArchive", "SuggestSettings"]


@dataclass(frozen=True)
class SuggestSettings:
    """The constants of :func:`suggest`; see ``docs/taxonomy-suggest.md`` for how they were set.

    ``confident_share``: of the articles a section wins, the most confident share learns its
    words and headlines (the rest may be another section's). ``keywords``: words suggested per
    section and language. ``examples``: headlines suggested per section. ``min_score``: the
    least log-odds z a suggested word needs. ``rare_share``: a section winning less than this
    share of an even split of the archive is reported as rare. ``pair_ratio`` and
    ``pair_share``: an article is torn between its two best sections when the second has at
    least ``pair_ratio`` of the first's probability; a pair is reported when at least
    ``pair_share`` of the smaller section's articles are torn that way. ``unfit_quantile``:
    an article fits no section when its closest label text is further than this quantile of
    the confidently filed articles'. ``group_share``: a draft section needs at least this share
    of the archive (and five articles).
    """

    confident_share: float = 1.0
    keywords: int = 48
    examples: int = 6
    min_score: float = 2.0
    min_articles: int = 3
    max_article_share: float = 0.4
    prior_articles: float = 10.0
    rare_share: float = 0.2
    pair_ratio: float = 0.5
    pair_share: float = 0.25
    unfit_quantile: float = 0.1
    group_share: float = 0.02
    shared_terms: int = 8


@dataclass(frozen=True)
class Keyword:
    """A suggested keyword: the word, its language and the articles it was found in."""

    word: str
    lang: str
    articles: int  # of the section's (or group's) articles that learned it
    score: float  # the log-odds z


@dataclass(frozen=True)
class ScoredArchive:
    """An archive filed zero-shot once: what every setting of :func:`suggest` reads."""

    taxonomy: Taxonomy
    articles: tuple[Article, ...]
    embeddings: np.ndarray  # (articles, dim), unit rows
    probs: np.ndarray  # (articles, sections), taxonomy order
    fit: np.ndarray  # (articles,): cosine to the closest label text
    terms: tuple[frozenset[str], ...]  # per article, the keyword keys the matcher would find
    shown: dict[str, str]  # keyword key -> the spelling most seen in the archive
