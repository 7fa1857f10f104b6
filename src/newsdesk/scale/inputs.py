"""Input paths for a scale-out job: files, folders and globs of JSON Lines, CSV or Parquet."""

from __future__ import annotations

import glob
from pathlib import Path

from newsdesk.errors import ReaderError
from newsdesk.io.readers import InputFormat

__all__ = ["file_format", "resolve_inputs"]

_SUFFIXES = {
    ".jsonl": InputFormat.JSONL,
    ".ndjson": InputFormat.JSONL,
    ".csv": InputFormat.CSV,
    ".tsv": InputFormat.TSV,
    ".parquet": InputFormat.PARQUET,
    ".pq": InputFormat.PARQUET,
}


def file_format(path: str | Path) -> InputFormat | None:
    """The format a file name says (``.gz`` is looked through, except for Parquet), or ``None``."""
    name = Path(path).name.lower()
    plain = name.removesuffix(".gz")
    fmt = _SUFFIXES.get(Path(plain).suffix)
    if fmt is InputFormat.PARQUET and plain != name:
        return None
    return fmt


def resolve_inputs(
    inputs: list[str], format: InputFormat | None = None
) -> tuple[InputFormat, list[str]]:
    """Expand files, folders (searched recursively) and globs into one format's files, sorted.

    URIs (``s3://bucket/archive/``) are passed to Ray as they are; a URI without a known
    suffix is a folder of Parquet files unless ``format`` says otherwise. Raise
    :class:`ReaderError` when nothing matches or the files mix formats.
    """
    files: list[str] = []
    for item in inputs:
        path = Path(item)
        if "://" in item:
            found = [item]
        elif path.is_dir():
            found = sorted(str(p) for p in path.rglob("*") if p.is_file() and file_format(p))
        elif any(ch in item for ch in "*?["):
            found = sorted(p for p in glob.glob(item, recursive=True) if Path(p).is_file())
        elif path.is_file():
            found = [item]
        else:
            raise ReaderError(f"input {item!r} does not exist")
        if not found:
            raise ReaderError(f"no JSON Lines, CSV or Parquet files found in {item!r}")
        files.extend(found)
    if format is not None:
        return format, files
    formats = {file_format(f) or (InputFormat.PARQUET if "://" in f else None) for f in files}
    if None in formats:
        unknown = next(f for f in files if file_format(f) is None and "://" not in f)
        raise ReaderError(
            f"cannot tell the format of {unknown} from its name; the Ray engine reads .jsonl, "
            ".jsonl.gz, .csv, .tsv and .parquet files, or pass --format"
        )
    if len(formats) > 1:
        raise ReaderError(
            "the inputs mix formats (JSON Lines, CSV, Parquet): run one job per format"
        )
    (fmt,) = formats
    assert fmt is not None
    return fmt, files
