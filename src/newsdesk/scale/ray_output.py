"""The output folder of a Ray classification job, written by the driver in crash-safe parts.

The actors send back whole encoder groups (see :mod:`newsdesk.scale.datasource`): each
group's predictions and the rows its read rejected. The driver gathers them into part files
(``part-000000.parquet``, ...), each written under a temporary name and then renamed, so a
part is whole or absent, and each names in its footer the groups it holds and their rejects.
A part is saved every ``rows_per_part`` rows or ``seconds_per_part`` seconds, so a kill loses
seconds of work (and a fast cluster does not fill the folder with tiny files); a resumed job
reads the footers, sends only the groups missing, and the rejects file is written afresh from
the footers at the end: every row and every reject once.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator, Sequence
from typing import Any

import pyarrow as pa
import pyarrow.fs as pafs
import pyarrow.parquet as pq

from newsdesk.errors import ReaderError
from newsdesk.io.records import Rejected

__all__ = ["GroupKey", "RayOutput"]

GroupKey = tuple[str, int]
_GROUPS = b"newsdesk.groups"


class RayOutput:
    """Part files under ``output`` (a folder or a URI) for a job over the files ``inputs``.

    Without ``resume`` the folder must hold no Parquet files, unless ``overwrite`` (they are
    removed first). With ``resume`` its parts say which groups are ``done``.
    """

    def __init__(
        self,
        output: str,
        inputs: Sequence[str],
        *,
        resume: bool = False,
        overwrite: bool = False,
        rows_per_part: int = 50_000,
        seconds_per_part: float = 10.0,
    ) -> None:
        self.inputs = list(inputs)
        self.rows_per_part = rows_per_part
        self.seconds_per_part = seconds_per_part
        if "://" in output:
            self.fs, self.root = pafs.FileSystem.from_uri(output)
        else:
            self.fs, self.root = pafs.LocalFileSystem(), str(output)
        self.fs.create_dir(self.root, recursive=True)
        for stale in self._listing(".tmp"):
            self.fs.delete_file(stale)
        old = self._listing(".parquet")
        if old and not resume and not overwrite:
            raise ReaderError(
                f"output folder {output} already holds {len(old)} Parquet files; pass an "
                "empty folder, --resume to finish the job that wrote them, or --overwrite"
            )
        if not resume:
            for path in old:
                self.fs.delete_file(path)
            old = []
        self.done: dict[GroupKey, list[str]] = {}  # a group held: its rejects, as JSON
        self.rows_before = 0
        for path in old:
            self.rows_before += self._read_footer(path)
        # after the highest number there is: a new part never replaces one kept
        self._next = max((_part_number(path) for path in old), default=-1) + 1
        self._tables: list[pa.Table] = []
        self._groups: list[dict[str, Any]] = []
        self._rows = 0
        self._saved = time.monotonic()

    def done_by_file(self) -> dict[str, set[int]]:
        """The groups already held, by input file: what a resumed job does not send again."""
        by_file: dict[str, set[int]] = {}
        for file, group in self.done:
            by_file.setdefault(file, set()).add(group)
        return by_file

    def add(self, block: pa.Table) -> tuple[int, list[Rejected]]:
        """Take one block from the actors; return its number of rows and its rejects."""
        rows, rejects = 0, list[Rejected]()
        for index, (file, group, found) in enumerate(
            zip(*(block.column(n).to_pylist() for n in ("file", "group", "rejects")), strict=True)
        ):
            if (file, group) in self.done:  # a block Ray ran twice
                continue
            self.done[(file, group)] = found
            self._groups.append({"file": file, "group": group, "rejects": found})
            table = pa.Table.from_struct_array(block.column("predictions")[index].values)
            self._tables.append(table)
            rows += table.num_rows
            rejects.extend(Rejected(**json.loads(r)) for r in found)
        self._rows += rows
        if self._rows >= self.rows_per_part or (
            time.monotonic() - self._saved >= self.seconds_per_part
        ):
            self.save()
        return rows, rejects

    def save(self) -> None:
        """Write what is held as one more part (nothing when nothing is held)."""
        if self._groups:
            final = f"{self.root}/part-{self._next:06d}.parquet"
            tmp = final + ".tmp"
            metadata = {_GROUPS: json.dumps(self._groups, ensure_ascii=False).encode()}
            table = pa.concat_tables(self._tables).replace_schema_metadata(metadata)
            with self.fs.open_output_stream(tmp) as stream:
                pq.write_table(table, stream)
            self.fs.move(tmp, final)
            self._next += 1
        self._tables, self._groups, self._rows = [], [], 0
        self._saved = time.monotonic()

    def files(self) -> list[str]:
        """The part files written so far, this job's and a resumed job's."""
        return self._listing(".parquet")

    def rejects(self) -> Iterator[Rejected]:
        """Every reject of every group held, in input order."""
        order = {name: n for n, name in enumerate(self.inputs)}
        for key in sorted(self.done, key=lambda k: (order.get(k[0], len(order)), k)):
            for found in self.done[key]:
                yield Rejected(**json.loads(found))

    def _listing(self, suffix: str) -> list[str]:
        selector = pafs.FileSelector(self.root, allow_not_found=True)
        return sorted(
            info.path
            for info in self.fs.get_file_info(selector)
            if info.is_file and info.base_name.endswith(suffix)
        )

    def _read_footer(self, path: str) -> int:
        with self.fs.open_input_file(path) as fh:
            meta = pq.ParquetFile(fh).metadata
        groups = (meta.metadata or {}).get(_GROUPS)
        if groups is None:
            raise ReaderError(
                f"{path} was not written by a resumable 'newsdesk classify --engine ray'; "
                "pass --overwrite to start afresh"
            )
        known = set(self.inputs)
        for group in json.loads(groups):
            if group["file"] not in known:
                raise ReaderError(
                    f"{path} holds rows of {group['file']}, which is not among the inputs: "
                    "is it the same input? Use a new output folder or drop --resume"
                )
            self.done[(group["file"], group["group"])] = group["rejects"]
        return int(meta.num_rows)


def _part_number(path: str) -> int:
    """12 for ``.../part-000012.parquet``; -1 for a file named otherwise."""
    number = path.rsplit("/", 1)[-1].removeprefix("part-").removesuffix(".parquet")
    return int(number) if number.isdigit() else -1
