"""Write results as JSON Lines, one object a line, as they are produced."""

from __future__ import annotations

import gzip
import json
import sys
from collections.abc import Mapping
from pathlib import Path
from types import TracebackType
from typing import IO, Any

__all__ = ["JsonLinesWriter"]


class JsonLinesWriter:
    """Writes one JSON object a line to a file, or to stdout for ``-``.

    A name ending in ``.gz`` is gzip-compressed. Non-ASCII text (Arabic) is written as is, not
    escaped. ``append`` adds to an existing file instead of replacing it. Lines are buffered:
    call :meth:`flush` where readers downstream should see them.
    Opening a file that cannot be written raises ``OSError`` at once.
    """

    def __init__(self, target: str | Path, *, append: bool = False) -> None:
        self.name = str(target)
        self.count = 0
        self._owned = self.name != "-"
        self._stream: IO[str]
        if not self._owned:
            self._stream = sys.stdout
        elif self.name.endswith(".gz"):
            self._stream = gzip.open(target, "at" if append else "wt", encoding="utf-8")  # noqa: SIM115
        else:
            mode = "a" if append else "w"
            self._stream = open(target, mode, encoding="utf-8", newline="\n")  # noqa: SIM115

    def write(self, obj: Mapping[str, Any]) -> None:
        """Write ``obj`` as one line."""
        self._stream.write(json.dumps(obj, ensure_ascii=False) + "\n")
        self.count += 1

    def flush(self) -> None:
        self._stream.flush()

    def close(self) -> None:
        """Flush, and close the file (stdout stays open)."""
        if self._owned:
            self._stream.close()
        else:
            self._stream.flush()

    def __enter__(self) -> JsonLinesWriter:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
