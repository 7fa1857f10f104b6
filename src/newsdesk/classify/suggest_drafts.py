"""Draft sections: groups of an archive's articles that fit no section of the taxonomy.

Part of :func:`newsdesk.classify.suggest.suggest`. Articles further from every label text than
nearly all confidently filed ones are clustered; a cluster that sits as close to a section's
confident articles as they do is that section's plainer articles, and one with no words of
its own is a residue; what is left is a draft of a missing section. How a group's keywords
and headlines are found is the section logic's, passed in by :mod:`newsdesk.classify.suggest`
(which this module does not import back).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from newsdesk.encoders.base import normalize_rows

if TYPE_CHECKING:
    from newsdesk.classify.suggest_data import Keyword, ScoredArchive, SuggestSettings

__all__ = ["DraftSection", "draft_sections"]


@dataclass(frozen=True)
class DraftSection:
    """A group of articles that fit no section well: a candidate for a missing section."""

    name: str
    articles: int
    keywords: tuple[Keyword, ...]
    headlines: tuple[str, ...]


def draft_sections(
    archive: ScoredArchive,
    confident: list[int],
    s: SuggestSettings,
    *,
    keywords_of: Callable[[list[int], list[int]], tuple[Keyword, ...]],
    headlines_of: Callable[[list[int], int], tuple[str, ...]],
) -> tuple[DraftSection, ...]:
    """Groups of articles further from every label text than nearly all filed ones.

    ``confident`` are the articles that teach their sections; ``keywords_of(inside, outside)``
    and ``headlines_of(inside, limit)`` describe a group as the sections are described.
    """
    n = len(archive.articles)
    threshold = float(np.quantile(archive.fit[confident], s.unfit_quantile))
    unfit = np.flatnonzero(archive.fit < threshold)
    min_group = max(5, math.ceil(s.group_share * n))
    if len(unfit) < min_group:
        return ()
    winner = archive.probs.argmax(axis=1)
    sections = [[i for i in confident if winner[i] == k] for k in range(archive.probs.shape[1])]
    clusters = _kmeans(archive.embeddings[unfit], min(4, len(unfit) // min_group))
    everyone = set(range(n))

    def words_of(members: list[int]) -> tuple[Keyword, ...]:
        return keywords_of(members, sorted(everyone - set(members)))

    groups: list[tuple[list[int], tuple[Keyword, ...]]] = []
    for c in np.argsort(-np.bincount(clusters), kind="stable"):
        members = unfit[clusters == c].tolist()
        if _explained(archive, members, sections):
            continue
        words = words_of(members)
        top = {k.word for k in words[:5]}
        # k-means may cut one topic in two: parts led by the same words are one group
        same = next(
            (j for j, (_, w) in enumerate(groups) if len(top & {k.word for k in w[:5]}) >= 2), None
        )
        if same is not None:
            members = groups[same][0] + members
            groups[same] = (members, words_of(members))
        else:
            groups.append((members, words))
    drafts = []
    for members, keywords in groups:
        if len(members) < min_group:
            continue
        if len(keywords) < 3:  # no words of its own: a residue, not a topic
            continue
        name = " / ".join(k.word for k in keywords[:3])
        headlines = headlines_of(members, max(s.examples, 3))
        drafts.append(DraftSection(name, len(members), keywords, headlines))
    return tuple(sorted(drafts, key=lambda d: -d.articles))


def _explained(archive: ScoredArchive, members: list[int], sections: list[list[int]]) -> bool:
    """Whether the group's centre sits as close to a section's confident articles as they do.

    Articles far from every label text may still be one section's plainer articles; a new
    topic is a group whose centre is further from each section's centre than that section's
    typical confident article.
    """
    centre = normalize_rows(archive.embeddings[members].mean(axis=0, keepdims=True))[0]
    for inside in sections:
        if len(inside) < 2:
            continue
        vectors = archive.embeddings[inside]
        own = normalize_rows(vectors.mean(axis=0, keepdims=True))[0]
        if float(centre @ own) >= float(np.median(vectors @ own)):
            return True
    return False


def _kmeans(vectors: np.ndarray, k: int, rounds: int = 20) -> np.ndarray:
    """Cluster unit ``vectors`` by cosine (k-means++ start, fixed seed: same input, same groups)."""
    k = max(1, min(k, len(vectors)))
    rng = np.random.default_rng(0)
    centres = [vectors[rng.integers(len(vectors))]]
    for _ in range(1, k):
        distance = np.maximum(1.0 - (vectors @ np.array(centres).T).max(axis=1), 0.0)
        total = distance.sum()
        pick = (
            rng.choice(len(vectors), p=distance / total)
            if total > 0
            else rng.integers(len(vectors))
        )
        centres.append(vectors[pick])
    centre = np.array(centres)
    labels = np.zeros(len(vectors), dtype=np.int64)
    for _ in range(rounds):
        labels = (vectors @ centre.T).argmax(axis=1)
        for c in range(k):
            if (labels == c).any():
                centre[c] = normalize_rows(vectors[labels == c].mean(axis=0, keepdims=True))[0]
    return labels
