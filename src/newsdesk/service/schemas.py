"""Request and response bodies (pydantic, the HTTP boundary only)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field
from pydantic.json_schema import JsonDict

from newsdesk.article import (
    LANG_PATTERN,
    NO_CONTROL_PATTERN,
    NO_NUL_PATTERN,
    VISIBLE_PATTERN,
    Article,
    unusable_character,
)
from newsdesk.store.records import ApiKey, KeyRole, StoredArticle

__all__ = [
    "ApiKeyOut",
    "ArticleBatch",
    "ArticleIn",
    "ArticlePage",
    "ArticleRecord",
    "ArticleSummary",
    "CorrectionIn",
    "CorrectionOut",
    "CreatedKey",
    "KeyIn",
    "PredictionBatch",
    "PredictionOut",
    "SubmitBatchResult",
    "SubmitResult",
    "UsableText",
]


def _usable(value: object) -> object:
    problem = unusable_character(value) if isinstance(value, str) else None
    if problem:
        raise ValueError(f"holds {problem}")
    return value


UsableText = Annotated[str, Field(pattern=NO_NUL_PATTERN), BeforeValidator(_usable)]
"""A string that can be stored and encoded: no NUL, no lone surrogate (checked first, so the
error says which character and where)."""
IdText = Annotated[str, Field(pattern=NO_CONTROL_PATTERN), BeforeValidator(_usable)]
"""An article id: :data:`UsableText` without control characters either (a URL names it)."""
LangCode = Annotated[
    str, Field(pattern=LANG_PATTERN, max_length=16, description="A language tag: en, ar, pt-BR.")
]

# The one rule JSON Schema cannot say field by field: ``text`` or ``title`` shows something.
_TEXT_OR_TITLE: JsonDict = {
    "anyOf": [
        {"required": [name], "properties": {name: {"pattern": VISIBLE_PATTERN}}}
        for name in ("text", "title")
    ]
}


class ArticleIn(BaseModel):
    """One article: ``text`` or ``title`` shows something; unknown fields are refused.

    Only spaces or zero-width marks count as empty.
    """

    model_config = ConfigDict(extra="forbid", json_schema_extra=_TEXT_OR_TITLE)

    id: IdText | None = Field(None, min_length=1, max_length=255)
    title: UsableText = ""
    text: UsableText = ""
    lang: LangCode | None = None
    url: UsableText | None = Field(None, max_length=4096)
    published: UsableText | None = Field(None, max_length=64)
    source: UsableText | None = Field(None, max_length=255)

    def to_article(self) -> Article:
        return Article(
            text=self.text,
            title=self.title,
            id=self.id,
            lang=self.lang,
            url=self.url,
            published=self.published,
            source=self.source,
        )


class ArticleBatch(BaseModel):
    """Several articles in one request (at most the server's ``max_batch``)."""

    model_config = ConfigDict(extra="forbid")

    articles: list[ArticleIn] = Field(min_length=1)


class PredictionOut(BaseModel):
    """newsdesk's call, the same fields as ``newsdesk classify`` prints."""

    id: str | None
    section: str
    confidence: float
    lang: str | None
    sections: list[str] | None = None
    scores: dict[str, float]


class PredictionBatch(BaseModel):
    predictions: list[PredictionOut]


class CorrectionOut(BaseModel):
    section: str
    sections: list[str]
    previous_section: str
    editor: str
    api_key: str | None
    note: str | None
    created_at: datetime


class ArticleSummary(BaseModel):
    """A stored article without its text and scores (lists show these)."""

    id: str
    title: str
    lang: str | None
    url: str | None
    published: str | None
    source: str | None
    filed_at: datetime
    section: str = Field(description="newsdesk's call when the article was filed.")
    confidence: float
    sections: list[str] | None
    model_version: str
    label: str = Field(description="The latest correction, else the call.")
    labels: list[str]
    corrected: bool

    @classmethod
    def fields_of(cls, record: StoredArticle) -> dict[str, Any]:
        return {
            "id": record.id,
            "title": record.title,
            "lang": record.lang,
            "url": record.url,
            "published": record.published,
            "source": record.source,
            "filed_at": record.filed_at,
            "section": record.section,
            "confidence": round(record.confidence, 4),
            "sections": list(record.sections) if record.sections else None,
            "model_version": record.model_version,
            "label": record.label,
            "labels": list(record.labels),
            "corrected": record.corrected_section is not None,
        }

    @classmethod
    def of(cls, record: StoredArticle) -> ArticleSummary:
        return cls(**cls.fields_of(record))


def _scores(record: StoredArticle) -> dict[str, float]:
    return {name: round(p, 4) for name, p in record.scores.items()}


class ArticleRecord(ArticleSummary):
    """A stored article in full: text, every section's score, the correction history."""

    text: str
    scores: dict[str, float]
    corrected_at: datetime | None
    corrections: list[CorrectionOut]

    @classmethod
    def of(cls, record: StoredArticle) -> ArticleRecord:
        return cls(
            **cls.fields_of(record),
            text=record.text,
            scores=_scores(record),
            corrected_at=record.corrected_at,
            corrections=[CorrectionOut(**c.to_dict()) for c in record.corrections],
        )


class SubmitResult(ArticleSummary):
    """One submitted article: ``created`` now, or ``existing`` (stored before, unchanged)."""

    status: Literal["created", "existing"]
    scores: dict[str, float]

    @classmethod
    def of_submit(cls, record: StoredArticle, created: bool) -> SubmitResult:
        return cls(
            **cls.fields_of(record),
            status="created" if created else "existing",
            scores=_scores(record),
        )


class SubmitBatchResult(BaseModel):
    created: int
    existing: int
    articles: list[SubmitResult]


class ArticlePage(BaseModel):
    articles: list[ArticleSummary]
    next_cursor: str | None = Field(
        description="Pass as ?cursor= for the next page; null at the end."
    )


SectionName = Annotated[
    UsableText,
    Field(min_length=1, max_length=255, description="A section of the served taxonomy."),
]


class CorrectionIn(BaseModel):
    """The right section(s). ``section`` is the primary one; ``sections`` may add others.

    At least one of the two is given.
    """

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "anyOf": [
                {"required": ["section"], "properties": {"section": {"type": "string"}}},
                {"required": ["sections"], "properties": {"sections": {"type": "array"}}},
            ]
        },
    )

    section: SectionName | None = None
    sections: list[SectionName] | None = Field(None, min_length=1, max_length=64)
    editor: UsableText | None = Field(
        None, min_length=1, max_length=255, description="Who corrects; defaults to the key name."
    )
    note: UsableText | None = Field(None, max_length=2000)

    def chosen(self) -> list[str]:
        """The primary section first, then the others, without repeats."""
        first = [self.section] if self.section else []
        return list(dict.fromkeys([*first, *(self.sections or [])]))


class KeyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    role: KeyRole
    name: UsableText | None = Field(None, min_length=1, max_length=255)


class ApiKeyOut(BaseModel):
    name: str
    prefix: str
    role: KeyRole
    created_at: datetime
    revoked_at: datetime | None

    @classmethod
    def of(cls, record: ApiKey) -> ApiKeyOut:
        return cls(**record.to_dict())


class CreatedKey(ApiKeyOut):
    key: str = Field(description="The key itself; it is shown only this once.")
