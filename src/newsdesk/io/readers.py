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
fields, a truncated gzip stream) goes to ``on_reject`` as a :class:`Rejected` and reading goes
on. An input that cannot be read at all (no such file, unknown format, a ``.gz`` file that is not
gzip, a CSV without the text column) raises :class:`~newsdesk.errors.ReaderError` when ``read_articles`` is called, before
any row is read. Files are streamed, never loaded whole (a ``.txt`` file is one article).
"""

from __future__ import annotations

import csv
import gzip
import json
import logging
import re
import sys
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from enum import StrEnum
from itertools import chain
from pathlib import Path
from typing import IO, Any, BinaryIO, cast

from newsdesk.article import Article, detect_language
from newsdesk.errors import ArticleError, ReaderError

__all__ = [
    "STDIN",
    "InputFormat",
    "RejectHandler",
    "Rejected",
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
_UNDECODABLE = re.compile("[\udc80-\udcff]")  # bytes kept by the surrogateescape decoder
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
class _Columns:
    text: str = "text"
    title: str = "title"
    id: str = "id"


@dataclass(frozen=True)
class _Row:
    """One parsed record on its way to becoming an article."""

    source: str
    line: int | None
    fields: dict[str, Any]
    raw: str
    default_id: str


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
    columns = _Columns(text_column, title_column, id_column)
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
    columns = _Columns(text_column, title_column, id_column)
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
            _stream_records(stream, path.name, str(path), fmt, _Columns(text=text_column))
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
    records = _open_records(source, _as_format(format), _Columns(text=text_column))
    return sum(1 for _ in records)


def _articles(
    records: Iterable[_Row | Rejected],
    columns: _Columns,
    on_reject: RejectHandler,
    detect_lang: bool,
) -> Iterator[Article]:
    for record in records:
        result = record if isinstance(record, Rejected) else _article(record, columns, detect_lang)
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


# --- opening inputs ----------------------------------------------------------------------------


def _open_records(
    source: str | Path, fmt: InputFormat | None, columns: _Columns
) -> Iterator[_Row | Rejected]:
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
    stream: BinaryIO, name: str, source: str, fmt: InputFormat, columns: _Columns
) -> Iterator[_Row | Rejected]:
    if fmt is InputFormat.PARQUET:
        return _parquet_rows(stream, name, source)
    lines = _Lines(stream, source)
    if fmt is InputFormat.JSONL:
        return _jsonl_rows(lines, name)
    return _csv_rows(lines, name, "\t" if fmt is InputFormat.TSV else ",", columns)


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


def _txt_file_row(path: Path, default_id: str, columns: _Columns) -> _Row | Rejected:
    try:
        with _open_binary(path) as stream:
            data = stream.read()
    except (ReaderError, OSError, EOFError, zlib.error) as exc:
        return Rejected(str(path), None, f"cannot read the file: {exc}")
    return _txt_row(data, str(path), default_id, columns)


def _stdin_records(fmt: InputFormat | None, columns: _Columns) -> Iterator[_Row | Rejected]:
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
        return iter([_txt_row(b"".join(head) + stream.read(), "<stdin>", "stdin", columns)])
    lines = _Lines(chain(head, stream), "<stdin>")
    if fmt is InputFormat.JSONL:
        return _jsonl_rows(lines, "stdin")
    return _csv_rows(lines, "stdin", "\t" if fmt is InputFormat.TSV else ",", columns)


class _Lines:
    """The decoded lines of a byte stream, counted; a read error ends them as a :class:`Rejected`.

    Bytes that are not UTF-8 survive decoding as lone surrogates, so one bad row is rejected
    instead of the whole stream failing.
    """

    def __init__(self, stream: Iterable[bytes], source: str, *, keep_raw: bool = False) -> None:
        self.stream = stream
        self.source = source
        self.keep_raw = keep_raw
        self.number = 0
        self.error: Rejected | None = None
        self._taken: list[str] = []

    def __iter__(self) -> Iterator[str]:
        try:
            for raw in self.stream:
                self.number += 1
                line = raw.decode("utf-8", "surrogateescape")
                if self.number == 1:
                    line = line.removeprefix("\ufeff")
                if self.keep_raw:
                    self._taken.append(line)
                yield line
        except (OSError, EOFError, zlib.error) as exc:
            reason = f"cannot read past this point, the rest of the input is lost: {exc}"
            self.error = Rejected(self.source, self.number + 1, reason)
        finally:
            close = getattr(self.stream, "close", None)
            if close is not None:
                close()

    def take(self) -> str:
        """The raw lines read since the last call."""
        raw = "".join(self._taken)
        self._taken.clear()
        return raw


def _undecodable(source: str, line: int, text: str) -> Rejected | None:
    """A :class:`Rejected` when ``text`` holds bytes that were not UTF-8, else ``None``."""
    match = _UNDECODABLE.search(text)
    if match is None:
        return None
    byte = ord(match.group()) - 0xDC00
    shown = text.encode("utf-8", "surrogateescape").decode("utf-8", "replace").rstrip("\r\n")
    return Rejected(source, line, f"undecodable bytes: not UTF-8 (byte 0x{byte:02x})", shown)


# --- formats -----------------------------------------------------------------------------------


def _jsonl_rows(lines: _Lines, name: str) -> Iterator[_Row | Rejected]:
    for text in lines:
        number = lines.number
        if not text.strip():
            continue
        bad = _undecodable(lines.source, number, text)
        if bad is not None:
            yield bad
            continue
        raw = text.rstrip("\r\n")
        try:
            # without its line end: an unterminated string would end at the newline, reported
            # as "Invalid control character" instead of "Unterminated string"
            obj = json.loads(raw)
        except json.JSONDecodeError as exc:
            yield Rejected(
                lines.source, number, f"invalid JSON: {exc.msg} (column {exc.colno})", raw
            )
            continue
        if not isinstance(obj, dict):
            yield Rejected(lines.source, number, f"expected a JSON object, got {_kind(obj)}", raw)
            continue
        yield _Row(lines.source, number, obj, raw, f"{name}:{number}")
    if lines.error is not None:
        yield lines.error


def _csv_rows(
    lines: _Lines, name: str, delimiter: str, columns: _Columns
) -> Iterator[_Row | Rejected]:
    """Check the header now (raising :class:`ReaderError`), then stream the rows lazily."""
    lines.keep_raw = True
    reader = csv.reader(lines, delimiter=delimiter)
    try:
        first = next(reader, None)
    except csv.Error as exc:
        raise ReaderError(f"cannot read the header row of {lines.source}: {exc}") from None
    if lines.error is not None:
        raise ReaderError(f"cannot read {lines.source}: {lines.error.reason}")
    if first is None:
        raise ReaderError(
            f"{lines.source} is empty; a CSV file starts with a header row naming its columns, "
            f"among them '{columns.text}'"
        )
    header = [cell.strip() for cell in first]
    if _UNDECODABLE.search("".join(header)):
        raise ReaderError(f"cannot read the header row of {lines.source}: not UTF-8 text")
    if columns.text not in header:
        sample = next(reader, None)
        guess = _guess_text_column(header, dict(zip(header, sample or [], strict=False)))
        raise ReaderError(
            f"column '{columns.text}' not found in {lines.source}; "
            f"columns are: {', '.join(header)}; pass --text-column {guess or 'NAME'}"
        )
    lines.take()
    return _csv_body(reader, lines, header, name)


def _csv_body(
    reader: Iterator[list[str]], lines: _Lines, header: list[str], name: str
) -> Iterator[_Row | Rejected]:
    while True:
        start = lines.number + 1
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            yield Rejected(lines.source, start, f"malformed CSV: {exc}", lines.take())
            continue
        raw = lines.take().rstrip("\r\n")
        if not row:
            continue
        bad = _undecodable(lines.source, start, raw)
        if bad is not None:
            yield bad
            continue
        if len(row) != len(header):
            reason = f"row has {len(row)} fields, the header has {len(header)}"
            yield Rejected(lines.source, start, reason, raw)
            continue
        yield _Row(lines.source, start, dict(zip(header, row, strict=True)), raw, f"{name}:{start}")
    if lines.error is not None:
        yield lines.error


def _parquet_rows(stream: BinaryIO, name: str, source: str) -> Iterator[_Row | Rejected]:
    """Rows of a Parquet file, a record batch at a time; the raw text of a row is not kept."""
    from newsdesk.io.parquet import require_pyarrow

    require_pyarrow()
    import pyarrow.parquet as pq

    try:
        parquet = pq.ParquetFile(stream)
    except (OSError, ValueError) as exc:
        raise ReaderError(f"{source}: not a readable Parquet file ({exc})") from None
    number = 0
    try:
        for batch in parquet.iter_batches(batch_size=1024):
            for fields in batch.to_pylist():
                number += 1
                yield _Row(source, number, fields, "", f"{name}:{number}")
    except OSError as exc:
        reason = f"cannot read past this point, the rest of the input is lost: {exc}"
        yield Rejected(source, number + 1, reason)
    finally:
        stream.close()


def _txt_row(data: bytes, source: str, default_id: str, columns: _Columns) -> _Row | Rejected:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        reason = f"undecodable bytes: not UTF-8 (byte 0x{data[exc.start]:02x})"
        return Rejected(source, line, reason, data[:2000].decode("utf-8", "replace"))
    if not text.strip():
        return Rejected(source, None, "empty file")
    title, body = _split_title(text.replace("\r\n", "\n"))
    return _Row(source, None, {columns.text: body, columns.title: title}, "", default_id)


def _split_title(text: str) -> tuple[str, str]:
    """A first line followed by a blank line is the title."""
    first, _, rest = text.strip().partition("\n")
    if rest.startswith("\n") and rest.strip():
        return first.strip(), rest.strip()
    return "", text.strip()


# --- rows to articles --------------------------------------------------------------------------


def _article(row: _Row, columns: _Columns, detect_lang: bool) -> Article | Rejected:
    fields = row.fields

    def reject(reason: str) -> Rejected:
        return Rejected(row.source, row.line, reason, row.raw)

    if columns.text not in fields:
        guess = _guess_text_column(list(fields), fields)
        hint = f"; pass --text-column {guess}" if guess else ""
        return reject(f"no '{columns.text}' field; fields are: {', '.join(fields)}{hint}")
    text = fields[columns.text]
    if not isinstance(text, str):
        return reject(f"'{columns.text}' is {_kind(text)}, expected a string")
    if not text.strip():
        return reject(f"empty '{columns.text}'")
    scalars = {}
    for key in (columns.title, columns.id, *_KNOWN_FIELDS):
        value = fields.get(key)
        if isinstance(value, dict | list):
            return reject(f"'{key}' is {_kind(value)}, expected a string")
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


def _guess_text_column(names: list[str], sample: dict[str, Any]) -> str | None:
    """The column most likely to hold the article text: a usual name, else the longest value."""
    lowered = {name.lower(): name for name in names}
    for alias in _TEXT_COLUMN_ALIASES:
        if alias in lowered:
            return lowered[alias]
    texts = {k: v for k, v in sample.items() if isinstance(v, str) and v.strip()}
    return max(texts, key=lambda k: len(texts[k])) if texts else None


def _kind(value: Any) -> str:
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
