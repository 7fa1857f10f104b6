"""Parquet input and output (pyarrow), streamed: memory stays flat however large the file.

Articles are read a record batch at a time. Predictions are written with a fixed schema
(``id``, ``section``, ``confidence``, ``lang``, optional ``sections`` and ``top``, and
``scores`` as a struct with one field per section in taxonomy order), so the rows read back
equal the dicts of :meth:`Prediction.to_dict`, the same as the JSON Lines output.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from newsdesk.errors import ReaderError, require

if TYPE_CHECKING:
    import pyarrow as pa

__all__ = [
    "iter_parquet_records",
    "parquet_row_count",
    "prediction_schema",
    "predictions_table",
    "require_pyarrow",
    "schema_for_rows",
]


def require_pyarrow() -> None:
    """Raise :class:`~newsdesk.errors.MissingExtraError` naming the extra when pyarrow is absent."""
    require("pyarrow", feature="Parquet input and output", extra="ingest")


def iter_parquet_records(
    path: str | Path, *, columns: Sequence[str] | None = None, batch_rows: int = 1024
) -> Iterator[dict[str, Any]]:
    """Rows of a Parquet file (or a folder of them) as dicts, ``batch_rows`` in memory at a time."""
    require_pyarrow()
    import pyarrow.dataset as ds

    try:
        dataset = ds.dataset(str(path), format="parquet")
    except (OSError, ValueError) as exc:
        raise ReaderError(f"{path}: not a readable Parquet file ({exc})") from None
    if columns is not None:
        have = set(dataset.schema.names)
        columns = [c for c in columns if c in have]
    for batch in dataset.to_batches(columns=columns, batch_size=batch_rows):
        yield from batch.to_pylist()


def parquet_row_count(path: str | Path) -> int:
    """The number of rows a Parquet file holds, from its footer."""
    require_pyarrow()
    import pyarrow.parquet as pq

    return int(pq.ParquetFile(str(path)).metadata.num_rows)


def prediction_schema(
    section_names: Sequence[str], *, multi_label: bool = False, top: bool = False
) -> pa.Schema:
    """The Arrow schema of prediction rows for a taxonomy with these sections."""
    import pyarrow as pa

    fields = [
        pa.field("id", pa.string()),
        pa.field("section", pa.string()),
        pa.field("confidence", pa.float64()),
        pa.field("lang", pa.string()),
    ]
    if multi_label:
        fields.append(pa.field("sections", pa.list_(pa.string())))
    if top:
        item = pa.struct([pa.field("section", pa.string()), pa.field("score", pa.float64())])
        fields.append(pa.field("top", pa.list_(item)))
    scores = pa.struct([pa.field(name, pa.float64()) for name in section_names])
    fields.append(pa.field("scores", scores))
    return pa.schema(fields)


def predictions_table(rows: Sequence[dict[str, Any]], schema: pa.Schema) -> pa.Table:
    """An Arrow table of prediction dicts (:meth:`Prediction.to_dict`) under ``schema``."""
    import pyarrow as pa

    return pa.Table.from_pylist(list(rows), schema=schema)


def schema_for_rows(rows: Sequence[dict[str, Any]]) -> pa.Schema:
    """The prediction schema that fits ``rows`` (taken from the first row's keys)."""
    first = rows[0]
    return prediction_schema(
        list(first["scores"]), multi_label="sections" in first, top="top" in first
    )
