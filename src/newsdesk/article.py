"""The :class:`Article` value, text normalization and offline language identification."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, replace
from typing import Any

from newsdesk.errors import ArticleError

__all__ = ["Article"]


@dataclass(frozen=True)
class Article:
    """One news article. Only ``text`` is required; ``title`` is kept apart from the body.

    ``lang`` is an ISO 639-1 code (``en``, ``ar``, ``fr``...) or ``None`` when unknown; readers
    fill it by detection when the input does not say.
    """

    text: str
    title: str = ""
    id: str | None = None
    lang: str | None = None
    url: str | None = None
    published: str | None = None
    source: str | None = None
    extra: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    def __post_init__(self) -> None:
        if not isinstance(self.text, str):
            raise ArticleError(f"article text must be a string, got {type(self.text).__name__}")
        if not (self.text.strip() or self.title.strip()):
            raise ArticleError("article has no text: both 'text' and 'title' are empty")

    @property
    def content(self) -> str:
        """Title and body as one string, the title first on its own line."""
        title = self.title.strip()
        body = self.text.strip()
        return f"{title}\n{body}" if title and body else (title or body)

    @property
    def content_hash(self) -> str:
        """A stable SHA-256 of the whitespace-normalized title and text."""
        norm = " ".join(self.content.split())
        return hashlib.sha256(norm.encode("utf-8")).hexdigest()

    @property
    def key(self) -> str:
        """The identity used for de-duplication: the id, else the URL, else the content hash."""
        return self.id or self.url or f"sha256:{self.content_hash}"

    def with_lang(self, lang: str | None) -> Article:
        """A copy with ``lang`` set."""
        return replace(self, lang=lang)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict; empty optional fields are left out."""
        out: dict[str, Any] = {"id": self.id, "title": self.title, "text": self.text}
        for name in ("lang", "url", "published", "source"):
            value = getattr(self, name)
            if value is not None:
                out[name] = value
        return out
