"""Prediction outputs that survive a crash, and resuming into them.

A run writes predictions in input order. A :class:`JsonlSink` appends whole lines and flushes
after each batch; a killed run can leave at most one partial last line, which resuming cuts
off. A :class:`ParquetSink` writes numbered part files beside the output (each written to a
temporary name, then renamed, so a part is whole or absent) and joins them into the one
output file when the run ends. Resuming counts the rows already written and skips as many
articles of the (unchanged) input, after checking that the last id written is the id of the
input article at that place: nothing is lost or written twice, and memory stays flat.
"""

from __future__ import annotations

import gzip
import io
import json
import logging
import os
import shutil
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from itertools import islice
from pathlib import Path
from typing import Any, Protocol, TextIO

from newsdesk.article import Article
from newsdesk.errors import ReaderError

__all__ = [
    "JsonlSink",
    "ParquetSink",
    "PredictionSink",
    "open_sink",
    "skip_done",
    "write_predictions",
]

log = logging.getLogger(__name__)

PARQUET_SUFFIXES = (".parquet", ".pq")


class PredictionSink(Protocol):
    """Where prediction rows go. ``done`` and ``last_id`` describe what a resumed output held."""

    done: int
    last_id: str | None

    def write(self, rows: Sequence[dict[str, Any]]) -> None: ...

    def close(self) -> None: ...


def open_sink(
    path: str | Path | None, *, resume: bool = False, fmt: str | None = None
) -> PredictionSink:
    """A sink for ``path`` (``None`` or ``-``: stdout), Parquet when ``fmt`` or the suffix says so.

    A ``.gz`` name is gzip-compressed JSON Lines, which cannot be resumed.
    """
    if path is None or str(path) == "-":
        if resume:
            raise ReaderError("--resume needs an output file (--output FILE), not stdout")
        return JsonlSink(None)
    path = Path(path)
    fmt = fmt or ("parquet" if path.suffix.lower() in PARQUET_SUFFIXES else "jsonl")
    if fmt == "parquet":
        return ParquetSink(path, resume=resume)
    if fmt == "jsonl":
        compress = path.suffix.lower() == ".gz"
        if compress and resume:
            raise ReaderError(
                f"--resume cannot continue a compressed output ({path.name}); "
                "write .jsonl or .parquet, and compress when the run is done"
            )
        return JsonlSink(path, resume=resume, compress=compress)
    raise ReaderError(f"unknown output format {fmt!r}; use jsonl or parquet")


def skip_done(articles: Iterable[Article], sink: PredictionSink) -> Iterator[Article]:
    """``articles`` less the first ``sink.done``, checking they end with ``sink.last_id``."""
    iterator = iter(articles)
    if not sink.done:
        return iterator
    skipped = sum(1 for _ in islice(iterator, sink.done - 1))
    last = next(iterator, None)
    if last is None:
        raise ReaderError(
            f"the output already holds {sink.done} rows but the input has only "
            f"{skipped}: is it the same input? Use a new output file or drop --resume"
        )
    if sink.last_id is not None and last.id != sink.last_id:
        raise ReaderError(
            f"the output's last row (row {sink.done}) has id {sink.last_id!r} but input "
            f"article {sink.done} has id {last.id!r}: is it the same input? "
            "Use a new output file or drop --resume"
        )
    log.info("resuming after %d rows already written", sink.done)
    return iterator


class JsonlSink:
    """JSON Lines, one prediction a line; whole lines only, flushed after every batch.

    Non-ASCII text (Arabic) is written as is; ``compress`` gzips the file.
    """

    def __init__(self, path: Path | None, *, resume: bool = False, compress: bool = False) -> None:
        self.path = path
        self.done = 0
        self.last_id: str | None = None
        if path is None:
            self._out: TextIO = sys.stdout
            return
        if resume and path.exists():
            self.done, self.last_id = _resume_jsonl(path)
        if compress:
            self._out = gzip.open(path, "wt", encoding="utf-8")  # noqa: SIM115
        else:
            self._out = path.open("a" if resume else "w", encoding="utf-8", newline="\n")

    def write(self, rows: Sequence[dict[str, Any]]) -> None:
        text = "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)
        self._out.write(text)
        self._out.flush()

    def close(self) -> None:
        if self._out is sys.stdout:
            self._out.flush()
        else:
            self._out.close()


def _resume_jsonl(path: Path) -> tuple[int, str | None]:
    """Cut a partial last line off ``path``; return its line count and the last line's id."""
    with path.open("rb+") as fh:
        size = fh.seek(0, io.SEEK_END)
        end = _last_newline_end(fh, size)
        if end < size:
            log.warning("%s: dropping a partial last line (%d bytes)", path, size - end)
            fh.truncate(end)
        fh.seek(0)
        count = sum(chunk.count(b"\n") for chunk in iter(lambda: fh.read(1 << 20), b""))
        last_line = _last_line(fh, end)
    if not count:
        return 0, None
    try:
        row = json.loads(last_line)
    except json.JSONDecodeError as exc:
        raise ReaderError(f"{path}: the last line is not JSON ({exc}); cannot resume") from None
    return count, row.get("id") if isinstance(row, dict) else None


def _last_newline_end(fh: Any, size: int) -> int:
    """The offset just past the last newline (0 when there is none)."""
    pos = size
    while pos > 0:
        start = max(0, pos - 65536)
        fh.seek(start)
        block = fh.read(pos - start)
        index = block.rfind(b"\n")
        if index >= 0:
            return start + index + 1
        pos = start
    return 0


def _last_line(fh: Any, end: int) -> bytes:
    """The last whole line before offset ``end`` (which follows a newline)."""
    if end == 0:
        return b""
    start = _last_newline_end(fh, end - 1)
    fh.seek(start)
    return fh.read(end - start)


class ParquetSink:
    """One Parquet file, built from crash-safe parts in ``<output>.parts/`` and joined at close.

    A part is written every ``rows_per_part`` rows or ``seconds_per_part`` seconds, whichever
    comes first; a crash loses at most the rows not yet in a part, which a resumed run redoes.
    Parts are small so that a kill costs seconds of work with any encoder; the join gathers
    them into row groups of ``JOIN_ROWS``, so the output does not keep their size.
    """

    JOIN_ROWS = 65_536

    def __init__(
        self,
        path: Path,
        *,
        resume: bool = False,
        rows_per_part: int = 5_000,
        seconds_per_part: float = 2.0,
    ) -> None:
        from newsdesk.io.parquet import require_pyarrow

        require_pyarrow()
        if not path.parent.is_dir():
            raise FileNotFoundError(2, "No such directory", str(path.parent))
        self.path = path
        self.parts = path.with_name(path.name + ".parts")
        self.rows_per_part = rows_per_part
        self.seconds_per_part = seconds_per_part
        self.done = 0
        self.last_id: str | None = None
        self._buffer: list[dict[str, Any]] = []
        self._started = time.monotonic()
        self._schema: Any = None
        if resume:
            self._resume()
        else:
            shutil.rmtree(self.parts, ignore_errors=True)
        self._next = len(self._part_files())

    def write(self, rows: Sequence[dict[str, Any]]) -> None:
        self._buffer.extend(rows)
        if len(self._buffer) >= self.rows_per_part or (
            time.monotonic() - self._started >= self.seconds_per_part
        ):
            self._flush()

    def close(self) -> None:
        self._flush()
        self._join()

    def _part_files(self) -> list[Path]:
        return sorted(self.parts.glob("part-*.parquet")) if self.parts.exists() else []

    def _flush(self) -> None:
        if not self._buffer:
            return
        import pyarrow.parquet as pq

        from newsdesk.io.parquet import predictions_table, schema_for_rows

        if self._schema is None:
            self._schema = schema_for_rows(self._buffer)
        self.parts.mkdir(parents=True, exist_ok=True)
        final = self.parts / f"part-{self._next:06d}.parquet"
        tmp = final.with_suffix(".tmp")
        pq.write_table(predictions_table(self._buffer, self._schema), tmp)
        os.replace(tmp, final)
        self._next += 1
        self._buffer = []
        self._started = time.monotonic()

    def _resume(self) -> None:
        import pyarrow.parquet as pq

        from newsdesk.io.parquet import parquet_row_count

        for stale in self.parts.glob("*.tmp") if self.parts.exists() else []:
            stale.unlink()
        parts = self._part_files()
        if not parts and self.path.exists():
            # a finished run: its parts were joined into the output; split it back into one part
            self.parts.mkdir(parents=True)
            shutil.copyfile(self.path, self.parts / "part-000000.parquet")
            parts = self._part_files()
        self.done = sum(parquet_row_count(p) for p in parts)
        if parts:
            last = pq.ParquetFile(str(parts[-1]))
            ids = last.read_row_group(last.num_row_groups - 1, columns=["id"]).column("id")
            self.last_id = ids[len(ids) - 1].as_py() if len(ids) else None
            self._schema = last.schema_arrow

    def _join(self) -> None:
        import pyarrow.parquet as pq

        parts = self._part_files()
        if not parts:
            if self._schema is None:
                log.warning("%s: no rows to write", self.path)
            return
        tmp = self.path.with_name(self.path.name + ".tmp")
        schema = pq.ParquetFile(str(parts[0])).schema_arrow
        with pq.ParquetWriter(str(tmp), schema) as writer:
            for group in _row_groups(parts, self.JOIN_ROWS):
                writer.write_table(group)
        os.replace(tmp, self.path)
        shutil.rmtree(self.parts)


def _row_groups(parts: list[Path], rows: int) -> Iterator[Any]:
    """The rows of ``parts``, in order, as tables of ``rows`` rows (the last one shorter)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    held: list[Any] = []
    count = 0
    for part in parts:
        for batch in pq.ParquetFile(str(part)).iter_batches():
            held.append(batch)
            count += batch.num_rows
            while count >= rows:
                table = pa.Table.from_batches(held)
                yield table.slice(0, rows)
                rest = table.slice(rows)
                held, count = rest.to_batches(), rest.num_rows
    if count:
        yield pa.Table.from_batches(held)


def write_predictions(
    articles: Iterable[Article],
    predict: Callable[[Iterator[Article]], Iterable[dict[str, Any]]],
    sink: PredictionSink,
    *,
    batch_size: int = 32,
    on_resumed: Callable[[int], None] | None = None,
    on_batch: Callable[[int], None] | None = None,
) -> int:
    """File ``articles`` into ``sink``, after what it already holds, ``batch_size`` rows a write.

    ``predict`` maps the stream of articles still to do to their prediction dicts, lazily
    and in order (as :meth:`Classifier.classify_many` does, which encodes the next batch
    while this one is written). ``on_resumed(n)`` is called once the ``n`` articles already
    in the sink were skipped, ``on_batch(n)`` after each write. The sink is closed (a Parquet
    output joined) only when every article is written; returns the number written by this call.
    """
    iterator = skip_done(articles, sink)
    if on_resumed is not None:
        on_resumed(sink.done)
    rows = iter(predict(iterator))
    written = 0
    while batch := list(islice(rows, batch_size)):
        sink.write(batch)
        written += len(batch)
        if on_batch is not None:
            on_batch(len(batch))
    sink.close()
    return written
