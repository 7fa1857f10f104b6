from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from newsdesk.io.writers import JsonLinesWriter

ROWS = [{"id": "1", "section": "أخرى"}, {"id": "2", "scores": {"a": 0.5, "b": 0.5}}]


def test_writes_one_object_a_line_without_escaping_arabic(tmp_path: Path) -> None:
    path = tmp_path / "out.jsonl"
    with JsonLinesWriter(path) as out:
        for row in ROWS:
            out.write(row)
    text = path.read_text(encoding="utf-8")
    assert "أخرى" in text
    assert [json.loads(line) for line in text.splitlines()] == ROWS
    assert out.count == 2


def test_gz_name_compresses(tmp_path: Path) -> None:
    path = tmp_path / "out.jsonl.gz"
    with JsonLinesWriter(path) as out:
        out.write(ROWS[0])
    assert json.loads(gzip.decompress(path.read_bytes())) == ROWS[0]


def test_dash_is_stdout_and_stays_open(capsys: pytest.CaptureFixture[str]) -> None:
    with JsonLinesWriter("-") as out:
        out.write(ROWS[1])
    assert json.loads(capsys.readouterr().out) == ROWS[1]


def test_flush_makes_lines_visible_before_close(tmp_path: Path) -> None:
    path = tmp_path / "out.jsonl"
    out = JsonLinesWriter(path)
    out.write(ROWS[0])
    out.flush()
    assert path.read_text(encoding="utf-8").count("\n") == 1
    out.close()


def test_unwritable_target_fails_at_once(tmp_path: Path) -> None:
    with pytest.raises(OSError):
        JsonLinesWriter(tmp_path / "missing" / "out.jsonl")
