"""A row read from an input on its way to becoming an :class:`~newsdesk.article.Article`, or
the :class:`Rejected` that says why it could not.

Every format (:mod:`newsdesk.io.formats`) yields the same :class:`Row`, so one mapping
(:func:`to_article`) turns the fields of any of them into an article, and every reader reports
an unusable row the same way.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from newsdesk.article import Article, detect_language
from newsdesk.errors import ArticleError

__all__ = [
    "Columns",
    "RejectHandler",
    "Rejected",
    "Row",
    "guess_text_column",
    "kind_of",
    "to_article",
]

_TEXT_COLUMN_ALIASES = ("body", "content", "article", "story", "full_text", "description")
_KNOWN_FIELDS = frozenset({"lang", "language", "url", "published", "date", "source"})


@dataclass(frozen=True)
class Rejected:
    """A row that could not become an article: where it was, why, and its raw text.

    ``line`` is the 1-based line the row starts on, or ``None`` for a whole ``.txt`` input.
    """

    source: str
    line: int | None
    reason: str
    raw: str = ""

    def __str__(self) -> str:
        where = self.source if self.line is None else f"{self.source}:{self.line}"
        return f"{where}: {self.reason}"

    def to_dict(self) -> dict[str, Any]:
        return {"source": self.source, "line": self.line, "reason": self.reason, "raw": self.raw}


RejectHandler = Callable[[Rejected], None]


@dataclass(frozen=True)
class Columns:
    """The names of the fields that hold an article's text, title and id."""

    text: str = "text"
    title: str = "title"
    id: str = "id"


@dataclass(frozen=True)
class Row:
    """One parsed record on its way to becoming an article."""

    source: str
    line: int | None
    fields: dict[str, Any]
    raw: str
    default_id: str


def to_article(row: Row, columns: Columns, detect_lang: bool) -> Article | Rejected:
    fields = row.fields

    def reject(reason: str) -> Rejected:
        return Rejected(row.source, row.line, reason, row.raw)

    if columns.text not in fields:
        guess = guess_text_column(list(fields), fields)
        hint = f"; pass --text-column {guess}" if guess else ""
        return reject(f"no '{columns.text}' field; fields are: {', '.join(fields)}{hint}")
    text = fields[columns.text]
    if not isinstance(text, str):
        return reject(f"'{columns.text}' is {kind_of(text)}, expected a string")
    if not text.strip():
        return reject(f"empty '{columns.text}'")
    scalars = {}
    for key in (columns.title, columns.id, *_KNOWN_FIELDS):
        value = fields.get(key)
        if isinstance(value, dict | list):
            return reject(f"'{key}' is {kind_of(value)}, expected a string")
        scalars[key] = None if value is None or value == "" else str(value).strip()
    lang = (scalars["lang"] or scalars["language"] or "").lower() or None
    title = scalars[columns.title] or ""
    if lang is None and detect_lang:
        lang = detect_language(f"{title}\n{text}")
    used = {columns.text, columns.title, columns.id, *_KNOWN_FIELDS}
    try:
        return Article(
            text=text,
            title=title,
            id=scalars[columns.id] or row.default_id,
            lang=lang,
            url=scalars["url"],
            published=scalars["published"] or scalars["date"],
            source=scalars["source"],
            extra={k: v for k, v in fields.items() if k not in used},
        )
    except ArticleError as exc:
        return reject(str(exc))


def guess_text_column(names: list[str], sample: dict[str, Any]) -> str | None:
    """The column most likely to hold the article text: a usual name, else the longest value."""
    lowered = {name.lower(): name for name in names}
    for alias in _TEXT_COLUMN_ALIASES:
        if alias in lowered:
            return lowered[alias]
    texts = {k: v for k, v in sample.items() if isinstance(v, str) and v.strip()}
    return max(texts, key=lambda k: len(texts[k])) if texts else None


def kind_of(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    return "an object"
