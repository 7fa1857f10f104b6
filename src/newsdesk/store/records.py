"""What the store hands back: frozen records of stored articles, corrections and keys."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from newsdesk.article import Article, language_code

__all__ = [
    "ApiKey",
    "ArticleFilter",
    "Correction",
    "KeyRole",
    "StoredArticle",
    "as_article",
    "as_utc",
    "utcnow",
]


def utcnow() -> datetime:
    """Now, in UTC: every time the store writes is UTC."""
    return datetime.now(UTC)


def as_utc(value: datetime) -> datetime:
    """An aware datetime in UTC. Naive values are UTC already (SQLite hands them back so)."""
    return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)


class KeyRole(StrEnum):
    """What an API key may do; each role can also do everything the roles before it can."""

    READER = "reader"
    EDITOR = "editor"
    ADMIN = "admin"

    @property
    def rank(self) -> int:
        return list(KeyRole).index(self)

    def allows(self, needed: KeyRole) -> bool:
        """Whether a key with this role may do what ``needed`` may."""
        return self.rank >= needed.rank


@dataclass(frozen=True)
class Correction:
    """An editor's correction: the right section(s), who set them and when."""

    section: str
    sections: tuple[str, ...]
    previous_section: str
    editor: str
    created_at: datetime
    note: str | None = None
    api_key: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "section": self.section,
            "sections": list(self.sections),
            "previous_section": self.previous_section,
            "editor": self.editor,
            "api_key": self.api_key,
            "note": self.note,
            "created_at": self.created_at.isoformat(),
        }


@dataclass(frozen=True)
class StoredArticle:
    """A filed article: its fields, newsdesk's call when it was filed, and any corrections."""

    seq: int
    id: str
    title: str
    text: str
    lang: str | None
    url: str | None
    published: str | None
    source: str | None
    content_hash: str
    filed_at: datetime
    section: str
    confidence: float
    scores: dict[str, float]
    sections: tuple[str, ...] | None
    model_version: str
    corrected_section: str | None = None
    corrected_sections: tuple[str, ...] | None = None
    corrected_at: datetime | None = None
    corrections: tuple[Correction, ...] = field(default=())

    @property
    def label(self) -> str:
        """The section to trust: the latest correction, else newsdesk's call."""
        return self.corrected_section or self.section

    @property
    def labels(self) -> tuple[str, ...]:
        """Every section the article belongs to, the primary first."""
        if self.corrected_section:
            return self.corrected_sections or (self.corrected_section,)
        return self.sections or (self.section,)


def as_article(row: Any, *, source: bool = True) -> Article:
    """A stored article (a :class:`StoredArticle` or a row of ``articles``) as an
    :class:`~newsdesk.article.Article` to classify or train on.

    Rows filed before ``lang`` had to be a language tag may hold anything there; it is read
    through :func:`~newsdesk.article.language_code`, so one old row cannot stop a page or a
    retraining. ``source=False`` leaves the source out.
    """
    return Article(
        text=row.text,
        title=row.title,
        id=row.id,
        lang=language_code(row.lang),
        source=row.source if source else None,
    )


@dataclass(frozen=True)
class ArticleFilter:
    """Conditions on stored articles; ``None`` means no condition.

    ``section`` matches the label (the latest correction, else the call); ``since`` and
    ``until`` bound the filing time (``since`` inclusive, ``until`` exclusive); ``query``
    matches title or text, case-insensitively.
    """

    section: str | None = None
    lang: str | None = None
    min_confidence: float | None = None
    max_confidence: float | None = None
    corrected: bool | None = None
    since: datetime | None = None
    until: datetime | None = None
    query: str | None = None


@dataclass(frozen=True)
class ApiKey:
    """A stored API key (never the key itself)."""

    name: str
    prefix: str
    role: KeyRole
    created_at: datetime
    revoked_at: datetime | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "prefix": self.prefix,
            "role": self.role.value,
            "created_at": self.created_at.isoformat(),
            "revoked_at": self.revoked_at.isoformat() if self.revoked_at else None,
        }
