"""A Ray Data source that reads articles with newsdesk's own readers (needs ``ray``).

Each read task opens one file (local or remote, through pyarrow's filesystems) and streams it
through :func:`newsdesk.io.readers.read_stream`, so ids (``NAME:LINE`` when a row has none),
language detection and rejected rows are exactly those of ``newsdesk classify``. Blocks hold
the article fields as string columns.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import PurePosixPath
from typing import Any, BinaryIO, cast

import pyarrow as pa
from ray.data.datasource import FileBasedDatasource

from newsdesk.article import Article
from newsdesk.io.readers import Rejected, read_stream

__all__ = ["ARTICLE_SCHEMA", "ArticleDatasource", "article_from_row"]

log = logging.getLogger(__name__)

_FIELDS = ("id", "title", "text", "lang", "url", "published", "source")
ARTICLE_SCHEMA = pa.schema([pa.field(name, pa.string()) for name in _FIELDS])


def article_from_row(row: dict[str, Any]) -> Article:
    """The :class:`Article` a block row holds (the inverse of the read task's conversion)."""
    return Article(
        text=row["text"],
        title=row["title"] or "",
        id=row["id"],
        lang=row["lang"],
        url=row["url"],
        published=row["published"],
        source=row["source"],
    )


class ArticleDatasource(FileBasedDatasource):  # type: ignore[misc]
    """JSON Lines (``.jsonl``, ``.jsonl.gz``), CSV/TSV or Parquet files as article rows."""

    def __init__(
        self,
        paths: list[str],
        *,
        format: str,
        read_options: dict[str, Any] | None = None,
        block_rows: int = 1024,
        **kwargs: Any,
    ) -> None:
        super().__init__(paths, **kwargs)
        self.format = format
        self.read_options = dict(read_options or {})
        self.block_rows = block_rows

    def _open_input_source(self, filesystem: Any, path: str, **open_args: Any) -> Any:
        if self.format == "parquet":  # Parquet needs random access, not a stream
            return filesystem.open_input_file(path)
        return super()._open_input_source(filesystem, path, **open_args)

    def _read_stream(self, f: Any, path: str) -> Iterator[pa.Table]:
        stream = _LineStream(f) if self.format != "parquet" else f
        articles = read_stream(
            cast(BinaryIO, stream),
            PurePosixPath(path).name,
            format=self.format,
            source=path,
            on_reject=_log_reject,
            **self.read_options,
        )
        rows: list[dict[str, Any]] = []
        for article in articles:
            rows.append({name: getattr(article, name) for name in _FIELDS})
            if len(rows) >= self.block_rows:
                yield pa.Table.from_pylist(rows, schema=ARTICLE_SCHEMA)
                rows = []
        if rows:
            yield pa.Table.from_pylist(rows, schema=ARTICLE_SCHEMA)


def _log_reject(rejected: Rejected) -> None:
    log.warning("rejected %s", rejected)


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
