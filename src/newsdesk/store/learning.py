"""What the store knows of how the models learn: reviews in the order they happened.

Each reviewed article keeps the call newsdesk made when it filed it, the model that made the
call (``model_version``) and the editor's latest section; its first correction says when it
was reviewed. That is enough to draw each model's accuracy against the number of corrections
(:mod:`newsdesk.eval.learning`) with no table of its own.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, func, select

from newsdesk.store.tables import articles, corrections

__all__ = ["ReviewedCall", "corrections_made", "review_history"]


@dataclass(frozen=True)
class ReviewedCall:
    """A reviewed article's call, the model that made it and the editor's section."""

    model_version: str
    call: str
    editor: str

    @property
    def right(self) -> bool:
        return self.call == self.editor


def corrections_made(conn: Connection) -> int:
    """How many corrections (and confirmations) editors have recorded so far, read as the
    position of the latest one (the primary key's index, never a count of the table), so it is
    as cheap on a million corrections as on ten.

    On PostgreSQL a rolled-back insert skips a position, so this may run ahead of the count by
    those gaps; retraining's trigger and the mark each retrain records both read it, so a gap
    only brings the next background retrain a few corrections early.
    """
    return int(conn.scalar(select(func.max(corrections.c.seq))) or 0)


def review_history(conn: Connection, *, limit: int | None = None) -> list[ReviewedCall]:
    """Every reviewed article's call, in the order of its first review (the latest ``limit``
    reviews when given)."""
    first = (
        select(
            corrections.c.article_seq.label("article_seq"),
            func.min(corrections.c.seq).label("first"),
        )
        .group_by(corrections.c.article_seq)
        .subquery()
    )
    statement = (
        select(articles.c.model_version, articles.c.section, articles.c.corrected_section)
        .join(first, first.c.article_seq == articles.c.seq)
        .where(articles.c.corrected_section.is_not(None))
    )
    if limit is not None:
        statement = statement.order_by(first.c.first.desc()).limit(limit)
        rows = list(conn.execute(statement))[::-1]
    else:
        rows = list(conn.execute(statement.order_by(first.c.first)))
    return [ReviewedCall(str(v), str(call), str(editor)) for v, call, editor in rows]
