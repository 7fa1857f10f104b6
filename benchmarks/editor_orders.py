"""Queue orders the editor loop compares: which 10 waiting articles an editor reviews next.

Each order sees the waiting articles (positions in filing order), the active model's
probabilities for them, the articles' embeddings and the margins stored at filing; it returns
the positions of the next batch. ``desk`` is the store's own queue (``queue_page``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

DUPLICATE_COSINE = 0.9  # folded: an article this close to one already in the batch
RANDOM_SHARE = 5  # one pick in five at random


@dataclass
class QueueView:
    """What an order may read: waiting positions, the model's probabilities for them."""

    waiting: np.ndarray
    probs: np.ndarray
    embeddings: np.ndarray  # every article's, unit rows
    filed_margins: np.ndarray  # every article's margin at filing
    rng: np.random.Generator

    def margins(self) -> np.ndarray:
        top = np.sort(self.probs, axis=1)
        return top[:, -1] - top[:, -2]


Order = Callable[[QueueView, int], list[int]]


def by_static_margin(view: QueueView, k: int) -> list[int]:
    """Today's desk: the least decided call at filing first."""
    return [int(view.waiting[i]) for i in np.argsort(view.filed_margins[view.waiting])[:k]]


def by_random(view: QueueView, k: int) -> list[int]:
    return [int(p) for p in view.rng.choice(view.waiting, size=k, replace=False)]


def by_newest(view: QueueView, k: int) -> list[int]:
    return [int(p) for p in np.sort(view.waiting)[::-1][:k]]


def by_margin_now(view: QueueView, k: int) -> list[int]:
    """The least decided call of the active model first (re-ranked after each retrain)."""
    return [int(view.waiting[i]) for i in np.argsort(view.margins(), kind="stable")[:k]]


def _round_robin(view: QueueView, ranked: np.ndarray) -> list[int]:
    """``ranked`` (indexes into ``waiting``) interleaved over the called sections."""
    calls = view.probs.argmax(axis=1)
    margins = view.margins()
    lanes: dict[int, list[int]] = {}
    for i in ranked:
        lanes.setdefault(int(calls[i]), []).append(int(i))
    out: list[int] = []
    depth = 0
    while len(out) < len(ranked):
        row = [lane[depth] for lane in lanes.values() if depth < len(lane)]
        out += sorted(row, key=lambda i: margins[i])
        depth += 1
    return out


def _take(view: QueueView, ranked: list[int], k: int, fold: bool) -> list[int]:
    """The first ``k`` of ``ranked``, skipping near-duplicates of a pick when ``fold``."""
    picked: list[int] = []
    for i in ranked:
        position = int(view.waiting[i])
        if fold and picked:
            near = view.embeddings[picked] @ view.embeddings[position]
            if float(near.max()) >= DUPLICATE_COSINE:
                continue
        picked.append(position)
        if len(picked) == k:
            break
    return picked


def by_sections(view: QueueView, k: int) -> list[int]:
    """Margin, round-robin over the called sections (each section's least decided first)."""
    ranked = np.argsort(view.margins(), kind="stable")
    return _take(view, _round_robin(view, ranked), k, fold=False)


def by_folded_margin(view: QueueView, k: int) -> list[int]:
    """Margin, skipping articles within a cosine threshold of one already in the batch."""
    ranked = [int(i) for i in np.argsort(view.margins(), kind="stable")]
    return _take(view, ranked, k, fold=True)


def by_clusters(view: QueueView, k: int) -> list[int]:
    """k-means over the waiting articles' embeddings; each cluster's least decided article."""
    points = view.embeddings[view.waiting]
    centres = points[view.rng.choice(len(points), size=k, replace=False)]
    for _ in range(10):
        assign = (points @ centres.T).argmax(axis=1)
        for c in range(k):
            members = points[assign == c]
            if len(members):
                mean = members.mean(axis=0)
                centres[c] = mean / max(float(np.linalg.norm(mean)), 1e-9)
    margins = view.margins()
    picked = []
    for c in range(k):
        members = np.flatnonzero(assign == c)
        if len(members):
            picked.append(int(view.waiting[members[np.argmin(margins[members])]]))
    return picked


def by_mix(view: QueueView, k: int) -> list[int]:
    """Sections round-robin with duplicates folded, and one pick in five at random."""
    randoms = k // RANDOM_SHARE
    ranked = _round_robin(view, np.argsort(view.margins(), kind="stable"))
    picked = _take(view, ranked, k - randoms, fold=True)
    rest = np.setdiff1d(view.waiting, picked)
    return picked + [int(p) for p in view.rng.choice(rest, size=randoms, replace=False)]


ORDERS: dict[str, Order] = {
    "margin": by_static_margin,
    "random": by_random,
    "newest": by_newest,
    "margin-now": by_margin_now,
    "sections": by_sections,
    "fold-dups": by_folded_margin,
    "clusters": by_clusters,
    "mix": by_mix,
}
# orders whose picks depend on the active model: they need a retrain after every batch
MODEL_ORDERS = {"margin-now", "sections", "fold-dups", "clusters", "mix", "desk"}
