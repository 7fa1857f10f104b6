"""The driver's side of a Ray job, without Ray: groups in, crash-safe parts out, resumed."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest

from services import need_ray

need_ray()

from newsdesk.classify.spec import ClassifierSpec  # noqa: E402 (after the check for Ray)
from newsdesk.errors import ReaderError  # noqa: E402 (after the check for Ray)
from newsdesk.io.parquet import iter_parquet_records  # noqa: E402 (after the check for Ray)
from newsdesk.scale.datasource import ArticleDatasource  # noqa: E402 (after the check for Ray)
from newsdesk.scale.ray_job import ClassifyBatch  # noqa: E402 (after the check for Ray)
from newsdesk.scale.ray_output import RayOutput  # noqa: E402 (after the check for Ray)


def source_file(tmp_path: Path) -> Path:
    lines = [json.dumps({"id": f"a{i}", "text": f"story {i} about the vote"}) for i in range(6)]
    lines[2:2] = ['{"text": ']
    lines += ['{"text": ""}']  # after the last article: it rides with a group of no articles
    path = tmp_path / "in.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def filed_blocks(path: Path, done: dict[str, set[int]] | None = None) -> list[Any]:
    """The blocks the actors would send back, one group a block."""
    source = ArticleDatasource([str(path)], format="jsonl", group_rows=3, block_groups=1, done=done)
    actor = ClassifyBatch(ClassifierSpec(encoder="lexical"), encode_batch=3, top_k=None)
    return [actor(block) for block in source._read_stream(io.BytesIO(path.read_bytes()), str(path))]


def test_groups_with_their_rejects_survive_a_kill_and_resume_once(tmp_path: Path) -> None:
    path, out = source_file(tmp_path), tmp_path / "out"
    blocks = filed_blocks(path)
    assert len(blocks) == 3  # a0-a2, a3-a5, and the trailing reject alone
    first = RayOutput(str(out), [str(path)], rows_per_part=1)
    assert first.add(blocks[0])[1][0].line == 3
    first.add(blocks[1])  # killed here: two parts saved
    (out / "part-000002.parquet.tmp").write_bytes(b"torn")
    with pytest.raises(ReaderError, match="already holds 2 Parquet files"):
        RayOutput(str(out), [str(path)])
    again = RayOutput(str(out), [str(path)], resume=True)
    assert again.rows_before == 6 and again.done_by_file() == {str(path): {0, 1}}
    rest = filed_blocks(path, again.done_by_file())
    assert [again.add(block)[0] for block in rest] == [0]
    again.save()
    assert [r["id"] for r in iter_parquet_records(out)] == [f"a{i}" for i in range(6)]
    assert [(r.line, r.reason) for r in again.rejects()] == [
        (3, "invalid JSON: Expecting value (column 10)"),
        (8, "empty 'text'"),
    ]
    assert not list(out.glob("*.tmp"))


def test_resume_refuses_a_folder_of_another_input(tmp_path: Path) -> None:
    path, out = source_file(tmp_path), tmp_path / "out"
    output = RayOutput(str(out), [str(path)], rows_per_part=1)
    output.add(filed_blocks(path)[0])
    with pytest.raises(ReaderError, match="not among the inputs: is it the same input"):
        RayOutput(str(out), [str(tmp_path / "other.jsonl")], resume=True)


def test_a_resumed_job_numbers_its_parts_after_the_highest_kept(tmp_path: Path) -> None:
    path, out = source_file(tmp_path), tmp_path / "out"
    blocks = filed_blocks(path)
    first = RayOutput(str(out), [str(path)], rows_per_part=1)
    first.add(blocks[0])
    first.add(blocks[1])
    (out / "part-000000.parquet").rename(out / "part-000002.parquet")
    again = RayOutput(str(out), [str(path)], resume=True)
    again.add(blocks[2])
    again.save()
    assert sorted(p.name for p in out.glob("*.parquet")) == [
        "part-000001.parquet",
        "part-000002.parquet",
        "part-000003.parquet",
    ]
    assert [r["id"] for r in iter_parquet_records(out)] == [f"a{i}" for i in [3, 4, 5, 0, 1, 2]]
