"""Labeled articles for training and evaluation, read from ``.jsonl``, ``.jsonl.gz`` or ``.csv``.

A row has a text (``text`` and optionally ``title``) and either ``label`` (one section) or
``labels`` (several: a JSON list, or in CSV a ``|``- or ``;``-separated string). Column names
are configurable. Rows without text are skipped and counted, never silently.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import logging
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from newsdesk.article import Article
from newsdesk.errors import ArticleError, ReaderError, TrainingError

__all__ = ["LabeledArticles", "read_labeled", "read_unlabeled"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class LabeledArticles:
    """Articles and their sections (``labels[i]``: primary first; empty when unlabeled)."""

    articles: list[Article]
    labels: list[tuple[str, ...]]
    sources: list[str] = field(default_factory=list)
    skipped: int = 0

    def __len__(self) -> int:
        return len(self.articles)

    @property
    def primary(self) -> list[str]:
        """The primary section of each article."""
        return [labels[0] if labels else "" for labels in self.labels]

    def counts(self) -> dict[str, int]:
        """Articles a section (primary sections), most frequent first."""
        return dict(Counter(self.primary).most_common())

    def summary(self) -> dict[str, Any]:
        """What a saved model records about its training data."""
        return {
            "files": self.sources,
            "articles": len(self),
            "skipped_rows": self.skipped,
            "per_section": self.counts(),
        }


def _open_text(path: Path) -> io.TextIOBase:
    if path.name.endswith(".gz"):
        return io.TextIOWrapper(gzip.open(path, "rb"), encoding="utf-8")  # type: ignore[return-value]
    return open(path, encoding="utf-8", newline="")  # type: ignore[return-value]


def _rows(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line number, row) for each row of a JSON Lines or CSV file."""
    name = path.name.removesuffix(".gz")
    if not path.exists():
        raise ReaderError(f"{path}: file not found")
    with _open_text(path) as handle:
        if name.endswith(".csv"):
            for line, row in enumerate(csv.DictReader(handle), start=2):
                yield line, dict(row)
        elif name.endswith((".jsonl", ".json", ".ndjson")):
            for line, text in enumerate(handle, start=1):
                if not text.strip():
                    continue
                try:
                    row = json.loads(text)
                except json.JSONDecodeError as exc:
                    raise ReaderError(f"{path}:{line}: invalid JSON ({exc.msg})") from None
                if not isinstance(row, dict):
                    raise ReaderError(f"{path}:{line}: expected a JSON object a line")
                yield line, row
        else:
            raise ReaderError(f"{path}: unknown format; use .jsonl, .jsonl.gz or .csv")


def _label_list(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, list | tuple):
        return tuple(str(v).strip() for v in value if str(v).strip())
    text = str(value).strip()
    if text.startswith("["):
        try:
            return _label_list(json.loads(text))
        except json.JSONDecodeError:
            pass
    for sep in ("|", ";"):
        if sep in text:
            return tuple(part.strip() for part in text.split(sep) if part.strip())
    return (text,) if text else ()


def _article(row: dict[str, Any], text_column: str) -> Article:
    return Article(
        text=str(row.get(text_column) or ""),
        title=str(row.get("title") or ""),
        id=None if row.get("id") in (None, "") else str(row["id"]),
        lang=row.get("lang") or None,
        url=_text_or_none(row.get("url")),
        published=_text_or_none(row.get("published") or row.get("date")),
        source=_text_or_none(row.get("source")),
    )


def _text_or_none(value: Any) -> str | None:
    text = "" if value is None else str(value).strip()
    return text or None


def read_labeled(
    paths: Sequence[str | Path],
    *,
    label_column: str = "label",
    labels_column: str = "labels",
    text_column: str = "text",
    multi_label: bool = False,
) -> LabeledArticles:
    """Read labeled articles from each of ``paths``.

    Single-label reading takes ``label_column`` (or the first of ``labels_column``); multi-label
    reading takes ``labels_column`` with the ``label_column`` value first when both exist.
    """
    articles: list[Article] = []
    labels: list[tuple[str, ...]] = []
    skipped = 0
    for raw_path in paths:
        path = Path(raw_path)
        columns: set[str] = set()
        found_label = False
        rows = 0
        for line, row in _rows(path):
            rows += 1
            columns |= set(row)
            primary = _label_list(row.get(label_column))[:1]
            many = _label_list(row.get(labels_column))
            has_label = label_column in row or labels_column in row
            found_label |= has_label
            section = primary + tuple(x for x in many if x not in primary)
            if not section and not (multi_label and labels_column in row):
                skipped += 1
                log.warning(
                    "%s:%s: no %r or %r; row skipped", path, line, label_column, labels_column
                )
                continue
            try:
                article = _article(row, text_column)
            except ArticleError as exc:
                skipped += 1
                log.warning("%s:%s: %s; row skipped", path, line, exc)
                continue
            articles.append(article)
            labels.append(section if multi_label else section[:1])
        if rows == 0:
            raise TrainingError(f"{path}: no articles found (the file is empty)")
        if not found_label:
            flag = "--labels-column" if multi_label else "--label-column"
            raise TrainingError(
                f"column '{labels_column if multi_label else label_column}' not found in "
                f"{path}; columns are: {', '.join(sorted(columns))}; pass {flag} NAME"
            )
    return LabeledArticles(articles, labels, [str(p) for p in paths], skipped)


def read_unlabeled(
    path: str | Path, *, text_column: str = "text", limit: int | None = None
) -> list[Article]:
    """Articles of an archive without labels (labels, if any, are ignored)."""
    out: list[Article] = []
    for _, row in _rows(Path(path)):
        try:
            out.append(_article(row, text_column))
        except ArticleError:
            continue
        if limit is not None and len(out) >= limit:
            break
    if not out:
        raise TrainingError(f"{path}: no articles found in the unlabeled archive")
    return out
