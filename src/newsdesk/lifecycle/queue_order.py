"""Re-ranking the review queue with the active model: what teaches most first, some at random.

Margin alone (the least decided call first) spends editors on near-duplicates of one story
and on the one section the model hesitates most about. The teaching order takes the least
decided call of each called section in turn (round-robin) and folds near-duplicates: an
article whose embedding is within :data:`DUPLICATE_COSINE` of one of the last few placed
waits behind its section's next one. Every :data:`~newsdesk.store.queue_order.RANDOM_SHARE`-th place
goes to a random pick (``store.queue_order``), in the order of their draws. The measurements
behind these choices are in ``docs/benchmarks.md`` (the editor loop).

:func:`rerank_queue` runs after a model is activated (``runtime.ModelLifecycle`` listens to the
slot's swaps) and costs one classification of the articles it re-ranks.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import numpy as np

from newsdesk.lifecycle.slot import ServedModel
from newsdesk.store.engine import Store
from newsdesk.store.queue_order import (
    RANDOM_SHARE,
    WaitingArticle,
    queue_window,
    set_priorities,
)
from newsdesk.store.records import as_article

__all__ = ["DUPLICATE_COSINE", "rerank_queue", "teaching_order"]

log = logging.getLogger(__name__)

DUPLICATE_COSINE = 0.9
BATCH = 10  # near-duplicates are folded within this many consecutive places
FOLD_SCAN = 20  # how far down its section a near-duplicate's replacement is looked for
RERANK_CHUNK = 256


def _margins(probs: np.ndarray) -> np.ndarray:
    if probs.shape[1] < 2:
        return np.ones(len(probs))
    top = np.sort(probs, axis=1)
    return top[:, -1] - top[:, -2]


def teaching_order(probs: np.ndarray, embeddings: np.ndarray, *, fold: bool = True) -> np.ndarray:
    """Row indexes of ``probs`` in the order editors should review them.

    Rounds over the called sections, each section's least decided call first; within a round
    the least decided first. With ``fold``, a section's next article within
    :data:`DUPLICATE_COSINE` of one of the last :data:`BATCH` placed (``embeddings``, unit
    rows) gives its turn to the section's next one that is not (of the first
    :data:`FOLD_SCAN`), and waits.
    """
    margins = _margins(probs)
    calls = probs.argmax(axis=1)
    lanes = [
        [int(i) for i in np.flatnonzero(calls == c)[np.argsort(margins[calls == c], kind="stable")]]
        for c in np.unique(calls)
    ]
    out: list[int] = []
    while any(lanes):
        round_: list[int] = []
        for lane in lanes:
            if not lane:
                continue
            choice = 0
            recent = (out + round_)[-BATCH:]
            if fold and recent:
                placed = embeddings[recent]
                for k, i in enumerate(lane[:FOLD_SCAN]):
                    if float((placed @ embeddings[i]).max()) < DUPLICATE_COSINE:
                        choice = k
                        break
            round_.append(lane.pop(choice))
        out += sorted(round_, key=lambda i: margins[i])
    return np.array(out, dtype=np.int64)


def _score(model: ServedModel, waiting: Sequence[WaitingArticle]) -> tuple[np.ndarray, np.ndarray]:
    """Embeddings (unit rows) and probabilities of ``waiting`` under ``model``."""
    classifier = model.classifier
    vectors, probs = [], []
    for start in range(0, len(waiting), RERANK_CHUNK):
        chunk = [as_article(w) for w in waiting[start : start + RERANK_CHUNK]]
        encoded = classifier.encode(chunk)
        vectors.append(np.asarray(encoded.embeddings, dtype=np.float32))
        probs.append(classifier.head.predict_proba(encoded))
    if not vectors:
        return np.zeros((0, 1), np.float32), np.zeros((0, 1))
    emb = np.concatenate(vectors)
    emb /= np.maximum(np.linalg.norm(emb, axis=1, keepdims=True), 1e-9)
    return emb, np.concatenate(probs)


def rerank_queue(store: Store, model: ServedModel, *, window: int | None = None) -> int:
    """Re-rank the unreviewed articles by ``model``: the first ``window`` of the queue that
    are not random picks (``None``: every unreviewed article) and the random picks among
    them; returns how many were re-ranked.

    The re-ranked articles take evenly spaced priorities, over [0, 1) for the whole queue and
    over the span of their former priorities for a window (the articles behind it keep
    theirs), in the teaching order with every :data:`RANDOM_SHARE`-th place a random pick.
    Each one's call by ``model`` is stored beside its priority: it is the call the estimate
    of accuracy on unreviewed articles compares with the editor's section.
    """
    with store.read() as conn:
        regular = queue_window(conn, limit=window)
        picks = queue_window(
            conn,
            limit=None if window is None else max(1, window // (RANDOM_SHARE - 1)),
            random_picks=True,
        )
    everything = regular + picks
    if not everything:
        return 0
    embeddings, probs = _score(model, everything)
    order = teaching_order(probs[: len(regular)], embeddings[: len(regular)])
    sequence = _interleave([regular[i] for i in order], picks)
    lo, hi = 0.0, 1.0
    if window is not None:
        lo = min(w.priority for w in everything)
        hi = max(w.priority for w in everything)
    step = (hi - lo) / len(sequence)
    names = list(model.classifier.head.classes_)
    call_of = {w.seq: names[int(j)] for w, j in zip(everything, probs.argmax(axis=1), strict=True)}
    ranked = [(w.seq, lo + (n + 0.5) * step, call_of[w.seq]) for n, w in enumerate(sequence)]
    with store.write() as conn:
        set_priorities(conn, ranked, version=model.version)
    log.info("re-ranked %d waiting articles with %s", len(ranked), model.version)
    return len(ranked)


def _interleave(regular: list[WaitingArticle], picks: list[WaitingArticle]) -> list[WaitingArticle]:
    """``regular`` with a random pick in every :data:`RANDOM_SHARE`-th place, while any last."""
    out: list[WaitingArticle] = []
    queued = iter(picks)
    for article in regular:
        if len(out) % RANDOM_SHARE == RANDOM_SHARE - 1:
            pick = next(queued, None)
            if pick is not None:
                out.append(pick)
        out.append(article)
    out += list(queued)
    return out
