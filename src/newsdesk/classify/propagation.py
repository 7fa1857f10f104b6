"""Spreading a first reading of an archive over its articles' nearest neighbours.

A one-line taxonomy reads each article alone, and many of its calls are near misses: an article
whose neighbours in the embedding (the other reports on the same story, the same beat) are
mostly filed under one section is probably of that section too. Label spreading (Zhou et al.,
"Learning with local and global consistency", 2004) makes that precise: each article's
probabilities become a mix of its own and its neighbours', iterated so that agreement travels
along chains of similar articles, while every article keeps a share (``1 - spread``) of its
own reading. Self-training then starts from these smoother pseudo-labels instead of the
per-article ones.

The graph keeps each article's ``neighbours`` most similar articles (cosine, negative
similarities dropped), made symmetric and normalised by degree. It is built a block of rows at
a time, each block about ``_BLOCK_CELLS`` similarities (16 MB), so memory holds the graph
(articles times ``neighbours`` entries) and one block, never the square of the articles.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from newsdesk.errors import require

if TYPE_CHECKING:
    from scipy import sparse

__all__ = ["neighbour_graph", "spread_labels"]

_BLOCK_CELLS = 1 << 22  # similarities held at once (float32: 16 MB)


def neighbour_graph(embeddings: np.ndarray, neighbours: int) -> sparse.csr_matrix:
    """The symmetric, degree-normalised graph of each row's ``neighbours`` nearest rows.

    Rows of ``embeddings`` are unit vectors (cosine is their dot product). Edge weights are
    the similarities (negative ones dropped); ``D^-1/2 W D^-1/2`` as in label spreading.
    """
    require("scipy", feature="spreading labels over an archive", extra="train")
    from scipy import sparse

    n = len(embeddings)
    k = min(neighbours, n - 1)
    if k < 1:
        return sparse.csr_matrix((n, n))
    vectors = np.asarray(embeddings, dtype=np.float32)
    rows: list[np.ndarray] = []
    cols: list[np.ndarray] = []
    weights: list[np.ndarray] = []
    rows_at_once = max(1, _BLOCK_CELLS // n)
    for start in range(0, n, rows_at_once):
        sims = vectors[start : start + rows_at_once] @ vectors.T
        local = np.arange(len(sims))
        sims[local, start + local] = -np.inf  # an article is not its own neighbour
        nearest = np.argpartition(sims, n - k, axis=1)[:, n - k :].astype(np.int32)
        rows.append(np.repeat(start + local, k))
        cols.append(nearest.ravel())
        weights.append(np.maximum(np.take_along_axis(sims, nearest, axis=1).ravel(), 0.0))
    graph = sparse.csr_matrix(
        (np.concatenate(weights), (np.concatenate(rows), np.concatenate(cols))), shape=(n, n)
    )
    graph = graph.maximum(graph.T).tocsr()  # a neighbour of mine is linked to me as well
    degree = np.asarray(graph.sum(axis=1)).ravel()
    scale = 1.0 / np.sqrt(np.where(degree > 0, degree, 1.0))
    return sparse.diags(scale) @ graph @ sparse.diags(scale)


def spread_labels(
    embeddings: np.ndarray,
    probs: np.ndarray,
    *,
    neighbours: int = 10,
    spread: float = 0.5,
    iterations: int = 20,
) -> np.ndarray:
    """``probs`` (one row an article) spread over the articles' neighbour graph.

    Each iteration sets ``F = spread * S F + (1 - spread) * probs``; rows are normalised to
    sum to one at the end. ``spread`` 0 (or ``neighbours`` 0) returns ``probs`` unchanged.
    """
    if not 0.0 <= spread < 1.0:
        raise ValueError(f"spread must be in [0, 1), got {spread}")
    if neighbours < 0:
        raise ValueError(f"neighbours must be >= 0, got {neighbours}")
    if neighbours == 0 or spread == 0.0 or len(probs) < 2:
        return probs
    graph = neighbour_graph(embeddings, neighbours)
    start = np.asarray(probs, dtype=np.float64)
    out = start.copy()
    for _ in range(iterations):
        out = spread * (graph @ out) + (1.0 - spread) * start
    total = out.sum(axis=1, keepdims=True)
    return out / np.where(total > 0, total, 1.0)
