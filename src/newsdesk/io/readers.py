"""Turn files and stdin into :class:`~newsdesk.article.Article` values, one row at a time.

Formats, chosen by ``format=`` or else by the file name (gzip is recognised by its first bytes,
so ``.jsonl.gz`` and ``.csv.gz`` work):

- ``jsonl`` (``.jsonl``, ``.ndjson``): one JSON object a line with ``text`` (required),
  ``title`` and ``id`` (the three names are configurable), ``lang`` or ``language``, ``url``,
  ``published`` or ``date``, ``source``; other fields land in ``Article.extra``. Blank lines
  are skipped.
- ``csv`` and ``tsv``: a header row naming the columns, then one article a row.
- ``parquet`` (``.parquet``, ``.pq``): one article a row, the same column names as JSON Lines;
  read a record batch at a time. A row without an id gets ``NAME:ROW`` (1-based).
- ``txt``: one article a file. When the first line is followed by a blank line it is the
  title and the rest is the text; otherwise the whole file is the text. A folder is read as
  every ``.txt`` file below it, in path order.
- ``-`` is stdin: JSON Lines when its first non-blank line starts with ``{``, otherwise the
  whole stream is one article, split like a ``.txt`` file. ``format=`` overrides the guess.

A row without an id gets ``NAME:LINE`` (``NAME`` is the file's name; a ``.txt`` file's id is
its name, or its path inside the folder), so ids are stable across runs. ``lang`` is detected
when a row does not give it. A row that cannot become an article (invalid JSON, not an
object, missing or empty text, bytes that are not UTF-8, a CSV row with the wrong number of
fields, a truncated gzip stream) goes to ``on_reject`` as a
:class:`~newsdesk.io.records.Rejected` and reading goes on. An input that cannot be read at
all (no such file, unknown format, a ``.gz`` file that is not gzip, a CSV without the text
column) raises :class:`~newsdesk.errors.ReaderError` when ``read_articles`` is called, before
any row is read. Files are streamed, never loaded whole (a ``.txt`` file is one article). The
formats themselves are :mod:`newsdesk.io.formats`; the mapping of a row to an article is
:mod:`newsdesk.io.records`.
"""

from __future__ import annotations

import gzip
import logging
import sys
import zlib
from collections.abc import Iterable, Iterator
from enum import StrEnum
from itertools import chain
from pathlib import Path
from typing import IO, BinaryIO, cast

from newsdesk.article import Article
from newsdesk.errors import ReaderError
from newsdesk.io.formats import Lines, csv_rows, jsonl_rows, parquet_rows, txt_row
from newsdesk.io.records import Columns, Rejected, RejectHandler, Row, to_article

__all__ = [
    "STDIN",
    "InputFormat",
    "check_source",
    "count_records",
    "read_articles",
    "read_stream",
]

log = logging.getLogger(__name__)

STDIN = "-"


class InputFormat(StrEnum):
    """The input formats :func:`read_articles` understands."""

    JSONL = "jsonl"
    CSV = "csv"
    TSV = "tsv"
    TXT = "txt"
    PARQUET = "parquet"


_SUFFIXES = {
    ".jsonl": InputFormat.JSONL,
    ".ndjson": InputFormat.JSONL,
    ".csv": InputFormat.CSV,
    ".tsv": InputFormat.TSV,
    ".txt": InputFormat.TXT,
    ".parquet": InputFormat.PARQUET,
    ".pq": InputFormat.PARQUET,
}
_GZIP_MAGIC = b"\x1f\x8b"


def read_articles(
    source: str | Path,
    *,
    format: InputFormat | str | None = None,
    text_column: str = "text",
    title_column: str = "title",
    id_column: str = "id",
    on_reject: RejectHandler | None = None,
    detect_lang: bool = True,
) -> Iterator[Article]:
    """Stream the articles in ``source`` (a file, a folder of ``.txt`` files, or ``-``).

    Rows that cannot be used go to ``on_reject`` (logged as warnings when it is ``None``).
    Raises :class:`ReaderError` at once when the input as a whole cannot be read.
    """
    columns = Columns(text_column, title_column, id_column)
    records = _open_records(source, _as_format(format), columns)
    return _articles(records, columns, on_reject or _log_reject, detect_lang)


def read_stream(
    stream: BinaryIO,
    name: str,
    *,
    format: InputFormat | str,
    source: str | None = None,
    text_column: str = "text",
    title_column: str = "title",
    id_column: str = "id",
    on_reject: RejectHandler | None = None,
    detect_lang: bool = True,
) -> Iterator[Article]:
    """Stream the articles of an open binary ``stream`` holding one file's content.

    ``name`` is the file's name, for default ids (``NAME:LINE``, the same as
    :func:`read_articles` gives that file); ``source`` is where rejects say they came from
    (default ``name``). Parquet needs a seekable stream. Used by the Ray engine, whose read
    tasks open files themselves (local or remote).
    """
    fmt = _as_format(format)
    if fmt is None or fmt is InputFormat.TXT:
        raise ReaderError("read_stream reads jsonl, csv, tsv or parquet; pass format=")
    columns = Columns(text_column, title_column, id_column)
    records = _stream_records(stream, name, source or name, fmt, columns)
    return _articles(records, columns, on_reject or _log_reject, detect_lang)


def check_source(
    source: str | Path, *, format: InputFormat | str | None = None, text_column: str = "text"
) -> None:
    """Raise :class:`ReaderError` when ``source`` cannot be read at all; reads no row.

    A Parquet input without pyarrow installed raises :class:`MissingExtraError`.

    Catches a missing file, an unknown format, a folder without ``.txt`` files, a ``.gz`` file
    that is not gzip and a CSV header without ``text_column``, so a run over many inputs stops
    before it writes anything (stdin is checked when it is read).
    """
    if str(source) == STDIN:
        return
    path = Path(source)
    fmt = _resolve(path, _as_format(format))
    if fmt is InputFormat.PARQUET:
        from newsdesk.io.parquet import require_pyarrow

        require_pyarrow()
    elif fmt in (InputFormat.CSV, InputFormat.TSV):
        with _open_binary(path) as stream:  # closed here, not when the lines are collected
            _stream_records(stream, path.name, str(path), fmt, Columns(text=text_column))
    elif not path.is_dir():
        _open_binary(path).close()


def count_records(
    source: str | Path, *, format: InputFormat | str | None = None, text_column: str = "text"
) -> int | None:
    """How many rows :func:`read_articles` will go through (articles and rejects alike).

    Reads the input once without building articles; ``None`` for stdin, which can be read
    only once.
    """
    if str(source) == STDIN:
        return None
    if _resolve(Path(source), _as_format(format)) is InputFormat.PARQUET:
        from newsdesk.io.parquet import parquet_row_count

        return parquet_row_count(source)
    records = _open_records(source, _as_format(format), Columns(text=text_column))
    return sum(1 for _ in records)


def _articles(
    records: Iterable[Row | Rejected],
    columns: Columns,
    on_reject: RejectHandler,
    detect_lang: bool,
) -> Iterator[Article]:
    for record in records:
        result = (
            record if isinstance(record, Rejected) else to_article(record, columns, detect_lang)
        )
        if isinstance(result, Rejected):
            on_reject(result)
        else:
            yield result


def _log_reject(rejected: Rejected) -> None:
    log.warning("rejected %s", rejected)


def _as_format(value: InputFormat | str | None) -> InputFormat | None:
    if value is None or isinstance(value, InputFormat):
        return value
    try:
        return InputFormat(value.lower())
    except ValueError:
        choices = ", ".join(f.value for f in InputFormat)
        raise ReaderError(f"unknown input format '{value}'; use one of {choices}") from None


def _open_records(
    source: str | Path, fmt: InputFormat | None, columns: Columns
) -> Iterator[Row | Rejected]:
    if str(source) == STDIN:
        return _stdin_records(fmt, columns)
    path = Path(source)
    fmt = _resolve(path, fmt)
    if path.is_dir():
        files = sorted(p for p in path.rglob("*.txt") if p.is_file())
        return (_txt_file_row(f, f.relative_to(path).as_posix(), columns) for f in files)
    if fmt is InputFormat.TXT:
        return iter([_txt_file_row(path, path.name, columns)])
    return _stream_records(_open_binary(path), path.name, str(path), fmt, columns)


def _stream_records(
    stream: BinaryIO, name: str, source: str, fmt: InputFormat, columns: Columns
) -> Iterator[Row | Rejected]:
    if fmt is InputFormat.PARQUET:
        return parquet_rows(stream, name, source)
    lines = Lines(stream, source)
    if fmt is InputFormat.JSONL:
        return jsonl_rows(lines, name)
    return csv_rows(lines, name, "\t" if fmt is InputFormat.TSV else ",", columns)


def _resolve(path: Path, fmt: InputFormat | None) -> InputFormat:
    """The format of ``path``; raises :class:`ReaderError` when it cannot be read at all."""
    if path.is_dir():
        if not any(p.is_file() for p in path.rglob("*.txt")):
            raise ReaderError(f"{path}: no .txt files in this folder (one article a .txt file)")
        return InputFormat.TXT
    if not path.is_file():
        raise ReaderError(f"no such file: {path}")
    if fmt is not None:
        return fmt
    name = path.name.lower().removesuffix(".gz")
    fmt = _SUFFIXES.get(Path(name).suffix)
    if fmt is None:
        raise ReaderError(
            f"cannot tell the format of {path} from its name; name it .jsonl, .jsonl.gz, .csv, "
            ".tsv, .parquet or .txt, or pass --format jsonl|csv|tsv|parquet|txt"
        )
    return fmt


def _open_binary(path: Path) -> BinaryIO:
    """``path`` opened for reading, decompressed when it is gzip.

    A name ending in ``.gz`` promises gzip: a file without gzip's header is refused as a whole
    here rather than read as text and rejected line by line as undecodable bytes.
    """
    try:
        with path.open("rb") as probe:
            compressed = probe.read(2) == _GZIP_MAGIC
        if compressed:
            return _open_gzip(path)
        if path.name.lower().endswith(".gz"):
            raise ReaderError(
                f"{path}: not gzip (it does not start with gzip's header, 1f 8b); "
                "if it is plain text, rename it without .gz"
            )
        return path.open("rb")
    except OSError as exc:
        raise ReaderError(f"cannot read {path}: {exc.strerror or exc}") from None


def _open_gzip(path: Path) -> BinaryIO:
    """A gzip stream whose header was read, so a corrupt one fails here, as the whole input."""
    stream = gzip.open(path, "rb")  # noqa: SIM115 (returned open, closed by the reader)
    try:
        stream.peek(1)
    except (gzip.BadGzipFile, EOFError, zlib.error) as exc:
        stream.close()
        raise ReaderError(f"{path}: not gzip ({exc})") from None
    return cast(BinaryIO, stream)


def _txt_file_row(path: Path, default_id: str, columns: Columns) -> Row | Rejected:
    try:
        with _open_binary(path) as stream:
            data = stream.read()
    except (ReaderError, OSError, EOFError, zlib.error) as exc:
        return Rejected(str(path), None, f"cannot read the file: {exc}")
    return txt_row(data, str(path), default_id, columns)


def _stdin_records(fmt: InputFormat | None, columns: Columns) -> Iterator[Row | Rejected]:
    stream: IO[bytes] = sys.stdin.buffer
    head: list[bytes] = []
    for raw in stream:
        head.append(raw)
        if raw.strip():
            break
    if head and head[0].startswith(_GZIP_MAGIC):
        raise ReaderError("stdin is gzip-compressed; decompress it first: zcat FILE | newsdesk ...")
    if not any(raw.strip() for raw in head):
        return iter([])
    if fmt is None:
        fmt = InputFormat.JSONL if head and head[-1].lstrip().startswith(b"{") else InputFormat.TXT
    if fmt is InputFormat.TXT:
        return iter([txt_row(b"".join(head) + stream.read(), "<stdin>", "stdin", columns)])
    lines = Lines(chain(head, stream), "<stdin>")
    if fmt is InputFormat.JSONL:
        return jsonl_rows(lines, "stdin")
    return csv_rows(lines, "stdin", "\t" if fmt is InputFormat.TSV else ",", columns)
