"""Aggregate figures over the store: counts, correction rate, agreement with editors."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, func, select

from newsdesk.store.tables import articles, corrections

__all__ = ["StoreStats", "store_stats"]


@dataclass(frozen=True)
class StoreStats:
    """Counts by section and language, and how often editors corrected the calls.

    ``agreement`` is the share of corrected articles whose latest correction kept
    newsdesk's call as the primary section (``None`` before any correction).
    """

    articles: int
    by_section: dict[str, int]
    by_label: dict[str, int]
    by_lang: dict[str, int]
    corrected: int
    corrections: int
    agreement: float | None

    @property
    def correction_rate(self) -> float | None:
        return self.corrected / self.articles if self.articles else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "articles": self.articles,
            "by_section": self.by_section,
            "by_label": self.by_label,
            "by_lang": self.by_lang,
            "corrected": self.corrected,
            "corrections": self.corrections,
            "correction_rate": self.correction_rate,
            "agreement": self.agreement,
        }


def _counts(conn: Connection, column: Any) -> dict[str, int]:
    rows = conn.execute(select(column, func.count()).group_by(column).order_by(column))
    return {("unknown" if key is None else str(key)): int(n) for key, n in rows}


def store_stats(conn: Connection) -> StoreStats:
    """Figures over every stored article."""
    total = conn.scalar(select(func.count()).select_from(articles)) or 0
    corrected_rows = articles.c.corrected_section.is_not(None)
    corrected = conn.scalar(select(func.count()).where(corrected_rows)) or 0
    agreed = (
        conn.scalar(
            select(func.count()).where(
                corrected_rows, articles.c.corrected_section == articles.c.section
            )
        )
        or 0
    )
    label = func.coalesce(articles.c.corrected_section, articles.c.section)
    return StoreStats(
        articles=total,
        by_section=_counts(conn, articles.c.section),
        by_label=_counts(conn, label),
        by_lang=_counts(conn, articles.c.lang),
        corrected=corrected,
        corrections=conn.scalar(select(func.count()).select_from(corrections)) or 0,
        agreement=agreed / corrected if corrected else None,
    )
