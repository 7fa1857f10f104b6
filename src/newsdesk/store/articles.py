"""Repository functions for filed articles and their corrections.

Every function takes an open :class:`~sqlalchemy.Connection`; the caller owns the
transaction (``Store.write()`` / ``Store.read()``), so a batch is stored all or nothing.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Insert,
    Row,
    and_,
    delete,
    func,
    or_,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite

from newsdesk.article import Article
from newsdesk.classify.result import Prediction, margin_of
from newsdesk.store.desk_tables import article_sections
from newsdesk.store.errors import StoreError
from newsdesk.store.queue_order import filing_priority, is_random_pick
from newsdesk.store.records import ArticleFilter, Correction, StoredArticle, as_utc, utcnow
from newsdesk.store.tables import articles, corrections

__all__ = [
    "MAX_SEQ",
    "FiledArticle",
    "add_correction",
    "articles_after",
    "decode_cursor",
    "encode_cursor",
    "existing_ids",
    "get_article",
    "get_articles",
    "insert_filed",
    "list_articles",
    "record_id",
]


def record_id(article: Article) -> str:
    """The id an article is stored and de-duplicated under.

    The article's own id when it has one; else one derived from its URL (``url:`` and a
    SHA-256 prefix); else ``sha256:`` and the hash of its normalized title and text.
    """
    if article.id:
        return article.id
    if article.url:
        return "url:" + hashlib.sha256(article.url.strip().encode("utf-8")).hexdigest()[:40]
    return f"sha256:{article.content_hash}"


@dataclass(frozen=True)
class FiledArticle:
    """An article with the call made for it, ready to store."""

    article: Article
    prediction: Prediction
    model_version: str

    def row(self, filed_at: datetime) -> dict[str, Any]:
        a, p = self.article, self.prediction
        key = record_id(a)
        margin = margin_of(p.scores)
        return {
            "id": key,
            "url": a.url,
            "title": a.title,
            "text": a.text,
            "lang": a.lang or p.lang,
            "published": a.published,
            "source": a.source,
            "content_hash": a.content_hash,
            "filed_at": filed_at,
            "section": p.section,
            "confidence": p.confidence,
            "margin": margin,
            "priority": filing_priority(key, margin),
            "random_pick": is_random_pick(key),
            "sections": list(p.sections) if p.sections is not None else None,
            "scores": p.scores,
            "model_version": self.model_version,
        }


def existing_ids(conn: Connection, ids: Iterable[str]) -> set[str]:
    """Which of ``ids`` are stored already."""
    wanted = list(dict.fromkeys(ids))
    found: set[str] = set()
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        found.update(conn.scalars(select(articles.c.id).where(articles.c.id.in_(chunk))))
    return found


def insert_filed(
    conn: Connection, filed: Sequence[FiledArticle], *, filed_at: datetime | None = None
) -> set[str]:
    """Store the articles not stored yet; return the ids this call inserted.

    Concurrent submissions of the same article are settled by the unique ``id`` column
    (``INSERT ... ON CONFLICT DO NOTHING``): exactly one of them inserts it.
    """
    if not filed:
        return set()
    when = filed_at or utcnow()
    rows: dict[str, dict[str, Any]] = {}
    for item in filed:
        row = item.row(when)
        rows.setdefault(row["id"], row)  # the first of in-batch duplicates wins
    statement = _insert_ignoring_duplicates(conn, list(rows.values()))
    inserted = {
        row.id: row.seq for row in conn.execute(statement.returning(articles.c.id, articles.c.seq))
    }
    secondary = [
        {"article_seq": inserted[row["id"]], "section": name, "score": row["scores"].get(name)}
        for row in rows.values()
        if row["id"] in inserted
        for name in _others(row["section"], row["sections"])
    ]
    if secondary:
        conn.execute(article_sections.insert(), secondary)
    return set(inserted)


def _others(primary: str, sections: Sequence[str] | None) -> list[str]:
    """The sections of a multi-label call or correction besides its primary one, in order."""
    return [name for name in dict.fromkeys(sections or ()) if name != primary]


def _insert_ignoring_duplicates(conn: Connection, rows: list[dict[str, Any]]) -> Insert:
    name = conn.dialect.name
    if name == "postgresql":
        return (
            postgresql.insert(articles).values(rows).on_conflict_do_nothing(index_elements=["id"])
        )
    if name == "sqlite":
        return sqlite.insert(articles).values(rows).on_conflict_do_nothing(index_elements=["id"])
    raise StoreError(f"unsupported database dialect {name!r}")


def get_articles(conn: Connection, ids: Sequence[str]) -> dict[str, StoredArticle]:
    """The stored articles among ``ids`` (without their correction history)."""
    out: dict[str, StoredArticle] = {}
    wanted = list(dict.fromkeys(ids))
    for start in range(0, len(wanted), 500):
        rows = conn.execute(select(articles).where(articles.c.id.in_(wanted[start : start + 500])))
        out.update((row.id, _stored(row)) for row in rows)
    return out


def get_article(conn: Connection, article_id: str) -> StoredArticle | None:
    """One stored article with its whole correction history, oldest first."""
    row = conn.execute(select(articles).where(articles.c.id == article_id)).one_or_none()
    if row is None:
        return None
    history = conn.execute(
        select(corrections).where(corrections.c.article_seq == row.seq).order_by(corrections.c.seq)
    )
    return _stored(row, tuple(_correction(c) for c in history))


def add_correction(
    conn: Connection,
    article_id: str,
    sections: Sequence[str],
    *,
    editor: str,
    api_key: str | None = None,
    note: str | None = None,
    when: datetime | None = None,
) -> StoredArticle | None:
    """Record an editor's correction (the first section is the primary one).

    The original call stays as it was; the article's ``corrected_*`` columns follow the
    latest correction. Returns the updated article, or ``None`` when there is no such id.
    """
    if not sections:
        raise ValueError("a correction needs at least one section")
    when = when or utcnow()
    row = conn.execute(
        select(articles.c.seq, articles.c.section, articles.c.corrected_section).where(
            articles.c.id == article_id
        )
    ).one_or_none()
    if row is None:
        return None
    conn.execute(
        corrections.insert().values(
            article_seq=row.seq,
            section=sections[0],
            sections=list(sections),
            previous_section=row.corrected_section or row.section,
            editor=editor,
            api_key=api_key,
            note=note,
            created_at=when,
        )
    )
    conn.execute(
        update(articles)
        .where(articles.c.seq == row.seq)
        .values(
            corrected_section=sections[0],
            corrected_sections=list(sections),
            corrected_at=when,
        )
    )
    # The section pages follow the editor's sections now, not the call's.
    conn.execute(delete(article_sections).where(article_sections.c.article_seq == row.seq))
    others = _others(sections[0], sections)
    if others:
        conn.execute(
            article_sections.insert(),
            [{"article_seq": row.seq, "section": name, "score": None} for name in others],
        )
    return get_article(conn, article_id)


def list_articles(
    conn: Connection, where: ArticleFilter, *, limit: int, cursor: str | None = None
) -> tuple[list[StoredArticle], str | None]:
    """One page of articles, newest first, and the cursor of the next page (or ``None``)."""
    statement = select(articles).where(*_conditions(where))
    if cursor is not None:
        statement = statement.where(articles.c.seq < decode_cursor(cursor))
    rows = list(conn.execute(statement.order_by(articles.c.seq.desc()).limit(limit + 1)))
    page = [_stored(row) for row in rows[:limit]]
    more = len(rows) > limit
    return page, encode_cursor(page[-1].seq) if more and page else None


def articles_after(
    conn: Connection, where: ArticleFilter, *, after: int = 0, limit: int = 500
) -> list[StoredArticle]:
    """Up to ``limit`` matching articles filed after position ``after``, oldest first.

    Page through everything by passing the last article's ``seq`` as the next ``after``;
    each page can be read on a connection of its own.
    """
    statement = (
        select(articles)
        .where(*_conditions(where), articles.c.seq > after)
        .order_by(articles.c.seq)
        .limit(limit)
    )
    return [_stored(row) for row in conn.execute(statement)]


def encode_cursor(seq: int) -> str:
    """An opaque page cursor."""
    return base64.urlsafe_b64encode(f"seq:{seq}".encode()).decode().rstrip("=")


MAX_SEQ = 2**63 - 1
"""The largest position a database column holds (a signed 64-bit integer)."""


def decode_cursor(cursor: str) -> int:
    """The position a cursor stands for; :class:`ValueError` when it is not one of ours.

    A forged cursor past :data:`MAX_SEQ` is refused here rather than by the database driver.
    """
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        kind, _, value = text.partition(":")
        if kind != "seq" or not value.isdigit() or int(value) > MAX_SEQ:
            raise ValueError
        return int(value)
    except ValueError:
        raise ValueError(
            f"invalid cursor {cursor!r}; pass the 'next_cursor' of the previous page"
        ) from None


def _conditions(where: ArticleFilter) -> list[ColumnElement[bool]]:
    label = func.coalesce(articles.c.corrected_section, articles.c.section)
    out: list[ColumnElement[bool]] = []
    if where.section is not None:
        out.append(label == where.section)
    if where.lang is not None:
        out.append(articles.c.lang == where.lang)
    if where.min_confidence is not None:
        out.append(articles.c.confidence >= where.min_confidence)
    if where.max_confidence is not None:
        out.append(articles.c.confidence <= where.max_confidence)
    if where.corrected is True:
        out.append(articles.c.corrected_section.is_not(None))
    if where.corrected is False:
        out.append(articles.c.corrected_section.is_(None))
    if where.since is not None:
        out.append(articles.c.filed_at >= as_utc(where.since))
    if where.until is not None:
        out.append(articles.c.filed_at < as_utc(where.until))
    if where.query:
        needle = where.query.lower()
        out.append(
            or_(
                func.lower(articles.c.title).contains(needle, autoescape=True),
                func.lower(articles.c.text).contains(needle, autoescape=True),
            )
        )
    return [and_(*out)] if out else []


def _stored(row: Row[Any], history: tuple[Correction, ...] = ()) -> StoredArticle:
    return StoredArticle(
        seq=row.seq,
        id=row.id,
        title=row.title,
        text=row.text,
        lang=row.lang,
        url=row.url,
        published=row.published,
        source=row.source,
        content_hash=row.content_hash,
        filed_at=as_utc(row.filed_at),
        section=row.section,
        confidence=row.confidence,
        scores=dict(row.scores),
        sections=tuple(row.sections) if row.sections is not None else None,
        model_version=row.model_version,
        corrected_section=row.corrected_section,
        corrected_sections=tuple(row.corrected_sections) if row.corrected_sections else None,
        corrected_at=as_utc(row.corrected_at) if row.corrected_at else None,
        corrections=history,
    )


def _correction(row: Row[Any]) -> Correction:
    return Correction(
        section=row.section,
        sections=tuple(row.sections),
        previous_section=row.previous_section,
        editor=row.editor,
        api_key=row.api_key,
        note=row.note,
        created_at=as_utc(row.created_at),
    )
