"""The input formats, each read into :class:`~newsdesk.io.records.Row` values a row at a time.

JSON Lines, CSV/TSV, Parquet and plain text; how a format is chosen and a file opened is
:mod:`newsdesk.io.readers`'s business. A row that cannot be read becomes a
:class:`~newsdesk.io.records.Rejected` and the reading goes on.
"""

from __future__ import annotations

import csv
import json
import re
import zlib
from collections.abc import Iterable, Iterator
from typing import BinaryIO

from newsdesk.errors import ReaderError
from newsdesk.io.records import Columns, Rejected, Row, guess_text_column, kind_of

__all__ = ["Lines", "csv_rows", "jsonl_rows", "parquet_rows", "txt_row", "undecodable"]

_UNDECODABLE = re.compile("[\udc80-\udcff]")  # bytes kept by the surrogateescape decoder


class Lines:
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


def undecodable(source: str, line: int, text: str) -> Rejected | None:
    """A :class:`Rejected` when ``text`` holds bytes that were not UTF-8, else ``None``."""
    match = _UNDECODABLE.search(text)
    if match is None:
        return None
    byte = ord(match.group()) - 0xDC00
    shown = text.encode("utf-8", "surrogateescape").decode("utf-8", "replace").rstrip("\r\n")
    return Rejected(source, line, f"undecodable bytes: not UTF-8 (byte 0x{byte:02x})", shown)


def jsonl_rows(lines: Lines, name: str) -> Iterator[Row | Rejected]:
    for text in lines:
        number = lines.number
        if not text.strip():
            continue
        bad = undecodable(lines.source, number, text)
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
            yield Rejected(lines.source, number, f"expected a JSON object, got {kind_of(obj)}", raw)
            continue
        yield Row(lines.source, number, obj, raw, f"{name}:{number}")
    if lines.error is not None:
        yield lines.error


def csv_rows(lines: Lines, name: str, delimiter: str, columns: Columns) -> Iterator[Row | Rejected]:
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
        guess = guess_text_column(header, dict(zip(header, sample or [], strict=False)))
        raise ReaderError(
            f"column '{columns.text}' not found in {lines.source}; "
            f"columns are: {', '.join(header)}; pass --text-column {guess or 'NAME'}"
        )
    lines.take()
    return _csv_body(reader, lines, header, name)


def _csv_body(
    reader: Iterator[list[str]], lines: Lines, header: list[str], name: str
) -> Iterator[Row | Rejected]:
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
        bad = undecodable(lines.source, start, raw)
        if bad is not None:
            yield bad
            continue
        if len(row) != len(header):
            reason = f"row has {len(row)} fields, the header has {len(header)}"
            yield Rejected(lines.source, start, reason, raw)
            continue
        yield Row(lines.source, start, dict(zip(header, row, strict=True)), raw, f"{name}:{start}")
    if lines.error is not None:
        yield lines.error


def parquet_rows(stream: BinaryIO, name: str, source: str) -> Iterator[Row | Rejected]:
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
                yield Row(source, number, fields, "", f"{name}:{number}")
    except OSError as exc:
        reason = f"cannot read past this point, the rest of the input is lost: {exc}"
        yield Rejected(source, number + 1, reason)
    finally:
        stream.close()


def txt_row(data: bytes, source: str, default_id: str, columns: Columns) -> Row | Rejected:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        reason = f"undecodable bytes: not UTF-8 (byte 0x{data[exc.start]:02x})"
        return Rejected(source, line, reason, data[:2000].decode("utf-8", "replace"))
    if not text.strip():
        return Rejected(source, None, "empty file")
    title, body = _split_title(text.replace("\r\n", "\n"))
    return Row(source, None, {columns.text: body, columns.title: title}, "", default_id)


def _split_title(text: str) -> tuple[str, str]:
    """A first line followed by a blank line is the title."""
    first, _, rest = text.strip().partition("\n")
    if rest.startswith("\n") and rest.strip():
        return first.strip(), rest.strip()
    return "", text.strip()
