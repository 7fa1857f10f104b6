"""``newsdesk classify --adapt --engine ray`` on a local Ray (marked ``ray``)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from newsdesk.cli.app import app
from newsdesk.io.parquet import iter_parquet_records

pytestmark = pytest.mark.ray

DATA = Path(__file__).parent.parent / "data"
ARCHIVE = DATA / "terse-archive.jsonl"
TERSE = str(DATA / "terse-taxonomy.yaml")


def test_adapt_on_ray_files_as_the_local_adapt_run(local_ray: None, tmp_path: Path) -> None:
    local = CliRunner().invoke(
        app, ["classify", "-e", "lexical", "-t", TERSE, "--adapt", str(ARCHIVE)]
    )
    assert local.exit_code == 0, local.output
    lines = [line for line in local.stdout.splitlines() if line.startswith("{")]
    expected = {r["id"]: r for r in map(json.loads, lines)}
    assert len(expected) == 180
    out = tmp_path / "filed"
    result = CliRunner().invoke(
        app,
        ["classify", "-e", "lexical", "-t", TERSE, "--adapt", "--engine", "ray", "--workers",
         "2", str(ARCHIVE), str(out)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "encoded 180 articles on Ray" in result.stderr
    assert "adapted the zero-shot head to 180 articles" in result.stderr
    assert "180 articles filed" in result.stderr
    assert {r["id"]: r for r in iter_parquet_records(out)} == expected
