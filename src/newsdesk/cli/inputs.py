"""The flags that say how to read articles, shared by the commands that read them.

``classify``, ``train`` and ``evaluate`` read through :mod:`newsdesk.io.readers`, so they take
the same inputs (JSON Lines, CSV, TSV, Parquet, gzip, a folder of ``.txt`` files, ``-`` for
stdin), the same column flags, and report a rejected row the same way: one ``rejected ...``
line on stderr, the row left out and the run going on.
"""

from __future__ import annotations

from typing import Any

import typer

from newsdesk.io.readers import InputFormat
from newsdesk.io.records import Rejected

__all__ = ["FORMAT", "ID_COLUMN", "TEXT_COLUMN", "TITLE_COLUMN", "read_options", "say_rejected"]

TEXT_COLUMN = typer.Option("text", "--text-column", help="Field holding the text.")
TITLE_COLUMN = typer.Option("title", "--title-column", help="Field holding the title.")
ID_COLUMN = typer.Option("id", "--id-column", help="Field holding the id.")
LABEL_COLUMN = typer.Option("label", help="Column holding one section an article.")
LABELS_COLUMN = typer.Option("labels", help="Column holding several sections.")
FORMAT = typer.Option(
    None, "--format", "-f", case_sensitive=False, help="Input format, when names don't say."
)


def say_rejected(rejected: Rejected) -> None:
    """Report a row the reader could not use, as ``newsdesk classify`` does."""
    typer.echo(f"rejected {rejected}", err=True)


def read_options(
    text_column: str, title_column: str, id_column: str, format: InputFormat | None
) -> dict[str, Any]:
    """The keyword arguments of the dataset readers that these flags give."""
    return {
        "text_column": text_column,
        "title_column": title_column,
        "id_column": id_column,
        "format": format,
        "on_reject": say_rejected,
    }
