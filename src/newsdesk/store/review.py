"""Queries of the review desk: the review queue, published sections and dashboard figures.

Every list is a bounded page read through an index: the queue walks
``ix_articles_review`` (unreviewed articles by margin), a section page walks the section
indexes newest first, and the dashboard's time series reads only the days it shows.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Connection, Select, and_, func, or_, select, tuple_

from newsdesk.classify.result import margin_of  # re-exported beside the queue it orders
from newsdesk.store.desk_tables import article_sections
from newsdesk.store.records import as_utc, utcnow
from newsdesk.store.tables import SEQ_MAX, articles

__all__ = [
    "QueueFilter",
    "QueueItem",
    "ReviewCounts",
    "confident_articles",
    "confusion_counts",
    "filed_per_day",
    "margin_of",
    "newest_articles",
    "queue_page",
    "queue_size",
    "review_counts",
    "reviewed_articles",
    "section_articles",
]

LEAD_CHARS = 280


@dataclass(frozen=True)
class QueueFilter:
    """Conditions on the queue; ``None`` means any. ``until`` is an exclusive date."""

    section: str | None = None
    lang: str | None = None
    source: str | None = None
    since: date | None = None
    until: date | None = None

    def to_query(self) -> dict[str, str]:
        """The filter as URL query parameters (empty ones left out)."""
        values = {
            "section": self.section,
            "lang": self.lang,
            "source": self.source,
            "since": self.since.isoformat() if self.since else None,
            "until": self.until.isoformat() if self.until else None,
        }
        return {k: v for k, v in values.items() if v}


@dataclass(frozen=True)
class QueueItem:
    """One article as lists show it: no full text, its lead instead."""

    seq: int
    id: str
    title: str
    lead: str
    lang: str | None
    url: str | None
    source: str | None
    published: str | None
    filed_at: datetime
    section: str
    confidence: float
    margin: float
    sections: tuple[str, ...] | None
    corrected_section: str | None = None
    corrected_at: datetime | None = None
    priority: float = 0.0  # the queue's order (see store.queue_order)
    random_pick: bool = False

    @property
    def label(self) -> str:
        return self.corrected_section or self.section

    @property
    def updated(self) -> datetime:
        return self.corrected_at or self.filed_at


_LIST_COLUMNS = (
    articles.c.seq,
    articles.c.id,
    articles.c.title,
    func.substr(articles.c.text, 1, LEAD_CHARS).label("lead"),
    articles.c.lang,
    articles.c.url,
    articles.c.source,
    articles.c.published,
    articles.c.filed_at,
    articles.c.section,
    articles.c.confidence,
    articles.c.margin,
    articles.c.sections,
    articles.c.corrected_section,
    articles.c.corrected_at,
    articles.c.priority,
    articles.c.random_pick,
)


def _item(row: Any) -> QueueItem:
    return QueueItem(
        seq=row.seq,
        id=row.id,
        title=row.title,
        lead=row.lead,
        lang=row.lang,
        url=row.url,
        source=row.source,
        published=row.published,
        filed_at=as_utc(row.filed_at),
        section=row.section,
        confidence=row.confidence,
        margin=row.margin if row.margin is not None else row.confidence,
        sections=tuple(row.sections) if row.sections else None,
        corrected_section=row.corrected_section,
        corrected_at=as_utc(row.corrected_at) if row.corrected_at else None,
        priority=row.priority if row.priority is not None else row.confidence,
        random_pick=bool(row.random_pick),
    )


def _day(value: date) -> datetime:
    return as_utc(datetime(value.year, value.month, value.day))


def _queue_conditions(where: QueueFilter) -> list[ColumnElement[bool]]:
    # Unreviewed; on corrected_at, the condition of the review index (see desk_tables).
    out: list[ColumnElement[bool]] = [articles.c.corrected_at.is_(None)]
    if where.section:
        out.append(articles.c.section == where.section)
    if where.lang:
        out.append(articles.c.lang == where.lang)
    if where.source:
        out.append(articles.c.source == where.source)
    if where.since:
        out.append(articles.c.filed_at >= _day(where.since))
    if where.until:
        out.append(articles.c.filed_at < _day(where.until))
    return out


def queue_page(
    conn: Connection,
    where: QueueFilter,
    *,
    limit: int,
    after: tuple[float, int] | None = None,
    exclude: str | None = None,
) -> tuple[list[QueueItem], tuple[float, int] | None]:
    """Unreviewed articles in the queue's order, and the key to pass as ``after`` for more.

    The order is the stored ``priority`` (see :mod:`newsdesk.store.queue_order`): what
    teaches the model most first, with one article in five drawn at random. The key is
    (priority, seq) of the last item: keyset pagination keeps deep pages as cheap as the
    first. Unfiltered, the order is the review index's own (``ix_articles_review``), so a page
    reads a few index entries: every writer fills ``priority`` (``FiledArticle.row``;
    revision 0005 filled the rows filed before it). A filter may lead the database to another
    index and a sort: the page's positions are chosen first, sorting narrow (priority, seq)
    pairs, and only the page's rows are read whole.
    """
    priority = articles.c.priority
    statement = select(articles.c.seq).where(*_queue_conditions(where))
    if after is not None:
        statement = statement.where(tuple_(priority, articles.c.seq) > tuple_(*after))
    if exclude is not None:
        statement = statement.where(articles.c.id != exclude)
    seqs = list(conn.scalars(statement.order_by(priority, articles.c.seq).limit(limit + 1)))
    rows = conn.execute(select(*_LIST_COLUMNS).where(articles.c.seq.in_(seqs[:limit])))
    by_seq = {row.seq: _item(row) for row in rows}
    items = [by_seq[seq] for seq in seqs[:limit] if seq in by_seq]
    more = len(seqs) > limit and items
    return items, ((items[-1].priority, items[-1].seq) if more else None)


def queue_size(conn: Connection, where: QueueFilter, *, cap: int = 10_000) -> int:
    """How many articles wait for review, counted up to ``cap`` (shown as "10000+")."""
    inner = select(articles.c.seq).where(*_queue_conditions(where)).limit(cap + 1).subquery()
    return int(conn.scalar(select(func.count()).select_from(inner)) or 0)


def section_articles(
    conn: Connection, section: str, *, min_confidence: float, limit: int
) -> list[QueueItem]:
    """What a section publishes: its latest articles that an editor set or confirmed, or whose
    call was at least ``min_confidence`` sure, newest first; a multi-label article under each
    of its sections.

    Three index walks, merged: articles an editor filed here (``corrected_section``),
    uncorrected calls of this section (``section``), and multi-label articles with this as
    another section (``article_sections``: an editor's, or a call this sure of it).
    """
    by_editor = (
        select(*_LIST_COLUMNS)
        .where(articles.c.corrected_section == section)
        .order_by(articles.c.seq.desc())
        .limit(limit)
    )
    by_call = _confident_calls(select(*_LIST_COLUMNS), section, min_confidence, limit)
    also = (
        select(*_LIST_COLUMNS)
        .join(article_sections, article_sections.c.article_seq == articles.c.seq)
        .where(
            article_sections.c.section == section,
            or_(article_sections.c.score.is_(None), article_sections.c.score >= min_confidence),
        )
        .order_by(article_sections.c.article_seq.desc())
        .limit(limit)
    )
    found: dict[int, QueueItem] = {}
    for statement in (by_editor, by_call, also):
        found.update((row.seq, _item(row)) for row in conn.execute(statement))
    rows = sorted(found.values(), key=lambda item: item.seq, reverse=True)
    return rows[:limit]


# what retraining makes an article from (newsdesk.lifecycle.retrain)
_TRAINING_TEXT = (
    articles.c.id,
    articles.c.title,
    articles.c.text,
    articles.c.lang,
    articles.c.source,
)


def newest_articles(conn: Connection, *, limit: int) -> list[Any]:
    """The ``limit`` newest stored articles, reviewed or not (id, title, text, lang, source),
    newest first: what retraining adapts to."""
    return list(conn.execute(select(*_TRAINING_TEXT).order_by(articles.c.seq.desc()).limit(limit)))


def confident_articles(
    conn: Connection, section: str, *, min_confidence: float, limit: int
) -> list[Any]:
    """The newest unreviewed articles called ``section`` at least ``min_confidence`` sure
    (id, title, text, lang, source, call), through the section index."""
    columns = (*_TRAINING_TEXT, articles.c.section, articles.c.sections)
    return list(conn.execute(_confident_calls(select(*columns), section, min_confidence, limit)))


def _confident_calls(
    statement: Select[Any], section: str, min_confidence: float, limit: int
) -> Select[Any]:
    """``statement`` narrowed to the newest unreviewed calls of ``section`` this sure."""
    return (
        statement.where(
            articles.c.section == section,
            articles.c.corrected_section.is_(None),
            articles.c.confidence >= min_confidence,
        )
        .order_by(articles.c.seq.desc())
        .limit(limit)
    )


@dataclass(frozen=True)
class ReviewCounts:
    """Per section (of the call): articles filed, reviewed, and changed by the review."""

    filed: dict[str, int]
    reviewed: dict[str, int]
    changed: dict[str, int]

    def rate(self, section: str) -> float | None:
        """Share of reviewed calls of ``section`` that editors changed."""
        seen = self.reviewed.get(section, 0)
        return self.changed.get(section, 0) / seen if seen else None

    @property
    def total_reviewed(self) -> int:
        return sum(self.reviewed.values())

    @property
    def total_changed(self) -> int:
        return sum(self.changed.values())


def review_counts(
    conn: Connection, confusion: dict[tuple[str, str], int] | None = None
) -> ReviewCounts:
    """Filed, reviewed and changed counts, by the section of the call (``confusion``: the
    :func:`confusion_counts` read already, if any)."""
    filed: dict[str, int] = {
        str(section): int(n)
        for section, n in conn.execute(
            select(articles.c.section, func.count()).group_by(articles.c.section)
        )
    }
    reviewed: dict[str, int] = {}
    changed: dict[str, int] = {}
    if confusion is None:
        confusion = confusion_counts(conn)
    for (called, corrected), n in confusion.items():
        reviewed[called] = reviewed.get(called, 0) + n
        if called != corrected:
            changed[called] = changed.get(called, 0) + n
    return ReviewCounts(filed=filed, reviewed=reviewed, changed=changed)


def confusion_counts(conn: Connection) -> dict[tuple[str, str], int]:
    """Reviewed articles by (newsdesk's call, the editor's section)."""
    rows = conn.execute(
        select(articles.c.section, articles.c.corrected_section, func.count())
        .where(articles.c.corrected_section.is_not(None))
        .group_by(articles.c.section, articles.c.corrected_section)
    )
    return {(str(a), str(b)): int(n) for a, b, n in rows}


def filed_per_day(
    conn: Connection, *, days: int, today: date | None = None
) -> tuple[list[date], dict[str, list[int]]]:
    """Articles filed each of the last ``days`` days, by label (correction, else call)."""
    end = today or utcnow().date()
    first = end - timedelta(days=days - 1)
    # Days are UTC days. PostgreSQL's date() of a timestamptz is the day in the session's
    # time zone (the server's, by default): take the UTC wall time first.
    filed_at: ColumnElement[Any] = articles.c.filed_at
    if conn.dialect.name == "postgresql":
        filed_at = func.timezone("UTC", filed_at)
    day = func.date(filed_at)
    label = func.coalesce(articles.c.corrected_section, articles.c.section)
    rows = conn.execute(
        select(day, label, func.count())
        .where(articles.c.filed_at >= _day(first))
        .group_by(day, label)
    )
    dates = [first + timedelta(days=i) for i in range(days)]
    index = {d: i for i, d in enumerate(dates)}
    series: dict[str, list[int]] = {}
    for when, section, n in rows:
        key = when if isinstance(when, date) else date.fromisoformat(str(when)[:10])
        if key in index:
            series.setdefault(str(section), [0] * days)[index[key]] += int(n)
    return dates, series


def reviewed_articles(conn: Connection, *, chunk: int = 500) -> Iterator[Any]:
    """Every reviewed article (id, title, text, lang, source, call and editor's sections),
    oldest first."""
    last = 0
    columns = (
        articles.c.seq,
        *_TRAINING_TEXT,
        articles.c.section,
        articles.c.corrected_section,
        articles.c.corrected_sections,
    )
    while True:
        rows = list(
            conn.execute(
                select(*columns)
                .where(and_(articles.c.corrected_section.is_not(None), articles.c.seq > last))
                .order_by(articles.c.seq)
                .limit(chunk)
            )
        )
        if not rows:
            return
        yield from rows
        last = rows[-1].seq


def filter_choices(conn: Connection, *, limit: int = 200) -> dict[str, list[str]]:
    """The languages and sources stored, for the queue's filter menus."""
    out: dict[str, list[str]] = {}
    for name, column in (("langs", articles.c.lang), ("sources", articles.c.source)):
        rows = conn.execute(
            select(column).where(column.is_not(None)).distinct().order_by(column).limit(limit)
        )
        out[name] = [str(value) for (value,) in rows]
    return out


def article_id_by_seq(conn: Connection, seq: int) -> str | None:
    """The id of the article stored at position ``seq``."""
    if not 0 < seq <= SEQ_MAX:  # a number from a URL: no such row (and no overflow)
        return None
    return conn.scalar(select(articles.c.id).where(articles.c.seq == seq))


def article_seq(conn: Connection, article_id: str) -> int | None:
    """The position of the article with id ``article_id``."""
    return conn.scalar(select(articles.c.seq).where(articles.c.id == article_id))


def reviewed_count(conn: Connection) -> int:
    """How many articles editors have confirmed or corrected."""
    return int(
        conn.scalar(select(func.count()).where(articles.c.corrected_section.is_not(None))) or 0
    )
