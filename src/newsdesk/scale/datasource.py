"""A Ray Data source that reads articles with newsdesk's own readers (needs ``ray``).

Each read task opens one file (local or remote, through pyarrow's filesystems) and streams it
through :func:`newsdesk.io.readers.read_stream`, so ids (``NAME:LINE`` when a row has none),
language detection and rejected rows are exactly those of ``newsdesk classify``.

A block row is one *encoder batch*: ``group_rows`` consecutive articles of a file, each field
a list of strings. The e5 encoder's embeddings depend a little on which texts share a batch
(its int8 activations are quantized batch-wide), so the actors must encode the very batches
the single-process command encodes; Ray may split and merge blocks, but never a row.

A row also says where it comes from (``file``, as the input was named, and ``group``, its
number in that file) and carries the rows the reader rejected since the previous group
(``rejects``, JSON objects as ``--rejects`` writes them; those after a file's last article ride
with its last group, or with a group of no articles). The driver saves a group's predictions
and rejects together, so each is kept exactly once, and a resumed job passes the groups it
already holds as ``done``: they are read again (to find the same batches) but not sent on.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterator
from pathlib import PurePosixPath
from typing import Any, BinaryIO, cast

import pyarrow as pa
from ray.data.datasource import FileBasedDatasource

from newsdesk.article import Article
from newsdesk.io.readers import read_stream

__all__ = ["ARTICLE_SCHEMA", "ArticleDatasource", "articles_from_row"]

log = logging.getLogger(__name__)

_FIELDS = ("id", "title", "text", "lang", "url", "published", "source")
ARTICLE_SCHEMA = pa.schema(
    [pa.field(name, pa.list_(pa.string())) for name in _FIELDS]
    + [
        pa.field("file", pa.string()),
        pa.field("group", pa.int64()),
        pa.field("rejects", pa.list_(pa.string())),
    ]
)


def articles_from_row(row: dict[str, Any]) -> list[Article]:
    """The batch of :class:`Article` values a block row holds (the read task's inverse)."""
    return [
        Article(
            text=text,
            title=title or "",
            id=id_,
            lang=lang,
            url=url,
            published=published,
            source=source,
        )
        for id_, title, text, lang, url, published, source in zip(
            *(row[name] for name in _FIELDS), strict=True
        )
    ]


def _group_row(
    articles: list[Article], file: str, group: int, rejects: list[str]
) -> dict[str, Any]:
    row: dict[str, Any] = {name: [getattr(a, name) for a in articles] for name in _FIELDS}
    return row | {"file": file, "group": group, "rejects": rejects}


class ArticleDatasource(FileBasedDatasource):  # type: ignore[misc]
    """JSON Lines (``.jsonl``, ``.jsonl.gz``), CSV/TSV or Parquet files as article rows."""

    def __init__(
        self,
        paths: list[str],
        *,
        format: str,
        read_options: dict[str, Any] | None = None,
        group_rows: int = 32,
        block_groups: int = 32,
        done: dict[str, set[int]] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(paths, **kwargs)
        self.format = format
        self.read_options = dict(read_options or {})
        self.group_rows = group_rows
        self.block_groups = block_groups
        self.done = done or {}
        # Ray hands read tasks its own spelling of a path (absolute, the scheme dropped)
        self.names = {_ray_spelling(path): path for path in paths}

    def _open_input_source(self, filesystem: Any, path: str, **open_args: Any) -> Any:
        if self.format == "parquet":  # Parquet needs random access, not a stream
            return filesystem.open_input_file(path)
        return super()._open_input_source(filesystem, path, **open_args)

    def _read_stream(self, f: Any, path: str) -> Iterator[pa.Table]:
        name = self.names.get(_ray_spelling(path), path)
        done = self.done.get(name, set())
        stream = _LineStream(f) if self.format != "parquet" else f
        rejects: list[str] = []
        articles = read_stream(
            cast(BinaryIO, stream),
            PurePosixPath(path).name,
            format=self.format,
            source=name,
            on_reject=lambda rejected: rejects.append(json.dumps(rejected.to_dict())),
            **self.read_options,
        )
        rows: list[dict[str, Any]] = []
        group: list[Article] = []
        number = 0
        for article in articles:
            group.append(article)
            if len(group) == self.group_rows:
                if number not in done:
                    rows.append(_group_row(group, name, number, rejects))
                group, rejects, number = [], [], number + 1
            if len(rows) == self.block_groups:
                yield pa.Table.from_pylist(rows, schema=ARTICLE_SCHEMA)
                rows = []
        if (group or rejects) and number not in done:
            rows.append(_group_row(group, name, number, rejects))
        if rows:
            yield pa.Table.from_pylist(rows, schema=ARTICLE_SCHEMA)


def _ray_spelling(path: str) -> str:
    if "://" in path:
        return path.split("://", 1)[1]
    return os.path.abspath(path)


class _LineStream:
    """Byte lines from a pyarrow input stream, read in large chunks."""

    def __init__(self, stream: Any, chunk: int = 1 << 20) -> None:
        self.stream = stream
        self.chunk = chunk

    def __iter__(self) -> Iterator[bytes]:
        rest = b""
        while data := self.stream.read(self.chunk):
            lines = (rest + data).split(b"\n")
            rest = lines.pop()
            for line in lines:
                yield line + b"\n"
        if rest:
            yield rest

    def close(self) -> None:
        self.stream.close()
