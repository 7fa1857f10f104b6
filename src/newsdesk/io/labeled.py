"""Labeled articles read from files, through :mod:`newsdesk.io.readers`.

Every input ``newsdesk classify`` reads is read here the same way (JSON Lines, CSV, TSV,
Parquet, gzip, a folder of ``.txt`` files, ``-`` for stdin; the text, title and id columns
configurable), and a row the reader rejects goes to ``on_reject`` just as it does there. On
top of that this module knows only what is particular to training: a row's sections, from
``label`` (one section) or ``labels`` (several: a list, or in CSV a ``|``- or ``;``-separated
string). A row without a section is skipped and counted, never silently. The label columns
stay in each article's ``extra``.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from newsdesk.article import Article
from newsdesk.classify.dataset import LabeledArticles
from newsdesk.errors import TrainingError
from newsdesk.io.readers import InputFormat, read_articles
from newsdesk.io.records import Rejected, RejectHandler

__all__ = ["LabeledArticles", "read_labeled", "read_unlabeled"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Columns:
    """Where a row keeps what training reads; the names are ``newsdesk train``'s flags."""

    text: str = "text"
    title: str = "title"
    id: str = "id"
    label: str = "label"
    labels: str = "labels"


class _Counted:
    """Passes rejects on to ``handler`` (logged when ``None``) and counts them."""

    def __init__(self, handler: RejectHandler | None) -> None:
        self.handler = handler
        self.count = 0

    def __call__(self, rejected: Rejected) -> None:
        self.count += 1
        if self.handler is None:
            log.warning("rejected %s", rejected)
        else:
            self.handler(rejected)


def _read(
    source: str | Path,
    columns: Columns,
    format: InputFormat | str | None,
    on_reject: _Counted,
) -> Iterator[Article]:
    # languages are left as the file gives them: the classifier detects a missing one itself
    return read_articles(
        source,
        format=format,
        text_column=columns.text,
        title_column=columns.title,
        id_column=columns.id,
        on_reject=on_reject,
        detect_lang=False,
    )


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


def _fields(article: Article, columns: Columns) -> list[str]:
    """The columns a row had, as far as its article shows them (for an error message)."""
    named = {columns.text: True, columns.title: article.title, "url": article.url}
    named |= {"source": article.source, "published": article.published, "lang": article.lang}
    return sorted({name for name, value in named.items() if value} | set(article.extra))


def read_labeled(
    paths: Sequence[str | Path],
    *,
    label_column: str = "label",
    labels_column: str = "labels",
    text_column: str = "text",
    title_column: str = "title",
    id_column: str = "id",
    format: InputFormat | str | None = None,
    multi_label: bool = False,
    on_reject: RejectHandler | None = None,
) -> LabeledArticles:
    """Read labeled articles from each of ``paths`` (files, folders, or ``-`` for stdin).

    Single-label reading takes ``label_column`` (or the first of ``labels_column``); multi-label
    reading takes ``labels_column`` with the ``label_column`` value first when both exist.
    Rows the reader rejects go to ``on_reject`` (logged as warnings when it is ``None``).
    """
    columns = Columns(text_column, title_column, id_column, label_column, labels_column)
    articles: list[Article] = []
    labels: list[tuple[str, ...]] = []
    skipped = 0
    for path in paths:
        rejected = _Counted(on_reject)
        found = _labeled(_read(path, columns, format, rejected), columns, multi_label, path)
        articles += found.articles
        labels += found.labels
        skipped += found.skipped + rejected.count
        if not found.articles and found.skipped + rejected.count == 0:
            raise TrainingError(f"{path}: no articles found (the file is empty)")
    return LabeledArticles(articles, labels, [str(p) for p in paths], skipped)


def _labeled(
    read: Iterator[Article], columns: Columns, multi_label: bool, path: str | Path
) -> LabeledArticles:
    """The articles of one input with their sections; raises when no row names a column."""
    articles: list[Article] = []
    labels: list[tuple[str, ...]] = []
    skipped = 0
    found_label = False
    fields: set[str] = set()
    for article in read:
        row = article.extra
        fields.update(_fields(article, columns))
        primary = _label_list(row.get(columns.label))[:1]
        many = _label_list(row.get(columns.labels))
        found_label |= columns.label in row or columns.labels in row
        section = primary + tuple(x for x in many if x not in primary)
        if not section and not (multi_label and columns.labels in row):
            skipped += 1
            log.warning("%s: no %r or %r; row skipped", article.id, columns.label, columns.labels)
            continue
        articles.append(article)
        labels.append(section if multi_label else section[:1])
    if fields and not found_label:
        flag = "--labels-column" if multi_label else "--label-column"
        raise TrainingError(
            f"column '{columns.labels if multi_label else columns.label}' not found in "
            f"{path}; columns are: {', '.join(sorted(fields))}; pass {flag} NAME"
        )
    return LabeledArticles(articles, labels, [str(path)], skipped)


def read_unlabeled(
    path: str | Path,
    *,
    text_column: str = "text",
    title_column: str = "title",
    id_column: str = "id",
    format: InputFormat | str | None = None,
    limit: int | None = None,
    on_reject: RejectHandler | None = None,
) -> list[Article]:
    """Articles of an archive without labels (labels, if any, are ignored)."""
    columns = Columns(text_column, title_column, id_column)
    out: list[Article] = []
    for article in _read(path, columns, format, _Counted(on_reject)):
        out.append(article)
        if limit is not None and len(out) >= limit:
            break
    if not out:
        raise TrainingError(f"{path}: no articles found in the unlabeled archive")
    return out
