"""The review queue's order: stored priorities, the random share, and what it estimates.

The queue (``review.queue_page``) walks unreviewed articles by ``articles.priority``, lowest
first. One article in :data:`RANDOM_SHARE` is a *random pick*, chosen by a hash of its id
(independent of its text, and of the hash that holds articles out of retraining); a random
pick's priority is a second hash of its id, uniform in [0, 1). Every other article's priority
is its margin when it is filed and, once a model re-ranks the queue
(``lifecycle.queue_order``), its place in the teaching order as a share of the articles
re-ranked, also in [0, 1): so about one article in five of every page is a random pick.

Random picks are reviewed in an order that does not depend on what they say, so the reviewed
ones are a uniform sample of the articles waiting when they were reviewed: how often the call
shown for them (the ranking model's, else the filing call) matched the editor's section
estimates the accuracy on the articles nobody reviewed (:func:`unreviewed_accuracy`).
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, bindparam, func, select, update

from newsdesk.store.tables import articles

__all__ = [
    "RANDOM_SHARE",
    "AccuracyEstimate",
    "filing_priority",
    "is_random_pick",
    "queue_window",
    "set_priorities",
    "unreviewed_accuracy",
    "wilson_interval",
]

RANDOM_SHARE = 5  # one article in this many is a random pick


def _uniform(salt: bytes, article_id: str) -> float:
    digest = hashlib.sha256(salt + article_id.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def is_random_pick(article_id: str) -> bool:
    """Whether the article takes one of the queue's random places (stable for its id)."""
    return _uniform(b"queue-random-pick\x00", article_id) < 1 / RANDOM_SHARE


def filing_priority(article_id: str, margin: float) -> float:
    """The queue priority of a newly filed article: a random pick's draw, else its margin."""
    if is_random_pick(article_id):
        return _uniform(b"queue-random-draw\x00", article_id)
    return margin


@dataclass(frozen=True)
class WaitingArticle:
    """An unreviewed article as re-ranking reads it."""

    seq: int
    id: str
    title: str
    text: str
    lang: str | None
    source: str | None
    priority: float


def queue_window(
    conn: Connection, *, limit: int | None, random_picks: bool = False
) -> list[WaitingArticle]:
    """The first ``limit`` unreviewed articles in queue order (``None``: all of them) that
    are random picks (``random_picks``) or are not."""
    statement = (
        select(
            articles.c.seq,
            articles.c.id,
            articles.c.title,
            articles.c.text,
            articles.c.lang,
            articles.c.source,
            articles.c.priority,
        )
        .where(articles.c.corrected_at.is_(None), articles.c.random_pick.is_(random_picks))
        .order_by(articles.c.priority, articles.c.seq)
    )
    if limit is not None:
        statement = statement.limit(limit)
    return [
        WaitingArticle(r.seq, r.id, r.title, r.text, r.lang, r.source, float(r.priority or 0.0))
        for r in conn.execute(statement)
    ]


def set_priorities(
    conn: Connection, ranked: Sequence[tuple[int, float, str]], *, version: str
) -> int:
    """Store ``(seq, priority, call)`` of re-ranked articles, the call made by ``version``.

    Articles reviewed meanwhile keep what they had (their call is the one the editor saw).
    """
    if not ranked:
        return 0
    statement = (
        update(articles)
        .where(articles.c.seq == bindparam("b_seq"), articles.c.corrected_at.is_(None))
        .values(
            priority=bindparam("b_priority"),
            ranked_section=bindparam("b_section"),
            ranked_by=version,
        )
    )
    rows = [{"b_seq": s, "b_priority": p, "b_section": c} for s, p, c in ranked]
    conn.execute(statement, rows)
    return len(rows)


def wilson_interval(hits: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """The Wilson score interval of a proportion (95% with the default ``z``)."""
    if n <= 0:
        return 0.0, 1.0
    p = hits / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, centre - half), min(1.0, centre + half)


@dataclass(frozen=True)
class AccuracyEstimate:
    """How often the calls of reviewed random picks were right, with a 95% Wilson interval."""

    hits: int
    n: int
    low: float
    high: float

    @property
    def accuracy(self) -> float | None:
        return self.hits / self.n if self.n else None


def unreviewed_accuracy(
    conn: Connection, *, version: str | None = None, last: int = 200
) -> AccuracyEstimate:
    """Accuracy on unreviewed articles, estimated from the ``last`` reviewed random picks.

    A pick counts when the call shown for it (the ranking model's, else the filing call)
    is the editor's primary section. With ``version``, only picks whose call that model
    made: an estimate for that model alone; without, the latest picks whoever ranked them
    (an estimate that lags behind a model that improves).
    """
    call = func.coalesce(articles.c.ranked_section, articles.c.section)
    statement = select(call.label("call"), articles.c.corrected_section).where(
        articles.c.random_pick.is_(True), articles.c.corrected_at.is_not(None)
    )
    if version is not None:
        statement = statement.where(
            func.coalesce(articles.c.ranked_by, articles.c.model_version) == version
        )
    rows: list[Any] = list(
        conn.execute(statement.order_by(articles.c.corrected_at.desc()).limit(last))
    )
    hits = sum(row.call == row.corrected_section for row in rows)
    low, high = wilson_interval(hits, len(rows))
    return AccuracyEstimate(hits, len(rows), low, high)
